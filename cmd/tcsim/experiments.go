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
)

const experimentsHelp = `Usage: tcsim experiments [--names]
       tcsim experiments run NAME [--short] [--out DIR]

List the reproducible experiments on FP8 accumulation, with the claim each one
tests, or run one. An experiment runs with a fixed seed on the same trial
runner as 'tcsim sweep' and writes DIR/data.csv, PNG figures and
DIR/summary.md (claim, setup, measured numbers and a verdict computed from
them); DIR defaults to out/NAME. --short runs the reduced size of its golden
test. experiments/README.md lists the verdicts of the full-size runs;
'go test ./experiments/...' checks them.

Flags:
%s
Examples:
  tcsim experiments
  tcsim experiments run deepseek2pct
  tcsim experiments run promotion --short --out /tmp/promotion

  # run every experiment at full size (each takes under two minutes on 2 cores)
  for e in $(tcsim experiments --names); do tcsim experiments run $e; done
`

// runExperiments lists the experiments of package experiments, or runs
// one.
func runExperiments(stdout, stderr io.Writer, args []string) int {
	fs := pflag.NewFlagSet("experiments", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	names := fs.Bool("names", false, "print only the names, one per line")
	short := fs.Bool("short", false, "with run: the reduced size of the golden test (seconds instead of a minute)")
	out := fs.String("out", "", "with run: output `DIR` (created if missing; default out/NAME)")
	if code, ok := parseFlags(fs, args, stdout, stderr, func() string { return fmt.Sprintf(experimentsHelp, fs.FlagUsages()) }); !ok {
		return code
	}
	if fs.NArg() > 0 {
		if fs.Arg(0) != "run" {
			return usageError(stderr, "experiments", "unexpected argument "+strconv.Quote(fs.Arg(0)))
		}
		if fs.NArg() != 2 {
			return usageError(stderr, "experiments", "run takes one experiment NAME")
		}
		if *names {
			return usageError(stderr, "experiments", "--names lists; it does not go with run")
		}
		return runExperiment(stdout, stderr, fs.Arg(1), *out, *short)
	}
	if *short || *out != "" {
		return usageError(stderr, "experiments", "--short and --out go with run NAME")
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

// runExperiment runs one experiment and writes its outputs.
func runExperiment(stdout, stderr io.Writer, name, out string, short bool) int {
	e, err := experiments.Lookup(name)
	if err != nil {
		return usageError(stderr, "experiments", err.Error())
	}
	if out == "" {
		out = filepath.Join("out", name)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	o, err := e.Run(ctx, experiments.Options{Out: out, Short: short})
	if err != nil {
		fmt.Fprintf(stderr, "tcsim experiments: %s: %v\n", name, err)
		return 1
	}
	for _, p := range o.Paths {
		fmt.Fprintln(stdout, "wrote", p)
	}
	fmt.Fprintf(stdout, "verdict: %s\n", o.Verdict)
	fmt.Fprintf(stderr, "tcsim experiments: %s done in %.1f s\n", name, time.Since(start).Seconds())
	return 0
}
