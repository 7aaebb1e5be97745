package sweep

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"runtime"

	"github.com/tcsim/tcsim/numerics"
	"github.com/tcsim/tcsim/sim"
	"github.com/tcsim/tcsim/sim/parallel"
	"github.com/tcsim/tcsim/tensorcore"
)

// Trials is the work of the trial runner, the one code path behind every
// number of a sweep and of the experiments: for each trial, A (M×K) and B
// (N×K, K-major) are drawn from Dist, quantised to the presets' operand
// formats (with the presets' in-core block scales when they have them,
// else with Scaling), and multiplied by every preset with every promotion
// interval, next to the exact and float64 references.
//
// Inputs depend only on the seed, the distribution's name, K and the trial
// (common random numbers), so runs that differ only in presets, intervals
// or scaling see the same real-valued inputs.
type Trials struct {
	// Presets share their operand formats and in-core block scaling.
	Presets []*tensorcore.Preset
	// Nc are the promotion intervals: a multiple of the instruction K,
	// NcNever (one tensor-core chain over K) or NcFP32 (the CUDA-core FP32
	// FMA baseline).
	Nc              []int
	Dist            Dist
	Scaling         Scaling // granularities of A and B; unused by block-scaled presets
	M, N, K, Trials int
	Seed            uint64
	// Pow2Scales rounds quantisation scales up to powers of two.
	Pow2Scales bool
	// Unscaled multiplies the codes alone, with dequantisation scales 1.0,
	// as cuBLAS was called for the H100 GEMM records (whose inputs were
	// scaled so that amax became the format's largest value before
	// rounding). The exact reference is then the product of the codes'
	// values, and the float64 reference that of the scaled real inputs x/s.
	Unscaled bool
	// Step, if not nil, is told about each piece of work done, in units
	// of [Spec.Work]: the inputs and float64 reference, the exact
	// reference, and each GEMM of one trial. Calls may come from several
	// goroutines at once.
	Step func(work float64)
}

// Outcome holds the outputs and references of [Trials], pooled over trials
// (trial t at [t·M·N, (t+1)·M·N)).
type Outcome struct {
	D [][][]float32 // [preset][interval] outputs
	// Exact is the exact product of the quantised operands (each element
	// rounded once to float64), AbsDot Σ|a·b| of the same.
	Exact, AbsDot []float64
	// F64 is the float64 product of the unquantised inputs.
	F64 []float64
}

// Acc is the accumulation error of preset p with interval i: outputs
// against the exact product of the quantised operands.
func (o *Outcome) Acc(p, i int) sim.Metrics { return sim.Measure(o.D[p][i], o.Exact, o.AbsDot) }

// Tot is the total error (quantisation and accumulation): outputs against
// the float64 product of the unquantised inputs.
func (o *Outcome) Tot(p, i int) sim.Metrics { return sim.Measure(o.D[p][i], o.F64, o.AbsDot) }

// Quant is the quantisation error alone: the exact product of the
// quantised operands against the float64 product of the unquantised ones.
// (The exact product is rounded to float32 for sim.Measure; that adds at
// most 6e-8 relative error, far below FP8 quantisation error.)
func (o *Outcome) Quant() sim.Metrics {
	d := make([]float32, len(o.Exact))
	for i, v := range o.Exact {
		d[i] = float32(v)
	}
	return sim.Measure(d, o.F64, o.AbsDot)
}

// stream returns a random source for one operand of one trial. It depends
// only on the seed, distribution, K, trial and role.
func stream(seed uint64, dist string, k, trial int, role Role) *rand.Rand {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s/%d/%d/%d", dist, k, trial, role)
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

// Fill draws the real-valued operand of one role of one trial, as the
// trial runner does: x is rows×k.
func (t *Trials) Fill(x []float64, rows, trial int, role Role) {
	t.Dist.Fill(stream(t.Seed, t.Dist.Name, t.K, trial, role), x, rows, t.K, role)
}

// check validates the work.
func (t *Trials) check() error {
	if len(t.Presets) == 0 || len(t.Nc) == 0 || t.M <= 0 || t.N <= 0 || t.K <= 0 || t.Trials <= 0 {
		return fmt.Errorf("empty trials: presets, intervals, M, N, K and trials must be given")
	}
	p0 := t.Presets[0]
	for _, p := range t.Presets[1:] {
		if p.A != p0.A || p.B != p0.B || p.BlockScaled() != p0.BlockScaled() ||
			p.BlockScaled() && (p.Scale.Format != p0.Scale.Format || p.Scale.Block != p0.Scale.Block) {
			return fmt.Errorf("presets %s and %s quantise their operands differently", p0.Name, p.Name)
		}
	}
	if t.Unscaled && p0.BlockScaled() {
		return fmt.Errorf("%s has in-core block scales; it cannot run unscaled", p0.Name)
	}
	return nil
}

// Run computes every trial.
func (t *Trials) Run(ctx context.Context) (*Outcome, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	p0 := t.Presets[0]
	m, n, k := t.M, t.N, t.K
	o := &Outcome{D: make([][][]float32, len(t.Presets))}
	for p := range o.D {
		o.D[p] = make([][]float32, len(t.Nc))
	}
	step := t.Step
	if step == nil {
		step = func(float64) {}
	}
	unit := float64(m) * float64(n) * float64(k)
	for trial := range t.Trials {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// The real-valued inputs are dropped once quantised and multiplied
		// in float64, so that the GEMMs run without them.
		x, w := make([]float64, m*k), make([]float64, n*k)
		// Drawing and quantising the operands cannot stop half way: on
		// cancellation the runner stops waiting for them.
		var q [2]*sim.Quantized
		err := detach(ctx, func() error {
			return parallel.For(ctx, 2, 0, func(i int) error {
				vals, rows, role := x, m, RoleA
				if i == 1 {
					vals, rows, role = w, n, RoleB
				}
				t.Fill(vals, rows, trial, role)
				var err error
				q[i], err = t.quantize(vals, rows, role)
				return err
			})
		})
		if err != nil {
			return nil, err
		}
		qa, qb := q[0], q[1]
		var prob *sim.Problem
		var f64 []float64
		if t.Unscaled {
			prob = &sim.Problem{M: m, N: n, K: k, A: qa.Codes, B: qb.Codes}
			f64, err = float64Product(ctx, unscale(x, qa), unscale(w, qb), m, n, k)
		} else {
			if prob, err = sim.NewScaledProblem(qa, qb); err != nil {
				return nil, err
			}
			f64, err = float64Product(ctx, x, w, m, n, k)
		}
		if err != nil {
			return nil, err
		}
		o.F64 = append(o.F64, f64...)
		if 8*(len(x)+len(w)) >= bigInputs {
			// Return the real-valued inputs' memory now rather than at the
			// next collection, which the heap's growth through them would
			// set after the exact reference's and the GEMMs' allocations.
			x, w = nil, nil
			runtime.GC()
		}
		step(unit * inputsWeight)
		ex, err := sim.ExactProductContext(ctx, prob, p0.A, p0.B)
		if err != nil {
			return nil, err
		}
		o.Exact, o.AbsDot = append(o.Exact, ex.D...), append(o.AbsDot, ex.AbsDot...)
		step(unit * exactWeight(p0, t.Scaling))
		// Every preset's GEMMs of this trial at once: each operand is
		// decoded once for all promotion intervals.
		var cs []sim.Config
		for _, p := range t.Presets {
			for _, nc := range t.Nc {
				c := sim.Config{Preset: p, Nc: nc}
				if nc == NcFP32 {
					c.FP32, c.Nc = true, 0
					if prob.ScaledAtPromotion() {
						c.Nc = prob.ScaleBlock // scales are applied at promotion
					}
				}
				if err := c.Check(prob); err != nil {
					return nil, fmt.Errorf("%s, N_c = %s, K = %d: %v", p.Name, NcLabel(nc), k, err)
				}
				cs = append(cs, c)
			}
		}
		ds, err := sim.GEMMs(ctx, cs, prob, func(c int, frac float64) {
			step(unit * gemmWeight(t.Nc[c%len(t.Nc)]) * frac)
		})
		if err != nil {
			return nil, fmt.Errorf("%s, K = %d: %v", t.Presets[0].Name, k, err)
		}
		for pi := range t.Presets {
			for i := range t.Nc {
				o.D[pi][i] = append(o.D[pi][i], ds[pi*len(t.Nc)+i]...)
			}
		}
	}
	return o, nil
}

// bigInputs is the size in bytes of real-valued inputs from which a trial
// collects them as soon as it is done with them (see Run).
const bigInputs = 64 << 20

// quantize rounds the operand of role (rows×K values x): with the
// presets' in-core block scales when they have them, else with the
// scaling's granularity, to the target that keeps every preset's
// accumulator finite.
func (t *Trials) quantize(x []float64, rows int, role Role) (*sim.Quantized, error) {
	p := t.Presets[0]
	f, g := p.A, t.Scaling.A
	if role == RoleB {
		f, g = p.B, t.Scaling.B
	}
	if p.BlockScaled() {
		return sim.QuantizeBlocks(x, rows, t.K, f, p.Scale.Format, p.Scale.Block)
	}
	return sim.Quantize(x, rows, t.K, f, g, t.Pow2Scales, t.headroom(f))
}

// detach runs f, but returns ctx's error as soon as ctx is cancelled,
// leaving f to finish on its own: for work that cannot stop half way,
// whose results the caller then drops.
func detach(ctx context.Context, f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// float64Product is [sim.Float64Product] computed in blocks of rows
// spread over the workers ctx allows, stopping when ctx is cancelled.
// Every output is computed alone in the same order, so the bits are
// those of sim.Float64Product (TestFloat64ProductInBlocks).
func float64Product(ctx context.Context, x, w []float64, m, n, k int) ([]float64, error) {
	const rows = 8
	out := make([]float64, m*n)
	err := parallel.For(ctx, (m+rows-1)/rows, 0, func(b int) error {
		i0, i1 := b*rows, min(b*rows+rows, m)
		copy(out[i0*n:i1*n], sim.Float64Product(x[i0*k:i1*k], w, i1-i0, n, k))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// headroom is the quantisation target of operand format f that keeps every
// preset's accumulator finite ([sim.Headroom]).
func (t *Trials) headroom(f numerics.Format) float64 {
	h := math.Inf(1)
	for _, p := range t.Presets {
		h = math.Min(h, sim.Headroom(f, p.Acc(), t.K))
	}
	return h
}

// unscale returns x divided elementwise by its quantisation scales.
func unscale(x []float64, q *sim.Quantized) []float64 {
	kb := q.K / q.Block
	out := make([]float64, len(x))
	for r := range q.Rows {
		for j := range q.K {
			out[r*q.K+j] = x[r*q.K+j] / float64(q.Scales[r*kb+j/q.Block])
		}
	}
	return out
}

// Relative costs of the steps of a trial, per M·N·K, for progress, ETA
// and balancing shards ([Spec.Work]); measured on an FP8 preset: a GEMM
// is 1, drawing and quantising the inputs with the float64 reference
// about 2, the FP32 baseline about 3, the exact reference about 4, or 8
// with scales inside the dot product (block-wise scaling, in-core block
// scales).
const inputsWeight = 2

func gemmWeight(nc int) float64 {
	if nc == NcFP32 {
		return 3
	}
	return 1
}

func exactWeight(p *tensorcore.Preset, sc Scaling) float64 {
	if p.BlockScaled() || sc.A.ScaleBlock(1) > 1 || sc.B.ScaleBlock(1) > 1 {
		return 8
	}
	return 4
}
