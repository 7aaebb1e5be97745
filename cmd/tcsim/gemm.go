package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/spf13/pflag"
	"github.com/tcsim/tcsim/numerics"
	"github.com/tcsim/tcsim/plots/sweepfig"
	"github.com/tcsim/tcsim/sim/atomicfile"
	"github.com/tcsim/tcsim/sim/npy"
	"github.com/tcsim/tcsim/sim/sweep"
	"github.com/tcsim/tcsim/sim/tensorgemm"
	"github.com/tcsim/tcsim/tensorcore"
)

const gemmHelp = `Usage: tcsim gemm --a A --b B [flags]

Simulate D = A·B on your own tensors, bit-exactly on tensor-core datapaths,
and measure its error. A and B are .npy files or FILE.safetensors:TENSOR
(FILE:TENSOR for a safetensors file of another name, such as the files of
'tcsim train'; the :TENSOR may be left out for a file of one tensor).

A is M×K (an array of any rank is read as rows of its last axis, so a
[batch, seq, hidden] activation is M = batch·seq rows). B is K×N, as numpy's
A @ B; with --b-transpose it is N×K, a PyTorch Linear weight [out, in]
(y = x·Wᵀ).

Operand types: float16, float32, float64 (either byte order), bfloat16 and
FP8 as ml_dtypes writes them ('<V2'; '<V1' with --a-format/--b-format
e4m3|e5m2, which also read uint8/uint16 views), and the safetensors dtypes
F64, F32, F16, BF16, F8_E4M3, F8_E5M2. FP8 operands are used as codes, not
re-quantised; the preset's operand format must match them. A safetensors
F8_E4M3 weight with a TENSOR_scale_inv beside it (DeepSeek-V3 checkpoints:
one FP32 scale per 128×128 block, w = q·s) is read with its scales, which
are applied at each promotion as the model's kernels do. Real-valued
operands are quantised with each --scaling (deepseek: 1×128 activation
tiles and 128×128 weight blocks, as the sweep does; none: the values must
already be exact in the preset's format).

Every preset × scaling × N_c is run (plus the CUDA-core FP32 baseline,
nc = fp32). Errors are measured against the exact product of the quantised
operands (acc_*) and against the float64 product of the unquantised ones
(tot_*). NaN and Inf inputs are counted; the outputs that depend on them are
NaN and left out of the metrics.

Writes into --out (which must be new or empty; it appears complete or not
at all): D of every configuration (d_PRESET_SCALING_nc-NC.npy, float32),
the exact references (exact_PRESET_SCALING.npy, float64), the float64
product (float64_product.npy), results.csv (the sweep's columns),
report.json, rel_error.png (the distribution of elementwise relative error)
and, with --error-vs-k, error_vs_k.csv and error_vs_k.png. Prints the table
of metrics.

Flags:
%s
Examples:
  # a layer's activation and weight dumped from PyTorch (see the README)
  tcsim gemm --a x.npy --b layer.safetensors:weight --b-transpose

  # a DeepSeek-V3 FP8 weight with its block scales, activations quantised 1x128
  tcsim gemm --a x.npy --b model-00001.safetensors:model.layers.3.mlp.down_proj.weight \
      --b-transpose --nc 32,64,128

  # FP8 codes saved with ml_dtypes, compared across datapaths
  tcsim gemm --a a.npy --a-format e4m3 --b b.npy --b-format e4m3 \
      --preset h100-wgmma-e4m3-e4m3,h100-mma-e4m3-e4m3 --nc never,128 --error-vs-k
`

func runGEMM(stdout, stderr io.Writer, args []string) int {
	fs := pflag.NewFlagSet("gemm", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	aSrc := fs.String("a", "", "left operand `A` (M×K): FILE.npy or FILE.safetensors[:TENSOR]")
	bSrc := fs.String("b", "", "right operand `B` (K×N, or N×K with --b-transpose)")
	aFmt := fs.String("a-format", "", "`format` of A's raw elements when the file does not say: e4m3, e5m2, bf16, f16")
	bFmt := fs.String("b-format", "", "`format` of B's raw elements when the file does not say")
	aScale := fs.String("a-scale", "", "128×128 block `scales` of an FP8 A (default: TENSOR_scale_inv if present; none)")
	bScale := fs.String("b-scale", "", "128×128 block `scales` of an FP8 B (default: TENSOR_scale_inv if present; none)")
	bT := fs.Bool("b-transpose", false, "B is stored N×K (a PyTorch Linear weight [out, in])")
	presets := fs.StringSlice("preset", nil, "datapath `presets` (default h100-wgmma-<A>-<B> for the operands' FP8 formats, e4m3 for real ones)")
	ncs := fs.StringSlice("nc", []string{"128", "never"}, "promotion intervals `N_c` in products, or never")
	scalings := fs.StringSlice("scaling", []string{"deepseek"}, "quantisation `scalings` of real operands: "+scalingNames()+", none")
	splitK := fs.Int("split-k", 0, "split K into `n` slices of 128-wide tiles, added in FP32")
	noBaseline := fs.Bool("no-baseline", false, "leave out the CUDA-core FP32 baseline (nc = fp32)")
	pow2 := fs.Bool("pow2-scales", false, "round quantisation scales up to powers of two")
	out := fs.String("out", "tcsim-gemm", "output `directory` (new or empty)")
	errK := fs.Bool("error-vs-k", false, "also follow the error along K (error_vs_k.csv and .png)")
	maxMem := fs.String("max-memory", "8GiB", "refuse runs estimated to need more `memory` than this")
	if code, ok := parseFlags(fs, args, stdout, stderr, func() string { return fmt.Sprintf(gemmHelp, fs.FlagUsages()) }); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(stderr, "gemm", "unexpected argument "+strconv.Quote(fs.Arg(0)))
	}
	if *aSrc == "" || *bSrc == "" {
		return usageError(stderr, "gemm", "--a and --b are required")
	}
	limit, err := parseBytes(*maxMem)
	if err != nil {
		return usageError(stderr, "gemm", "--max-memory: "+err.Error())
	}
	opt := tensorgemm.Options{Scalings: *scalings, SplitK: *splitK, Baseline: !*noBaseline, Pow2Scales: *pow2}
	for _, s := range *ncs {
		nc, err := sweep.ParseNc(s)
		if err != nil || nc == sweep.NcFP32 {
			return usageError(stderr, "gemm", fmt.Sprintf("--nc %q: want a positive multiple of the instruction K, or never", s))
		}
		opt.Nc = append(opt.Nc, nc)
	}
	for _, s := range *scalings {
		if _, err := sweep.LookupScaling(s); err != nil && s != tensorgemm.ScalingNone {
			return usageError(stderr, "gemm", "--scaling: "+err.Error())
		}
	}
	if *splitK < 0 {
		return usageError(stderr, "gemm", "--split-k must not be negative")
	}
	if err := checkOutDir(*out); err != nil {
		return usageError(stderr, "gemm", err.Error())
	}

	a, err := tensorgemm.Open(tensorgemm.RoleA, tensorgemm.Spec{Source: *aSrc, Format: *aFmt, Scale: *aScale, KMajor: true})
	if err != nil {
		return inputFailure(stderr, err)
	}
	defer a.Close()
	b, err := tensorgemm.Open(tensorgemm.RoleB, tensorgemm.Spec{Source: *bSrc, Format: *bFmt, Scale: *bScale, KMajor: *bT})
	if err != nil {
		return inputFailure(stderr, err)
	}
	defer b.Close()
	if err := tensorgemm.CheckShapes(a, b); err != nil {
		return inputFailure(stderr, err)
	}
	names := *presets
	if len(names) == 0 {
		names = []string{fmt.Sprintf("h100-wgmma-%s-%s", fp8Name(a), fp8Name(b))}
	}
	for _, n := range names {
		p, err := tensorcore.Lookup(n)
		if err != nil {
			return usageError(stderr, "gemm", "--preset: "+err.Error())
		}
		opt.Presets = append(opt.Presets, p)
	}
	if need := tensorgemm.Estimate(a, b, opt); need > limit {
		return usageError(stderr, "gemm", fmt.Sprintf("a %d×%d×%d GEMM in %d configurations needs about %s, over --max-memory %s",
			a.Rows, b.Rows, a.K, len(opt.Presets)*len(opt.Scalings)*(len(opt.Nc)+1), formatBytes(need), *maxMem))
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opA, err := a.Load()
	if err != nil {
		return inputFailure(stderr, err)
	}
	opB, err := b.Load()
	if err != nil {
		return inputFailure(stderr, err)
	}
	for _, op := range []*tensorgemm.Operand{opA, opB} {
		if op.NaN+op.Inf > 0 {
			fmt.Fprintf(stderr, "tcsim gemm: %s (%s) holds %d NaN and %d Inf: the outputs that depend on them are NaN and left out of the metrics\n",
				op.Role, op.Source, op.NaN, op.Inf)
		}
	}
	res, err := tensorgemm.Run(ctx, opA, opB, opt, func(i, n int, what string) {
		fmt.Fprintf(stderr, "tcsim gemm: [%d/%d] %s (%d×%d×%d)\n", i+1, n, what, opA.Rows, opB.Rows, opA.K)
	})
	if err != nil {
		return runFailure(stderr, ctx, err)
	}
	var ks []tensorgemm.KSeries
	if *errK {
		if ks, err = tensorgemm.ErrorAlongK(ctx, res, 32); err != nil {
			return runFailure(stderr, ctx, err)
		}
	}
	rep := newGEMMReport(opA, opB, res, opt, ks)
	if err := writeGEMMOutputs(*out, rep, res, ks); err != nil {
		fmt.Fprintf(stderr, "tcsim gemm: %v\n", err)
		return 1
	}
	for _, s := range res.Skipped {
		fmt.Fprintf(stderr, "tcsim gemm: skipped %s\n", s)
	}
	writeGEMMTable(stdout, rep)
	fmt.Fprintf(stdout, "\nWrote %s/ (report.json, results.csv, %d .npy files, figures).\n", *out, len(res.Points)+len(res.Quants)+1)
	return 0
}

// fp8Name is the operand's FP8 format for the default preset (e4m3 for
// real-valued operands).
func fp8Name(p *tensorgemm.Pending) string {
	if f, ok := p.Format(); ok && p.Codes() {
		return f.Name()
	}
	return numerics.E4M3.Name()
}

// inputFailure reports a bad input in one line: exit 2.
func inputFailure(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "tcsim gemm: %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
	return 2
}

func runFailure(stderr io.Writer, ctx context.Context, err error) int {
	var ie *tensorgemm.InputError
	if errors.As(err, &ie) {
		return inputFailure(stderr, err)
	}
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "tcsim gemm: interrupted; nothing written")
		return 1
	}
	fmt.Fprintf(stderr, "tcsim gemm: %v\n", err)
	return 1
}

// checkOutDir accepts a directory that does not exist or is empty.
func checkOutDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("--out: %v", err)
	case len(entries) > 0:
		return fmt.Errorf("--out %s exists and is not empty: choose a new directory", dir)
	}
	return nil
}

// parseBytes parses a size such as 512MiB, 8GiB, 2G or 1000000.
func parseBytes(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   float64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"T", 1 << 40}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}}
	mult := 1.0
	num := s
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			num, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v <= 0 || v*mult > math.MaxInt64/2 {
		return 0, fmt.Errorf("bad size %q (want e.g. 512MiB or 8GiB)", s)
	}
	return int64(v * mult), nil
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KiB", (n+1023)/1024)
}

// gemmReport is report.json.
type gemmReport struct {
	Command         string          `json:"command"`
	Version         string          `json:"version"`
	A               operandReport   `json:"a"`
	B               operandReport   `json:"b"`
	M               int             `json:"m"`
	N               int             `json:"n"`
	K               int             `json:"k"`
	PoisonedOutputs int             `json:"outputs_with_nonfinite_inputs"`
	Options         optionsReport   `json:"options"`
	Configurations  []configReport  `json:"configurations"`
	Skipped         []string        `json:"skipped"`
	Float64Product  string          `json:"float64_product"`
	ErrorVsK        []errorVsKPoint `json:"error_vs_k,omitempty"`
	rows            []sweep.Row
}

type operandReport struct {
	Source     string `json:"source"`
	DType      string `json:"dtype"`
	Shape      []int  `json:"shape"`
	Rows       int    `json:"rows"`
	K          int    `json:"k"`
	UsedAs     string `json:"used_as"`
	BlockScale string `json:"block_scales,omitempty"`
	NaN        int    `json:"nan"`
	Inf        int    `json:"inf"`
}

type optionsReport struct {
	Presets    []string `json:"presets"`
	Scalings   []string `json:"scalings"`
	Nc         []string `json:"nc"`
	Baseline   bool     `json:"baseline"`
	SplitK     int      `json:"split_k"`
	Pow2Scales bool     `json:"pow2_scales"`
}

type configReport struct {
	Preset     string              `json:"preset"`
	FBits      int                 `json:"fbits"`
	Scaling    string              `json:"scaling"`
	Nc         string              `json:"nc"`
	Promotions int                 `json:"promotions"`
	D          string              `json:"d"`
	Exact      string              `json:"exact"`
	Metrics    map[string]*float64 `json:"metrics"`
}

type errorVsKPoint struct {
	Preset    string   `json:"preset"`
	Scaling   string   `json:"scaling"`
	Nc        string   `json:"nc"`
	K         int      `json:"k"`
	MedianRel *float64 `json:"median_rel"`
	RelP10    *float64 `json:"rel_p10"`
	RelP90    *float64 `json:"rel_p90"`
	MaxRel    *float64 `json:"max_rel"`
}

// jsonNum is v, or nil (null) when it is not finite.
func jsonNum(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func operandReportOf(op *tensorgemm.Operand) operandReport {
	r := operandReport{Source: op.Source, DType: op.DType, Shape: op.Shape, Rows: op.Rows, K: op.K, NaN: op.NaN, Inf: op.Inf}
	r.UsedAs = "real values, quantised per configuration"
	if op.Format != nil {
		r.UsedAs = op.Format.Name() + " codes, not re-quantised"
	}
	r.BlockScale = op.ScaleSource
	return r
}

func dName(pt *tensorgemm.Point) string {
	return fmt.Sprintf("d_%s_%s_nc-%s.npy", pt.Preset.Name, pt.Scaling, sweep.NcLabel(pt.Nc))
}

func exactName(q *tensorgemm.Quant) string {
	return fmt.Sprintf("exact_%s_%s.npy", q.Preset.Name, q.Scaling)
}

func newGEMMReport(a, b *tensorgemm.Operand, res *tensorgemm.Result, opt tensorgemm.Options, ks []tensorgemm.KSeries) *gemmReport {
	rep := &gemmReport{Command: "tcsim gemm", Version: version, A: operandReportOf(a), B: operandReportOf(b),
		M: res.M, N: res.N, K: res.K, PoisonedOutputs: res.Poisoned, Skipped: res.Skipped, Float64Product: "float64_product.npy"}
	if rep.Skipped == nil {
		rep.Skipped = []string{}
	}
	rep.Options = optionsReport{Scalings: opt.Scalings, Baseline: opt.Baseline, SplitK: opt.SplitK, Pow2Scales: opt.Pow2Scales}
	for _, p := range opt.Presets {
		rep.Options.Presets = append(rep.Options.Presets, p.Name)
	}
	for _, nc := range opt.Nc {
		rep.Options.Nc = append(rep.Options.Nc, sweep.NcLabel(nc))
	}
	header := sweep.Header()
	for i := range res.Points {
		pt := &res.Points[i]
		row := sweep.Row{Preset: pt.Preset.Name, FBits: pt.Preset.F, Dist: "tensors", Scaling: pt.Scaling, K: res.K, Nc: pt.Nc,
			M: res.M, N: res.N, Trials: 1, Outputs: res.M*res.N - res.Poisoned, Promotions: pt.Promotions, Acc: pt.Acc, Tot: pt.Tot}
		rep.rows = append(rep.rows, row)
		c := configReport{Preset: row.Preset, FBits: row.FBits, Scaling: row.Scaling, Nc: sweep.NcLabel(pt.Nc),
			Promotions: pt.Promotions, D: dName(pt), Exact: exactName(&res.Quants[pt.Quant]), Metrics: map[string]*float64{}}
		rec := row.Record()
		for j := 11; j < len(header); j++ {
			v, _ := strconv.ParseFloat(rec[j], 64)
			c.Metrics[header[j]] = jsonNum(v)
		}
		rep.Configurations = append(rep.Configurations, c)
	}
	for _, s := range ks {
		pt := &res.Points[s.Point]
		for i, k := range s.K {
			if i >= len(s.Metrics) {
				break
			}
			m := s.Metrics[i]
			rep.ErrorVsK = append(rep.ErrorVsK, errorVsKPoint{Preset: pt.Preset.Name, Scaling: pt.Scaling, Nc: sweep.NcLabel(pt.Nc),
				K: k, MedianRel: jsonNum(m.MedianRel), RelP10: jsonNum(m.RelP10), RelP90: jsonNum(m.RelP90), MaxRel: jsonNum(m.MaxRel)})
		}
	}
	return rep
}

// writeGEMMOutputs writes every output into a new directory beside dir and
// renames it to dir, so dir appears complete or not at all.
func writeGEMMOutputs(dir string, rep *gemmReport, res *tensorgemm.Result, ks []tensorgemm.KSeries) error {
	parent := filepath.Dir(filepath.Clean(dir))
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	put := func(name string, data []byte) error { return atomicfile.WriteFile(filepath.Join(tmp, name), data) }
	putNpy := func(name string, a npy.Array) error {
		b, err := npy.Encode(a)
		if err != nil {
			return err
		}
		return put(name, b)
	}
	shape := []int{res.M, res.N}
	for i := range res.Points {
		if err := putNpy(dName(&res.Points[i]), npy.FromFloat32(shape, res.Points[i].D)); err != nil {
			return err
		}
	}
	for i := range res.Quants {
		if err := putNpy(exactName(&res.Quants[i]), npy.FromFloat64(shape, res.Quants[i].Exact)); err != nil {
			return err
		}
	}
	if err := putNpy(rep.Float64Product, npy.FromFloat64(shape, res.Float64)); err != nil {
		return err
	}
	var csv bytes.Buffer
	if err := sweep.WriteCSV(&csv, rep.rows); err != nil {
		return err
	}
	if err := put("results.csv", csv.Bytes()); err != nil {
		return err
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := put("report.json", append(js, '\n')); err != nil {
		return err
	}
	title := fmt.Sprintf("tcsim gemm: %d×%d×%d", res.M, res.N, res.K)
	sub := fmt.Sprintf("A: %s · B: %s", rep.A.Source, rep.B.Source)
	var dists []sweepfig.ErrorDist
	for i := range res.Points {
		pt := &res.Points[i]
		dists = append(dists, relErrors(pointLabel(pt), pt.D, res.Quants[pt.Quant].Exact))
	}
	if err := sweepfig.GEMMErrorDistribution(title+": distribution of elementwise relative error", sub, dists, filepath.Join(tmp, "rel_error.png")); err != nil {
		return err
	}
	if ks != nil {
		var lines []sweepfig.KLine
		var b strings.Builder
		b.WriteString("preset,scaling,nc,k,median_rel,rel_p10,rel_p90,max_rel\n")
		for _, s := range ks {
			pt := &res.Points[s.Point]
			l := sweepfig.KLine{Label: pointLabel(pt)}
			for i, m := range s.Metrics {
				l.K = append(l.K, s.K[i])
				l.Median, l.P10, l.P90 = append(l.Median, m.MedianRel), append(l.P10, m.RelP10), append(l.P90, m.RelP90)
				fmt.Fprintf(&b, "%s,%s,%s,%d,%s,%s,%s,%s\n", pt.Preset.Name, pt.Scaling, sweep.NcLabel(pt.Nc), s.K[i],
					fmtG(m.MedianRel), fmtG(m.RelP10), fmtG(m.RelP90), fmtG(m.MaxRel))
			}
			lines = append(lines, l)
		}
		if err := put("error_vs_k.csv", []byte(b.String())); err != nil {
			return err
		}
		if err := sweepfig.GEMMErrorAlongK(title+": relative error along K", sub, lines, filepath.Join(tmp, "error_vs_k.png")); err != nil {
			return err
		}
	}
	if err := os.Remove(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("--out %s: %v", dir, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return err
	}
	return nil
}

func fmtG(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func pointLabel(pt *tensorgemm.Point) string {
	nc := "N_c " + sweep.NcLabel(pt.Nc)
	if pt.Nc == sweep.NcFP32 {
		nc = "FP32 baseline"
	}
	return fmt.Sprintf("%s · %s · %s", pt.Preset.Name, pt.Scaling, nc)
}

// relErrors is the elementwise relative error of d against exact.
func relErrors(label string, d []float32, exact []float64) sweepfig.ErrorDist {
	e := sweepfig.ErrorDist{Label: label}
	for i, v := range d {
		ref := exact[i]
		switch {
		case math.IsNaN(ref):
			continue // a poisoned output
		case ref == 0:
			e.ZeroRef++
		case float64(v) == ref:
			e.Exact++
		default:
			e.Rel = append(e.Rel, math.Abs(float64(v)-ref)/math.Abs(ref))
		}
	}
	return e
}

// writeGEMMTable prints the metrics of each configuration.
func writeGEMMTable(w io.Writer, rep *gemmReport) {
	fmt.Fprintf(w, "D = A·B: M=%d N=%d K=%d  A: %s %v (%s)  B: %s %v (%s)\n", rep.M, rep.N, rep.K,
		rep.A.DType, rep.A.Shape, rep.A.UsedAs, rep.B.DType, rep.B.Shape, rep.B.UsedAs)
	if rep.PoisonedOutputs > 0 {
		fmt.Fprintf(w, "%d outputs depend on NaN or Inf inputs and are left out of the metrics.\n", rep.PoisonedOutputs)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "preset\tscaling\tN_c\tacc max_rel\tacc median_rel\tacc norm_rel\tmean_signed_rel\tfrac_below\ttot norm_rel\tnonfinite\t")
	g := func(v *float64) string {
		if v == nil {
			return "NaN"
		}
		return strconv.FormatFloat(*v, 'e', 2, 64)
	}
	for _, c := range rep.Configurations {
		m := c.Metrics
		nf := 0.0
		if v := m["acc_nonfinite"]; v != nil {
			nf = *v
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t\n", c.Preset, c.Scaling, c.Nc, g(m["acc_max_rel"]), g(m["acc_median_rel"]),
			g(m["acc_norm_rel"]), g(m["acc_mean_signed_rel"]), g(m["acc_frac_below"]), g(m["tot_norm_rel"]), int(nf))
	}
	tw.Flush()
}
