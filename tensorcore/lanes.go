package tensorcore

import (
	"fmt"
	"math"

	"github.com/tcsim/tcsim/numerics"
)

// Lanes is the number of output elements (columns of B) that the lane
// kernels compute at once, one per vector lane: a [Panel] holds that many
// B vectors.
//
// A lane kernel runs the chained steps of Lanes outputs of one row of A in
// lock step, each lane keeping its own step bookkeeping (e_max, scale,
// truncated sum, accumulator). It computes each step like the SIMD step
// kernel (fused.go), in float32 lanes, and is exact under the same
// conditions plus these (Preset.lanes):
//
//   - each operand's value v = Sig·2^(Exp-ManBits) is a float32 normal
//     number or zero, so that a product is the float32 product of the two
//     values, exact (its significand fits 24 bits and it is normal);
//   - the product times the lane's scale 2^(F-e_max) is exact or below 1
//     (then truncated to 0 whatever the rounding);
//   - a lane's whole step sum with C's term fits 24 bits (Preset.narrow):
//     L products below 2^(F+2) and C's term below 2^(F+1), so it converts
//     to float32 exactly, and times 2^(e_max-F) is the exact result, which
//     the RZ conversion truncates by masking the significand;
//   - the accumulator is FP32, fused (not SeparateC), and the products of
//     a step are contiguous.
//
// A zero C gives its field exponent -127 to e_max, which never changes a
// result: e_max decides only non-zero terms, and with a non-zero product
// e_max >= MinExp(A)+MinExp(B) >= F-126 > -127. A step whose C is
// subnormal, Inf or NaN, whose e_max is below F-126 with a non-zero C, or
// whose result overflows stops the kernel before the step; Go runs that
// step for every lane of the panel and the kernel resumes after it.
const Lanes = 16

// Panel is up to [Lanes] B vectors of one length packed for the lane
// kernels: for each k, the Lanes operand values (float32) and field
// exponents (int32) side by side. Build it with [Preset.Pack].
type Panel struct {
	cols []*Vector
	val  []float32 // val[k·Lanes+l]: column l's value at k
	exp  []int32   // exp[k·Lanes+l]: its field exponent
	ok   bool      // the lane kernels may run on this panel
}

// Cols is the number of columns in the panel.
func (pn *Panel) Cols() int { return len(pn.cols) }

// lanesOK reports whether the preset's datapath may run on the lane
// kernels (see Lanes).
func lanesOK(fa, fb numerics.Format, l int, narrow, simd bool) bool {
	normal := func(x numerics.Format) bool {
		return x.MinExp()-x.ManBits >= -126 && x.MaxExp() <= 126
	}
	return simd && narrow && l%4 == 0 && normal(fa) && normal(fb)
}

// laneValue is v = sig·2^(exp-man) as a float32 (exact: see Lanes).
func laneValue(sig int32, exp, man int) float32 {
	if sig == 0 {
		return 0
	}
	return float32(sig) * math.Float32frombits(uint32(exp-man+127)<<23)
}

// Pack packs decoded B vectors (at most [Lanes], all of one length, decoded
// by this preset) into pn, reusing its storage. The vectors are kept (not
// copied) for the steps that run in Go; they must not change while pn is
// in use.
func (p *Preset) Pack(cols []*Vector, pn *Panel) {
	if len(cols) == 0 || len(cols) > Lanes {
		panic(fmt.Sprintf("tensorcore: %s: Pack of %d columns (1 to %d)", p.Name, len(cols), Lanes))
	}
	n := cols[0].Len()
	pn.cols = append(pn.cols[:0], cols...)
	pn.ok = p.lanes
	for _, v := range cols {
		if v.Len() != n {
			panic(fmt.Sprintf("tensorcore: %s: Pack of vectors of %d and %d elements", p.Name, n, v.Len()))
		}
		if v.class != nil || len(v.Exp) != n {
			pn.ok = false
		}
	}
	if !pn.ok {
		pn.val, pn.exp = pn.val[:0], pn.exp[:0]
		return
	}
	if cap(pn.val) < n*Lanes {
		pn.val, pn.exp = make([]float32, n*Lanes), make([]int32, n*Lanes)
	}
	pn.val, pn.exp = pn.val[:n*Lanes], pn.exp[:n*Lanes]
	_, fb := p.inFormats()
	for l := range Lanes {
		if l >= len(cols) {
			// Unused lanes: zero operands.
			for k := range n {
				pn.val[k*Lanes+l], pn.exp[k*Lanes+l] = 0, zeroSentinel
			}
			continue
		}
		v := cols[l]
		for k := range n {
			pn.val[k*Lanes+l] = laneValue(v.Sig[k], int(v.Exp[k]), fb.ManBits)
			pn.exp[k*Lanes+l] = int32(v.Exp[k])
		}
	}
}

// ChainLanes runs Chain for every column of the panel: c[l] = Chain(a,
// column l, lo, hi, c[l]) for l < pn.Cols(), bit for bit, on the lane
// kernels when the CPU, the preset and the operands allow it.
func (p *Preset) ChainLanes(a *Vector, pn *Panel, lo, hi int, c []uint32) {
	cols := pn.cols
	if len(c) != len(cols) {
		panic(fmt.Sprintf("tensorcore: %s: ChainLanes with %d accumulators for %d columns", p.Name, len(c), len(cols)))
	}
	if !pn.ok || kernel < kernelAVX2 || a.class != nil || a.lv == nil {
		for l, b := range cols {
			c[l] = p.Chain(a, b, lo, hi, c[l])
		}
		return
	}
	if lo < 0 || hi > a.Len() || hi > cols[0].Len() || (hi-lo)%p.K != 0 {
		panic(fmt.Sprintf("tensorcore: %s: ChainLanes over [%d,%d) of vectors of %d and %d with K=%d",
			p.Name, lo, hi, a.Len(), cols[0].Len(), p.K))
	}
	var acc [Lanes]uint32
	copy(acc[:], c)
	out := p.Out.Out()
	for lo < hi {
		done := p.lanesKernel(a, pn, lo, (hi-lo)/p.L, &acc)
		if lo += done * p.L; lo < hi {
			// A step the kernel leaves to Go, for every lane.
			for l, b := range cols {
				acc[l] = p.stepScaled(a, b, lo, acc[l], out)
			}
			lo += p.L
		}
	}
	copy(c, acc[:len(cols)])
}
