package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/pflag"
	"github.com/tcsim/tcsim/sim/sweep"
	"github.com/tcsim/tcsim/tensorcore"
)

const benchHelp = `Usage: tcsim bench [flags]

Time a bit-exact simulated GEMM (no promotion) and a float64 GEMM (gonum mat)
of the same shape in the same run, each the best of --reps runs, and print
simulated MACs per second and the ratio of the two times. Uses all cores
(GOMAXPROCS).

Flags:
%s
Examples:
  tcsim bench
  tcsim bench --m 128 --n 128 --k 16384 --json
`

func runBench(stdout, stderr io.Writer, args []string) int {
	fs := pflag.NewFlagSet("bench", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	preset := fs.String("preset", "h100-wgmma-e4m3-e4m3", "datapath `preset`")
	m := fs.Int("m", 256, "rows `M`")
	n := fs.Int("n", 256, "columns `N`")
	k := fs.Int("k", 4096, "depth `K`")
	reps := fs.Int("reps", 3, "timed runs of each GEMM (the best counts)")
	asJSON := fs.Bool("json", false, "print one JSON object on stdout")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprintf(stdout, benchHelp, fs.FlagUsages())
			return 0
		}
		return usageError(stderr, "bench", err.Error())
	}
	if fs.NArg() > 0 {
		return usageError(stderr, "bench", "unexpected argument "+fs.Arg(0))
	}
	p, err := tensorcore.Lookup(*preset)
	if err != nil {
		return usageError(stderr, "bench", err.Error())
	}
	if *m <= 0 || *n <= 0 || *k <= 0 || *reps <= 0 {
		return usageError(stderr, "bench", fmt.Sprintf("--m %d, --n %d, --k %d and --reps %d must be positive", *m, *n, *k, *reps))
	}
	if need, avail := sweep.BenchMemory(*m, *n, *k), sweep.AvailableMemory(); need > avail {
		return usageError(stderr, "bench", fmt.Sprintf("needs about %s of memory, %s available: lower --m, --n or --k", sweep.Bytes(need), sweep.Bytes(avail)))
	}
	res, err := sweep.Bench(p, *m, *n, *k, *reps)
	if err != nil {
		return usageError(stderr, "bench", err.Error())
	}
	if *asJSON {
		b, _ := json.Marshal(res)
		fmt.Fprintln(stdout, string(b))
		return 0
	}
	fmt.Fprintf(stdout, "shape %s, %s, %d cores, best of %d\n", res.Shape, res.Preset, res.Cores, res.Reps)
	fmt.Fprintf(stdout, "simulated GEMM: %8.1f million MACs/s (%.1f per core)\n", res.SimMACsPerSec/1e6, res.SimMACsPerSec/1e6/float64(res.Cores))
	fmt.Fprintf(stdout, "float64 GEMM:   %8.1f million MACs/s\n", res.F64MACsPerSec/1e6)
	fmt.Fprintf(stdout, "time ratio simulated/float64: %.2f\n", res.Ratio)
	return 0
}
