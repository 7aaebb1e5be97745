package tensorcore

import (
	"math"
	"math/bits"

	"github.com/tcsim/tcsim/numerics"
)

// The wide lane kernels serve the datapaths whose step sums do not fit
// the float32 lanes of lanes.go: 16-bit and TF32 operands, F = 24 or 25
// (Ampere to Blackwell), FP16 accumulators, and the FP16 path of Hopper
// mma.sync FP8 with its separate add of C. They keep the Lanes outputs'
// accumulators as float32 values (an FP16 accumulator's values are
// float32 values too) and compute each step in float64 lanes, which is
// exact under these conditions (wideOK):
//
//   - every operand value is a float32 value (normal or subnormal), so
//     that the product of two is exact in float64 (at most 48 significant
//     bits, at least 2^-298);
//   - the product times the lane's scale 2^(F-e_max) is exact where it is
//     a normal float64, and below 1 otherwise (then it truncates to 0):
//     products are below 2^(e_max+2);
//   - truncation toward zero of each scaled term, C's included, is
//     exact (in float64, or by conversion to int64), and so is their sum
//     (of float64 integers, or int64) and its conversion to float64:
//     |sum| < (L+1)·2^(F+2) <= 2^53 (L <= 64, F <= 40);
//   - the scale 2^(F-e_max) and its inverse are normal float64 values:
//     F-1000 <= ZeroExp <= F+900 keeps e_max in [F-1000, F+1021]
//     (products are below 2^256, C below 2^128), so that the scale's
//     biased exponent 1023+F-e_max is in [2, 2023] and the inverse's,
//     2046 minus it, in [23, 2044].
//
// L is a multiple of 4: the kernels take four products a loop.
//
// The conversion ρ of the exact sum S (a float64 integer) at e_max:
//
//   - RZ: S is truncated to the register's significant bits by masking
//     its float64 significand, then times 2^(e_max-F), exact; a non-zero
//     result outside the normal float32 range [2^-126, 2^128) is left to
//     Go (subnormal results and overflow to Inf).
//   - RNE to FP16: x = S·2^(e_max-F) is exact; it is rounded to nearest
//     even on FP16's grid 2^g at its binade, g = max(e_x, -14) - 10, by
//     (x + 1.5·2^(g+52)) - 1.5·2^(g+52), exact IEEE float64 arithmetic. A
//     result above 65504 (overflow to Inf) or a non-zero sum rounded to
//     zero (whose sign Go decides) is left to Go.
//
// Those checks are needed only in lanes whose e_max is outside a safe
// range (wideParams): a non-zero |S| is at least 1 and below
// (L+1)·2^(F+2) <= 2^(F+2+b), b the bit length of L, so the result is at
// least 2^(e_max-F) and below 2^(e_max+2+b). For RZ it is normal when
// F-126 <= e_max <= 126-b; for RNE to FP16 it neither overflows (it is at
// most 2^15 once rounded) nor rounds to zero when F-24 <= e_max <= 13-b.
//
// A step's C is a term with its field exponent: max(e_C, -126) for FP32,
// max(e_C, -14) for FP16; a zero C takes no part in e_max. With SeparateC
// the instruction's steps chain from +0 and C is added to their result by
// the accumulator format's round-to-nearest add: float32 addition for
// FADD; for HADD the float64 sum of two FP16 values (exact: they span
// 2^-24 to 2^16) rounded to FP16 as above.
//
// The kernels run several rows against one panel, each step of a unit
// (a step, or with SeparateC an instruction) for every row in turn, and
// commit a unit for all rows at once (see chainRows). An Inf or NaN C in
// any row stops the kernel before the unit, and so does a step or add
// whose result the kernel leaves to Go.
//
// Interleaved steps (Hopper mma.sync FP8: product k of an instruction goes
// to step (k/Interleave) mod (K/L)) are made contiguous when a row or panel
// is decoded: each instruction's operands are stored step by step
// (Preset.perm), which changes no sum.

// wideOK reports whether the wide lane kernels are exact for a datapath
// with operands of fa and fb (see above).
func wideOK(fa, fb numerics.Format, l, f, zeroExp int) bool {
	in32 := func(x numerics.Format) bool {
		return x.ManBits() <= 23 && x.MinExp()-x.ManBits() >= -149 && x.MaxExp() <= 127
	}
	return in32(fa) && in32(fb) && l%4 == 0 && l <= 64 && f <= 40 && f-1000 <= zeroExp && zeroExp <= f+900
}

// wideParams are a datapath's parameters for the assembly kernels
// (wide_amd64.s reads them by offset).
type wideParams struct {
	l, spu, f, zeroExp, minExp int64 // L, steps per unit, F, ZeroExp, accMinExp
	sepC, fp16                 int64 // SeparateC, an FP16 accumulator (0 or 1)
	mask                       uint64
	safeLo, safeHi             int64 // the safe range of e_max (see above)
}

func (p *Preset) wideParams() wideParams {
	b := func(x bool) int64 {
		if x {
			return 1
		}
		return 0
	}
	par := wideParams{l: int64(p.L), spu: int64(p.unit / p.L), f: int64(p.F), zeroExp: int64(p.ZeroExp),
		minExp: int64(p.accMinExp()), sepC: b(p.SeparateC), fp16: b(p.Out == RNEFP16), mask: p.wideMask(),
		safeLo: int64(p.F - 126), safeHi: int64(126 - bits.Len(uint(p.L)))}
	if p.Out == RNEFP16 {
		par.safeLo, par.safeHi = int64(p.F-24), int64(13-bits.Len(uint(p.L)))
	}
	return par
}

// pow2 is 2^e as a float64, e clamped to [-1022, 1023].
func pow2(e int32) float64 {
	return math.Float64frombits(uint64(min(max(e, -1022), 1023)+1023) << 52)
}

// accMinExp is the field exponent of the accumulator format's subnormals.
func (p *Preset) accMinExp() int32 {
	if p.Out == RNEFP16 {
		return -14
	}
	return -126
}

// wideMask is the mask of a float64's bits that truncates its significand
// to the register's significant bits.
func (p *Preset) wideMask() uint64 {
	return ^uint64(0) << uint(53-p.regBits())
}

// rne16 rounds x (a float64) to nearest even on FP16's grid, without
// overflow (see above).
func rne16(x float64) float64 {
	e := int32(math.Float64bits(x)>>52&0x7FF) - 1023
	g := max(e, -14) - 10
	m := math.Float64frombits(uint64(g+52+1023)<<52 | 1<<51)
	return float64(x+m) - m
}

// lanesWideGo runs up to units units (steps, or instructions with
// SeparateC) of the wide lane kernels in Go from the accumulators c
// (float32 codes), products from lo on, and returns the number done: the
// Go form of lanesWideKernel for one row, the same float64 arithmetic
// lane by lane.
func (p *Preset) lanesWideGo(a *LaneRow, pn *Panel, lo, units int, c *[Lanes]uint32) int {
	f := int32(p.F)
	mask := p.wideMask()
	minExp := p.accMinExp()
	fp16 := p.Out == RNEFP16
	for u := range units {
		for l := range c {
			if c[l]&0x7F800000 == 0x7F800000 {
				return u
			}
		}
		var d [Lanes]float32
		if !p.SeparateC {
			for l := range d {
				d[l] = math.Float32frombits(c[l])
			}
		}
		for s := range p.unit / p.L {
			k0 := lo + u*p.unit + s*p.L
			var emax [Lanes]int32
			for l := range emax {
				emax[l] = int32(p.ZeroExp)
				if t := math.Float32bits(d[l]) & 0x7FFFFFFF; t != 0 {
					emax[l] = max(emax[l], max(int32(t>>23)-127, minExp))
				}
			}
			for k := k0; k < k0+p.L; k++ {
				ea, eb := a.exp[k], (*[Lanes]int32)(pn.exp[k*Lanes:])
				for l := range emax {
					emax[l] = max(emax[l], ea+eb[l])
				}
			}
			var scale [Lanes]float64
			var sum [Lanes]int64
			for l := range scale {
				scale[l] = pow2(f - emax[l])
				sum[l] = int64(float64(d[l]) * scale[l])
			}
			for k := k0; k < k0+p.L; k++ {
				va, vb := a.w[k], (*[Lanes]float32)(pn.val[k*Lanes:])
				for l := range sum {
					sum[l] += int64(va * float64(vb[l]) * scale[l])
				}
			}
			for l := range sum {
				x := float64(sum[l])
				var r float64
				if fp16 {
					r = rne16(x * pow2(emax[l]-f))
					if math.Abs(r) > 65504 || r == 0 && x != 0 {
						return u
					}
				} else {
					r = math.Float64frombits(math.Float64bits(x)&mask) * pow2(emax[l]-f)
					if a := math.Abs(r); r != 0 && (a < 0x1p-126 || a >= 0x1p128) {
						return u
					}
				}
				d[l] = float32(r)
			}
		}
		if p.SeparateC {
			for l := range d {
				cv := math.Float32frombits(c[l])
				if fp16 {
					r := rne16(float64(d[l]) + float64(cv))
					if math.Abs(r) > 65504 {
						return u
					}
					d[l] = float32(r)
				} else if d[l] += cv; math.IsInf(float64(d[l]), 0) {
					return u
				}
			}
		}
		for l := range c {
			c[l] = math.Float32bits(d[l])
		}
	}
	return units
}

// laneUnit runs one unit (a step, or with SeparateC an instruction) of
// products from k0 of row a and column l of pn from the accumulator c (a
// code of Acc) in Go, on fusedGeneral.
func (p *Preset) laneUnit(a *LaneRow, pn *Panel, l, k0 int, c uint32) uint32 {
	if !p.SeparateC {
		return p.laneStep(a, pn, l, k0, c)
	}
	var d uint32
	for s := k0; s < k0+p.unit; s += p.L {
		d = p.laneStep(a, pn, l, s, d)
	}
	return p.addAcc(d, c)
}

// f16To32 is the float32 code of the FP16 code h, for finite h (an Inf
// or NaN gives a float32 Inf or NaN).
func f16To32(h uint32) uint32 {
	sign := h >> 15 << 31
	e, m := h>>10&0x1F, h&0x3FF
	switch e {
	case 0:
		return sign | math.Float32bits(float32(m)*0x1p-24)
	case 0x1F:
		return sign | 0x7F800000 | m<<13
	}
	return sign | (e+112)<<23 | m<<13
}

// f32To16 is the FP16 code of the float32 code x of an FP16 value.
func f32To16(x uint32) uint32 {
	sign := x >> 31 << 15
	t := x & 0x7FFFFFFF
	if e := int32(t>>23) - 127; e >= -14 {
		return sign | uint32(e+15)<<10 | t>>13&0x3FF
	}
	return sign | uint32(math.Float32frombits(t)*0x1p24)
}
