package training

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/tcsim/tcsim/experiments/internal/lab"
	"github.com/tcsim/tcsim/sim/train/data"
	"github.com/tcsim/tcsim/sim/train/recipe"
)

const name = "training"

// arm is one recipe of the study.
type arm struct {
	name, what string
	base       string
	knobs      [][2]string // knob, spec
}

var arms = []arm{
	{"fp32", "FP32 GEMMs, CUDA-core accumulation (the baseline)", "fp32", nil},
	{"bf16", "BF16 operands, Hopper BF16 wgmma (F = 25), no promotion", "bf16", nil},
	{"deepseek", "E4M3, 1×128 / 128×128 scales, promotion every 128 (DeepSeek-V3)", "deepseek", nil},
	{"deepseek-exact", "deepseek's quantisation with exact accumulation (rounded once to FP32)", "deepseek", [][2]string{{"acc", "exact"}}},
	{"promoted", "E4M3 per-tensor, promotion every 128 in all three GEMMs", "te", [][2]string{{"nc", "fprop=128"}}},
	{"te", "promoted, but fast accumulation in fprop (Transformer Engine default)", "te", nil},
	{"fast-wgrad", "promoted, but fast accumulation in wgrad only", "te", [][2]string{{"nc", "fprop=128,wgrad=never"}}},
	{"fast", "fast accumulation (no promotion) in all three GEMMs", "fast", nil},
	{"fast-f25", "fast with a 25-bit (Blackwell) accumulator", "fast", [][2]string{{"fbits", "25"}}},
}

func (a arm) recipe() (recipe.Recipe, error) {
	r, err := recipe.Named(a.base)
	if err != nil {
		return r, err
	}
	return withKnobs(r, a.name, a.knobs)
}

// withKnobs applies knobs (name, spec) to r and names it.
func withKnobs(r recipe.Recipe, name string, knobs [][2]string) (recipe.Recipe, error) {
	for _, k := range knobs {
		i := slices.IndexFunc(recipe.Knobs(), func(kn recipe.Knob) bool { return kn.String() == k[0] })
		if i < 0 {
			return r, fmt.Errorf("no knob %q", k[0])
		}
		if err := r.Set(recipe.Knobs()[i], k[1]); err != nil {
			return r, err
		}
	}
	r.Name = name
	return r, r.Check()
}

// model is the network and evaluation of a part of the study.
type model struct {
	layers, d, heads, ctx, evalSeqs int
	lr                              float64
}

// armSize is the scale of the arms × seeds part.
type armSize struct {
	model
	batchTokens, steps, seeds, logEvery int
}

// phaseSize is the scale of the phase diagram: every point trains the
// same number of tokens, in tokens/K steps of K tokens.
type phaseSize struct {
	model
	ks     []int // wgrad K: tokens per step
	tokens int   // tokens seen by every run
	ncs    []int // promotion intervals (0: never)
	fs     []int // accumulator fraction bits
	seeds  int   // seeds of the fp32 reference at each K (the noise band); the exact-accumulation reference and the points run seed 1
	logs   int   // log rows per run
}

// size is the scale of the study.
type size struct {
	name  string
	arms  armSize
	phase phaseSize
}

var (
	full = size{name: "full",
		arms: armSize{model: model{layers: 1, d: 32, heads: 2, ctx: 32, evalSeqs: 32, lr: 3e-3},
			batchTokens: 2048, steps: 150, seeds: 3, logEvery: 25},
		phase: phaseSize{model: model{layers: 1, d: 32, heads: 2, ctx: 32, evalSeqs: 32, lr: 3e-3},
			ks: []int{1024, 2048, 4096, 8192, 16384}, tokens: 1 << 17, ncs: []int{32, 64, 128, 256, 0},
			fs: []int{13, 19, 25}, seeds: 3, logs: 2}}
	reduced = size{name: "reduced",
		arms: armSize{model: model{layers: 1, d: 32, heads: 2, ctx: 32, evalSeqs: 16, lr: 3e-3},
			batchTokens: 2048, steps: 30, seeds: 3, logEvery: 10},
		phase: phaseSize{model: model{layers: 1, d: 32, heads: 2, ctx: 32, evalSeqs: 16, lr: 3e-3},
			ks: []int{1024, 4096, 16384}, tokens: 1 << 16, ncs: []int{32, 128, 0},
			fs: []int{13, 25}, seeds: 2, logs: 1}}
	short = size{name: "short",
		arms: armSize{model: model{layers: 1, d: 32, heads: 2, ctx: 16, evalSeqs: 4, lr: 3e-3},
			batchTokens: 256, steps: 4, seeds: 2, logEvery: 2},
		phase: phaseSize{model: model{layers: 1, d: 32, heads: 2, ctx: 16, evalSeqs: 4, lr: 3e-3},
			ks: []int{128, 256}, tokens: 512, ncs: []int{128, 0}, fs: []int{13}, seeds: 2, logs: 1}}
)

// sizeNamed returns the size a stored job names.
func sizeNamed(n string) (size, error) {
	for _, s := range []size{full, reduced, short} {
		if s.name == n {
			return s, nil
		}
	}
	return size{}, fmt.Errorf("no %s study of size %q", name, n)
}

func sizeOf(cfg lab.Config) size {
	switch {
	case cfg.Short:
		return short
	case cfg.Reduced:
		return reduced
	}
	return full
}

// Run runs the study: every job of cfg's shard that cfg.Store does not
// hold yet, each saved there as it finishes. For the whole study (no
// shards) it returns the result; for one shard of several, nil.
func Run(ctx context.Context, cfg lab.Config) (*lab.Result, error) {
	if cfg.Short && cfg.Reduced {
		return nil, errors.New("--short and --reduced are two sizes: give one")
	}
	sz := sizeOf(cfg)
	jobs := plan(sz)
	if cfg.Shards > 1 && (cfg.Shard < 0 || cfg.Shard >= cfg.Shards) {
		return nil, fmt.Errorf("shard %d/%d: want 0 <= i < n", cfg.Shard, cfg.Shards)
	}
	if cfg.Shards > len(jobs) {
		return nil, fmt.Errorf("%d shards for %d jobs: use at most %d", cfg.Shards, len(jobs), len(jobs))
	}
	corpus, err := data.Load(data.DefaultPath(), max(sz.arms.ctx, sz.phase.ctx))
	if err != nil {
		return nil, err
	}
	done, err := runJobs(ctx, cfg, sz, corpus, shard(sz, jobs, cfg.Shard, cfg.Shards))
	if err != nil {
		return nil, err
	}
	if cfg.Shards > 1 {
		return nil, nil
	}
	return result(sz, done, data.UnigramEntropy(corpus.Val))
}

// Merge builds the result of the study from the jobs its shards stored in
// dirs: the same bytes as an unsharded run.
func Merge(ctx context.Context, cfg lab.Config, dirs []string) (*lab.Result, error) {
	done, sz, err := readStores(dirs)
	if err != nil {
		return nil, err
	}
	corpus, err := data.Load(data.DefaultPath(), max(sz.arms.ctx, sz.phase.ctx))
	if err != nil {
		return nil, err
	}
	return result(sz, done, data.UnigramEntropy(corpus.Val))
}
