package training

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tcsim/tcsim/experiments/internal/lab"
	"github.com/tcsim/tcsim/sim/atomicfile"
	"github.com/tcsim/tcsim/sim/parallel"
	"github.com/tcsim/tcsim/sim/sweep"
	"github.com/tcsim/tcsim/sim/train"
	"github.com/tcsim/tcsim/sim/train/data"
	"github.com/tcsim/tcsim/sim/train/recipe"
)

// part is a part of the study.
type part uint8

const (
	armsPart  part = iota // the arms × paired seeds
	phasePart             // the phase diagram's points
)

// phaseArith is how a run of the phase diagram computes its GEMMs.
type phaseArith uint8

const (
	phaseFP32     phaseArith = iota // the fp32 baseline
	phaseExactAcc                   // E4M3 per-tensor quantisation, exact accumulation
	phaseDatapath                   // E4M3 per-tensor, the point's N_c and F in all three GEMMs
)

// job is one training run of the study: an arm and seed, or a point of
// the phase diagram and seed.
type job struct {
	part  part
	arm   int // armsPart: index in arms
	arith phaseArith
	k     int // phasePart: tokens per step (wgrad's K)
	nc, f int // phaseDatapath: promotion interval (0: never), accumulator fraction bits
	seed  uint64
}

// key names the job; it is the name of its file in the store.
func (j job) key() string {
	if j.part == armsPart {
		return fmt.Sprintf("arm-%s-s%d", arms[j.arm].name, j.seed)
	}
	switch j.arith {
	case phaseFP32:
		return fmt.Sprintf("phase-k%d-fp32-s%d", j.k, j.seed)
	case phaseExactAcc:
		return fmt.Sprintf("phase-k%d-exact-s%d", j.k, j.seed)
	}
	return fmt.Sprintf("phase-k%d-nc%s-f%d-s%d", j.k, recipe.NcLabel(j.nc), j.f, j.seed)
}

// plan lists the study's jobs in canonical order.
func plan(sz size) []job {
	var jobs []job
	for a := range arms {
		for s := range sz.arms.seeds {
			jobs = append(jobs, job{part: armsPart, arm: a, seed: uint64(s + 1)})
		}
	}
	ph := sz.phase
	for _, k := range ph.ks {
		for s := range ph.seeds {
			jobs = append(jobs, job{part: phasePart, arith: phaseFP32, k: k, seed: uint64(s + 1)})
		}
		jobs = append(jobs, job{part: phasePart, arith: phaseExactAcc, k: k, seed: 1})
		for _, f := range ph.fs {
			for _, nc := range ph.ncs {
				jobs = append(jobs, job{part: phasePart, arith: phaseDatapath, k: k, nc: nc, f: f, seed: 1})
			}
		}
	}
	return jobs
}

// recipe returns the job's recipe.
func (j job) recipe() (recipe.Recipe, error) {
	if j.part == armsPart {
		return arms[j.arm].recipe()
	}
	if j.arith == phaseFP32 {
		return recipe.Named("fp32")
	}
	r, err := recipe.Named("fast")
	if err != nil {
		return r, err
	}
	knobs := [][2]string{{"acc", "exact"}}
	if j.arith == phaseDatapath {
		knobs = [][2]string{{"nc", recipe.NcLabel(j.nc)}}
		if j.f != r.GEMM[recipe.Fprop].Preset.F {
			knobs = append(knobs, [2]string{"fbits", strconv.Itoa(j.f)})
		}
	}
	return withKnobs(r, j.key(), knobs)
}

// options returns the job's training options.
func (j job) options(sz size, corpus *data.Corpus) (train.Options, error) {
	r, err := j.recipe()
	if err != nil {
		return train.Options{}, err
	}
	m, batch, steps, logEvery := sz.arms.model, sz.arms.batchTokens, sz.arms.steps, sz.arms.logEvery
	if j.part == phasePart {
		m, batch = sz.phase.model, j.k
		steps = sz.phase.tokens / j.k
		logEvery = max(1, steps/sz.phase.logs)
	}
	return train.Options{
		Model:  train.Config{Layers: m.layers, D: m.d, Heads: m.heads, Ctx: m.ctx, Vocab: data.Vocab, Bias: true},
		Recipe: r,
		Hyper: train.Hyper{LR: m.lr, MinLR: m.lr / 10, Warmup: steps / 10, Steps: steps, Beta1: 0.9, Beta2: 0.99,
			Eps: 1e-8, WeightDecay: 0.1, Clip: 1},
		BatchTokens: batch, Seed: j.seed, LogEvery: logEvery, EvalSeqs: m.evalSeqs, Corpus: corpus,
	}, nil
}

// cost estimates the job's work (arbitrary units), to deal jobs to shards
// evenly: the multiply-adds of its training tokens and evaluations, times
// the relative speed of its arithmetic.
func (j job) cost(sz size) float64 {
	m, tokens, evals := sz.arms.model, sz.arms.batchTokens*sz.arms.steps, sz.arms.steps/sz.arms.logEvery
	if j.part == phasePart {
		m, tokens, evals = sz.phase.model, sz.phase.tokens, sz.phase.logs
	}
	perToken := float64(m.layers*(12*m.d*m.d+2*m.ctx*m.d) + data.Vocab*m.d)
	// Relative times per token measured on the study's model.
	speed := 1.0
	if r, err := j.recipe(); err == nil {
		for _, g := range r.GEMM {
			switch {
			case g.Arith == recipe.QuantExact:
				speed = 1.9 // exact sums of scaled products
			case g.Arith == recipe.TensorCore && g.Preset.A.Bits() > 8:
				speed = 2.6 // BF16 operands: the wide-product datapath
			}
		}
	}
	return speed * perToken * float64(3*tokens+evals*m.evalSeqs*m.ctx)
}

// shard returns the jobs of shard i of n (all for n <= 1) in canonical
// order, dealt by estimated cost ([parallel.Share]), so the assignment
// depends only on the study and n.
func shard(sz size, jobs []job, i, n int) []job {
	return parallel.Share(jobs, func(j job) float64 { return j.cost(sz) }, i, n)
}

// row is one log row of a job: the losses and, per GEMM kind, the mean
// over layers of the accumulation error and the variance ratio, and K.
type row struct {
	step, tokens int
	train, val   float64
	acc, vrr     [recipe.NumKinds]float64
	k            [recipe.NumKinds]int
}

// jobFile is a finished job as stored: its identity, the wall time it
// took (not part of any output) and its rows as exact decimal strings.
type jobFile struct {
	Experiment string     `json:"experiment"`
	Size       string     `json:"size"`
	SizeID     string     `json:"size_id"`
	Job        string     `json:"job"`
	Build      string     `json:"build"`
	Seconds    float64    `json:"seconds"`
	Rows       [][]string `json:"rows"`
}

func (f *jobFile) identity() string {
	return fmt.Sprintf("%s %s %s %s build %q", f.Experiment, f.Size, f.SizeID, f.Job, f.Build)
}

// sizeID fingerprints everything that determines a size's numbers.
func sizeID(sz size) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("%+v %+v", sz, arms)))
	return hex.EncodeToString(h[:8])
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// encode turns a finished trainer's logs into the job's stored rows.
func encode(log []train.LogRow, errs []train.ErrorRow) [][]string {
	var out [][]string
	for _, l := range log {
		acc, vrr, k := kindMeans(errs, l.Step)
		r := []string{strconv.Itoa(l.Step), strconv.Itoa(l.Tokens), ftoa(l.TrainLoss), ftoa(l.ValLoss)}
		for i := range recipe.NumKinds {
			r = append(r, ftoa(acc[i]), ftoa(vrr[i]), strconv.Itoa(k[i]))
		}
		out = append(out, r)
	}
	return out
}

// decode parses stored rows.
func decode(rows [][]string) ([]row, error) {
	out := make([]row, len(rows))
	for i, r := range rows {
		if len(r) != 4+3*recipe.NumKinds {
			return nil, fmt.Errorf("row %d has %d fields", i+1, len(r))
		}
		var perr error
		num := func(s string) int {
			v, err := strconv.Atoi(s)
			perr = cmp.Or(perr, err)
			return v
		}
		flt := func(s string) float64 {
			v, err := strconv.ParseFloat(s, 64)
			perr = cmp.Or(perr, err)
			return v
		}
		o := row{step: num(r[0]), tokens: num(r[1]), train: flt(r[2]), val: flt(r[3])}
		for k := range recipe.NumKinds {
			o.acc[k], o.vrr[k], o.k[k] = flt(r[4+3*k]), flt(r[5+3*k]), num(r[6+3*k])
		}
		if perr != nil {
			return nil, fmt.Errorf("row %d: %v", i+1, perr)
		}
		out[i] = o
	}
	if len(out) == 0 {
		return nil, errors.New("no rows")
	}
	return out, nil
}

// kindMeans returns, for one log step of a job, the mean over layers of
// the accumulation error and the variance ratio per GEMM kind, and each
// kind's K.
func kindMeans(errs []train.ErrorRow, step int) (acc, vrr [recipe.NumKinds]float64, k [recipe.NumKinds]int) {
	var n [recipe.NumKinds]int
	for _, e := range errs {
		if e.Step != step {
			continue
		}
		acc[e.Kind] += e.Acc.NormRel
		vrr[e.Kind] += e.VarRatio
		k[e.Kind] = max(k[e.Kind], e.K)
		n[e.Kind]++
	}
	for i := range n {
		if n[i] == 0 {
			acc[i], vrr[i] = math.NaN(), math.NaN()
			continue
		}
		acc[i] /= float64(n[i])
		vrr[i] /= float64(n[i])
	}
	return acc, vrr, k
}

// jobsDir is where a store keeps its finished jobs.
const jobsDir = "jobs"

// ErrOtherRun marks a store holding jobs of another run (another size,
// definition of the study or build of the tool).
var ErrOtherRun = errors.New("holds jobs of another run")

// runJobs computes the jobs of cfg's shard that the store does not hold
// yet, saving each as it finishes, and returns the stored files of all of
// them, by key.
func runJobs(ctx context.Context, cfg lab.Config, sz size, corpus *data.Corpus, mine []job) (map[string]*jobFile, error) {
	done := map[string]*jobFile{}
	var dir string
	if cfg.Store != "" {
		lock, err := sweep.LockDir(cfg.Store)
		if err != nil {
			return nil, err
		}
		defer lock.Unlock()
		dir = filepath.Join(cfg.Store, jobsDir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		if err := atomicfile.RemoveStale(dir); err != nil {
			return nil, err
		}
		for _, j := range mine {
			f, err := readJob(filepath.Join(dir, j.key()+".json"))
			switch {
			case errors.Is(err, fs.ErrNotExist):
				continue
			case err != nil:
				return nil, err
			}
			want := newJobFile(cfg, sz, j)
			if f.identity() != want.identity() {
				return nil, fmt.Errorf("%s %w (%s, not %s): give a new --out", cfg.Store, ErrOtherRun, f.identity(), want.identity())
			}
			done[j.key()] = f
		}
	}
	var todo []job
	for _, j := range mine {
		if done[j.key()] == nil {
			todo = append(todo, j)
		}
	}
	// Largest first, so the last jobs to finish are short.
	slices.SortStableFunc(todo, func(a, b job) int { return cmp.Compare(b.cost(sz), a.cost(sz)) })
	var mu sync.Mutex
	finished := len(mine) - len(todo)
	err := parallel.For(ctx, len(todo), 0, func(i int) error {
		j := todo[i]
		o, err := j.options(sz, corpus)
		if err != nil {
			return err
		}
		start := time.Now()
		tr, err := train.NewTrainer(o)
		if err != nil {
			return err
		}
		if err := tr.Run(ctx); err != nil {
			return fmt.Errorf("%s: %w", j.key(), err)
		}
		f := newJobFile(cfg, sz, j)
		f.Seconds = math.Round(time.Since(start).Seconds()*1000) / 1000
		f.Rows = encode(tr.Log, tr.Errors)
		if dir != "" {
			b, _ := json.Marshal(f)
			if err := atomicfile.WriteFile(filepath.Join(dir, j.key()+".json"), append(b, '\n')); err != nil {
				return err
			}
		}
		mu.Lock()
		defer mu.Unlock()
		done[j.key()] = f
		finished++
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "training: %d/%d jobs: %s took %.1f s\n", finished, len(mine), j.key(), f.Seconds)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return done, nil
}

func newJobFile(cfg lab.Config, sz size, j job) *jobFile {
	return &jobFile{Experiment: name, Size: sz.name, SizeID: sizeID(sz), Job: j.key(), Build: cfg.Build}
}

func readJob(path string) (*jobFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f jobFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: not a job file of this experiment: %v", path, err)
	}
	if _, err := decode(f.Rows); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return &f, nil
}

// readStores reads every job file in the stores' job directories and
// checks that they are of one run: one size and definition of the study,
// one build. It returns them by key and the size.
func readStores(dirs []string) (map[string]*jobFile, size, error) {
	all := map[string]*jobFile{}
	from := map[string]string{}
	var first *jobFile
	for _, d := range dirs {
		paths, err := filepath.Glob(filepath.Join(d, jobsDir, "*.json"))
		if err != nil {
			return nil, size{}, err
		}
		if len(paths) == 0 {
			return nil, size{}, fmt.Errorf("%s holds no finished jobs (no %s)", d, filepath.Join(d, jobsDir, "*.json"))
		}
		for _, p := range paths {
			f, err := readJob(p)
			if err != nil {
				return nil, size{}, err
			}
			if f.Experiment != name || f.Job+".json" != filepath.Base(p) {
				return nil, size{}, fmt.Errorf("%s is not a job file of the %s experiment", p, name)
			}
			if first == nil {
				first = f
			}
			if f.Size != first.Size || f.SizeID != first.SizeID || f.Build != first.Build {
				return nil, size{}, fmt.Errorf("%s and %s are of different runs (size %s, build %q against size %s, build %q): merge the shards of one run",
					p, from[first.Job], f.Size, f.Build, first.Size, first.Build)
			}
			if prev, ok := all[f.Job]; ok && !slices.EqualFunc(prev.Rows, f.Rows, slices.Equal) {
				return nil, size{}, fmt.Errorf("job %s is in %s and %s with different numbers", f.Job, from[f.Job], p)
			}
			all[f.Job], from[f.Job] = f, p
		}
	}
	sz, err := sizeNamed(first.Size)
	if err != nil {
		return nil, size{}, err
	}
	if sizeID(sz) != first.SizeID {
		return nil, size{}, fmt.Errorf("the jobs are of another definition of the %s study (written by tcsim %s): merge with that build", sz.name, first.Build)
	}
	var missing []string
	want := map[string]bool{}
	for _, j := range plan(sz) {
		want[j.key()] = true
		if all[j.key()] == nil {
			missing = append(missing, j.key())
		}
	}
	if len(missing) > 0 {
		more := ""
		if len(missing) > 3 {
			more = fmt.Sprintf(" and %d more", len(missing)-3)
		}
		return nil, size{}, fmt.Errorf("%d of %d jobs of the %s study are missing (%s%s): run or rerun the shards that own them",
			len(missing), len(want), sz.name, strings.Join(missing[:min(3, len(missing))], ", "), more)
	}
	for k := range all {
		if !want[k] {
			return nil, size{}, fmt.Errorf("job %s (%s) is not part of the %s study", k, from[k], sz.name)
		}
	}
	return all, sz, nil
}
