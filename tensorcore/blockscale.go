package tensorcore

import (
	"fmt"

	"github.com/tcsim/tcsim/numerics"
)

// BlockScale describes a block-scaled datapath (Blackwell tcgen05.mma
// kind::mxf8f6f4, kind::mxf4, kind::mxf4nvf4): every Block consecutive
// operands along K share one scale factor per row of A and per column of B,
// applied inside the tensor core. The model is the published one (MMA-Sim,
// arXiv 2511.10909, function nv_fused_dot_add_with_block_scale and the mxf8
// branch of nv_fused_dot_add); no hardware record here checks it.
type BlockScale struct {
	Format numerics.Format // the scale format: E8M0 (MX) or UE4M3 (NVFP4)
	Block  int             // operands per scale along K
	// Group chooses how scales enter the fused step.
	//
	// Group <= 1 (mxf8f6f4): each product is a term, its exponent increased
	// by the exponents of its two scales. This needs power-of-two scales
	// (a format without mantissa bits, E8M0).
	//
	// Group > 1 (mxf4, mxf4nvf4: 16): the products of each Group
	// consecutive k are first summed exactly; the group sum times the two
	// scales' significands is one term whose exponent is the sum of the
	// scales' exponents. The group sum is not renormalised, and a group
	// whose sum is zero still takes part in e_max unless a scale is zero.
	Group int
}

// initScale checks a block-scaled preset's parameters.
func (p *Preset) initScale() error {
	s := p.Scale
	if s == nil {
		return nil
	}
	fa, fb := p.inFormats()
	span := func(f numerics.Format) int { return f.MaxExp() - f.MinExp() + f.ManBits() + 1 }
	switch {
	case s.Block <= 0 || p.K%s.Block != 0:
		return fmt.Errorf("tensorcore: preset %s: scale block %d does not divide K=%d", p.Name, s.Block, p.K)
	case p.K != p.L || p.K > 64 || p.Via != nil || p.SeparateC || p.Interleave != p.L:
		return fmt.Errorf("tensorcore: preset %s: a block-scaled preset is one plain step (K = L <= 64)", p.Name)
	case s.Group <= 1 && s.Format.ManBits() != 0:
		return fmt.Errorf("tensorcore: preset %s: scales folded into exponents must be powers of two, not %s", p.Name, s.Format)
	case s.Group > 1 && (s.Block%s.Group != 0 || span(fa)+span(fb)+5 > 62 || s.Group > 32):
		return fmt.Errorf("tensorcore: preset %s: group %d does not fit scale block %d and formats %s, %s", p.Name, s.Group, s.Block, fa, fb)
	}
	return nil
}

// BlockScaled reports whether the preset needs per-block scales
// ([Preset.MMAScaled]); its MMA, Dot and Chain panic.
func (p *Preset) BlockScaled() bool { return p.Scale != nil }

// MMAScaled returns D = Σ_k a_k·b_k·sa[k/Block]·sb[k/Block] + C for one
// instruction's worth of one output element of a block-scaled preset:
// len(a) == len(b) == K operand codes, len(sa) == len(sb) == K/Block scale
// codes in Scale.Format, c and the result in [Preset.Acc]. A NaN scale
// gives the canonical NaN; otherwise the special-value rules of the other
// datapaths apply to the operands and C.
func (p *Preset) MMAScaled(a, b, sa, sb []uint32, c uint32) uint32 {
	s := p.Scale
	if s == nil {
		panic(fmt.Sprintf("tensorcore: %s: MMAScaled on a datapath without block scales", p.Name))
	}
	nb := p.K / s.Block
	if len(a) != p.K || len(b) != p.K || len(sa) != nb || len(sb) != nb {
		panic(fmt.Sprintf("tensorcore: %s: MMAScaled needs %d operands and %d scales, got %d, %d, %d and %d",
			p.Name, p.K, nb, len(a), len(b), len(sa), len(sb)))
	}
	var va, vb Vector
	p.da.decode(a, &va)
	p.db.decode(b, &vb)
	return p.mmaScaled(&va, &vb, sa, sb, c)
}

// ChainBlockScaled runs the block-scaled instructions over products [lo,
// hi) of the vectors va ([Preset.DecodeA]) and vb ([Preset.DecodeB]) from
// the accumulator c, one instruction of K products after another: the
// result of chained MMAScaled calls on their codes, bit for bit. sa and sb
// hold the vectors' scale codes, one per Block elements of the whole
// vector. Decoding the operands once for all the instructions of a GEMM
// makes it much faster than MMAScaled.
func (p *Preset) ChainBlockScaled(va, vb *Vector, lo, hi int, sa, sb []uint32, c uint32) uint32 {
	s := p.Scale
	switch {
	case s == nil:
		panic(fmt.Sprintf("tensorcore: %s: ChainBlockScaled on a datapath without block scales", p.Name))
	case !p.da.decoded(va) || !p.db.decoded(vb):
		panic(fmt.Sprintf("tensorcore: %s: ChainBlockScaled on vectors not decoded by this preset", p.Name))
	case lo < 0 || hi > va.Len() || hi > vb.Len() || lo%p.K != 0 || hi%p.K != 0 || len(sa) < hi/s.Block || len(sb) < hi/s.Block:
		panic(fmt.Sprintf("tensorcore: %s: ChainBlockScaled over [%d,%d) of vectors of %d and %d with %d and %d scales, K=%d",
			p.Name, lo, hi, va.Len(), vb.Len(), len(sa), len(sb), p.K))
	}
	nb := p.K / s.Block
	for k0 := lo; k0 < hi; k0 += p.K {
		wa, wb := va.window(k0, k0+p.K), vb.window(k0, k0+p.K)
		c = p.mmaScaled(&wa, &wb, sa[k0/s.Block:][:nb], sb[k0/s.Block:][:nb], c)
	}
	return c
}

// mmaScaled is MMAScaled on decoded operands: one instruction.
func (p *Preset) mmaScaled(va, vb *Vector, sa, sb []uint32, c uint32) uint32 {
	s := p.Scale
	out := p.Out.Out()
	// Scales: significand and exponent per block; a zero scale has sig 0.
	var ssig [2][64]uint64
	var sexp [2][64]int
	for i, codes := range [2][]uint32{sa, sb} {
		for blk, code := range codes {
			_, sig, exp, cl := s.Format.Unpack(code)
			if cl == numerics.NaN || cl == numerics.Inf {
				nan, _ := out.NaNCode()
				return nan
			}
			ssig[i][blk], sexp[i][blk] = sig, exp
		}
	}
	ct, ccl := p.unpackAcc(out, c)
	if va.class != nil || vb.class != nil || ccl == numerics.Inf || ccl == numerics.NaN {
		var ib [64]int
		idx := ib[:p.K]
		for k := range idx {
			idx[k] = k
		}
		if r, ok := specialResult(va, vb, idx, ccl, ct.neg, out); ok {
			return r
		}
	}
	var neg bool
	var mag uint64
	var q int
	if s.Group <= 1 {
		// Power-of-two scales: fold their exponents into the operands'.
		var ea, eb [64]int16
		for k := range p.K {
			blk := k / s.Block
			ea[k] = va.Exp[k] + int16(sexp[0][blk])
			eb[k] = vb.Exp[k] + int16(sexp[1][blk])
		}
		neg, mag, q = p.Step.fusedGeneral(va.Sig, vb.Sig, ea[:p.K], eb[:p.K], p.shiftP, ct)
	} else {
		neg, mag, q = p.fusedGroups(va, vb, &ssig, &sexp, ct)
	}
	return p.Step.convert(neg, mag, q)
}

// fusedGroups is the fused step over group terms (BlockScale.Group > 1).
func (p *Preset) fusedGroups(va, vb *Vector, ssig *[2][64]uint64, sexp *[2][64]int, ct term) (bool, uint64, int) {
	s := p.Scale
	fa, fb := p.inFormats()
	// A group sum is an integer multiple of 2^gridP; times the scales'
	// significands it has frac = ManBits(scale)·2 - gridP fraction bits
	// below its exponent, the scales' exponent sum.
	frac := 2*s.Format.ManBits() - p.gridP
	ng := p.K / s.Group
	var terms [64]term
	var live [64]bool
	emax := p.ZeroExp
	if ct.sig != 0 && ct.exp > emax {
		emax = ct.exp
	}
	for g := range ng {
		blk := g * s.Group / s.Block
		if ssig[0][blk] == 0 || ssig[1][blk] == 0 {
			continue // a zero scale: the group is a zero term
		}
		var sum int64
		for k := g * s.Group; k < (g+1)*s.Group; k++ {
			if va.Sig[k] == 0 || vb.Sig[k] == 0 {
				continue // zero and special operands (Exp is the sentinel)
			}
			xa := int64(va.Sig[k]) << uint(int(va.Exp[k])-fa.MinExp())
			xb := int64(vb.Sig[k]) << uint(int(vb.Exp[k])-fb.MinExp())
			sum += xa * xb
		}
		t := term{neg: sum < 0, exp: sexp[0][blk] + sexp[1][blk], frac: frac}
		if sum < 0 {
			sum = -sum
		}
		t.sig = uint64(sum) * ssig[0][blk] * ssig[1][blk]
		terms[g], live[g] = t, true
		emax = max(emax, t.exp)
	}
	var sum int64
	for g := range ng {
		t := terms[g]
		if !live[g] || t.sig == 0 {
			continue
		}
		var v uint64
		if sh := p.F - t.frac - (emax - t.exp); sh >= 0 {
			v = t.sig << uint(sh)
		} else if -sh < 64 {
			v = t.sig >> uint(-sh)
		}
		if t.neg {
			sum -= int64(v)
		} else {
			sum += int64(v)
		}
	}
	neg, mag := p.Step.addC(sum, emax, ct)
	return neg, mag, emax - p.F
}
