package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"
	"github.com/tcsim/tcsim/sim/atomicfile"
	"github.com/tcsim/tcsim/sim/sweep"
)

const mergeHelp = `Usage: tcsim merge --out DIR SHARD_DIR...

Join the outputs of every shard of one sweep ('tcsim sweep --shard i/n') into
DIR: results.csv with exactly the bytes a single run would have written,
summary.json (wall time: the shards' total) and the figures. The shards must
come from the same flags and cover 0/n .. n-1/n once each.

Flags:
%s
Examples:
  tcsim sweep --shard 0/2 --out s0 && tcsim sweep --shard 1/2 --out s1
  tcsim merge --out full s0 s1
`

func runMerge(stdout, stderr io.Writer, args []string) int {
	fs := pflag.NewFlagSet("merge", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("out", "", "output `directory` (required)")
	if code, ok := parseFlags(fs, args, stdout, stderr, func() string { return fmt.Sprintf(mergeHelp, fs.FlagUsages()) }); !ok {
		return code
	}
	if *out == "" || fs.NArg() == 0 {
		return usageError(stderr, "merge", "want --out DIR and at least one shard directory")
	}
	if st, err := os.Stat(*out); err == nil && !st.IsDir() {
		return usageError(stderr, "merge", fmt.Sprintf("--out %s: is a file, not a directory", *out))
	}
	rows, sum, err := sweep.Merge(fs.Args())
	if err != nil {
		fmt.Fprintf(stderr, "tcsim merge: %v\n", err)
		return 2
	}
	lock, err := sweep.LockDir(*out)
	if err != nil {
		fmt.Fprintf(stderr, "tcsim merge: %v\n", err)
		return 1
	}
	defer lock.Unlock()
	if err := atomicfile.RemoveStale(*out); err != nil {
		fmt.Fprintf(stderr, "tcsim merge: %v\n", err)
		return 1
	}
	if err := sweep.WriteResults(*out, rows, sum); err != nil {
		fmt.Fprintf(stderr, "tcsim merge: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "merged %d shards: %d points into %s\n", len(fs.Args()), len(rows), filepath.Join(*out, "results.csv"))
	return drawFigures(stdout, stderr, "merge", rows, filepath.Join(*out, "plots"))
}
