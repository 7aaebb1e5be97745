package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/tcsim/tcsim/plots/sweepfig"
	"github.com/tcsim/tcsim/sim/atomicfile"
	"github.com/tcsim/tcsim/sim/sweep"
)

const sweepHelp = `Usage: tcsim sweep [flags]

Sweep the error of simulated GEMMs over depth K, promotion interval N_c,
input distribution and quantisation scaling, on bit-exact tensor-core
datapaths. Every point quantises fresh random inputs to FP8, runs the GEMM
bit-exactly, and measures the error against the exact product of the
quantised inputs (acc_* columns: accumulation error) and against the float64
product of the unquantised inputs (tot_* columns: total error).

Writes into --out: results.csv (one row per point), summary.json (flags,
seed, version, build, machine, wall time, headline numbers) and
plots/*.png; a fresh sweep first removes those of an earlier one. Two runs
never share an --out: the second is refused while the first runs. Finished
point groups are kept in --out/.tcsim-progress, so an interrupted sweep
(Ctrl-C, a kill, a crash) continues with --resume; each saved group is
checked against its sweep, group, seed and tool build, and one that does
not match is recomputed. --shard i/n runs one of n shares of the point
groups, balanced by estimated cost, for a batch scheduler; 'tcsim merge'
joins the shard outputs into exactly the bytes of a single run.

A sweep that would not fit in memory is refused before it starts, saying
how much it needs; --dry-run prints the points, groups, estimated time and
peak memory without computing anything.

Input distributions (--dist):
%s
Quantisation scalings (--scaling; one FP32 scale per group of values,
amax mapped to the largest finite FP8 value, less headroom):
%s
Block-wise scaling (deepseek, tile, block) applies scales at promotion, so
it runs only with N_c dividing 128; other N_c are skipped for it. An N_c
that is not a multiple of a preset's instruction K is skipped for that
preset, with a note.

Block-scaled presets (b200-mxf8-*, b200-mxf4-e2m1, b200-nvf4-e2m1) quantise
with their own in-core scales (MX: an E8M0 scale per 32 operands; NVFP4: a
UE4M3 scale per 16 under an FP32 per-tensor scale) and run only with
--scaling tensor.

Flags:
%s
Lists take commas; --k also takes a doubling range a..b (128..16384 is
128,256,...,16384).

Examples:
  # the default sweep (Hopper FP8 wgmma, about 4 seconds on an idle 2-core machine)
  tcsim sweep

  # what a sweep would take, computing nothing
  tcsim sweep --k 128..65536 --m 256 --n 256 --dry-run

  # how many accumulator bits would make promotion unnecessary?
  # (plots/compare_error_vs_f.png: error against F, one line per K)
  tcsim sweep --fbits 13,16,19,22,25 --nc never --scaling tensor --dist pos

  # compare datapaths on the same inputs (plots/compare_error_vs_k.png)
  tcsim sweep --preset h100-wgmma-e4m3-e4m3,h100-mma-e4m3-e4m3 --nc never,128

  # one of three shards (e.g. a Slurm array task), then merge
  tcsim sweep --shard 0/3 --out part0
  tcsim merge --out full part0 part1 part2
`

func runSweep(stdout, stderr io.Writer, args []string) int {
	fs := pflag.NewFlagSet("sweep", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	presets := fs.StringSlice("preset", []string{"h100-wgmma-e4m3-e4m3"}, "datapath `presets` (see 'tcsim presets')")
	ks := fs.String("k", "128..16384", "GEMM depths `K` (multiples of the instruction K)")
	ncs := fs.StringSlice("nc", []string{"32", "64", "128", "256", "512", "never"}, "promotion intervals `N_c` in products, or never")
	dists := fs.StringSlice("dist", []string{"normal", "pos", "outlier"}, "input `distributions`: "+distNames())
	scalings := fs.StringSlice("scaling", []string{"deepseek", "tensor"}, "quantisation `scalings`: "+scalingNames())
	fbits := fs.IntSlice("fbits", nil, "what-if accumulator fraction `bits` F (default: the preset's own)")
	m := fs.Int("m", 64, "rows `M` of A and D")
	n := fs.Int("n", 64, "columns `N` of B and D")
	trials := fs.Int("trials", 2, "independent GEMMs per point")
	seed := fs.Uint64("seed", 1, "random seed")
	out := fs.String("out", "tcsim-sweep", "output `directory`")
	jobs := fs.Int("jobs", runtime.NumCPU(), "point groups computed at once")
	resume := fs.Bool("resume", false, "continue an interrupted sweep in --out without recomputing finished points")
	shard := fs.String("shard", "", "run only shard `i/n` of the point groups (0 <= i < n)")
	noBaseline := fs.Bool("no-baseline", false, "leave out the CUDA-core FP32 baseline rows (nc = fp32)")
	pow2 := fs.Bool("pow2-scales", false, "round quantisation scales up to powers of two")
	dryRunFlag := fs.Bool("dry-run", false, "print the points, groups, estimated time and peak memory; compute nothing")
	if code, ok := parseFlags(fs, args, stdout, stderr, func() string {
		return fmt.Sprintf(sweepHelp, describe(sweep.Dists()), describe(sweep.Scalings()), fs.FlagUsages())
	}); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(stderr, "sweep", "unexpected argument "+strconv.Quote(fs.Arg(0)))
	}
	if *out == "" {
		return usageError(stderr, "sweep", "--out: want an output directory, not an empty name")
	}
	if st, err := os.Stat(*out); err == nil && !st.IsDir() {
		return usageError(stderr, "sweep", fmt.Sprintf("--out %s: is a file, not a directory", *out))
	}
	spec := sweep.Spec{Presets: *presets, FBits: *fbits, Dists: *dists, Scalings: *scalings,
		M: *m, N: *n, Trials: *trials, Seed: *seed, Baseline: !*noBaseline, Pow2Scales: *pow2}
	var err error
	if spec.K, err = parseKs(*ks); err != nil {
		return usageError(stderr, "sweep", err.Error())
	}
	for _, s := range *ncs {
		nc, err := sweep.ParseNc(s)
		if err != nil || nc == sweep.NcFP32 {
			return usageError(stderr, "sweep", fmt.Sprintf("--nc %q: want a positive multiple of the instruction K, or never", s))
		}
		spec.Nc = append(spec.Nc, nc)
	}
	si, sn, err := sweep.ParseShard(*shard)
	if err != nil {
		return usageError(stderr, "sweep", "--shard: "+err.Error())
	}
	if *jobs < 1 {
		return usageError(stderr, "sweep", "--jobs must be at least 1")
	}
	groups, err := spec.Groups()
	if err != nil {
		return usageError(stderr, "sweep", err.Error())
	}
	mine := spec.Shard(groups, si, sn)
	if len(mine) == 0 {
		return usageError(stderr, "sweep", fmt.Sprintf("--shard %s: the sweep has only %d point groups", *shard, len(groups)))
	}
	avail := sweep.AvailableMemory()
	if err := spec.CheckMemory(mine, *jobs, avail); err != nil {
		return usageError(stderr, "sweep", err.Error())
	}
	for _, note := range spec.Skipped() {
		fmt.Fprintf(stderr, "tcsim sweep: note: %s\n", note)
	}
	if *dryRunFlag {
		return dryRun(stdout, stderr, &spec, groups, mine, *shard, *jobs, avail)
	}

	store, err := sweep.OpenDirStore(*out, &spec, buildID(), *resume)
	if errors.Is(err, sweep.ErrOtherSweep) {
		return usageError(stderr, "sweep", err.Error())
	}
	if err != nil {
		fmt.Fprintf(stderr, "tcsim sweep: %v\n", err)
		return 1
	}
	defer store.Close()
	figDir := filepath.Join(*out, "plots")
	if err := clearOutputs(*out, figDir, !*resume); err != nil {
		fmt.Fprintf(stderr, "tcsim sweep: %v\n", err)
		return 1
	}
	if n := store.Discarded(); n > 0 {
		fmt.Fprintf(stderr, "tcsim sweep: note: %d saved groups did not match this sweep and are recomputed\n", n)
	}
	pr := newProgress(stderr, time.Now())
	ctx, intr := catchInterrupts(func() {
		pr.say("tcsim sweep: interrupted; stopping (finished points are kept; Ctrl-C again to quit at once)")
	})
	rows, err := spec.Run(ctx, si, sn, *jobs, store, pr.update)
	intr.stop()
	pr.finish()
	if code := intr.status(); code != 0 {
		fmt.Fprintf(stderr, "tcsim sweep: stopped; rerun with --resume to continue\n")
		return code
	}
	if err != nil {
		fmt.Fprintf(stderr, "tcsim sweep: %v\n", err)
		return 1
	}
	if n := store.Discarded(); n > 0 {
		fmt.Fprintf(stderr, "tcsim sweep: note: %d saved groups did not match this sweep and were recomputed\n", n)
	}
	sum := &sweep.Summary{Tool: "tcsim", Version: versionString(), Build: buildID(), SpecID: spec.ID(), Spec: spec,
		Machine: sweep.ThisMachine(), WallSeconds: store.WallSeconds()}
	if sn > 1 {
		sum.Shard = *shard
	}
	if err := sweep.WriteResults(*out, rows, sum); err != nil {
		fmt.Fprintf(stderr, "tcsim sweep: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "%d points (%d groups) in %.1fs\n", len(rows), len(mine), sum.WallSeconds)
	fmt.Fprintf(stdout, "wrote %s and %s\n", filepath.Join(*out, "results.csv"), filepath.Join(*out, "summary.json"))
	if sn > 1 {
		fmt.Fprintf(stdout, "shard %s: figures are drawn by 'tcsim merge'\n", *shard)
		return 0
	}
	return drawFigures(stdout, stderr, "sweep", rows, figDir)
}

// dryRun prints what a sweep would do: its points and groups, the
// estimated time and peak memory.
func dryRun(stdout, stderr io.Writer, spec *sweep.Spec, groups, mine []sweep.Group, shard string, jobs int, avail float64) int {
	points := func(gs []sweep.Group) (n int) {
		for _, g := range gs {
			n += len(g.Nc)
		}
		return n
	}
	fmt.Fprintf(stdout, "%d points in %d groups\n", points(groups), len(groups))
	if len(mine) != len(groups) {
		fmt.Fprintf(stdout, "shard %s: %d points in %d groups\n", shard, points(mine), len(mine))
	}
	secs, err := spec.EstimateSeconds(context.Background(), mine, jobs)
	if err != nil {
		fmt.Fprintf(stderr, "tcsim sweep: %v\n", err)
		return 1
	}
	workers := min(jobs, runtime.GOMAXPROCS(0))
	fmt.Fprintf(stdout, "estimated time: %s on %d workers\n", time.Duration(secs*float64(time.Second)).Round(time.Second/10), workers)
	fmt.Fprintf(stdout, "estimated peak memory: %s (%s available)\n", sweep.Bytes(spec.PeakMemory(mine, jobs)), sweep.Bytes(avail))
	fmt.Fprintln(stdout, "nothing computed (--dry-run)")
	return 0
}

// figurePrefixes name the figure files tcsim writes; a directory's other
// files are not touched.
var figurePrefixes = []string{"error_vs_k", "heatmap", "bias_vs_k", "compare_"}

// clearOutputs removes what killed writers left in out and figDir, and,
// for a fresh sweep (all), the results and figures of an earlier one, so
// that outputs of two runs never stand side by side. The caller holds
// out's lock.
func clearOutputs(out, figDir string, all bool) error {
	for _, d := range []string{out, figDir} {
		if err := atomicfile.RemoveStale(d); err != nil {
			return err
		}
	}
	if !all {
		return nil
	}
	for _, name := range []string{"results.csv", "summary.json"} {
		if err := os.Remove(filepath.Join(out, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return removeFigures(figDir, nil)
}

// removeFigures removes the figure files in dir but those in keep.
func removeFigures(dir string, keep []string) error {
	return atomicfile.RemoveMatching(dir, func(name string) bool {
		if filepath.Ext(name) != ".png" || slices.Contains(keep, filepath.Join(dir, name)) {
			return false
		}
		return slices.ContainsFunc(figurePrefixes, func(p string) bool { return strings.HasPrefix(name, p) })
	})
}

// drawFigures writes the figures for rows into dir and lists them.
func drawFigures(stdout, stderr io.Writer, cmd string, rows []sweep.Row, dir string) int {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintf(stderr, "tcsim %s: %v\n", cmd, err)
		return 1
	}
	if err := atomicfile.RemoveStale(dir); err != nil {
		fmt.Fprintf(stderr, "tcsim %s: %v\n", cmd, err)
		return 1
	}
	paths, err := sweepfig.Figures(rows, dir)
	if err == nil {
		err = removeFigures(dir, paths) // those of an earlier sweep
	}
	if err != nil {
		fmt.Fprintf(stderr, "tcsim %s: figures: %v\n", cmd, err)
		return 1
	}
	for _, p := range paths {
		fmt.Fprintf(stdout, "wrote %s\n", p)
	}
	return 0
}

// parseKs parses a comma list of integers and doubling ranges a..b.
func parseKs(s string) ([]int, error) {
	var ks []int
	for _, part := range strings.Split(s, ",") {
		if a, b, ok := strings.Cut(part, ".."); ok {
			lo, err1 := strconv.Atoi(strings.TrimSpace(a))
			hi, err2 := strconv.Atoi(strings.TrimSpace(b))
			if err1 != nil || err2 != nil || lo <= 0 || hi < lo {
				return nil, fmt.Errorf("--k %q: want a range like 128..16384", part)
			}
			for k := lo; ; k *= 2 {
				ks = append(ks, k)
				if k > hi/2 {
					break
				}
			}
			continue
		}
		k, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || k <= 0 {
			return nil, fmt.Errorf("--k %q: want positive integers", part)
		}
		ks = append(ks, k)
	}
	return ks, nil
}

// describe lists named things with their descriptions, one per line.
func describe[T sweep.Dist | sweep.Scaling](list []T) string {
	var b strings.Builder
	for _, v := range list {
		var name, desc string
		switch v := any(v).(type) {
		case sweep.Dist:
			name, desc = v.Name, v.Description
		case sweep.Scaling:
			name, desc = v.Name, v.Description
		}
		fmt.Fprintf(&b, "  %-9s %s\n", name, desc)
	}
	return b.String()
}

func distNames() string {
	var s []string
	for _, d := range sweep.Dists() {
		s = append(s, d.Name)
	}
	return strings.Join(s, ", ")
}

func scalingNames() string {
	var s []string
	for _, d := range sweep.Scalings() {
		s = append(s, d.Name)
	}
	return strings.Join(s, ", ")
}
