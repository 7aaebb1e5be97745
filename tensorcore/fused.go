package tensorcore

import (
	"fmt"
	"math"

	"github.com/tcsim/tcsim/numerics"
)

// The SIMD kernels (fused_amd64.s) compute the step of fusedFixed and
// fusedGeneral in float32 lanes, from the same Sig and Exp. For a step with
// accumulator C they
//
//  1. find the products' e_max as the int16 maximum of Exp_a[k]+Exp_b[k]
//     (VPADDW, VPMAXSW), then take the maximum with ZeroExp and, for a
//     non-zero C, C's exponent, in scalar code;
//  2. form each product's value Sig_a[k]·Sig_b[k]·2^(Exp_a[k]+Exp_b[k]-man)
//     in float32 (man the product's fraction bits), which is exact:
//     scaledExact checks that the product significands fit 24 bits and
//     that every non-zero product is a normal float32 (a zero operand has
//     a zero significand; its sentinel exponent is clamped so that the
//     power of two stays finite);
//  3. multiply it by 2^(F-e_max), exact where the result is a normal
//     float32; where it is not, the result is below 1 and truncates to 0
//     whatever the rounding;
//  4. truncate toward zero to an int32 (VCVTTPS2DQ): the product truncated
//     onto the grid 2^(e_max-F). A product is below 2^(Exp_a+Exp_b+2) <=
//     2^(e_max+2), so this is below 2^(F+2); scaledExact checks that L/8
//     of them and C's term fit an int32 lane;
//  5. add the lanes.
//
// C's term (addC) is C·2^(F-e_max) truncated, computed the same way in the
// chain kernel, and in Go (addC) by the step kernel.
//
// The scale 2^(F-e_max) must be a normal float32. The step kernel clamps
// its exponent to [-126, 127], which changes nothing: a non-zero product
// has Exp_a+Exp_b >= MinExp_a+MinExp_b >= F-126 (checked), so e_max <
// F-127 only when every product is zero; and e_max > F+126 (a huge C)
// makes every truncated product 0 either way, as products are below
// 2^(MaxExp_a+MaxExp_b+2) <= 2^126. The chain kernel leaves a step with a
// non-zero C and e_max < F-126 to Go, and converts the step's sum (with
// C) in the vector unit when it fits 24 bits (Preset.narrow): to float32
// exactly, truncated to the register's bits by a mask on the significand,
// times 2^(e_max-F), which is then a normal number or overflows (left to
// Go). Otherwise it converts in integers as convert does.
//
// The kernels never see Inf or NaN operands: Chain takes the SIMD path only
// for vectors without them. Steps with an Inf, NaN or subnormal C, and
// results that are not normal numbers, run in Go.

// scaledExact reports whether the SIMD kernels are exact for operands of fa
// and fb, steps of l products and f fraction bits, and the zero exponent
// zeroExp (the comment above says why each condition is needed).
func scaledExact(fa, fb numerics.Format, l, f, zeroExp int) bool {
	man := fa.ManBits() + fb.ManBits()
	return l > 0 && l%8 == 0 &&
		man+2 <= 24 && // product significands fit float32
		fa.MinExp()+fb.MinExp()-man >= -126 && // non-zero products are normal
		fa.MaxExp()+fb.MaxExp() <= 124 && // and below 2^126
		fa.MinExp()+fb.MinExp() >= f-126 && // the scales stay normal
		int64(2*(l/8)+1)<<uint(f+1) <= 1<<31 && // L/8 products and C fit an int32 lane
		zeroExp >= math.MinInt16 && zeroExp <= f+126 // e_max in int16 lanes; scales
}

// fusedScaled is fusedFixed (and fusedGeneral) computed by the SIMD step
// kernel from the significands sa, sb and field exponents ea, eb; len(sa)
// is a multiple of 8 and the others at least as long.
func (s *Step) fusedScaled(sa, sb []int32, ea, eb []int16, man int, c term) (neg bool, mag uint64, q int) {
	floor := s.ZeroExp
	if c.sig != 0 && c.exp > floor {
		floor = c.exp
	}
	sum, emax := scaledDot(sa, sb, ea, eb, floor, s.F, man)
	neg, mag = s.addC(sum, emax, c)
	return neg, mag, emax - s.F
}

// simdOK reports whether Chain may run the SIMD kernels on a and b: the
// datapath allows it, the CPU has them, no operand is Inf or NaN, and Exp
// is as long as Sig (the kernels read both unchecked).
func (p *Preset) simdOK(a, b *Vector) bool {
	return p.simd && kernel >= kernelAVX2 && a.class == nil && b.class == nil &&
		len(a.Exp) == len(a.Sig) && len(b.Exp) == len(b.Sig)
}

// chainScaled is Chain through the SIMD kernels (simdOK holds).
func (p *Preset) chainScaled(a, b *Vector, lo, hi int, c uint32) uint32 {
	out := p.Out.Out()
	if p.Out != RNEFP16 && !p.SeparateC {
		// The whole chain in the assembly loop; the steps it leaves (rare
		// accumulator values) run here one at a time.
		for lo < hi {
			var done int
			c, done = p.chainKernel(a, b, lo, (hi-lo)/p.L, c)
			if lo += done * p.L; lo < hi {
				c = p.stepScaled(a, b, lo, c, out)
				lo += p.L
			}
		}
		return c
	}
	for k0 := lo; k0 < hi; k0 += p.K {
		d := c
		if p.SeparateC {
			d = 0
		}
		for s := k0; s < k0+p.K; s += p.L {
			d = p.stepScaled(a, b, s, d, out)
		}
		if p.SeparateC {
			c = p.addAcc(d, c)
		} else {
			c = d
		}
	}
	return c
}

// stepScaled runs the step over products [s, s+L) of a and b from the
// accumulator c through the SIMD step kernel.
func (p *Preset) stepScaled(a, b *Vector, s int, c uint32, out numerics.Format) uint32 {
	ct, ccl := p.unpackAcc(out, c)
	if ccl == numerics.Inf || ccl == numerics.NaN {
		// No operand is Inf or NaN (simdOK): the result is C's.
		r, _ := specialResult(a, b, nil, ccl, ct.neg, out)
		return r
	}
	e := s + p.L
	neg, mag, q := p.Step.fusedScaled(a.Sig[s:e], b.Sig[s:e], a.Exp[s:e], b.Exp[s:e], p.F-p.shiftP, ct)
	return p.Step.convert(neg, mag, q)
}

// checkScaled panics unless the step kernel's length contract holds.
func checkScaled(sa, sb []int32, ea, eb []int16) {
	n := len(sa)
	if n == 0 || n%8 != 0 || len(sb) < n || len(ea) < n || len(eb) < n {
		panic(fmt.Sprintf("tensorcore: SIMD kernel on %d, %d, %d, %d elements", n, len(sb), len(ea), len(eb)))
	}
}
