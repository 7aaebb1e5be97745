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
// whose result overflows, in any of the rows the kernel runs, stops the
// kernel before the step; Go runs that step and the kernel resumes after
// it (chainRows).
const Lanes = 16

// LaneRow is a row of A decoded for the lane kernels: each operand's value
// Sig·2^(Exp-ManBits) as a float32 and its field exponent as an int32.
// Build it with [Preset.DecodeRow].
type LaneRow struct {
	dec *decoder
	val []float32
	exp []int32
	w   []float64 // the values as float64, for the wide kernels (wide.go)
}

// Panel is up to [Lanes] columns of B of one length decoded for the lane
// kernels: for each k, the Lanes operand values and field exponents side
// by side. Build it with [Preset.DecodePanel].
type Panel struct {
	dec  *decoder
	cols int
	val  []float32 // val[k·Lanes+l]: column l's value at k
	exp  []int32   // exp[k·Lanes+l]: its field exponent
	w    []float64 // the values as float64, for the wide kernels (wide.go)
}

// Cols is the number of columns in the panel.
func (pn *Panel) Cols() int { return pn.cols }

// Lanes reports whether the preset runs on the lane kernels (those of
// this file or the wide ones of wide.go): whether [Preset.DecodeRow],
// [Preset.DecodePanel] and [Preset.ChainLanes] serve it.
func (p *Preset) Lanes() bool { return p.lanes }

// lanesOK reports whether a datapath may run on the lane kernels (see
// Lanes).
func lanesOK(fa, fb numerics.Format, l int, narrow, simd bool) bool {
	normal := func(x numerics.Format) bool {
		return x.MinExp()-x.ManBits() >= -126 && x.MaxExp() <= 126
	}
	return simd && narrow && l%4 == 0 && normal(fa) && normal(fb)
}

// laneValue is v = sig·2^(exp-man) as a float32, exact for every value
// of a lane preset's formats (see Lanes and wideOK).
func laneValue(sig int32, exp, man int) float32 {
	return float32(float64(sig) * math.Float64frombits(uint64(exp-man+1023)<<52))
}

// laneSig inverts laneValue: the significand of a value with field
// exponent exp.
func laneSig(v float32, exp, man int) int32 {
	if v == 0 {
		return 0
	}
	return int32(float64(v) * math.Float64frombits(uint64(1023+man-exp)<<52))
}

// laneEnt is the lane form of one code: its value and field exponent,
// or laneBad for Inf and NaN.
type laneEnt struct {
	val float32
	exp int32
}

// laneBad is the exponent that marks an Inf or NaN code in a lane table:
// below every real exponent and zeroSentinel.
const laneBad = math.MinInt32

// laneEntry returns the lane form of one code.
func (d *decoder) laneEntry(c uint32) laneEnt {
	if d.lt != nil {
		return d.lt[c&uint32(len(d.lt)-1)]
	}
	e := d.slow(c)
	if e.class == numerics.Inf || e.class == numerics.NaN {
		return laneEnt{exp: laneBad}
	}
	return laneEnt{e.val, int32(e.exp)}
}

// DecodeRow decodes A operand codes into r for the lane kernels, reusing
// its storage. It reports false, leaving r unusable, when the preset has
// no lane kernels ([Preset.Lanes]) or a code is Inf or NaN: use Chain.
func (p *Preset) DecodeRow(codes []uint32, r *LaneRow) bool {
	r.dec = nil
	if !p.lanes {
		return false
	}
	n := len(codes)
	if p.perm != nil && n%p.K != 0 {
		return false
	}
	if cap(r.val) < n {
		r.val, r.exp = make([]float32, n), make([]int32, n)
	}
	r.val, r.exp = r.val[:n], r.exp[:n]
	val, exp := r.val, r.exp[:len(r.val)]
	minExp := int32(0)
	if lt := p.da.lt; lt != nil && p.perm == nil {
		mask := uint32(len(lt) - 1)
		for k, c := range codes[:len(val)] {
			e := lt[c&mask]
			val[k], exp[k] = e.val, e.exp
			minExp = min(minExp, e.exp)
		}
	} else {
		for k := range val {
			e := p.da.laneEntry(codes[p.at(k)])
			val[k], exp[k] = e.val, e.exp
			minExp = min(minExp, e.exp)
		}
	}
	if minExp == laneBad {
		return false
	}
	if p.wide {
		if cap(r.w) < n {
			r.w = make([]float64, n)
		}
		r.w = r.w[:n]
		for k, v := range r.val {
			r.w[k] = float64(v)
		}
	}
	r.dec = p.da
	return true
}

// DecodePanel decodes up to [Lanes] columns of B operand codes, all of one
// length, into pn for the lane kernels, reusing its storage. It reports
// false, leaving pn unusable, when the preset has no lane kernels or a
// code is Inf or NaN.
func (p *Preset) DecodePanel(cols [][]uint32, pn *Panel) bool {
	if len(cols) == 0 || len(cols) > Lanes {
		panic(fmt.Sprintf("tensorcore: %s: DecodePanel of %d columns (1 to %d)", p.Name, len(cols), Lanes))
	}
	pn.dec = nil
	if !p.lanes {
		return false
	}
	n := len(cols[0])
	for _, col := range cols {
		if len(col) != n {
			panic(fmt.Sprintf("tensorcore: %s: DecodePanel of columns of %d and %d codes", p.Name, n, len(col)))
		}
	}
	if p.perm != nil && n%p.K != 0 {
		return false
	}
	if cap(pn.val) < n*Lanes {
		pn.val, pn.exp = make([]float32, n*Lanes), make([]int32, n*Lanes)
	}
	pn.val, pn.exp, pn.cols = pn.val[:n*Lanes], pn.exp[:n*Lanes], len(cols)
	minExp := int32(0)
	for l := len(cols); l < Lanes; l++ {
		// Unused lanes hold zero operands.
		for k := range n {
			pn.val[k*Lanes+l], pn.exp[k*Lanes+l] = 0, zeroSentinel
		}
	}
	// Column by column within blocks of k, so that the panel's lines of a
	// block stay in the L1 cache while every column is written to them.
	const block = 128
	lt := p.db.lt
	for k0 := 0; k0 < n; k0 += block {
		k1 := min(k0+block, n)
		for l, col := range cols {
			val, exp := pn.val[k0*Lanes+l:], pn.exp[k0*Lanes+l:]
			if lt != nil && p.perm == nil {
				mask := uint32(len(lt) - 1)
				for k, c := range col[k0:k1] {
					e := lt[c&mask]
					val[k*Lanes], exp[k*Lanes] = e.val, e.exp
					minExp = min(minExp, e.exp)
				}
				continue
			}
			for k := k0; k < k1; k++ {
				e := p.db.laneEntry(col[p.at(k)])
				val[(k-k0)*Lanes], exp[(k-k0)*Lanes] = e.val, e.exp
				minExp = min(minExp, e.exp)
			}
		}
	}
	if minExp == laneBad {
		return false
	}
	if p.wide {
		if cap(pn.w) < n*Lanes {
			pn.w = make([]float64, n*Lanes)
		}
		pn.w = pn.w[:n*Lanes]
		for i, v := range pn.val {
			pn.w[i] = float64(v)
		}
	}
	pn.dec = p.db
	return true
}

// ChainLanes runs Chain for every column of the panel: c[l] = Chain(a,
// column l, lo, hi, c[l]) for l < pn.Cols(), bit for bit. a and pn must
// have been decoded by this preset (or one of the same operand formats).
func (p *Preset) ChainLanes(a *LaneRow, pn *Panel, lo, hi int, c []uint32) {
	p.checkLanes(a, pn, lo, hi)
	if len(c) != pn.cols {
		panic(fmt.Sprintf("tensorcore: %s: ChainLanes with %d accumulators for %d columns", p.Name, len(c), pn.cols))
	}
	rows, acc := [1]LaneRow{*a}, [1][Lanes]uint32{}
	copy(acc[0][:], c)
	p.chainRows(rows[:], pn, lo, hi, acc[:])
	copy(c, acc[0][:pn.cols])
}

// checkLanes panics unless ChainLanes may run row a against pn over
// [lo, hi).
func (p *Preset) checkLanes(a *LaneRow, pn *Panel, lo, hi int) {
	switch {
	case a.dec == nil || pn.dec == nil || !a.dec.same(p.da) || !pn.dec.same(p.db):
		panic(fmt.Sprintf("tensorcore: %s: ChainLanes on operands not decoded by this preset", p.Name))
	case lo < 0 || hi > len(a.val) || hi*Lanes > len(pn.val) || (hi-lo)%p.K != 0:
		panic(fmt.Sprintf("tensorcore: %s: ChainLanes over [%d,%d) of vectors of %d and %d with K=%d",
			p.Name, lo, hi, len(a.val), len(pn.val)/Lanes, p.K))
	case p.perm != nil && lo%p.K != 0:
		panic(fmt.Sprintf("tensorcore: %s: ChainLanes from %d, not a multiple of K=%d", p.Name, lo, p.K))
	}
}

// at is the operand index that position k of a lane row or panel holds:
// k itself, or with interleaved steps its place in the instruction's
// step-by-step order (perm).
func (p *Preset) at(k int) int {
	if p.perm == nil {
		return k
	}
	return k - k%p.K + p.perm[k%p.K]
}

// lanesGo is lanesKernel in Go for one row (from the accumulators c):
// the same float32 arithmetic, lane by lane in the inner loops.
func (p *Preset) lanesGo(a *LaneRow, pn *Panel, lo, steps int, c *[Lanes]uint32) int {
	fmask := uint32(p.regMask>>40) | 0xFF800000
	pow2 := func(e int32) float32 { return math.Float32frombits(uint32(min(max(e, 1), 254)) << 23) }
	f := int32(p.F)
	for s := range steps {
		k0, k1 := lo+s*p.L, lo+(s+1)*p.L
		// Four lanes at a time, so that their e_max, scales and sums stay
		// in registers.
		av, ae := a.val[k0:k1], a.exp[k0:k1]
		bv, be := pn.val[k0*Lanes:k1*Lanes], pn.exp[k0*Lanes:k1*Lanes]
		var emax [Lanes]int32
		var sum [Lanes]int32
		for l0 := 0; l0 < Lanes; l0 += 4 {
			z := int32(p.ZeroExp)
			e0, e1, e2, e3 := z, z, z, z
			for k, e := range ae {
				b := (*[4]int32)(be[k*Lanes+l0:])
				e0, e1, e2, e3 = max(e0, e+b[0]), max(e1, e+b[1]), max(e2, e+b[2]), max(e3, e+b[3])
			}
			emax[l0], emax[l0+1], emax[l0+2], emax[l0+3] = e0, e1, e2, e3
			var sc [4]float32
			for i := range sc {
				l := l0 + i
				t := c[l] & 0x7FFFFFFF
				emax[l] = max(emax[l], int32(t>>23)-127)
				if t >= 0x7F800000 || t != 0 && (t < 0x00800000 || emax[l] < f-126) {
					return s
				}
				sc[i] = pow2(127 + f - emax[l])
				sum[l] = int32(math.Float32frombits(c[l]) * sc[i])
			}
			s0, s1, s2, s3 := sum[l0], sum[l0+1], sum[l0+2], sum[l0+3]
			c0, c1, c2, c3 := sc[0], sc[1], sc[2], sc[3]
			for k, v := range av {
				b := (*[4]float32)(bv[k*Lanes+l0:])
				s0 += int32(v * b[0] * c0)
				s1 += int32(v * b[1] * c1)
				s2 += int32(v * b[2] * c2)
				s3 += int32(v * b[3] * c3)
			}
			sum[l0], sum[l0+1], sum[l0+2], sum[l0+3] = s0, s1, s2, s3
		}
		var next [Lanes]uint32
		for l := range next {
			r := math.Float32bits(float32(sum[l])*pow2(127-f+emax[l])) & fmask
			if r&0x7FFFFFFF == 0x7F800000 {
				return s
			}
			next[l] = r
		}
		*c = next
	}
	return steps
}

// laneStep runs the step over products [s, s+L) of row a and column l of
// pn from the accumulator c in Go, on fusedGeneral.
func (p *Preset) laneStep(a *LaneRow, pn *Panel, l, s int, c uint32) uint32 {
	out := p.Out.Out()
	ct, ccl := p.unpackAcc(out, c)
	if ccl == numerics.Inf || ccl == numerics.NaN {
		// The operands are finite: the result is C's.
		r, _ := specialResult(nil, nil, nil, ccl, ct.neg, out)
		return r
	}
	fa, fb := p.inFormats()
	var sa, sb [64]int32
	var ea, eb [64]int16
	for k := range p.L {
		ka, kb := s+k, (s+k)*Lanes+l
		ea[k], eb[k] = int16(a.exp[ka]), int16(pn.exp[kb])
		sa[k] = laneSig(a.val[ka], int(a.exp[ka]), fa.ManBits())
		sb[k] = laneSig(pn.val[kb], int(pn.exp[kb]), fb.ManBits())
	}
	neg, mag, q := p.Step.fusedGeneral(sa[:p.L], sb[:p.L], ea[:p.L], eb[:p.L], p.shiftP, ct)
	return p.Step.convert(neg, mag, q)
}
