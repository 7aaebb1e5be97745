package lab

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"

	"github.com/tcsim/tcsim/numerics"
	"github.com/tcsim/tcsim/sim"
	"github.com/tcsim/tcsim/sim/sweep"
	"github.com/tcsim/tcsim/tensorcore"
)

// Case is a set of GEMMs on shared inputs. For each trial, A (M×K) and B
// (N×K, K-major) are drawn from Dist, quantised to the presets' operand
// formats with granularities GA and GB, and multiplied by every preset
// with every promotion interval. Inputs depend only on the seed, the
// distribution's name, K and the trial (common random numbers), so two
// cases that differ only in presets, intervals or scaling see the same
// real-valued inputs.
type Case struct {
	Presets []*tensorcore.Preset // all with the same operand formats
	// Nc are the promotion intervals: a multiple of the instruction K,
	// sweep.NcNever (one tensor-core chain over K) or sweep.NcFP32 (CUDA-core
	// FP32 FMA baseline).
	Nc     []int
	Dist   sweep.Dist
	GA, GB sim.Granularity
	// Unscaled multiplies the codes alone, with dequantisation scales 1.0,
	// as cuBLAS was called for the H100 GEMM records (whose inputs were
	// scaled so that amax became 448 before rounding to FP8). The exact
	// reference is then the product of the codes' values, and the float64
	// reference that of the scaled real inputs x/s.
	Unscaled        bool
	M, N, K, Trials int
	Seed            uint64
}

// Outcome holds the outputs and references of a case, pooled over trials
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

// Stream is the random source of one operand of one trial.
func Stream(seed uint64, dist string, k, trial int, role sweep.Role) *rand.Rand {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s/%d/%d/%d", dist, k, trial, role)
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

// Run computes the case.
func (c *Case) Run() (*Outcome, error) {
	if len(c.Presets) == 0 || len(c.Nc) == 0 || c.M <= 0 || c.N <= 0 || c.K <= 0 || c.Trials <= 0 {
		return nil, fmt.Errorf("lab: empty case")
	}
	fa, fb := c.Presets[0].A, c.Presets[0].B
	for _, p := range c.Presets {
		if p.A != fa || p.B != fb {
			return nil, fmt.Errorf("lab: presets %s and %s have different operand formats", c.Presets[0].Name, p.Name)
		}
	}
	m, n, k := c.M, c.N, c.K
	o := &Outcome{D: make([][][]float32, len(c.Presets))}
	for p := range o.D {
		o.D[p] = make([][]float32, len(c.Nc))
	}
	x, w := make([]float64, m*k), make([]float64, n*k)
	for t := range c.Trials {
		c.Dist.Fill(Stream(c.Seed, c.Dist.Name, k, t, sweep.RoleA), x, m, k, sweep.RoleA)
		c.Dist.Fill(Stream(c.Seed, c.Dist.Name, k, t, sweep.RoleB), w, n, k, sweep.RoleB)
		qa, err := sim.Quantize(x, m, k, fa, c.GA, false, headroom(c.Presets, fa, k))
		if err != nil {
			return nil, err
		}
		qb, err := sim.Quantize(w, n, k, fb, c.GB, false, headroom(c.Presets, fb, k))
		if err != nil {
			return nil, err
		}
		var prob *sim.Problem
		if c.Unscaled {
			prob = &sim.Problem{M: m, N: n, K: k, A: qa.Codes, B: qb.Codes}
			o.F64 = append(o.F64, sim.Float64Product(unscale(x, qa), unscale(w, qb), m, n, k)...)
		} else {
			if prob, err = sim.NewScaledProblem(qa, qb); err != nil {
				return nil, err
			}
			o.F64 = append(o.F64, sim.Float64Product(x, w, m, n, k)...)
		}
		ex := sim.ExactProduct(prob, fa, fb)
		o.Exact, o.AbsDot = append(o.Exact, ex.D...), append(o.AbsDot, ex.AbsDot...)
		for pi, p := range c.Presets {
			for i, nc := range c.Nc {
				cfg := sim.Config{Preset: p, Nc: nc}
				if nc == sweep.NcFP32 {
					cfg.FP32, cfg.Nc = true, 0
					if prob.Scaled() && prob.ScaleBlock < k {
						cfg.Nc = prob.ScaleBlock // scales are applied at promotion
					}
				}
				d, err := sim.GEMM(cfg, prob)
				if err != nil {
					return nil, fmt.Errorf("%s, N_c = %s, K = %d: %v", p.Name, sweep.NcLabel(nc), k, err)
				}
				o.D[pi][i] = append(o.D[pi][i], d...)
			}
		}
	}
	return o, nil
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

// MustPreset returns a named preset and panics if it does not exist (the
// experiments name only built-in presets).
func MustPreset(name string) *tensorcore.Preset {
	p, err := tensorcore.Lookup(name)
	if err != nil {
		panic(err)
	}
	return p
}

// MustDist returns a named distribution of package sim.
func MustDist(name string) sweep.Dist {
	d, err := sweep.LookupDist(name)
	if err != nil {
		panic(err)
	}
	return d
}

// Pow2s returns lo, 2·lo, 4·lo, ... up to hi.
func Pow2s(lo, hi int) []int {
	var s []int
	for v := lo; v <= hi; v *= 2 {
		s = append(s, v)
	}
	return s
}

// headroom is the quantisation target that keeps every preset's
// accumulator finite (sim.Headroom; FP8 with FP32 accumulation: the format's
// largest value).
func headroom(presets []*tensorcore.Preset, f numerics.Format, k int) float64 {
	t := math.Inf(1)
	for _, p := range presets {
		t = math.Min(t, sim.Headroom(f, p.Acc(), k))
	}
	return t
}
