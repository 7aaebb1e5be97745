// Package experiments is the registry of the reproducible experiments on
// FP8 accumulation. Each is a package in its own directory exposing
// Run(ctx, lab.Config); the tcsim binary runs one with
//
//	tcsim experiments run <name> [--short] [--out DIR]
//
// with a fixed seed. It writes DIR/data.csv, PNG figures and DIR/summary.md
// (the claim, the setup, the measured numbers and a verdict computed from
// them); DIR defaults to out/<name>. Each has a golden test at reduced size:
//
//	go test ./experiments/...
//
// README.md in this directory lists the verdicts of the full-size runs.
package experiments

import (
	"context"
	"fmt"
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
}

// all holds the experiments in reading order; [All] hands out copies so
// that no caller can change the registry.
var all = []Info{
	{"deepseek2pct", "DeepSeek's \"nearly 2% at K = 4096\"",
		"Limited tensor-core accumulation gives about 2% maximum relative error at K = 4096; N_c = 128 fixes it. " +
			"Under which inputs and metric, and does the H100 table agree?", deepseek2pct.Run},
	{"promotion", "Promotion interval trade-off",
		"N_c = 128 sits at the knee of the error/cost curve and is a good choice for K = 4096 and K = 16384.", promotion.Run},
	{"accwidth", "Accumulator width what-if",
		"How many fraction bits (13 on Hopper, 25 on Blackwell) make promotion unnecessary at K = 16384?", accwidth.Run},
	{"granularity", "Scaling granularity with outlier channels",
		"Finer scales (1×128 tiles, 128×128 blocks) cut the error of activations with outlier channels; " +
			"granularity affects quantisation, not accumulation.", granularity.Run},
	{"fp8formats", "E4M3 vs E5M2 (and mixed)",
		"E4M3 for forward-pass activations and weights, E5M2 for heavy-tailed backward-pass gradients.", fp8formats.Run},
	{"mmasync", "wgmma vs mma.sync on Hopper",
		"FP8 mma.sync runs on the FP16 path with FP32 accumulation and is about 10,000× more accurate than wgmma.", mmasync.Run},
	{"bias", "Truncation bias",
		"With all-positive inputs and no promotion every output is below the exact value: −7.4% at K = 4096, −25% at K = 16384.", bias.Run},
	{"training", "Accumulation ablation in training",
		"DeepSeek-V3's FP8 recipe stays within 0.25% relative loss of BF16; fast accumulation (no promotion) costs training quality.", training.Run},
	{"formats", "Number formats table",
		"Range and precision of FP32, TF32, FP16, BF16, E4M3, E5M2 and E2M1 as computed by the codecs equal the standards.", formats.Run},
}

// Options are how an experiment is run.
type Options struct {
	Out   string // output directory, created if missing
	Short bool   // the reduced size of the golden tests
}

// Outcome is what a run wrote and found.
type Outcome struct {
	Paths   []string // the files written
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

// Run runs the experiment and writes its data.csv, figures and
// summary.md into opts.Out, each atomically.
func (e Info) Run(ctx context.Context, opts Options) (*Outcome, error) {
	res, err := e.run(ctx, lab.Config{Short: opts.Short})
	if err != nil {
		return nil, err
	}
	paths, err := res.Write(opts.Out, opts.Short)
	if err != nil {
		return nil, err
	}
	return &Outcome{Paths: paths, Verdict: res.Verdict}, nil
}
