package train

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/tcsim/tcsim/sim/atomicfile"
	"github.com/tcsim/tcsim/sim/safetensors"
	"github.com/tcsim/tcsim/sim/train/backend"
	"github.com/tcsim/tcsim/sim/train/data"
	"github.com/tcsim/tcsim/sim/train/recipe"
)

// Options configure a training run.
type Options struct {
	Model       Config
	Recipe      recipe.Recipe
	Hyper       Hyper
	BatchTokens int // tokens per step: BatchTokens/Model.Ctx sequences of Ctx tokens
	Seed        uint64
	LogEvery    int // log, probe GEMM errors and evaluate every LogEvery steps (and at the end)
	EvalSeqs    int // validation sequences of Ctx tokens
	Corpus      *data.Corpus
	Out         string // output directory; empty: write nothing (the run lives in memory)
	InitFrom    string // safetensors weights to start from instead of the seed's initialisation
	Resume      bool   // continue from Out/state.safetensors
	// Shadow computes, at every log step, the weight gradients of the same
	// weights and batch with the fp32 recipe and logs their cosine
	// similarity with the recipe's.
	Shadow bool
	// Progress, when set, is called after every step.
	Progress func(Progress)
}

// Progress reports a finished step.
type Progress struct {
	Step, Steps int
	Loss        float64
	Elapsed     time.Duration // this process's time on steps
	Done        int           // steps this process ran
}

// ErrInterrupted is returned when the context is cancelled; the run's
// state was saved and --resume continues it bit for bit.
var ErrInterrupted = errors.New("train: interrupted; state saved, continue with --resume")

// Check validates the options.
func (o *Options) Check() error {
	if err := o.Model.Check(); err != nil {
		return err
	}
	if err := o.Recipe.Check(); err != nil {
		return err
	}
	h := o.Hyper
	switch {
	case o.BatchTokens < o.Model.Ctx || o.BatchTokens%o.Model.Ctx != 0:
		return fmt.Errorf("batch tokens %d must be a positive multiple of ctx %d", o.BatchTokens, o.Model.Ctx)
	case h.Steps < 0:
		return fmt.Errorf("steps %d is negative", h.Steps)
	case !(h.LR > 0) || !(h.MinLR >= 0) || h.MinLR > h.LR || math.IsInf(h.LR, 0):
		return fmt.Errorf("learning rates %g → %g: want 0 ≤ min ≤ peak, peak > 0", h.LR, h.MinLR)
	case h.Warmup < 0:
		return fmt.Errorf("warmup %d is negative", h.Warmup)
	case !(h.Beta1 >= 0 && h.Beta1 < 1 && h.Beta2 >= 0 && h.Beta2 < 1):
		return fmt.Errorf("betas %g, %g must lie in [0, 1)", h.Beta1, h.Beta2)
	case !(h.WeightDecay >= 0) || !(h.Clip >= 0) || !(h.Eps > 0):
		return fmt.Errorf("weight decay, clip must be ≥ 0 and eps > 0")
	case o.LogEvery < 1:
		return fmt.Errorf("log-every %d must be at least 1", o.LogEvery)
	case o.EvalSeqs < 1:
		return fmt.Errorf("eval sequences %d must be at least 1", o.EvalSeqs)
	case o.Corpus == nil:
		return fmt.Errorf("no data")
	}
	return nil
}

// fingerprint names everything that determines the run's numbers; a state
// file resumes only the run with the same fingerprint.
func (o *Options) fingerprint() string {
	b, _ := json.Marshal(struct {
		Model       Config
		Recipe      string
		Hyper       Hyper
		BatchTokens int
		Seed        uint64
		LogEvery    int
		EvalSeqs    int
		Data        string
		DataBytes   int
		InitFrom    string
		Shadow      bool
	}{o.Model, o.Recipe.Describe(), o.Hyper, o.BatchTokens, o.Seed, o.LogEvery, o.EvalSeqs,
		filepath.Base(o.Corpus.Path), len(o.Corpus.Train) + len(o.Corpus.Val), o.InitFrom, o.Shadow})
	return string(b)
}

// Trainer is a run in progress: the model, optimiser and logs.
type Trainer struct {
	o       Options
	Model   *Model
	opt     *AdamW
	step    int
	lossSum float64
	lossN   int
	Log     []LogRow
	Errors  []ErrorRow
	Timing  []float64 // wall seconds at each log row (not reproducible)
}

// NewTrainer builds the model (from the seed, InitFrom, or the saved
// state when resuming).
func NewTrainer(o Options) (*Trainer, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	m, err := NewModel(o.Model)
	if err != nil {
		return nil, err
	}
	ex := o.Recipe.Exact64
	m.Init(o.Seed, ex)
	if o.InitFrom != "" {
		if err := m.LoadWeights(o.InitFrom, ex); err != nil {
			return nil, err
		}
	}
	t := &Trainer{o: o, Model: m, opt: NewAdamW(m.Params)}
	if o.Resume {
		if err := t.loadState(); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// Backend returns a backend for the run's recipe.
func (t *Trainer) Backend() *backend.Backend { return &backend.Backend{Recipe: t.o.Recipe} }

// BatchSize is the number of sequences per step.
func (t *Trainer) BatchSize() int { return t.o.BatchTokens / t.o.Model.Ctx }

// Batch returns the tokens and targets of a step's batch.
func (t *Trainer) Batch(step int) (tok, tgt []int) {
	c := t.o.Model.Ctx
	return data.Batch(t.o.Corpus.Train, t.o.Corpus.Offsets(t.o.Seed, step, t.BatchSize(), c), c)
}

// LossAndGrads runs one forward and backward pass of a batch with the
// backend; the gradients are in Model.Params order.
func (t *Trainer) LossAndGrads(be *backend.Backend, tok, tgt []int) (float64, [][]float64, error) {
	return t.Model.step(be, tok, tgt, len(tok)/t.o.Model.Ctx, t.o.Model.Ctx, true)
}

// ValLoss is the mean loss over the fixed validation sequences, computed
// with the recipe's forward pass.
func (t *Trainer) ValLoss() (float64, error) {
	c := t.o.Model.Ctx
	offs := t.o.Corpus.ValOffsets(t.o.EvalSeqs, c)
	be := t.Backend()
	sum := 0.0
	for lo := 0; lo < len(offs); lo += t.BatchSize() {
		chunk := offs[lo:min(lo+t.BatchSize(), len(offs))]
		tok, tgt := data.Batch(t.o.Corpus.Val, chunk, c)
		l, _, err := t.Model.step(be, tok, tgt, len(chunk), c, false)
		if err != nil {
			return 0, err
		}
		sum += l * float64(len(chunk))
	}
	return sum / float64(len(offs)), nil
}

// Run trains until the last step or until ctx is cancelled (then the state
// is saved and ErrInterrupted returned), writing logs as it goes and the
// checkpoint at the end.
func (t *Trainer) Run(ctx context.Context) error {
	o := t.o
	start := time.Now()
	done := 0
	for t.step < o.Hyper.Steps {
		if ctx.Err() != nil {
			if o.Out == "" {
				return ctx.Err()
			}
			if err := t.saveState(); err != nil {
				return err
			}
			return ErrInterrupted
		}
		if err := t.trainStep(start); err != nil {
			return err
		}
		done++
		if o.Progress != nil {
			o.Progress(Progress{Step: t.step, Steps: o.Hyper.Steps, Loss: t.lastLoss(), Elapsed: time.Since(start), Done: done})
		}
	}
	if o.Out == "" {
		return nil
	}
	if err := t.saveState(); err != nil {
		return err
	}
	return t.WriteCheckpoint(filepath.Join(o.Out, "ckpt.safetensors"))
}

func (t *Trainer) lastLoss() float64 {
	if t.lossN == 0 {
		if len(t.Log) > 0 {
			return t.Log[len(t.Log)-1].TrainLoss
		}
		return math.NaN()
	}
	return t.lossSum / float64(t.lossN)
}

// trainStep runs one optimiser step, and at log steps the probes,
// evaluation and log writes.
func (t *Trainer) trainStep(start time.Time) error {
	o := t.o
	step := t.step
	logStep := (step+1)%o.LogEvery == 0 || step+1 == o.Hyper.Steps
	tok, tgt := t.Batch(step)
	be := t.Backend()
	be.Probe = logStep && !o.Recipe.Exact64
	loss, grads, err := t.LossAndGrads(be, tok, tgt)
	if err != nil {
		return err
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return fmt.Errorf("train: loss is %v at step %d: the run diverged", loss, step+1)
	}
	var cos map[string]float64
	if logStep && o.Shadow && !o.Recipe.Exact64 {
		fp32, _ := recipe.Named("fp32")
		_, sg, err := t.LossAndGrads(&backend.Backend{Recipe: fp32}, tok, tgt)
		if err != nil {
			return err
		}
		cos = map[string]float64{}
		for i, p := range t.Model.Params {
			cos[p.Name] = cosine(grads[i], sg[i])
		}
	}
	norm := ClipGrads(grads, o.Hyper.Clip, o.Recipe.Exact64)
	lr := o.Hyper.LRAt(step)
	t.opt.Step(t.Model.Params, grads, o.Hyper, lr, o.Recipe.Exact64)
	t.step++
	t.lossSum += loss
	t.lossN++
	if !logStep {
		return nil
	}
	val, err := t.ValLoss()
	if err != nil {
		return err
	}
	t.Log = append(t.Log, LogRow{Step: t.step, Tokens: t.step * o.BatchTokens, LR: lr,
		TrainLoss: t.lossSum / float64(t.lossN), ValLoss: val, GradNorm: norm})
	t.Timing = append(t.Timing, time.Since(start).Seconds())
	t.lossSum, t.lossN = 0, 0
	for _, r := range be.Records {
		row := ErrorRow{Step: t.step, Record: r, GradCos: math.NaN()}
		if r.Kind == recipe.Wgrad && cos != nil {
			row.GradCos = cos["transformer."+r.Layer+".weight"]
		}
		t.Errors = append(t.Errors, row)
	}
	if o.Out == "" {
		return nil
	}
	return t.writeLogs()
}

// cosine is the cosine similarity of two vectors (NaN if one is zero).
func cosine(a, b []float64) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i] * b[i])
		aa += float64(a[i] * a[i])
		bb += float64(b[i] * b[i])
	}
	return ab / math.Sqrt(float64(aa*bb))
}

// WriteCheckpoint writes the weights under nanoGPT's names.
func (t *Trainer) WriteCheckpoint(path string) error {
	meta := map[string]string{"format": "pt", "step": strconv.Itoa(t.step), "recipe": t.o.Recipe.Name,
		"config": t.configJSON()}
	b, err := safetensors.Encode(t.Model.WeightTensors(t.o.Recipe.Exact64), meta)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, b)
}

func (t *Trainer) configJSON() string {
	b, _ := json.Marshal(t.o.Model)
	return string(b)
}

const stateFile = "state.safetensors"

// saveState writes everything --resume needs: weights, AdamW moments, the
// step and the running training-loss sum.
func (t *Trainer) saveState() error {
	ex := t.o.Recipe.Exact64
	ts := t.Model.WeightTensors(ex)
	for i, p := range t.Model.Params {
		ts = append(ts, paramTensor("optim.exp_avg."+p.Name, p.Shape, t.opt.M[i], ex),
			paramTensor("optim.exp_avg_sq."+p.Name, p.Shape, t.opt.V[i], ex))
	}
	meta := map[string]string{
		"fingerprint": t.o.fingerprint(),
		"step":        strconv.Itoa(t.step),
		"adam_t":      strconv.Itoa(t.opt.T),
		"loss_sum":    strconv.FormatFloat(t.lossSum, 'g', -1, 64),
		"loss_n":      strconv.Itoa(t.lossN),
	}
	b, err := safetensors.Encode(ts, meta)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(t.o.Out, stateFile), b)
}

// ErrState marks a state file that does not belong to this run.
var ErrState = errors.New("train: cannot resume")

func (t *Trainer) loadState() error {
	path := filepath.Join(t.o.Out, stateFile)
	f, err := safetensors.Open(path, safetensors.Limits{})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrState, err)
	}
	defer f.Close()
	meta := f.Metadata()
	if meta["fingerprint"] != t.o.fingerprint() {
		return fmt.Errorf("%w: %s was written by a run with other flags", ErrState, path)
	}
	var perr error
	num := func(k string) int {
		v, err := strconv.Atoi(meta[k])
		if err != nil {
			perr = err
		}
		return v
	}
	t.step, t.opt.T, t.lossN = num("step"), num("adam_t"), num("loss_n")
	if t.lossSum, err = strconv.ParseFloat(meta["loss_sum"], 64); err != nil || perr != nil {
		return fmt.Errorf("%w: %s has bad metadata", ErrState, path)
	}
	for i, p := range t.Model.Params {
		for _, x := range []struct {
			name string
			dst  []float64
		}{{p.Name, p.Data}, {"optim.exp_avg." + p.Name, t.opt.M[i]}, {"optim.exp_avg_sq." + p.Name, t.opt.V[i]}} {
			v, err := readTensor(f, x.name, p.Shape)
			if err != nil {
				return fmt.Errorf("%w: %s: %v", ErrState, path, err)
			}
			copy(x.dst, v)
		}
	}
	return t.readLogs()
}

// exists reports whether a file exists.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// HasState reports whether dir holds a resumable state.
func HasState(dir string) bool { return exists(filepath.Join(dir, stateFile)) }

func jsonIndent(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
