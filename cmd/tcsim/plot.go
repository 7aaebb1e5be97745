package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"
	"github.com/tcsim/tcsim/sim/sweep"
)

const plotHelp = `Usage: tcsim plot [flags] RESULTS

Redraw the figures of a sweep from its results.csv (RESULTS is the file or
the sweep's output directory) without recomputing anything.

Flags:
%s
Examples:
  tcsim plot tcsim-sweep
  tcsim plot --out figs tcsim-sweep/results.csv
`

func runPlot(stdout, stderr io.Writer, args []string) int {
	fs := pflag.NewFlagSet("plot", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("out", "", "figure `directory` (default: plots/ beside results.csv)")
	if code, ok := parseFlags(fs, args, stdout, stderr, func() string { return fmt.Sprintf(plotHelp, fs.FlagUsages()) }); !ok {
		return code
	}
	if fs.NArg() != 1 {
		return usageError(stderr, "plot", "want exactly one results.csv or sweep directory")
	}
	path := fs.Arg(0)
	rows, err := sweep.ReadResults(path)
	if err != nil {
		fmt.Fprintf(stderr, "tcsim plot: %v\n", err)
		return 2
	}
	if len(rows) == 0 {
		fmt.Fprintf(stderr, "tcsim plot: %s has no rows\n", path)
		return 2
	}
	dir := *out
	if dir == "" {
		if st, err := os.Stat(path); err == nil && st.IsDir() {
			dir = filepath.Join(path, "plots")
		} else {
			dir = filepath.Join(filepath.Dir(path), "plots")
		}
	}
	return drawFigures(stdout, stderr, "plot", rows, dir)
}
