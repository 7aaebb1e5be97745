package tensorgemm

import (
	"context"
	"fmt"
	"math"

	"github.com/tcsim/tcsim/numerics"
	"github.com/tcsim/tcsim/sim"
	"github.com/tcsim/tcsim/sim/sweep"
	"github.com/tcsim/tcsim/tensorcore"
)

// ScalingNone is the scaling that uses real values as they are: each must
// be exact in the preset's operand format.
const ScalingNone = "none"

// Options are the configurations to run: every preset × scaling × N_c.
type Options struct {
	Presets []*tensorcore.Preset
	// Scalings name sim scalings (deepseek, tensor, row, tile, block) or
	// ScalingNone. They quantise real-valued operands only; when both
	// operands are FP8 codes there is one run, labelled ScalingNone.
	Scalings []string
	Nc       []int // promotion intervals (sweep.NcNever for none)
	// Baseline adds the CUDA-core FP32 accumulation (N_c = sweep.NcFP32).
	Baseline   bool
	SplitK     int
	Pow2Scales bool
}

// Point is one configuration and its output.
type Point struct {
	Preset  *tensorcore.Preset
	Scaling string
	Config  sim.Config
	Nc      int // as listed (sweep.NcFP32 for the baseline)
	D       []float32
	Quant   int // index of its quantisation in Result.Quants
	Acc     sim.Metrics
	Tot     sim.Metrics
	// Promotions is the number of FP32 promotion adds per output.
	Promotions int
}

// Quant is one quantisation of the operands (a preset's formats and a
// scaling) and its exact product.
type Quant struct {
	Preset  *tensorcore.Preset
	Scaling string
	// Exact is the exact product of the quantised operands, each element
	// rounded once to float64; AbsDot is Σ|a·b|.
	Exact, AbsDot []float64
	problem       *sim.Problem
}

// Result is the outcome of [Run].
type Result struct {
	M, N, K int
	Points  []Point
	Quants  []Quant
	// Float64 is the float64 product of the unquantised operands.
	Float64 []float64
	// Poisoned counts the outputs whose row of A or column of B holds NaN
	// or Inf. They are left out of the metrics, and their references are
	// NaN. Where the non-finite input is an FP8 code, the datapath's output
	// is kept (the model handles NaN and Inf as the hardware does); where it
	// is a real value, which no quantisation defines, the output is NaN.
	Poisoned  int
	poisoned  []bool
	undefined []bool // outputs set to NaN
	// Skipped lists the configurations that cannot run, with the reason.
	Skipped []string
}

// CheckShapes reports whether A and B can be multiplied, in one line
// naming both shapes.
func CheckShapes(a, b *Pending) error {
	if a.K == b.K {
		return nil
	}
	hint := ""
	if sh := b.s.shape; len(sh) == 2 {
		switch {
		case b.transposed && sh[1] == a.K:
			hint = "; B looks like a PyTorch Linear weight [out, in]: add --b-transpose"
		case !b.transposed && sh[0] == a.K:
			hint = "; B looks stored [K, N]: drop --b-transpose"
		}
	}
	return &InputError{Err: fmt.Errorf("A %s of shape %v and B %s of shape %v do not multiply: A has K = %d, B has K = %d%s",
		a.s.source, a.s.shape, b.s.source, b.s.shape, a.K, b.K, hint)}
}

// Estimate is the memory a run needs, in bytes, from the headers alone:
// the operands as read, decoded and quantised, the tensor cores' decoded
// operands, and every output and reference.
func Estimate(a, b *Pending, opt Options) int64 {
	m, n, k := int64(a.Rows), int64(b.Rows), int64(a.K)
	quants := int64(len(opt.Presets) * max(1, len(opt.Scalings)))
	points := quants * int64(len(opt.Nc)+1)
	load := func(p *Pending) int64 { // raw + decoded + values + codes
		return int64(p.Rows) * int64(p.K) * (int64(p.s.width) + 8 + 8 + 4)
	}
	// Codes of every quantisation (they live until the end of the run) and
	// the tensor core's decoded operands of one GEMM.
	operands := (m+n)*k*4*quants + (m+n)*k*16
	outputs := m * n * (points*4 + quants*16 + 8 + 16)
	return load(a) + load(b) + operands + outputs
}

// Run quantises the operands for every preset and scaling, runs every
// configuration, and measures each output against the exact product of
// its quantised operands (Acc) and the float64 product of the unquantised
// ones (Tot). progress, if not nil, is told about each configuration
// before it runs.
func Run(ctx context.Context, a, b *Operand, opt Options, progress func(i, n int, what string)) (*Result, error) {
	if a.K != b.K {
		return nil, &InputError{Err: fmt.Errorf("A of shape %v and B of shape %v do not multiply", a.Shape, b.Shape)}
	}
	res := &Result{M: a.Rows, N: b.Rows, K: a.K}
	res.poisoned = make([]bool, res.M*res.N)
	res.undefined = make([]bool, res.M*res.N)
	for i := range res.M {
		for j := range res.N {
			if a.Bad[i] || b.Bad[j] {
				res.poisoned[i*res.N+j] = true
				res.Poisoned++
				res.undefined[i*res.N+j] = a.Bad[i] && a.Format == nil || b.Bad[j] && b.Format == nil
			}
		}
	}
	scalings := opt.Scalings
	if a.Format != nil && b.Format != nil {
		scalings = []string{ScalingNone}
	}
	type job struct {
		quant int
		cfg   sim.Config
		nc    int
	}
	var jobs []job
	for _, p := range opt.Presets {
		for _, sc := range scalings {
			prob, err := problem(a, b, p, sc, opt.Pow2Scales)
			if err != nil {
				if skip, ok := err.(skipError); ok {
					res.Skipped = append(res.Skipped, fmt.Sprintf("%s with %s scaling: %s", p.Name, sc, string(skip)))
					continue
				}
				return nil, err
			}
			q := len(res.Quants)
			res.Quants = append(res.Quants, Quant{Preset: p, Scaling: sc, problem: prob})
			ncs := append([]int{}, opt.Nc...)
			if opt.Baseline {
				ncs = append(ncs, sweep.NcFP32)
			}
			for _, nc := range ncs {
				c := sim.Config{Preset: p, Nc: nc, SplitK: opt.SplitK}
				if nc == sweep.NcFP32 {
					c.FP32, c.Nc = true, 0
					if prob.Scaled() && prob.ScaleBlock < prob.K {
						c.Nc = prob.ScaleBlock
					}
				}
				if err := c.Check(prob); err != nil {
					res.Skipped = append(res.Skipped, fmt.Sprintf("%s %s N_c=%s: %v", p.Name, sc, sweep.NcLabel(nc), err))
					continue
				}
				jobs = append(jobs, job{q, c, nc})
			}
		}
	}
	if len(jobs) == 0 {
		return nil, &InputError{Err: fmt.Errorf("no configuration can run: %v", res.Skipped)}
	}
	res.Float64 = sim.Float64Product(a.Values, b.Values, res.M, res.N, res.K)
	res.mask(res.Float64)
	for q := range res.Quants {
		qt := &res.Quants[q]
		ex, err := sim.ExactProductContext(ctx, finite(qt.problem, a, b), qt.Preset.A, qt.Preset.B)
		if err != nil {
			return nil, err
		}
		qt.Exact, qt.AbsDot = ex.D, ex.AbsDot
		res.mask(qt.Exact)
	}
	for i, jb := range jobs {
		qt := &res.Quants[jb.quant]
		if progress != nil {
			progress(i, len(jobs), fmt.Sprintf("%s %s N_c=%s", qt.Preset.Name, qt.Scaling, sweep.NcLabel(jb.nc)))
		}
		d, err := sim.GEMMContext(ctx, jb.cfg, qt.problem)
		if err != nil {
			return nil, err
		}
		nan := math.Float32frombits(0x7FFFFFFF)
		for e, bad := range res.undefined {
			if bad {
				d[e] = nan
			}
		}
		pt := Point{Preset: qt.Preset, Scaling: qt.Scaling, Config: jb.cfg, Nc: jb.nc, D: d, Quant: jb.quant}
		if jb.nc > 0 {
			pt.Promotions = (res.K + jb.nc - 1) / jb.nc
		}
		pt.Acc = res.measure(d, qt.Exact, qt.AbsDot)
		pt.Tot = res.measure(d, res.Float64, qt.AbsDot)
		res.Points = append(res.Points, pt)
	}
	return res, nil
}

// mask sets the poisoned outputs of a reference to NaN.
func (r *Result) mask(x []float64) {
	for e, bad := range r.poisoned {
		if bad {
			x[e] = math.NaN()
		}
	}
}

// measure computes the metrics over the outputs that are not poisoned.
func (r *Result) measure(d []float32, ref, absDot []float64) sim.Metrics {
	if r.Poisoned == 0 {
		return sim.Measure(d, ref, absDot)
	}
	n := len(d) - r.Poisoned
	dd, rr, aa := make([]float32, 0, n), make([]float64, 0, n), make([]float64, 0, n)
	for e, bad := range r.poisoned {
		if !bad {
			dd, rr, aa = append(dd, d[e]), append(rr, ref[e]), append(aa, absDot[e])
		}
	}
	return sim.Measure(dd, rr, aa)
}

// skipError is a preset/scaling pair that does not apply.
type skipError string

func (s skipError) Error() string { return string(s) }

// problem quantises both operands for preset p with scaling sc.
func problem(a, b *Operand, p *tensorcore.Preset, sc string, pow2 bool) (*sim.Problem, error) {
	if p.BlockScaled() && !perTensor(sc) && (a.Format == nil || b.Format == nil) {
		return nil, skipError("block-scaled presets quantise with their own in-core scales and run with the tensor scaling only")
	}
	qa, err := quantize(a, p.A, p, sc, pow2)
	if err != nil {
		return nil, err
	}
	qb, err := quantize(b, p.B, p, sc, pow2)
	if err != nil {
		return nil, err
	}
	prob, err := sim.NewScaledProblem(qa, qb)
	if err != nil {
		return nil, &InputError{Err: err}
	}
	if unscaled(qa) && unscaled(qb) && qa.InFormat == nil {
		prob.SA, prob.SB, prob.ScaleBlock = nil, nil, 0
	}
	return prob, nil
}

// perTensor reports whether sc names a scaling of one scale per tensor.
func perTensor(sc string) bool {
	s, err := sweep.LookupScaling(sc)
	return err == nil && s.PerTensor()
}

func unscaled(q *sim.Quantized) bool {
	if q.Block != q.K {
		return false
	}
	for _, s := range q.Scales {
		if s != 1 {
			return false
		}
	}
	return true
}

// quantize rounds an operand to format f for preset p: FP8 codes as they
// are (with their block scales), real values with scaling sc as the sweep
// does.
func quantize(op *Operand, f numerics.Format, p *tensorcore.Preset, sc string, pow2 bool) (*sim.Quantized, error) {
	role := op.Role.String()
	if op.Format != nil {
		if *op.Format != f {
			return nil, &InputError{Operand: role, Source: op.Source, Err: fmt.Errorf("holds %s codes, and preset %s takes %s for %s", op.Format, p.Name, f, role)}
		}
		if p.BlockScaled() {
			return nil, skipError("FP8 code operands carry no in-core block scales")
		}
		q := &sim.Quantized{Rows: op.Rows, K: op.K, Format: f, Codes: op.Codes, Block: op.K, Scales: op.Scales}
		if op.Scales != nil {
			q.Block = ScaleBlock
		} else {
			q.Scales = make([]float32, op.Rows)
			for i := range q.Scales {
				q.Scales[i] = 1
			}
		}
		return q, nil
	}
	if sc == ScalingNone {
		q := &sim.Quantized{Rows: op.Rows, K: op.K, Format: f, Codes: make([]uint32, len(op.Values)), Block: op.K, Scales: make([]float32, op.Rows)}
		inexact := 0
		for i, v := range op.Values {
			q.Codes[i] = f.Encode(v, numerics.NearestEven, numerics.Saturate)
			if f.Decode(q.Codes[i]) != v {
				inexact++
			}
		}
		if inexact > 0 {
			return nil, &InputError{Operand: role, Source: op.Source, Err: fmt.Errorf("%d of %d values are not exact in %s (preset %s): quantise them with a --scaling", inexact, len(op.Values), f, p.Name)}
		}
		for i := range q.Scales {
			q.Scales[i] = 1
		}
		return q, nil
	}
	if p.BlockScaled() {
		q, err := sim.QuantizeBlocks(op.Values, op.Rows, op.K, f, p.Scale.Format, p.Scale.Block)
		if err != nil {
			return nil, &InputError{Operand: role, Source: op.Source, Err: err}
		}
		return q, nil
	}
	s, err := sweep.LookupScaling(sc)
	if err != nil {
		return nil, &InputError{Err: err}
	}
	g := s.A
	if op.Role == RoleB {
		g = s.B
	}
	if g.ScaleBlock(op.K) < op.K && op.K%g.ScaleBlock(op.K) != 0 {
		return nil, skipError(fmt.Sprintf("K = %d is not a multiple of the 128-wide blocks of %s scaling", op.K, sc))
	}
	q, err := sim.Quantize(op.Values, op.Rows, op.K, f, g, pow2, sim.Headroom(f, p.Acc(), op.K))
	if err != nil {
		return nil, &InputError{Operand: role, Source: op.Source, Err: err}
	}
	return q, nil
}

// finite returns p, or a copy of it whose NaN and Inf codes are +0 when
// an FP8 operand has any (the exact reference needs finite operands; the
// outputs concerned are left out).
func finite(p *sim.Problem, a, b *Operand) *sim.Problem {
	zero := func(codes []uint32, op *Operand) []uint32 {
		if op.Format == nil || op.NaN+op.Inf == 0 {
			return codes
		}
		out := make([]uint32, len(codes))
		for i, c := range codes {
			if v := op.Format.Decode(c); !math.IsNaN(v) && !math.IsInf(v, 0) {
				out[i] = c
			}
		}
		return out
	}
	q := *p
	q.A, q.B = zero(p.A, a), zero(p.B, b)
	return &q
}
