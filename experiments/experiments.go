package experiments

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/tcsim/tcsim/experiments/accwidth"
	"github.com/tcsim/tcsim/experiments/bias"
	"github.com/tcsim/tcsim/experiments/deepseek2pct"
	"github.com/tcsim/tcsim/experiments/formats"
	"github.com/tcsim/tcsim/experiments/fp8formats"
	"github.com/tcsim/tcsim/experiments/granularity"
	"github.com/tcsim/tcsim/experiments/internal/lab"
	"github.com/tcsim/tcsim/experiments/mmasync"
	"github.com/tcsim/tcsim/experiments/promotion"
	"github.com/tcsim/tcsim/experiments/training"
)

// Info describes one experiment.
type Info struct {
	Name  string // directory under experiments/
	Title string
	Claim string // the statement under test, one sentence
	run   func(context.Context, lab.Config) (*lab.Result, error)
	// merge is set for experiments made of independent jobs: they run
	// sharded, keep finished jobs in their output directory, have a
	// reduced size besides --short, and merge builds the result from the
	// jobs stored in shard directories.
	merge func(ctx context.Context, cfg lab.Config, dirs []string) (*lab.Result, error)
}

// all holds the experiments in reading order; [All] hands out copies so
// that no caller can change the registry.
var all = []Info{
	{"deepseek2pct", "DeepSeek's \"nearly 2% at K = 4096\"",
		"Limited tensor-core accumulation gives about 2% maximum relative error at K = 4096; N_c = 128 fixes it. " +
			"Under which inputs and metric, and does the H100 table agree?", deepseek2pct.Run, nil},
	{"promotion", "Promotion interval trade-off",
		"N_c = 128 sits at the knee of the error/cost curve and is a good choice for K = 4096 and K = 16384.", promotion.Run, nil},
	{"accwidth", "Accumulator width what-if",
		"How many fraction bits (13 on Hopper, 25 on Blackwell) make promotion unnecessary at K = 16384?", accwidth.Run, nil},
	{"granularity", "Scaling granularity with outlier channels",
		"Finer scales (1×128 tiles, 128×128 blocks) cut the error of activations with outlier channels; " +
			"granularity affects quantisation, not accumulation.", granularity.Run, nil},
	{"fp8formats", "E4M3 vs E5M2 (and mixed)",
		"E4M3 for forward-pass activations and weights, E5M2 for heavy-tailed backward-pass gradients.", fp8formats.Run, nil},
	{"mmasync", "wgmma vs mma.sync on Hopper",
		"FP8 mma.sync runs on the FP16 path with FP32 accumulation and is about 10,000× more accurate than wgmma.", mmasync.Run, nil},
	{"bias", "Truncation bias",
		"With all-positive inputs and no promotion every output is below the exact value: −7.4% at K = 4096, −25% at K = 16384.", bias.Run, nil},
	{"training", "Accumulation ablation in training",
		"DeepSeek-V3's FP8 recipe stays within 0.25% relative loss of BF16; fast accumulation (no promotion) costs training quality.", training.Run, training.Merge},
	{"formats", "Number formats table",
		"Range and precision of FP32, TF32, FP16, BF16, E4M3, E5M2 and E2M1 as computed by the codecs equal the standards.", formats.Run, nil},
}

// Options are how an experiment is run.
type Options struct {
	Out   string // output directory, created if missing
	Short bool   // the reduced size of the golden tests
	// Reduced, Shard and Shards apply to experiments made of jobs
	// ([Info.Jobs]): the reduced study, and shard Shard of Shards of its
	// jobs (Shards <= 1: all).
	Reduced       bool
	Shard, Shards int
	Build         string    // the tool build, part of every stored job's identity
	Progress      io.Writer // a line per finished job, if set
}

// Outcome is what a run wrote and found.
type Outcome struct {
	Paths   []string // the files written (none for one shard of several)
	Verdict string
}

// All returns the experiments in reading order, in a new slice.
func All() []Info { return slices.Clone(all) }

// Lookup returns the named experiment.
func Lookup(name string) (Info, error) {
	var names []string
	for _, e := range all {
		if e.Name == name {
			return e, nil
		}
		names = append(names, e.Name)
	}
	return Info{}, fmt.Errorf("no experiment %q (want one of %s)", name, strings.Join(names, ", "))
}

// Jobs reports whether the experiment is made of independent jobs, which
// run sharded (--shard i/n), resume from the jobs finished in their
// output directory and merge with [Info.Merge].
func (e Info) Jobs() bool { return e.merge != nil }

func (e Info) config(opts Options) lab.Config {
	cfg := lab.Config{Short: opts.Short, Reduced: opts.Reduced, Shard: opts.Shard, Shards: opts.Shards,
		Build: opts.Build, Progress: opts.Progress}
	if e.Jobs() {
		cfg.Store = opts.Out
	}
	return cfg
}

// Run runs the experiment and writes its data.csv, figures and
// summary.md into opts.Out, each atomically. One shard of several only
// computes its jobs into opts.Out; [Info.Merge] writes the outputs.
func (e Info) Run(ctx context.Context, opts Options) (*Outcome, error) {
	if !e.Jobs() && (opts.Reduced || opts.Shards > 1) {
		return nil, fmt.Errorf("%s is not made of jobs: it has no reduced size and no shards", e.Name)
	}
	res, err := e.run(ctx, e.config(opts))
	if err != nil || res == nil {
		return &Outcome{}, err
	}
	return e.write(res, opts)
}

// Merge joins the jobs that shards of the experiment stored in dirs
// (every job of one study, of one build) and writes the outputs into
// opts.Out: the bytes a single run would have written.
func (e Info) Merge(ctx context.Context, opts Options, dirs []string) (*Outcome, error) {
	if !e.Jobs() {
		return nil, fmt.Errorf("%s is not made of jobs: there is nothing to merge", e.Name)
	}
	res, err := e.merge(ctx, e.config(opts), dirs)
	if err != nil {
		return nil, err
	}
	return e.write(res, opts)
}

func (e Info) write(res *lab.Result, opts Options) (*Outcome, error) {
	paths, err := res.Write(opts.Out, opts.Short)
	if err != nil {
		return nil, err
	}
	return &Outcome{Paths: paths, Verdict: res.Verdict}, nil
}
