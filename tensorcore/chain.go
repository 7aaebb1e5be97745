package tensorcore

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/tcsim/tcsim/numerics"
)

// Chain runs the instructions covering k in [lo, hi) in k order, each
// instruction's D being the next one's C, starting from C = c (in
// [Preset.Acc]). hi-lo must be a multiple of K. This is the tensor-core
// accumulation of a GEMM main loop between promotions.
func (p *Preset) Chain(a, b *Vector, lo, hi int, c uint32) uint32 {
	if lo < 0 || hi > a.Len() || hi > b.Len() || (hi-lo)%p.K != 0 {
		panic(fmt.Sprintf("tensorcore: %s: Chain over [%d,%d) of vectors of %d and %d with K=%d",
			p.Name, lo, hi, a.Len(), b.Len(), p.K))
	}
	if p.Scale != nil {
		panic(fmt.Sprintf("tensorcore: %s: block-scaled datapath: use MMAScaled", p.Name))
	}
	if p.AMD != nil {
		return p.amdChain(a, b, lo, hi, c)
	}
	if !p.da.decoded(a) || !p.db.decoded(b) {
		panic(fmt.Sprintf("tensorcore: %s: Chain on vectors not decoded by this preset", p.Name))
	}
	if p.simdOK(a, b) {
		return p.chainScaled(a, b, lo, hi, c)
	}
	for k0 := lo; k0 < hi; k0 += p.K {
		if p.SeparateC {
			c = p.addAcc(p.steps(a, b, k0, 0), c)
		} else {
			c = p.steps(a, b, k0, c)
		}
	}
	return c
}

// add32 is the FP32 round-to-nearest add of the CUDA cores, with the
// canonical NaN.
func add32(x, y uint32) uint32 {
	s := math.Float32frombits(x) + math.Float32frombits(y)
	if s != s {
		return canonicalNaN32
	}
	return math.Float32bits(s)
}

const canonicalNaN32 = 0x7FFFFFFF

// addAcc is the round-to-nearest add of two accumulator values that a
// SeparateC preset uses to add C: FADD for FP32, HADD for FP16.
func (p *Preset) addAcc(x, y uint32) uint32 {
	if p.Out != RNEFP16 {
		return add32(x, y)
	}
	return add16(x, y)
}

// add16 is the FP16 round-to-nearest-even add (HADD), with the canonical
// NaN 0x7FFF and overflow to ±Inf. The sum of two FP16 values is exact in
// float64 (their exponents span 2^-24 to 2^16), so one Encode rounds once.
func add16(x, y uint32) uint32 {
	f := numerics.FP16
	s := f.Decode(x) + f.Decode(y)
	if s != s {
		c, _ := f.NaNCode()
		return c
	}
	return f.Encode(s, numerics.NearestEven, numerics.ToInf)
}

// steps runs the K/L chained steps of the instruction starting at k0.
func (p *Preset) steps(a, b *Vector, k0 int, c uint32) uint32 {
	n := p.K / p.L
	special := a.class != nil || b.class != nil
	out := p.Out.Out()
	var ib [64]int // storage for the step's indices (L <= 64 for every preset)
	for s := range n {
		var idx []int
		lo, hi := k0+s*p.L, k0+(s+1)*p.L
		ct, ccl := p.unpackAcc(out, c)
		if special || ccl == numerics.Inf || ccl == numerics.NaN {
			idx = p.stepIndices(ib[:0], k0, s)
			if r, ok := specialResult(a, b, idx, ccl, ct.neg, out); ok {
				c = r
				continue
			}
		}
		var neg bool
		var mag uint64
		var q int
		switch {
		case p.Interleave != p.L:
			if idx == nil {
				idx = p.stepIndices(ib[:0], k0, s)
			}
			var buf [4][64]int32
			var eb [2][64]int16
			for i, k := range idx {
				buf[0][i], buf[1][i], eb[0][i], eb[1][i] = a.Sig[k], b.Sig[k], a.Exp[k], b.Exp[k]
			}
			m := len(idx)
			neg, mag, q = p.Step.fusedGeneral(buf[0][:m], buf[1][:m], eb[0][:m], eb[1][:m], p.shiftP, ct)
		case p.fixed:
			neg, mag, q = p.Step.fusedFixed(a.Fix[lo:hi], b.Fix[lo:hi], a.Exp[lo:hi], b.Exp[lo:hi], p.gridP, ct)
		default:
			neg, mag, q = p.Step.fusedGeneral(a.Sig[lo:hi], b.Sig[lo:hi], a.Exp[lo:hi], b.Exp[lo:hi], p.shiftP, ct)
		}
		c = p.Step.convert(neg, mag, q)
	}
	return c
}

// stepIndices appends to idx the k of step s of the instruction at k0.
func (p *Preset) stepIndices(idx []int, k0, s int) []int {
	n := p.K / p.L
	for j := range p.K {
		if (j/p.Interleave)%n == s {
			idx = append(idx, k0+j)
		}
	}
	return idx
}

// unpackAcc decodes an accumulator code into a term, with a fast path for
// normal FP32 values.
func (p *Preset) unpackAcc(f numerics.Format, c uint32) (term, numerics.Class) {
	if p.Out != RNEFP16 { // an FP32 accumulator
		if c == 0 {
			return term{frac: 23}, numerics.Zero
		}
		if e := c >> 23 & 0xFF; e != 0 && e != 0xFF {
			return term{neg: c>>31 != 0, sig: uint64(c&0x7FFFFF | 1<<23), exp: int(e) - 127, frac: 23}, numerics.Finite
		}
	}
	neg, sig, exp, cl := f.Unpack(c)
	return term{neg: neg, sig: sig, exp: exp, frac: f.ManBits()}, cl
}

// convert rounds the exact value (-1)^neg·mag·2^q per the step's
// conversion. An exact zero gives +0.
func (s *Step) convert(neg bool, mag uint64, q int) uint32 {
	if mag == 0 {
		return 0
	}
	if s.Out != RNEFP16 {
		// Truncate to the register's significant bits, then to FP32.
		n := bits.Len64(mag)
		if rb := s.regBits(); n > rb {
			mag >>= uint(n - rb)
			q += n - rb
			n = rb
		}
		// Fast path: a normal FP32 result needing no further rounding.
		if lead := q + n - 1; lead >= -126 && lead <= 127 {
			r := uint32(lead+127)<<23 | uint32(mag<<uint(24-n))&0x7FFFFF
			if neg {
				r |= 1 << 31
			}
			return r
		}
		return s.zero(numerics.FP32.EncodeScaled(neg, mag, q, numerics.TowardZero, numerics.ToInf), 0x7FFFFFFF)
	}
	return s.zero(numerics.FP16.EncodeScaled(neg, mag, q, numerics.NearestEven, numerics.ToInf), 0x7FFF)
}

// zero returns r, or +0 for a -0 r (magnitude bits abs) when PlusZero.
func (s *Step) zero(r, abs uint32) uint32 {
	if s.PlusZero && r&abs == 0 {
		return 0
	}
	return r
}

// specialResult applies the special-value rules of docs/datapath.md §2 to the
// products at idx and the accumulator class: NaN anywhere, Inf·0 or
// +Inf + -Inf give the canonical NaN; otherwise any infinite term gives Inf
// of its sign. ok is false when every term is finite.
func specialResult(a, b *Vector, idx []int, ccl numerics.Class, cneg bool, out numerics.Format) (uint32, bool) {
	nan := ccl == numerics.NaN
	pos := ccl == numerics.Inf && !cneg
	neg := ccl == numerics.Inf && cneg
	class := func(v *Vector, k int) (numerics.Class, bool) {
		if v.class != nil && (v.class[k] == numerics.Inf || v.class[k] == numerics.NaN) {
			return v.class[k], v.neg[k]
		}
		if v.Sig[k] == 0 {
			return numerics.Zero, false
		}
		return numerics.Finite, v.Sig[k] < 0
	}
	for _, k := range idx {
		ca, na := class(a, k)
		cb, nb := class(b, k)
		switch {
		case ca == numerics.NaN || cb == numerics.NaN:
			nan = true
		case ca == numerics.Inf || cb == numerics.Inf:
			if ca == numerics.Zero || cb == numerics.Zero {
				nan = true
			} else if na != nb {
				neg = true
			} else {
				pos = true
			}
		}
	}
	switch {
	case nan || pos && neg:
		c, _ := out.NaNCode()
		return c, true
	case pos:
		c, _ := out.InfCode()
		return c, true
	case neg:
		c, _ := out.InfCode()
		return c | out.SignBit(), true
	}
	return 0, false
}
