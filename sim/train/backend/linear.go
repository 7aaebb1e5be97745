package backend

import (
	"fmt"
	"math"

	"github.com/tcsim/tcsim/numerics"
	"github.com/tcsim/tcsim/sim"
	"github.com/tcsim/tcsim/sim/train/recipe"
)

// Backend runs the Linear layers' GEMMs of one recipe.
type Backend struct {
	Recipe recipe.Recipe
	// Probe, when set, makes every FP32 or tensor-core Linear GEMM measure
	// its error and append a Record.
	Probe   bool
	Records []Record
}

// ProbeRows is how many rows of A (from the first) a probe measures.
const ProbeRows = 128

// Record is the measured error of one GEMM (its first ProbeRows rows).
type Record struct {
	Kind    recipe.Kind
	Layer   string
	M, N, K int
	// Acc is the error against the exact product of the same quantised
	// operands (for FP32 GEMMs, the float64 product of the FP32
	// operands): accumulation alone.
	Acc sim.Metrics
	// Tot is the error against the float64 product of the unquantised
	// operands: quantisation and accumulation.
	Tot sim.Metrics
	// VarRatio is Var(D) / Var(exact) over the outputs, the variance
	// retention ratio of Sakr et al. (ICLR 2019).
	VarRatio float64
}

// Linear computes D = A·Bᵀ (a: M×K, bt: N×K, both row-major) for a GEMM of
// the given kind of the named layer, as the recipe says. Results are
// float64 slices holding FP32 values (float64 values for Exact).
func (b *Backend) Linear(kind recipe.Kind, layer string, a []float64, m, k int, bt []float64, n int) ([]float64, error) {
	g := b.Recipe.GEMM[kind]
	switch g.Arith {
	case recipe.Exact:
		return GEMM(a, m, k, bt, n, false), nil
	case recipe.FP32:
		d := GEMM(a, m, k, bt, n, true)
		if b.Probe {
			mp := min(m, ProbeRows)
			ref := sim.Float64Product(a[:mp*k], bt, mp, n, k)
			d32 := toFloat32(d[:mp*n])
			mt := sim.Measure(d32, ref, nil)
			b.Records = append(b.Records, Record{Kind: kind, Layer: layer, M: m, N: n, K: k, Acc: mt, Tot: mt, VarRatio: varRatio(d32, ref)})
		}
		return d, nil
	}
	p, err := Problem(g, kind, a, m, k, bt, n)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v", layer, kind, err)
	}
	var d32 []float32
	if g.Arith == recipe.QuantExact {
		ex := sim.ExactProduct(p, g.Preset.A, g.Preset.B)
		d32 = make([]float32, len(ex.D))
		for i, v := range ex.D {
			d32[i] = float32(v)
		}
	} else if d32, err = sim.GEMM(sim.Config{Preset: g.Preset, Nc: g.Nc, ScaleArith: sim.ScaleFMA}, p); err != nil {
		return nil, fmt.Errorf("%s %s: %v", layer, kind, err)
	}
	if b.Probe {
		// Measure the first ProbeRows rows (tokens, for fprop and dgrad):
		// exact references cost far more than the GEMM.
		mp := min(m, ProbeRows)
		sub := *p
		sub.M, sub.A = mp, p.A[:mp*p.K]
		if p.SA != nil {
			sub.SA = p.SA[:mp*len(p.SA)/m]
		}
		ref, absDot := reference(g, &sub)
		tot := sim.Float64Product(a[:mp*k], bt, mp, n, k)
		ds := d32[:mp*n]
		b.Records = append(b.Records, Record{Kind: kind, Layer: layer, M: m, N: n, K: k,
			Acc: sim.Measure(ds, ref, absDot), Tot: sim.Measure(ds, tot, nil), VarRatio: varRatio(ds, ref)})
	}
	d := make([]float64, len(d32))
	for i, v := range d32 {
		d[i] = float64(v)
	}
	return d, nil
}

// Problem quantises the operands of a tensor-core GEMM as g says. K is
// padded with zeros to a multiple of the scale block (128) for blocks
// scaling and of the instruction K otherwise, as GPU kernels pad their
// last K tile; zero products change no tensor-core sum.
func Problem(g recipe.GEMM, kind recipe.Kind, a []float64, m, k int, bt []float64, n int) (*sim.Problem, error) {
	tc := g.Preset
	unit := tc.K
	if g.Scaling == recipe.Blocks {
		unit = 128
	}
	kp := (k + unit - 1) / unit * unit
	a, bt = pad(a, m, k, kp), pad(bt, n, k, kp)
	if g.Scaling == recipe.NoScaling {
		p := &sim.Problem{M: m, N: n, K: kp, A: encode(a, tc.A), B: encode(bt, tc.B)}
		return p, nil
	}
	ga, gb := sim.PerTensor, sim.PerTensor
	if g.Scaling == recipe.Blocks {
		ga, gb = sim.Tile128, sim.Block128
		if kind == recipe.Wgrad {
			gb = sim.Tile128 // Xᵀ is an activation, tiled along tokens
		}
	}
	qa, err := sim.Quantize(a, m, kp, tc.A, ga, false, sim.Headroom(tc.A, tc.Acc(), kp))
	if err != nil {
		return nil, err
	}
	qb, err := sim.Quantize(bt, n, kp, tc.B, gb, false, sim.Headroom(tc.B, tc.Acc(), kp))
	if err != nil {
		return nil, err
	}
	return sim.NewScaledProblem(qa, qb)
}

// reference returns the exact product of a problem's quantised operands
// and Σ|a·b| per output. FP8 operands use sim.ExactProduct (exact integer
// sums); wider operands without block scales (BF16, FP16), whose exact
// reference would need math/big, use compensated float64 sums of the
// exact float64 products (Ogita–Rump–Oishi Dot2: the result is within
// about 2⁻¹⁰⁰·Σ|a·b| of exact, far below any error measured here).
func reference(g recipe.GEMM, p *sim.Problem) (d, absDot []float64) {
	fa, fb := g.Preset.A, g.Preset.B
	if fa.Bits() <= 8 && fb.Bits() <= 8 || p.Scaled() && p.ScaleBlock < p.K {
		ex := sim.ExactProduct(p, fa, fb)
		return ex.D, ex.AbsDot
	}
	va, vb := decode(p.A, fa), decode(p.B, fb)
	d, absDot = make([]float64, p.M*p.N), make([]float64, p.M*p.N)
	parallelFor(p.M, func(i int) {
		ai := va[i*p.K : (i+1)*p.K]
		for j := range p.N {
			s, c, ad := 0.0, 0.0, 0.0
			for k, x := range ai {
				q := float64(x * vb[j*p.K+k]) // exact: at most 2×11 significant bits
				t := s + q
				z := t - s
				c += (s - (t - z)) + (q - z)
				s = t
				ad += math.Abs(q)
			}
			v := s + c
			if p.Scaled() {
				v *= float64(p.SA[i]) * float64(p.SB[j])
				ad *= math.Abs(float64(p.SA[i]) * float64(p.SB[j]))
			}
			d[i*p.N+j], absDot[i*p.N+j] = v, ad
		}
	})
	return d, absDot
}

func decode(codes []uint32, f numerics.Format) []float64 {
	out := make([]float64, len(codes))
	for i, c := range codes {
		out[i] = f.Decode(c)
	}
	return out
}

// pad widens rows of k values to kp with zeros.
func pad(x []float64, rows, k, kp int) []float64 {
	if k == kp {
		return x
	}
	out := make([]float64, rows*kp)
	for r := range rows {
		copy(out[r*kp:], x[r*k:(r+1)*k])
	}
	return out
}

// encode rounds every value to f (nearest-even, saturating).
func encode(x []float64, f numerics.Format) []uint32 {
	out := make([]uint32, len(x))
	for i, v := range x {
		out[i] = f.Encode(v, numerics.NearestEven, numerics.Saturate)
	}
	return out
}

// varRatio is the population variance of d over that of ref.
func varRatio(d []float32, ref []float64) float64 {
	var md, mr float64
	for i, v := range d {
		md += float64(v)
		mr += ref[i]
	}
	md /= float64(len(d))
	mr /= float64(len(d))
	var vd, vr float64
	for i, v := range d {
		x, y := float64(v)-md, ref[i]-mr
		vd += float64(x * x)
		vr += float64(y * y)
	}
	if vr == 0 {
		return math.NaN()
	}
	return vd / vr
}
