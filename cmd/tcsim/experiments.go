package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/tcsim/tcsim/experiments"
	"github.com/tcsim/tcsim/sim/sweep"
)

const experimentsHelp = `Usage: tcsim experiments [--names]
       tcsim experiments run NAME [--short] [--out DIR]
       tcsim experiments run training [--short | --reduced] [--shard i/n] [--out DIR]
       tcsim experiments merge training --out DIR SHARD_DIR...

List the reproducible experiments on FP8 accumulation, with the claim each one
tests, or run one. An experiment runs with a fixed seed on the same trial
runner as 'tcsim sweep' and writes DIR/data.csv, PNG figures and
DIR/summary.md (claim, setup, measured numbers and a verdict computed from
them); DIR defaults to out/NAME. --short runs the reduced size of its golden
test. experiments/README.md lists the verdicts of the full-size runs;
'go test ./experiments/...' checks them.

The training study is made of independent training runs (jobs: arm x seed,
phase-diagram point x seed). It keeps every finished job in DIR/jobs, so a
killed run (Ctrl-C stops it within a training step) resumes without
recomputing them. --reduced runs its reduced study (about 15 minutes on 2
cores; the full study 25 to 40 minutes). --shard i/n computes only a
cost-balanced share of the jobs into DIR (no outputs); 'merge' joins the
shards' jobs and writes the outputs, byte for byte those of an unsharded
run. Shards must come from one build and one size; merge refuses missing
jobs and mixed runs.

Flags:
%s
Examples:
  tcsim experiments
  tcsim experiments run deepseek2pct
  tcsim experiments run promotion --short --out /tmp/promotion

  # run every experiment at full size (each takes under two minutes on 2
  # cores, training 25 to 40 minutes)
  for e in $(tcsim experiments --names); do tcsim experiments run $e; done

  # the training study as 4 shards (e.g. a Slurm array; deploy/slurm), merged
  for i in 0 1 2 3; do tcsim experiments run training --shard $i/4 --out part$i & done; wait
  tcsim experiments merge training --out out/training part0 part1 part2 part3
`

// runExperiments lists the experiments of package experiments, or runs
// one.
func runExperiments(stdout, stderr io.Writer, args []string) int {
	fs := pflag.NewFlagSet("experiments", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	names := fs.Bool("names", false, "print only the names, one per line")
	short := fs.Bool("short", false, "with run: the reduced size of the golden test (seconds instead of a minute)")
	reduced := fs.Bool("reduced", false, "with run training: the reduced study (about 15 minutes on 2 cores)")
	shard := fs.String("shard", "", "with run training: compute only shard `i/n` of the jobs into --out (merge them with 'merge')")
	out := fs.String("out", "", "with run: output `DIR` (created if missing; default out/NAME); with merge: required")
	if code, ok := parseFlags(fs, args, stdout, stderr, func() string { return fmt.Sprintf(experimentsHelp, fs.FlagUsages()) }); !ok {
		return code
	}
	if fs.NArg() > 0 {
		if *names {
			return usageError(stderr, "experiments", "--names lists; it does not go with "+fs.Arg(0))
		}
		switch fs.Arg(0) {
		case "run":
			if fs.NArg() != 2 {
				return usageError(stderr, "experiments", "run takes one experiment NAME")
			}
			opts := experiments.Options{Out: *out, Short: *short, Reduced: *reduced}
			si, sn, err := sweep.ParseShard(*shard)
			if err != nil {
				return usageError(stderr, "experiments", "--shard: "+err.Error())
			}
			opts.Shard, opts.Shards = si, sn
			return runExperiment(stdout, stderr, fs.Arg(1), opts)
		case "merge":
			if fs.NArg() < 3 || *out == "" {
				return usageError(stderr, "experiments", "merge takes an experiment NAME, --out DIR and at least one shard directory")
			}
			if *short || *reduced || *shard != "" {
				return usageError(stderr, "experiments", "merge reads the size from the shards: no --short, --reduced or --shard")
			}
			return mergeExperiment(stdout, stderr, fs.Arg(1), *out, fs.Args()[2:])
		}
		return usageError(stderr, "experiments", "unexpected argument "+strconv.Quote(fs.Arg(0)))
	}
	if *short || *out != "" || *reduced || *shard != "" {
		return usageError(stderr, "experiments", "--short, --reduced, --shard and --out go with run NAME")
	}
	if *names {
		for _, e := range experiments.All() {
			fmt.Fprintln(stdout, e.Name)
		}
		return 0
	}
	fmt.Fprintf(stdout, "%d experiments; run one with 'tcsim experiments run NAME'.\n", len(experiments.All()))
	for _, e := range experiments.All() {
		fmt.Fprintf(stdout, "\n%s: %s\n  claim: %s\n  run:   tcsim experiments run %s\n", e.Name, e.Title, e.Claim, e.Name)
	}
	return 0
}

// runExperiment runs one experiment (or one shard of its jobs) and
// writes its outputs.
func runExperiment(stdout, stderr io.Writer, name string, opts experiments.Options) int {
	e, err := experiments.Lookup(name)
	if err != nil {
		return usageError(stderr, "experiments", err.Error())
	}
	if !e.Jobs() && (opts.Reduced || opts.Shards > 1) {
		return usageError(stderr, "experiments", name+" is not made of jobs: --reduced and --shard go with training")
	}
	if opts.Short && opts.Reduced {
		return usageError(stderr, "experiments", "--short and --reduced are two sizes: give one")
	}
	if opts.Out == "" {
		opts.Out = filepath.Join("out", name)
	}
	if st, err := os.Stat(opts.Out); err == nil && !st.IsDir() {
		return usageError(stderr, "experiments", fmt.Sprintf("--out %s: is a file, not a directory", opts.Out))
	}
	opts.Build, opts.Progress = buildID(), stderr
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	o, err := e.Run(ctx, opts)
	if err != nil {
		if ctx.Err() != nil && e.Jobs() {
			fmt.Fprintf(stderr, "tcsim experiments: %s: interrupted; the finished jobs are in %s, rerun the same command to resume\n", name, opts.Out)
			return 1
		}
		fmt.Fprintf(stderr, "tcsim experiments: %s: %v\n", name, err)
		return 1
	}
	if opts.Shards > 1 {
		fmt.Fprintf(stdout, "shard %d/%d of %s done: its jobs are in %s; merge every shard with 'tcsim experiments merge %s --out DIR SHARD_DIR...'\n",
			opts.Shard, opts.Shards, name, filepath.Join(opts.Out, "jobs"), name)
		fmt.Fprintf(stderr, "tcsim experiments: %s shard %d/%d done in %.1f s\n", name, opts.Shard, opts.Shards, time.Since(start).Seconds())
		return 0
	}
	for _, p := range o.Paths {
		fmt.Fprintln(stdout, "wrote", p)
	}
	fmt.Fprintf(stdout, "verdict: %s\n", o.Verdict)
	fmt.Fprintf(stderr, "tcsim experiments: %s done in %.1f s\n", name, time.Since(start).Seconds())
	return 0
}

// mergeExperiment joins the jobs of an experiment's shards and writes its
// outputs.
func mergeExperiment(stdout, stderr io.Writer, name, out string, dirs []string) int {
	e, err := experiments.Lookup(name)
	if err != nil {
		return usageError(stderr, "experiments", err.Error())
	}
	if !e.Jobs() {
		return usageError(stderr, "experiments", name+" is not made of jobs: there is nothing to merge")
	}
	if st, err := os.Stat(out); err == nil && !st.IsDir() {
		return usageError(stderr, "experiments", fmt.Sprintf("--out %s: is a file, not a directory", out))
	}
	o, err := e.Merge(context.Background(), experiments.Options{Out: out}, dirs)
	if err != nil {
		fmt.Fprintf(stderr, "tcsim experiments: merge %s: %v\n", name, err)
		return 2
	}
	for _, p := range o.Paths {
		fmt.Fprintln(stdout, "wrote", p)
	}
	fmt.Fprintf(stdout, "merged %d shard directories; verdict: %s\n", len(dirs), o.Verdict)
	return 0
}
