package main

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
	"github.com/tcsim/tcsim/sim/sweep"
	"github.com/tcsim/tcsim/tensorcore"
)

const benchHelp = `Usage: tcsim bench [flags]

Time a bit-exact simulated GEMM and a float64 GEMM (gonum mat) of the same
shape in the same run, each the best of --reps runs, and print simulated
MACs per second and the ratio of the two times: per core (GOMAXPROCS=1) and
on the whole machine (all cores), for one shape or a list. The step kernels
in use (avx512, avx2 or purego; TCSIM_KERNEL forces one) are printed too.

The shape list "training" is the GEMMs of training a layer on 4,096
tokens: 4096×N×K for N, K in 64, 256, 1024 (forward and input gradient),
and 256×256×K for K in 4096, 8192, 16384 (weight-gradient-like: K is
the tokens).

Inputs are normal random values quantised with --scaling as a sweep does
(deepseek: 1×128 tiles of A and 128×128 blocks of B, whose scales are
applied at each promotion, so --nc must divide 128); block-scaled presets
(MXFP8, MXFP4, NVFP4) use their in-core block scales with --scaling
tensor.

Flags:
%s
Examples:
  tcsim bench
  tcsim bench --m 128 --n 128 --k 16384 --json
  tcsim bench --shapes training --nc 128 --json
  tcsim bench --shapes training --nc 128 --scaling deepseek --json
  tcsim bench --shapes 4096x1024x1024,256x256x16384 --cores all
`

// trainingShapes is the shape list "training" (M×N×K).
func trainingShapes() [][3]int {
	var s [][3]int
	for _, n := range []int{64, 256, 1024} {
		for _, k := range []int{64, 256, 1024} {
			s = append(s, [3]int{4096, n, k})
		}
	}
	return append(s, [3]int{256, 256, 4096}, [3]int{256, 256, 8192}, [3]int{256, 256, 16384})
}

// parseShapes parses "training" or a list of MxNxK.
func parseShapes(s string) ([][3]int, error) {
	if s == "training" {
		return trainingShapes(), nil
	}
	var out [][3]int
	for _, f := range strings.Split(s, ",") {
		parts := strings.Split(f, "x")
		if len(parts) != 3 {
			return nil, fmt.Errorf("--shapes: %q is not MxNxK", f)
		}
		var d [3]int
		for i, p := range parts {
			v, err := strconv.Atoi(p)
			if err != nil || v <= 0 {
				return nil, fmt.Errorf("--shapes: %q is not MxNxK with positive sizes", f)
			}
			d[i] = v
		}
		out = append(out, d)
	}
	return out, nil
}

func runBench(stdout, stderr io.Writer, args []string) int {
	fs := pflag.NewFlagSet("bench", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	preset := fs.String("preset", "h100-wgmma-e4m3-e4m3", "datapath `preset`")
	m := fs.Int("m", 256, "rows `M`")
	n := fs.Int("n", 256, "columns `N`")
	k := fs.Int("k", 4096, "depth `K`")
	shapes := fs.String("shapes", "", "`list` of MxNxK shapes, or training (overrides --m, --n, --k)")
	nc := fs.Int("nc", 0, "promotion interval `N_c` in products (0: never)")
	scaling := fs.String("scaling", "tensor", "quantisation `scaling`: deepseek, tensor, row, tile or block")
	cores := fs.String("cores", "1,all", "core counts to time: 1, all, or both as 1,all")
	reps := fs.Int("reps", 3, "timed runs of each GEMM (the best counts)")
	asJSON := fs.Bool("json", false, "print one JSON object per shape and core count on stdout")
	if code, ok := parseFlags(fs, args, stdout, stderr, func() string { return fmt.Sprintf(benchHelp, fs.FlagUsages()) }); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(stderr, "bench", "unexpected argument "+fs.Arg(0))
	}
	p, err := tensorcore.Lookup(*preset)
	if err != nil {
		return usageError(stderr, "bench", err.Error())
	}
	if *m <= 0 || *n <= 0 || *k <= 0 || *reps <= 0 || *nc < 0 {
		return usageError(stderr, "bench", fmt.Sprintf("--m %d, --n %d, --k %d and --reps %d must be positive, --nc %d not negative", *m, *n, *k, *reps, *nc))
	}
	sc, err := sweep.LookupScaling(*scaling)
	if err != nil {
		return usageError(stderr, "bench", err.Error())
	}
	list := [][3]int{{*m, *n, *k}}
	if *shapes != "" {
		if list, err = parseShapes(*shapes); err != nil {
			return usageError(stderr, "bench", err.Error())
		}
	}
	if !sweep.Applicable(p, sc, *nc) {
		return usageError(stderr, "bench", fmt.Sprintf("--nc %d cannot run with --scaling %s on %s: block-wise scales apply at promotion, so N_c must divide 128, and block-scaled presets take --scaling tensor only",
			*nc, sc.Name, p.Name))
	}
	if blk := max(sc.A.ScaleBlock(1), sc.B.ScaleBlock(1)); blk > 1 {
		// Block-wise scales need K to be a multiple of the 128-wide blocks.
		kept := list[:0:0]
		for _, s := range list {
			if s[2]%128 != 0 {
				fmt.Fprintf(stderr, "tcsim bench: %dx%dx%d skipped: K = %d is not a multiple of the %s scaling's 128-wide blocks\n", s[0], s[1], s[2], s[2], sc.Name)
				continue
			}
			kept = append(kept, s)
		}
		if list = kept; len(list) == 0 {
			return usageError(stderr, "bench", "no shape left: K must be a multiple of 128 with --scaling "+sc.Name)
		}
	}
	var counts []int
	switch *cores {
	case "1":
		counts = []int{1}
	case "all":
		counts = []int{runtime.GOMAXPROCS(0)}
	case "1,all":
		counts = []int{1, runtime.GOMAXPROCS(0)}
	default:
		return usageError(stderr, "bench", fmt.Sprintf("--cores %q: want 1, all or 1,all", *cores))
	}
	for _, s := range list {
		if need, avail := sweep.BenchMemory(s[0], s[1], s[2]), sweep.AvailableMemory(); need > avail {
			return usageError(stderr, "bench", fmt.Sprintf("%dx%dx%d needs about %s of memory, %s available: lower --m, --n or --k",
				s[0], s[1], s[2], sweep.Bytes(need), sweep.Bytes(avail)))
		}
	}
	procs := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(procs)
	for _, s := range list {
		for _, c := range counts {
			runtime.GOMAXPROCS(c)
			res, err := sweep.Bench(p, *nc, sc, s[0], s[1], s[2], *reps)
			if err != nil {
				return usageError(stderr, "bench", err.Error())
			}
			if *asJSON {
				b, _ := json.Marshal(res)
				fmt.Fprintln(stdout, string(b))
				continue
			}
			fmt.Fprintf(stdout, "shape %s, %s, N_c %d, %s scaling, %d cores, %s kernels, best of %d\n",
				res.Shape, res.Preset, res.Nc, res.Scaling, res.Cores, res.Kernel, res.Reps)
			fmt.Fprintf(stdout, "  simulated GEMM: %8.1f million MACs/s (%.1f per core)\n", res.SimMACsPerSec/1e6, res.SimMACsPerSec/1e6/float64(res.Cores))
			fmt.Fprintf(stdout, "  float64 GEMM:   %8.1f million MACs/s\n", res.F64MACsPerSec/1e6)
			fmt.Fprintf(stdout, "  time ratio simulated/float64: %.2f\n", res.Ratio)
		}
	}
	return 0
}
