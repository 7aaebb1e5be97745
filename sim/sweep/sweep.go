package sweep

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/tcsim/tcsim/sim/parallel"
	"github.com/tcsim/tcsim/tensorcore"
)

// Spec is a GEMM error sweep: the cartesian product of its axes.
// Every field is part of the sweep's identity (see [Spec.ID]).
type Spec struct {
	Presets  []string `json:"presets"`
	FBits    []int    `json:"fbits,omitempty"` // what-if accumulator widths; empty: the presets' own
	K        []int    `json:"k"`
	Nc       NcList   `json:"nc"` // promotion intervals; NcNever for none
	Dists    []string `json:"dists"`
	Scalings []string `json:"scalings"`
	M        int      `json:"m"`
	N        int      `json:"n"`
	Trials   int      `json:"trials"`
	Seed     uint64   `json:"seed"`
	// Baseline adds a CUDA-core FP32 row (Nc = NcFP32) to every group.
	Baseline bool `json:"baseline"`
	// Pow2Scales rounds quantisation scales up to powers of two.
	Pow2Scales bool `json:"pow2_scales"`
}

// NcList is a list of promotion intervals, written in JSON with their
// labels ("never" rather than 0).
type NcList []int

// MarshalJSON writes the labels.
func (l NcList) MarshalJSON() ([]byte, error) {
	labels := make([]string, len(l))
	for i, nc := range l {
		labels[i] = NcLabel(nc)
	}
	return json.Marshal(labels)
}

// UnmarshalJSON reads labels.
func (l *NcList) UnmarshalJSON(b []byte) error {
	var labels []string
	if err := json.Unmarshal(b, &labels); err != nil {
		return err
	}
	*l = (*l)[:0]
	for _, s := range labels {
		nc, err := ParseNc(s)
		if err != nil {
			return err
		}
		*l = append(*l, nc)
	}
	return nil
}

// Group is the unit of work of a sweep (and of sharding and resuming): one
// datapath, distribution, scaling and K, with every N_c row of it sharing
// the same inputs and references.
type Group struct {
	Index   int
	Preset  *tensorcore.Preset
	Dist    Dist
	Scaling Scaling
	K       int
	Nc      []int // the applicable intervals, in spec order, then NcFP32 if a baseline
}

// ID is a short hash of the spec: outputs of different specs never mix.
func (s *Spec) ID() string {
	b, _ := json.Marshal(s)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}

// Applicable reports whether promotion interval nc can run with scaling sc
// on preset p: block-wise scales are applied at promotion, so the interval
// must divide the 128-wide scale block; block-scaled presets quantise with
// their own in-core scales under one per-tensor scale, so they take only
// the tensor scaling.
func Applicable(p *tensorcore.Preset, sc Scaling, nc int) bool {
	if p.BlockScaled() {
		return sc.PerTensor()
	}
	if sc.A.ScaleBlock(1) == 1 && sc.B.ScaleBlock(1) == 1 {
		return true // per-tensor or per-row: scales apply in the epilogue
	}
	return nc > 0 && 128%nc == 0
}

// Groups validates the spec and lists its groups in canonical order
// (preset, width, distribution, scaling, K).
func (s *Spec) Groups() ([]Group, error) {
	switch {
	case len(s.Presets) == 0 || len(s.K) == 0 || len(s.Nc) == 0 || len(s.Dists) == 0 || len(s.Scalings) == 0:
		return nil, fmt.Errorf("every axis needs at least one value")
	case s.M <= 0 || s.N <= 0 || s.Trials <= 0:
		return nil, fmt.Errorf("--m, --n and --trials must be positive")
	}
	if err := s.checkRepeats(); err != nil {
		return nil, err
	}
	var presets []*tensorcore.Preset
	for _, name := range s.Presets {
		p, err := tensorcore.Lookup(name)
		if err != nil {
			return nil, err
		}
		if len(s.FBits) == 0 {
			presets = append(presets, p)
		}
		for _, f := range s.FBits {
			q, err := p.WithF(f)
			if err != nil {
				return nil, fmt.Errorf("--fbits %d: %v", f, err)
			}
			presets = append(presets, q)
		}
	}
	var dists []Dist
	for _, name := range s.Dists {
		d, err := LookupDist(name)
		if err != nil {
			return nil, err
		}
		dists = append(dists, d)
	}
	var scs []Scaling
	for _, name := range s.Scalings {
		sc, err := LookupScaling(name)
		if err != nil {
			return nil, err
		}
		scs = append(scs, sc)
	}
	for _, p := range presets {
		for _, k := range s.K {
			if k <= 0 || k%p.K != 0 {
				return nil, fmt.Errorf("K = %d is not a positive multiple of the instruction K = %d of %s", k, p.K, p.Name)
			}
		}
	}
	// An N_c that is not a multiple of a preset's instruction K is
	// skipped for that preset (see [Spec.Skipped]); one that fits no
	// preset is an error.
	for _, nc := range s.Nc {
		fits := false
		for _, p := range presets {
			fits = fits || nc >= 0 && nc%p.K == 0
		}
		if !fits {
			return nil, fmt.Errorf("N_c = %d is not a positive multiple of the instruction K = %d of %s", nc, presets[0].K, presets[0].Name)
		}
	}
	for _, sc := range scs {
		for _, k := range s.K {
			if (sc.A.ScaleBlock(1) > 1 || sc.B.ScaleBlock(1) > 1) && k%128 != 0 {
				return nil, fmt.Errorf("K = %d is not a multiple of 128, which %s scaling needs", k, sc.Name)
			}
		}
	}
	var gs []Group
	for _, p := range presets {
		for _, d := range dists {
			for _, sc := range scs {
				for _, k := range s.K {
					g := Group{Index: len(gs), Preset: p, Dist: d, Scaling: sc, K: k}
					for _, nc := range s.Nc {
						if nc%p.K == 0 && Applicable(p, sc, nc) {
							g.Nc = append(g.Nc, nc)
						}
					}
					if len(g.Nc) == 0 {
						continue // nothing applicable: no baseline alone either
					}
					if s.Baseline {
						g.Nc = append(g.Nc, NcFP32)
					}
					gs = append(gs, g)
				}
			}
		}
	}
	if len(gs) == 0 {
		return nil, fmt.Errorf("no applicable point: block-wise scaling needs N_c dividing 128, and block-scaled presets run with --scaling tensor")
	}
	return gs, nil
}

// Work is the estimated cost of a group, for progress, ETA and balancing
// shards: M·N·K·trials times the relative cost of the steps of a trial
// (its inputs and references, and each N_c row; see [Trials.Step]).
func (s *Spec) Work(g Group) float64 {
	w := inputsWeight + exactWeight(g.Preset, g.Scaling)
	for _, nc := range g.Nc {
		w += gemmWeight(nc)
	}
	return float64(s.M) * float64(s.N) * float64(g.K) * float64(s.Trials) * w
}

// RunGroup computes the rows of one group with the trial runner.
func (s *Spec) RunGroup(ctx context.Context, g Group) ([]Row, error) {
	return s.runGroup(ctx, g, nil)
}

// runGroup is RunGroup telling step about each piece of work done (see
// [Trials.Step]).
func (s *Spec) runGroup(ctx context.Context, g Group, step func(work float64)) ([]Row, error) {
	t := Trials{Presets: []*tensorcore.Preset{g.Preset}, Nc: g.Nc, Dist: g.Dist, Scaling: g.Scaling,
		M: s.M, N: s.N, K: g.K, Trials: s.Trials, Seed: s.Seed, Pow2Scales: s.Pow2Scales, Step: step}
	o, err := t.Run(ctx)
	if err != nil {
		return nil, err
	}
	p := g.Preset
	rows := make([]Row, len(g.Nc))
	for i, nc := range g.Nc {
		rows[i] = Row{Preset: p.Name, FBits: p.F, Dist: g.Dist.Name, Scaling: g.Scaling.Name, K: g.K, Nc: nc,
			M: s.M, N: s.N, Trials: s.Trials, Outputs: s.M * s.N * s.Trials, Promotions: promotions(g.K, nc),
			Acc: o.Acc(0, i), Tot: o.Tot(0, i)}
	}
	return rows, nil
}

// promotions is the number of FP32 promotion adds per output.
func promotions(k, nc int) int {
	if nc <= 0 {
		return 0
	}
	return (k + nc - 1) / nc
}

// Store keeps finished groups so that an interrupted sweep can resume.
// Run calls Save from several goroutines at once, for different groups.
type Store interface {
	// Load returns the rows of a finished group, or ok = false.
	Load(g Group) (rows []Row, ok bool, err error)
	// Save records a finished group durably (atomically).
	Save(g Group, rows []Row) error
}

// Progress is told about finished work (in units of [Spec.Work]).
type Progress func(done, total float64, groupsDone, groups int)

// Run computes the groups of shard (see [Spec.Shard]; all of them for
// shards <= 1) on jobs workers, skipping those the store already has, and
// returns their rows in canonical order. The rows do not depend on jobs,
// GOMAXPROCS or the shard layout.
func (s *Spec) Run(ctx context.Context, shard, shards, jobs int, store Store, progress Progress) ([]Row, error) {
	gs, err := s.Groups()
	if err != nil {
		return nil, err
	}
	mine := s.Shard(gs, shard, shards)
	results := make([][]Row, len(mine))
	var total, done float64
	var todo []int
	for i, g := range mine {
		total += s.Work(g)
		if store != nil {
			rows, ok, err := store.Load(g)
			if err != nil {
				return nil, err
			}
			if ok {
				results[i] = rows
				done += s.Work(g)
				continue
			}
		}
		todo = append(todo, i)
	}
	finished := len(mine) - len(todo)
	if progress != nil {
		progress(done, total, finished, len(mine))
	}
	// One budget of jobs workers for the groups and the GEMMs inside them.
	ctx = parallel.WithLimit(ctx, jobs)
	var mu sync.Mutex
	err = parallel.For(ctx, len(todo), jobs, func(t int) error {
		i := todo[t]
		var partial float64 // work of this group reported so far
		rows, err := s.runGroup(ctx, mine[i], func(w float64) {
			mu.Lock()
			defer mu.Unlock()
			partial += w
			done += w
			if progress != nil {
				progress(done, total, finished, len(mine))
			}
		})
		if err == nil && store != nil {
			err = store.Save(mine[i], rows)
		}
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		results[i] = rows
		done += s.Work(mine[i]) - partial
		finished++
		if progress != nil {
			progress(done, total, finished, len(mine))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return slices.Concat(results...), nil
}

// Order sorts rows of this spec into canonical order (the order a single
// run writes them), as merging shards needs. Rows that do not belong to the
// spec are an error.
func (s *Spec) Order(rows []Row) ([]Row, error) {
	gs, err := s.Groups()
	if err != nil {
		return nil, err
	}
	type key struct {
		preset, dist, scaling string
		k, nc                 int
	}
	pos := map[key]int{}
	for _, g := range gs {
		for _, nc := range g.Nc {
			pos[key{g.Preset.Name, g.Dist.Name, g.Scaling.Name, g.K, nc}] = len(pos)
		}
	}
	out := make([]Row, len(pos))
	seen := make([]bool, len(pos))
	for _, r := range rows {
		i, ok := pos[key{r.Preset, r.Dist, r.Scaling, r.K, r.Nc}]
		if !ok {
			return nil, fmt.Errorf("row %s/%s/%s/K=%d/N_c=%s is not a point of this sweep", r.Preset, r.Dist, r.Scaling, r.K, NcLabel(r.Nc))
		}
		if seen[i] {
			return nil, fmt.Errorf("row %s/%s/%s/K=%d/N_c=%s appears twice", r.Preset, r.Dist, r.Scaling, r.K, NcLabel(r.Nc))
		}
		seen[i] = true
		out[i] = r
	}
	for i, ok := range seen {
		if !ok {
			r := i // report the first missing point
			for k, v := range pos {
				if v == r {
					return nil, fmt.Errorf("point %s/%s/%s/K=%d/N_c=%s is missing", k.preset, k.dist, k.scaling, k.k, NcLabel(k.nc))
				}
			}
		}
	}
	return out, nil
}
