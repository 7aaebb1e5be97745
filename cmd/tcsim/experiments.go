package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/tcsim/tcsim/experiments"
)

const experimentsHelp = `Usage: tcsim experiments [flags]

List the reproducible experiments on FP8 accumulation, with the claim each one
tests and the command that runs it. Each experiment is a Go program with a
fixed seed; run it from the repository root:

  go run ./experiments/NAME [--short] [--out DIR]

It writes DIR/data.csv, PNG figures and DIR/summary.md (claim, setup, measured
numbers and a verdict computed from them); DIR defaults to out/NAME. --short
runs the reduced size of its golden test. experiments/README.md lists the
verdicts of the full-size runs; 'go test ./experiments/...' checks them.

Flags:
%s
Examples:
  tcsim experiments

  # run every experiment at full size (each takes under two minutes on 2 cores)
  for e in $(tcsim experiments --names); do go run ./experiments/$e; done
`

// runExperiments lists the experiments of package experiments.
func runExperiments(stdout, stderr io.Writer, args []string) int {
	fs := pflag.NewFlagSet("experiments", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	names := fs.Bool("names", false, "print only the names, one per line")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprintf(stdout, experimentsHelp, fs.FlagUsages())
			return 0
		}
		return usageError(stderr, "experiments", err.Error())
	}
	if fs.NArg() > 0 {
		return usageError(stderr, "experiments", "unexpected argument "+fs.Arg(0))
	}
	if *names {
		for _, e := range experiments.All {
			fmt.Fprintln(stdout, e.Name)
		}
		return 0
	}
	fmt.Fprintf(stdout, "%d experiments; run one with 'go run ./experiments/NAME' from the repository root.\n", len(experiments.All))
	for _, e := range experiments.All {
		fmt.Fprintf(stdout, "\n%s: %s\n  claim: %s\n  run:   go run ./experiments/%s\n", e.Name, e.Title, e.Claim, e.Name)
	}
	return 0
}
