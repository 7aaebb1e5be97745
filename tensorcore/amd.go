package tensorcore

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/tcsim/tcsim/numerics"
)

// AMD CDNA matrix cores (MFMA) do not add like NVIDIA's truncated fused
// step: the published models (MMA-Sim, arXiv 2511.10909, simulator/amd.py
// and arithmetic.py; Khattak & Mikaitis, arXiv 2512.07004, models/MI*MC.m)
// describe two other datapaths, which [AMDPath] selects. Both take an
// instruction's K products in groups of Group consecutive ones and chain
// the groups through an FP32 accumulator.

// AMDKind is the datapath family of an AMD matrix core.
type AMDKind uint8

const (
	// AMDPairwise (CDNA1 MI100, CDNA2 MI250X, FP16 and BF16): each group
	// is summed as a binary tree of FP32 round-to-nearest operations
	// (products rounded to FP32 at the leaves, halves added at each node),
	// and the group sum is added to the accumulator by an FP32 add.
	AMDPairwise AMDKind = iota
	// AMDFused (CDNA3 MI300X): the group's products are aligned to their
	// own largest exponent and truncated to 24 fraction bits, summed
	// exactly, then joined with C: the product sum rounded down (toward
	// −∞) to 31 fraction bits and C to 24 fraction bits below the larger
	// of the two exponents, added exactly and rounded to nearest FP32.
	AMDFused
)

var amdKindNames = [...]string{AMDPairwise: "pairwise", AMDFused: "fused-rd"}

func (k AMDKind) String() string {
	if int(k) < len(amdKindNames) {
		return amdKindNames[k]
	}
	return fmt.Sprintf("AMDKind(%d)", k)
}

// AMDPath describes an AMD matrix-core datapath. A preset with one uses
// it instead of [Step], whose L must equal Group and F be 24 (the fused
// kind's alignment) or 23 (the pairwise kind's FP32 nodes); its
// accumulator is FP32.
type AMDPath struct {
	Kind  AMDKind
	Group int // products per group
	// FlushSubnormals (CDNA2): subnormal operands and C are read as +0,
	// and every subnormal intermediate (tree node, accumulator) is flushed
	// to a zero of its sign.
	FlushSubnormals bool
	// OddEven (CDNA3 FP8): the even-indexed and odd-indexed products of a
	// group are fused separately (each aligned to its own maximum), the two
	// sums rounded down to 24 fraction bits below the larger exponent and
	// added; and C is dropped when its exponent is more than 25 below that
	// of the sum.
	OddEven bool
}

// zeroExpAMD is the exponent MMA-Sim gives a zero operand (its
// extract_significand_exponent): a zero product's exponent is −126 plus
// the other operand's.
const zeroExpAMD = -126

// amdNaN is the FP32 NaN the AMD models give (the default quiet NaN; no
// record says which payload the hardware writes).
const amdNaN = 0x7FC00000

// fracAMD is the fraction bits of the fused kind's product alignment;
// fracPairwise is the pairwise kind's F: every node rounds to FP32, 23
// fraction bits.
const (
	fracAMD      = 24
	fracPairwise = 23
)

// Rounding names the final conversion: the AMD datapaths round to nearest
// FP32, the others as [Step.Rounding] says.
func (p *Preset) Rounding() string {
	if p.AMD != nil {
		return "rne-fp32 (" + p.AMD.Kind.String() + ")"
	}
	return p.Step.Rounding()
}

// initAMD checks an AMD preset's parameters.
func (p *Preset) initAMD() error {
	a := p.AMD
	if a == nil {
		return nil
	}
	switch {
	case a.Group <= 0 || a.Group > 64 || p.K%a.Group != 0 || p.L != a.Group:
		return fmt.Errorf("tensorcore: preset %s: AMD group %d must divide K=%d and equal L=%d", p.Name, a.Group, p.K, p.L)
	case p.Out != RZFP32 || p.Via != nil || p.SeparateC || p.Scale != nil || p.Interleave != p.L:
		return fmt.Errorf("tensorcore: preset %s: an AMD datapath has an FP32 accumulator and no Via, separate C, scales or interleave", p.Name)
	case a.Kind == AMDFused && p.F != fracAMD, a.Kind == AMDPairwise && p.F != fracPairwise:
		return fmt.Errorf("tensorcore: preset %s: the %s AMD datapath has F=%d", p.Name, a.Kind, map[AMDKind]int{AMDFused: fracAMD, AMDPairwise: fracPairwise}[a.Kind])
	case a.OddEven && (a.Kind != AMDFused || a.Group%2 != 0):
		return fmt.Errorf("tensorcore: preset %s: odd/even fusion needs the fused kind and an even group", p.Name)
	case a.Kind == AMDPairwise && (p.A.Bits() > 16 || p.B.Bits() > 16):
		return fmt.Errorf("tensorcore: preset %s: the pairwise AMD datapath takes 16-bit or narrower operands", p.Name)
	}
	return nil
}

// amdChain is Chain for AMD datapaths: the groups of [lo, hi) in k order,
// each group's result the next one's C.
func (p *Preset) amdChain(a, b *Vector, lo, hi int, c uint32) uint32 {
	g := p.AMD.Group
	var ib [64]int
	idx := ib[:g]
	for k0 := lo; k0 < hi; k0 += g {
		for i := range idx {
			idx[i] = k0 + i
		}
		ct, ccl := p.unpackAcc(numerics.FP32, c)
		if a.class != nil || b.class != nil || ccl == numerics.Inf || ccl == numerics.NaN {
			if r, ok := specialResult(a, b, idx, ccl, ct.neg, numerics.FP32); ok {
				c = r
				if c&0x7FFFFFFF > 0x7F800000 {
					c = amdNaN
				}
				continue
			}
		}
		if p.AMD.Kind == AMDPairwise {
			c = p.amdPairwise(a, b, k0, c)
		} else {
			c = p.amdFused(a, b, k0, ct)
		}
	}
	return c
}

// value32 is operand k of v as a float32 (exact: 16-bit and narrower
// formats), or +0 for a subnormal when flushing.
func (p *Preset) value32(v *Vector, f numerics.Format, k int) float32 {
	sig, e := v.Sig[k], int(v.Exp[k])
	if sig == 0 {
		return 0
	}
	if p.AMD.FlushSubnormals && e == f.MinExp() && sig > -(1<<f.ManBits()) && sig < 1<<f.ManBits() {
		return 0
	}
	return float32(math.Ldexp(float64(sig), e-f.ManBits()))
}

// flush32 flushes a subnormal to a zero of its sign when the path does.
func (p *Preset) flush32(x float32) float32 {
	if p.AMD.FlushSubnormals && x != 0 && math.Abs(float64(x)) < 0x1p-126 {
		return x * 0
	}
	return x
}

// amdPairwise is one group of the pairwise datapath (MMA-Sim pairwise_dot:
// fmaf(a, b, 0) at the leaves, fmaf(left, 1, right) at the nodes).
func (p *Preset) amdPairwise(a, b *Vector, k0 int, c uint32) uint32 {
	acc := math.Float32frombits(c)
	if p.AMD.FlushSubnormals && acc != 0 && math.Abs(float64(acc)) < 0x1p-126 {
		acc = 0 // the input C is flushed to +0
	}
	s := p.flush32(acc + p.tree(a, b, k0, p.AMD.Group))
	if s != s {
		return amdNaN
	}
	return math.Float32bits(s)
}

// tree is the pairwise FP32 sum of the n products from k: the first n/2
// and the rest summed recursively, then added.
func (p *Preset) tree(a, b *Vector, k, n int) float32 {
	if n == 1 {
		// a·b is exact in float64; adding +0 (fmaf's C) turns -0 into +0;
		// the conversion rounds once to FP32.
		x := float64(p.value32(a, p.A, k)) * float64(p.value32(b, p.B, k))
		return p.flush32(float32(x + 0))
	}
	m := n / 2
	return p.flush32(p.tree(a, b, k, m) + p.tree(a, b, k+m, n-m))
}

// prodTerm is a product as MMA-Sim's fused sums see it: |sig| with frac
// fraction bits, exponent exp (a zero operand counting as 2^-126).
type prodTerm struct {
	neg  bool
	sig  uint64
	exp  int
	frac int
}

func (p *Preset) prodTerm(a, b *Vector, k int) (prodTerm, bool) {
	fa, fb := p.inFormats()
	ea, eb := int(a.Exp[k]), int(b.Exp[k])
	if a.Sig[k] == 0 {
		ea = zeroExpAMD
	}
	if b.Sig[k] == 0 {
		eb = zeroExpAMD
	}
	x := int64(a.Sig[k]) * int64(b.Sig[k])
	t := prodTerm{neg: x < 0, sig: uint64(x), exp: ea + eb, frac: fa.ManBits() + fb.ManBits()}
	if x < 0 {
		t.sig = uint64(-x)
	}
	// A product of at least 2^128 counts as infinite (MMA-Sim's check).
	over := t.sig != 0 && t.exp-t.frac+bits.Len64(t.sig) > 128
	return t, over
}

// fusedSum is MMA-Sim's fused_sum over the products ts: aligned to
// their largest exponent e, each truncated toward zero to fracAMD fraction
// bits; it returns the exact sum in units of 2^(e-fracAMD), and e.
func fusedSum(ts []prodTerm) (int64, int) {
	e := math.MinInt
	for _, t := range ts {
		e = max(e, t.exp)
	}
	var s int64
	for _, t := range ts {
		sh := fracAMD - t.frac - (e - t.exp)
		var v uint64
		switch {
		case sh >= 0:
			v = t.sig << uint(sh)
		case -sh < 64:
			v = t.sig >> uint(-sh)
		}
		if t.neg {
			s -= int64(v)
		} else {
			s += int64(v)
		}
	}
	return s, e
}

// floorShift returns floor(x·2^sh) for an integer x.
func floorShift(x int64, sh int) int64 {
	switch {
	case sh >= 0:
		return x << uint(sh)
	case sh > -63:
		return x >> uint(-sh) // arithmetic: floor
	case x < 0:
		return -1
	}
	return 0
}

// amdFused is one group of the fused datapath (MMA-Sim
// amd_fused_dot_rd_add) from the accumulator term ct.
func (p *Preset) amdFused(a, b *Vector, k0 int, ct term) uint32 {
	g := p.AMD.Group
	var tb [64]prodTerm
	ts := tb[:g]
	pinf, ninf := false, false
	for i := range ts {
		t, over := p.prodTerm(a, b, k0+i)
		if over {
			if t.neg {
				ninf = true
			} else {
				pinf = true
			}
		}
		ts[i] = t
	}
	switch {
	case pinf && ninf:
		return amdNaN
	case pinf:
		return 0x7F800000
	case ninf:
		return 0xFF800000
	}
	var s int64 // units of 2^(e-24)
	var e int
	if p.AMD.OddEven {
		var eb, ob [32]prodTerm
		even, odd := eb[:0], ob[:0]
		for i, t := range ts {
			if i%2 == 0 {
				even = append(even, t)
			} else {
				odd = append(odd, t)
			}
		}
		s0, e0 := fusedSum(even)
		s1, e1 := fusedSum(odd)
		e = max(e0, e1)
		s = floorShift(s0, e0-e) + floorShift(s1, e1-e)
	} else {
		s, e = fusedSum(ts)
	}
	// C: significand with 23 fraction bits, exponent -126 for zero and
	// subnormals.
	csig := int64(ct.sig)
	if ct.neg {
		csig = -csig
	}
	ec := ct.exp
	if ct.sig == 0 {
		ec = zeroExpAMD
	}
	maxE := max(e, ec)
	// Sum: floor to 31 fraction bits below maxE; C: floor to 24.
	total := floorShift(s, 31-fracAMD-(maxE-e))
	if !p.AMD.OddEven || ec >= maxE-25 {
		total += floorShift(csig, 1+ec-maxE) << 7
	}
	neg := total < 0
	mag := uint64(total)
	if neg {
		mag = uint64(-total)
	}
	return numerics.FP32.EncodeScaled(neg, mag, maxE-31, numerics.NearestEven, numerics.ToInf)
}
