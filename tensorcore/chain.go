package tensorcore

import (
	"fmt"
	"math"

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
	for k0 := lo; k0 < hi; k0 += p.K {
		if p.SeparateC {
			c = add32(p.steps(a, b, k0, 0), c)
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

// steps runs the K/L chained steps of the instruction starting at k0.
func (p *Preset) steps(a, b *Vector, k0 int, c uint32) uint32 {
	n := p.K / p.L
	shiftP := p.F - p.da.via.ManBits - p.db.via.ManBits
	special := a.class != nil || b.class != nil
	for s := range n {
		var sa, sb, ea, eb []int32
		var idx []int
		if p.Interleave == p.L {
			lo, hi := k0+s*p.L, k0+(s+1)*p.L
			sa, sb, ea, eb = a.Sig[lo:hi], b.Sig[lo:hi], a.Exp[lo:hi], b.Exp[lo:hi]
		} else {
			var buf [4][64]int32
			var ib [64]int
			idx = ib[:0]
			for j := range p.K {
				if (j/p.Interleave)%n == s {
					idx = append(idx, k0+j)
				}
			}
			for i, k := range idx {
				buf[0][i], buf[1][i], buf[2][i], buf[3][i] = a.Sig[k], b.Sig[k], a.Exp[k], b.Exp[k]
			}
			sa, sb, ea, eb = buf[0][:len(idx)], buf[1][:len(idx)], buf[2][:len(idx)], buf[3][:len(idx)]
		}
		out := p.Out.Out()
		cneg, csig, cexp, ccl := out.Unpack(c)
		if special || ccl == numerics.Inf || ccl == numerics.NaN {
			if idx == nil {
				idx = make([]int, p.L)
				for i := range idx {
					idx[i] = k0 + s*p.L + i
				}
			}
			if r, ok := specialResult(a, b, idx, ccl, cneg, out); ok {
				c = r
				continue
			}
		}
		c = p.Step.fused(sa, sb, ea, eb, shiftP, term{neg: cneg, sig: csig, exp: cexp, frac: out.ManBits})
	}
	return c
}

// specialResult applies the special-value rules of arithmetic.md §2 to the
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
