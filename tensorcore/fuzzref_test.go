package tensorcore_test

// The fuzz targets of this file compare every preset of the registry with
// an independent math/big datapath: the fused truncated step of
// docs/datapath.md §1–§5 (ref_test.go's rfused and rround, driven here by a
// preset's declared parameters), the block-scaled step (§5) and the AMD
// matrix cores (docs/amd.md). The operand formats are decoded by this
// file's own table, written from the format definitions, not by package
// numerics. Which family a preset belongs to is derived from its
// parameters; TestFuzzFamiliesCoverRegistry fails for a preset whose
// parameters no oracle here models, so a new kind of preset cannot go
// unfuzzed.

import (
	"fmt"
	"maps"
	"math/big"
	"slices"
	"testing"

	"github.com/tcsim/tcsim/tensorcore"
)

// ofmt is an operand, scale or accumulator format as the oracle decodes
// it.
type ofmt struct {
	expBits, manBits, bias int
	signed                 bool
	style                  ostyle
	noSub                  bool // exponent field 0 is a normal binade (E8M0)
}

type ostyle int

const (
	styleIEEE ostyle = iota // all-ones exponent: Inf (mantissa 0) or NaN
	styleFN                 // only all-ones exponent and mantissa is NaN; no Inf (OCP E4M3, UE4M3, E8M0)
	styleFNUZ               // the sign bit alone is the only NaN; no -0, no Inf (AMD FP8)
	styleNone               // no NaN or Inf (E2M1)
)

// oracleFormats are the formats by name, from their definitions (IEEE
// 754 binary16/32, bfloat16, TF32, OCP FP8 and MX, AMD FNUZ FP8).
var oracleFormats = map[string]ofmt{
	"e4m3":     {4, 3, 7, true, styleFN, false},
	"e5m2":     {5, 2, 15, true, styleIEEE, false},
	"f16":      {5, 10, 15, true, styleIEEE, false},
	"bf16":     {8, 7, 127, true, styleIEEE, false},
	"tf32":     {8, 10, 127, true, styleIEEE, false},
	"f32":      {8, 23, 127, true, styleIEEE, false},
	"e2m1":     {2, 1, 1, true, styleNone, false},
	"ue4m3":    {4, 3, 7, false, styleFN, false},
	"e8m0":     {8, 0, 127, false, styleFN, true},
	"e4m3fnuz": {4, 3, 8, true, styleFNUZ, false},
	"e5m2fnuz": {5, 2, 16, true, styleFNUZ, false},
}

func (f ofmt) bits() int {
	n := f.expBits + f.manBits
	if f.signed {
		n++
	}
	return n
}

func (f ofmt) minExp() int { return 1 - f.bias }

// decode decodes a code into an rterm (field exponent; subnormals at the
// minimum normal exponent).
func (f ofmt) decode(code uint32) rterm {
	code &= 1<<f.bits() - 1
	t := rterm{frac: f.manBits}
	if f.signed {
		t.neg = code>>(f.expBits+f.manBits)&1 == 1
	}
	e := int(code>>f.manBits) & (1<<f.expBits - 1)
	m := uint64(code) & (1<<f.manBits - 1)
	top := 1<<f.expBits - 1
	switch {
	case f.style == styleFNUZ && t.neg && e == 0 && m == 0:
		t.cls = rNaN
	case f.style == styleIEEE && e == top && m != 0:
		t.cls = rNaN
	case f.style == styleIEEE && e == top:
		t.cls = rInf
	case f.style == styleFN && e == top && m == 1<<f.manBits-1:
		t.cls = rNaN
	case e == 0 && f.noSub:
		t.cls, t.sig, t.exp = rFinite, 1<<f.manBits|m, -f.bias
	case e == 0 && m == 0:
		t.cls = rZero
	case e == 0:
		t.cls, t.sig, t.exp = rFinite, m, f.minExp()
	default:
		t.cls, t.sig, t.exp = rFinite, m|1<<f.manBits, e-f.bias
	}
	return t
}

// toVia re-expresses a finite value exactly in the wider format v: field
// exponent max(leading-bit exponent, v's minimum), v's fraction bits.
func toVia(t testing.TB, x rterm, v ofmt) rterm {
	if x.cls != rFinite {
		return x
	}
	lead := x.exp - x.frac + bitLen(x.sig) - 1
	ev := max(lead, v.minExp())
	sh := x.exp - x.frac - ev + v.manBits
	if sh < 0 {
		t.Fatalf("toVia: %+v not exact", x)
	}
	return rterm{neg: x.neg, sig: x.sig << sh, exp: ev, frac: v.manBits, cls: rFinite}
}

// ---- the oracle of one preset --------------------------------------------

// oracle is the reference datapath of one preset.
type oracle struct {
	p      *tensorcore.Preset
	family string
	a, b   ofmt  // operand formats as stored
	via    *ofmt // the format the datapath reads them in, if any
	acc    ofmt  // accumulator (C and D)
	scale  ofmt  // block scales, if any
}

// newOracle classifies p: the family it belongs to, or an error when its
// parameters hold a feature no oracle here models.
func newOracle(p *tensorcore.Preset) (*oracle, error) {
	o := &oracle{p: p}
	var ok bool
	if o.a, ok = oracleFormats[p.A.Name()]; !ok {
		return nil, fmt.Errorf("%s: operand format %s unknown to the oracle", p.Name, p.A)
	}
	if o.b, ok = oracleFormats[p.B.Name()]; !ok {
		return nil, fmt.Errorf("%s: operand format %s unknown to the oracle", p.Name, p.B)
	}
	if p.Via != nil {
		v, ok := oracleFormats[p.Via.Name()]
		if !ok {
			return nil, fmt.Errorf("%s: via format %s unknown to the oracle", p.Name, *p.Via)
		}
		o.via = &v
	}
	switch p.Out {
	case tensorcore.RZE8M13, tensorcore.RZFP32:
		o.acc = oracleFormats["f32"]
	case tensorcore.RNEFP16:
		o.acc = oracleFormats["f16"]
	default:
		return nil, fmt.Errorf("%s: conversion %v unknown to the oracle", p.Name, p.Out)
	}
	width := func(f ofmt) string { return fmt.Sprintf("%d-bit", f.bits()) }
	switch {
	case p.AMD != nil:
		a := p.AMD
		switch {
		case a.Kind == tensorcore.AMDPairwise && !a.OddEven:
			o.family = "amd-pairwise"
		case a.Kind == tensorcore.AMDFused && !a.FlushSubnormals && a.OddEven:
			o.family = "amd-fused-oddeven"
		case a.Kind == tensorcore.AMDFused && !a.FlushSubnormals:
			o.family = "amd-fused"
		default:
			return nil, fmt.Errorf("%s: AMD datapath %+v unknown to the oracle", p.Name, *a)
		}
		if p.Out != tensorcore.RZFP32 || p.Via != nil || p.SeparateC || p.Scale != nil {
			return nil, fmt.Errorf("%s: AMD datapath with NVIDIA features", p.Name)
		}
	case p.Scale != nil:
		s, ok := oracleFormats[p.Scale.Format.Name()]
		if !ok {
			return nil, fmt.Errorf("%s: scale format %s unknown to the oracle", p.Name, p.Scale.Format)
		}
		o.scale = s
		if p.Via != nil || p.SeparateC || p.K != p.L {
			return nil, fmt.Errorf("%s: block scales with other features", p.Name)
		}
		if p.Scale.Group > 1 {
			o.family = "block-scaled-groups"
		} else {
			o.family = "block-scaled-exponents"
		}
	default:
		o.family = fmt.Sprintf("step %s %s×%s", p.Out, width(o.a), width(o.b))
		if p.Via != nil {
			o.family += " via " + p.Via.Name()
		}
		if p.SeparateC {
			o.family += " separate-C"
		}
		if p.Interleave != p.L {
			o.family += " interleaved"
		}
	}
	return o, nil
}

// nanCode and infCode are the accumulator's canonical NaN and Inf.
func (o *oracle) nanCode() uint32 {
	if o.p.AMD != nil {
		return 0x7FC00000 // the AMD models' default quiet NaN
	}
	if o.acc.manBits == 10 {
		return f16NaN
	}
	return f32NaN
}

func (o *oracle) infCode(neg bool) uint32 {
	if o.acc.manBits == 10 {
		if neg {
			return f16NegInf
		}
		return f16Inf
	}
	if neg {
		return f32NegInf
	}
	return f32Inf
}

func (o *oracle) out() rfmt {
	if o.acc.manBits == 10 {
		return out16
	}
	return out32
}

// operand decodes operand k of a (or b) as the datapath reads it.
func (o *oracle) operand(t testing.TB, f ofmt, code uint32) rterm {
	x := f.decode(code)
	if o.via != nil {
		x = toVia(t, x, *o.via)
	}
	return x
}

// convert is the step's final conversion of (-1)^neg·mag·2^q.
func (o *oracle) convert(neg bool, mag *big.Int, q int) uint32 {
	p := o.p
	var d uint32
	if p.Out == tensorcore.RNEFP16 {
		d = rround(out16, neg, mag, q, true)
	} else {
		bits := 24
		switch {
		case p.RegBits != 0:
			bits = p.RegBits
		case p.Out == tensorcore.RZE8M13:
			bits = min(p.F+1, 24)
		}
		if n := mag.BitLen(); n > bits {
			mag = new(big.Int).Rsh(mag, uint(n-bits))
			q += n - bits
		}
		d = rround(out32, neg, mag, q, false)
	}
	if sign := uint32(1) << (o.acc.bits() - 1); p.PlusZero && d == sign {
		d = 0
	}
	return d
}

// step is one fused step over the products at idx from C = c.
func (o *oracle) step(t testing.TB, a, b []uint32, idx []int, c uint32) uint32 {
	var as, bs []rterm
	for _, k := range idx {
		as = append(as, o.operand(t, o.a, a[k]))
		bs = append(bs, o.operand(t, o.b, b[k]))
	}
	ct := o.acc.decode(c)
	if nan, _, neg, ok := rspecial(as, bs, ct); ok {
		if nan {
			return o.nanCode()
		}
		return o.infCode(neg)
	}
	terms := []rterm{ct}
	for i := range as {
		terms = append(terms, rprod(as[i], bs[i]))
	}
	neg, mag, q := rfused(terms, o.p.F, o.p.ZeroExp)
	return o.convert(neg, mag, q)
}

// addAcc is the IEEE round-to-nearest add of two accumulator values.
func (o *oracle) addAcc(x, y uint32) uint32 {
	if o.acc.manBits == 10 {
		return radd(out16, rdecode16, f16NaN, f16NegZ, x, y)
	}
	return radd32(x, y)
}

// instr is one instruction (K products from k0) of a step preset.
func (o *oracle) instr(t testing.TB, a, b []uint32, k0 int, c uint32) uint32 {
	p := o.p
	n := p.K / p.L
	il := p.Interleave
	if il == 0 {
		il = p.L
	}
	d := c
	if p.SeparateC {
		d = 0
	}
	for s := range n {
		var idx []int
		for j := range p.K {
			if (j/il)%n == s {
				idx = append(idx, k0+j)
			}
		}
		d = o.step(t, a, b, idx, d)
	}
	if p.SeparateC {
		d = o.addAcc(d, c)
	}
	return d
}

// chain is the reference of Preset.Chain over all of a and b.
func (o *oracle) chain(t testing.TB, a, b []uint32, c uint32) uint32 {
	if o.p.AMD != nil {
		for k0 := 0; k0 < len(a); k0 += o.p.AMD.Group {
			c = o.amdGroup(t, a, b, k0, c)
		}
		return c
	}
	for k0 := 0; k0 < len(a); k0 += o.p.K {
		c = o.instr(t, a, b, k0, c)
	}
	return c
}

// ---- block scales ---------------------------------------------------------

// scaled is the reference of Preset.MMAScaled.
func (o *oracle) scaled(t testing.TB, a, b, sa, sb []uint32, c uint32) uint32 {
	p := o.p
	var sat, sbt []rterm
	for i := range sa {
		x, y := o.scale.decode(sa[i]), o.scale.decode(sb[i])
		if x.cls == rNaN || y.cls == rNaN || x.cls == rInf || y.cls == rInf {
			return o.nanCode()
		}
		sat, sbt = append(sat, x), append(sbt, y)
	}
	as, bs, ct, special, ok := o.decodeAll(a, b, 0, p.K, c)
	if ok {
		return special
	}
	blk := p.Scale.Block
	if p.Scale.Group <= 1 {
		// Each product carries its two scales in its exponent.
		terms := []rterm{ct}
		for k := range p.K {
			x := rprod(as[k], bs[k])
			s := rprod(sat[k/blk], sbt[k/blk])
			if x.cls == rFinite {
				x.sig *= s.sig
				x.exp += s.exp
				x.frac += s.frac
			}
			terms = append(terms, x)
		}
		neg, mag, q := rfused(terms, p.F, p.ZeroExp)
		return o.convert(neg, mag, q)
	}
	// Groups: the exact sum of Group products times the two scales is one
	// term at the scales' exponent; a zero scale drops the group.
	g := p.Scale.Group
	type gterm struct {
		v   *big.Rat
		exp int
	}
	var gs []gterm
	emax := p.ZeroExp
	if ct.sig != 0 {
		emax = max(emax, ct.exp)
	}
	for g0 := 0; g0 < p.K; g0 += g {
		x, y := sat[g0/blk], sbt[g0/blk]
		if x.sig == 0 || y.sig == 0 {
			continue
		}
		sum := new(big.Rat)
		for k := g0; k < g0+g; k++ {
			if pr := rprod(as[k], bs[k]); pr.sig != 0 {
				sum.Add(sum, rrat(pr))
			}
		}
		sum.Mul(sum, rrat(x))
		sum.Mul(sum, rrat(y))
		gs = append(gs, gterm{sum, x.exp + y.exp})
		emax = max(emax, x.exp+y.exp)
	}
	// Truncate every term toward zero onto the grid 2^(emax-F).
	unit := pow2Rat(emax - p.F)
	total := new(big.Int)
	add := func(v *big.Rat) {
		q := new(big.Rat).Quo(v, unit)
		n := new(big.Int).Quo(q.Num(), q.Denom()) // toward zero
		total.Add(total, n)
	}
	for _, t := range gs {
		add(t.v)
	}
	if ct.sig != 0 {
		add(rrat(ct))
	}
	return o.convert(total.Sign() < 0, new(big.Int).Abs(total), emax-p.F)
}

func pow2Rat(e int) *big.Rat {
	p := new(big.Int).Lsh(big.NewInt(1), uint(abs(e)))
	if e >= 0 {
		return new(big.Rat).SetInt(p)
	}
	return new(big.Rat).SetFrac(big.NewInt(1), p)
}

// ---- AMD matrix cores -----------------------------------------------------

// decodeAll decodes operands [lo, hi) as stored and C; ok says that a
// special value decides the result, special.
func (o *oracle) decodeAll(a, b []uint32, lo, hi int, c uint32) (as, bs []rterm, ct rterm, special uint32, ok bool) {
	for k := lo; k < hi; k++ {
		as = append(as, o.a.decode(a[k]))
		bs = append(bs, o.b.decode(b[k]))
	}
	ct = o.acc.decode(c)
	if nan, _, neg, sp := rspecial(as, bs, ct); sp {
		if nan {
			return nil, nil, ct, o.nanCode(), true
		}
		return nil, nil, ct, o.infCode(neg), true
	}
	return as, bs, ct, 0, false
}

// amdGroup is one group of an AMD datapath from C = c (docs/amd.md).
func (o *oracle) amdGroup(t testing.TB, a, b []uint32, k0 int, c uint32) uint32 {
	p := o.p
	as, bs, ct, special, ok := o.decodeAll(a, b, k0, k0+p.AMD.Group, c)
	if ok {
		return special
	}
	if p.AMD.Kind == tensorcore.AMDPairwise {
		return o.amdPairwise(as, bs, c)
	}
	return o.amdFused(as, bs, ct)
}

// flush is the pairwise path's subnormal flush (when the preset flushes):
// a subnormal FP32 result becomes a zero of its sign.
func (o *oracle) flush(x uint32) uint32 {
	if o.p.AMD.FlushSubnormals && x&0x7F800000 == 0 {
		return x & 0x80000000
	}
	return x
}

// amdPairwise: products rounded to FP32 at the leaves (a zero product is
// +0), halves added by FP32 round-to-nearest adds, the group sum added to
// C by one more.
func (o *oracle) amdPairwise(as, bs []rterm, c uint32) uint32 {
	flushIn := func(x rterm) rterm {
		if o.p.AMD.FlushSubnormals && x.cls == rFinite && x.sig < 1<<x.frac {
			return rterm{frac: x.frac} // +0
		}
		return x
	}
	var tree func(lo, hi int) uint32
	tree = func(lo, hi int) uint32 {
		if hi-lo == 1 {
			x := rprod(flushIn(as[lo]), flushIn(bs[lo]))
			if x.sig == 0 {
				return 0
			}
			return o.flush(rround(out32, x.neg, new(big.Int).SetUint64(x.sig), x.exp-x.frac, true))
		}
		m := lo + (hi-lo)/2
		return o.flush(radd(out32, rdecode32, 0x7FC00000, f32NegZ, tree(lo, m), tree(m, hi)))
	}
	if o.p.AMD.FlushSubnormals && c&0x7F800000 == 0 && c&0x7FFFFFFF != 0 {
		c = 0 // a subnormal C is read as +0
	}
	s := o.flush(radd(out32, rdecode32, 0x7FC00000, f32NegZ, c, tree(0, len(as))))
	if s&0x7F800000 == 0x7F800000 && s&0x7FFFFF != 0 {
		return 0x7FC00000
	}
	return s
}

// amdFused: the products aligned to their largest exponent (a zero operand
// counting as exponent −126) and truncated to 24 fraction bits, summed
// exactly (even and odd products apart, each floored to 24 bits below the
// larger exponent, for the odd/even kind); the sum floored to 31 and C to
// 24 fraction bits below the larger of the two exponents (C dropped, in
// the odd/even kind, when its exponent is more than 25 below), added and
// rounded to nearest FP32.
func (o *oracle) amdFused(as, bs []rterm, ct rterm) uint32 {
	type pt struct {
		v   *big.Rat
		exp int
	}
	var ps []pt
	pinf, ninf := false, false
	for i := range as {
		ea, eb := as[i].exp, bs[i].exp
		if as[i].sig == 0 {
			ea = -126
		}
		if bs[i].sig == 0 {
			eb = -126
		}
		x := rprod(as[i], bs[i])
		v := new(big.Rat)
		if x.sig != 0 {
			v = rrat(x)
			if new(big.Rat).Abs(v).Cmp(pow2Rat(128)) >= 0 {
				if x.neg {
					ninf = true
				} else {
					pinf = true
				}
			}
		}
		ps = append(ps, pt{v, ea + eb})
	}
	switch {
	case pinf && ninf:
		return 0x7FC00000
	case pinf:
		return f32Inf
	case ninf:
		return f32NegInf
	}
	floorDiv := func(v *big.Rat, unit *big.Rat) *big.Int {
		q := new(big.Rat).Quo(v, unit)
		n, _ := new(big.Int).DivMod(q.Num(), q.Denom(), new(big.Int)) // Euclidean: floor for a positive divisor
		return n
	}
	truncDiv := func(v *big.Rat, unit *big.Rat) *big.Int {
		q := new(big.Rat).Quo(v, unit)
		return new(big.Int).Quo(q.Num(), q.Denom())
	}
	fused := func(ps []pt) (*big.Rat, int) { // exact value of the truncated sum, and its exponent
		e := ps[0].exp
		for _, p := range ps {
			e = max(e, p.exp)
		}
		unit := pow2Rat(e - 24)
		s := new(big.Int)
		for _, p := range ps {
			s.Add(s, truncDiv(p.v, unit))
		}
		return new(big.Rat).Mul(new(big.Rat).SetInt(s), unit), e
	}
	var sum *big.Rat
	var e int
	if o.p.AMD.OddEven {
		var even, odd []pt
		for i, p := range ps {
			if i%2 == 0 {
				even = append(even, p)
			} else {
				odd = append(odd, p)
			}
		}
		s0, e0 := fused(even)
		s1, e1 := fused(odd)
		e = max(e0, e1)
		unit := pow2Rat(e - 24)
		n := new(big.Int).Add(floorDiv(s0, unit), floorDiv(s1, unit))
		sum = new(big.Rat).Mul(new(big.Rat).SetInt(n), unit)
	} else {
		sum, e = fused(ps)
	}
	ec := ct.exp
	if ct.sig == 0 {
		ec = -126
	}
	maxE := max(e, ec)
	total := floorDiv(sum, pow2Rat(maxE-31))
	if !o.p.AMD.OddEven || ec >= maxE-25 {
		cv := new(big.Rat)
		if ct.sig != 0 {
			cv = rrat(ct)
		}
		total.Add(total, new(big.Int).Lsh(floorDiv(cv, pow2Rat(maxE-24)), 7))
	}
	if total.Sign() == 0 {
		return 0
	}
	return rround(out32, total.Sign() < 0, new(big.Int).Abs(total), maxE-31, true)
}

// ---- the registry's families ----------------------------------------------

// fuzzPresets lists the registry's presets for which keep holds, with
// their oracles, in registry order.
func fuzzPresets(t testing.TB, keep func(o *oracle) bool) []*oracle {
	var os []*oracle
	for _, p := range tensorcore.Presets() {
		o, err := newOracle(p)
		if err != nil {
			t.Fatal(err)
		}
		if keep(o) {
			os = append(os, o)
		}
	}
	if len(os) == 0 {
		t.Fatal("no presets")
	}
	return os
}

func isStep(o *oracle) bool   { return o.p.AMD == nil && o.p.Scale == nil }
func isAMD(o *oracle) bool    { return o.p.AMD != nil }
func isScaled(o *oracle) bool { return o.p.Scale != nil }
func fuzzTargets() []string {
	return []string{"FuzzChainReference", "FuzzChainReferenceAMD", "FuzzScaledReference"}
}
func targetOf(o *oracle) string {
	switch {
	case isAMD(o):
		return "FuzzChainReferenceAMD"
	case isScaled(o):
		return "FuzzScaledReference"
	}
	return "FuzzChainReference"
}

// TestFuzzFamiliesCoverRegistry: every preset of the registry belongs to a
// family an oracle models and is fuzzed by one of the targets; the
// families are listed.
func TestFuzzFamiliesCoverRegistry(t *testing.T) {
	fams := map[string][]string{}
	for _, p := range tensorcore.Presets() {
		o, err := newOracle(p)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(fuzzTargets(), targetOf(o)) {
			t.Fatalf("%s: no fuzz target", p.Name)
		}
		fams[o.family] = append(fams[o.family], p.Name)
	}
	names := slices.Sorted(maps.Keys(fams))
	for _, f := range names {
		t.Logf("%-60s %3d presets, e.g. %s", f, len(fams[f]), fams[f][0])
	}
	if len(fams) < 8 {
		t.Errorf("only %d families", len(fams))
	}
}

// codesFrom makes n codes of f from the fuzzer's bytes, cycling through
// them, each from as many bytes as its width needs.
func codesFrom(data []byte, off, n int, f ofmt) []uint32 {
	v := make([]uint32, n)
	w := (f.bits() + 7) / 8
	for i := range v {
		var c uint32
		for j := range w {
			if len(data) > 0 {
				c |= uint32(data[(off+i*w+j)%len(data)]) << (8 * j)
			}
		}
		v[i] = c & (1<<f.bits() - 1)
	}
	return v
}

// edgeSeeds are inputs that reach zeros, subnormals, specials, maximal
// values and cancellation in every format.
var edgeSeeds = [][]byte{
	{0x00},
	{0x80},
	{0xFF},
	{0x7F, 0xFF, 0x7E, 0x80},
	{0x01, 0x81, 0x02, 0x82},
	{0x38, 0xB8, 0x7E, 0x01},
	{0x7C, 0x04, 0x83, 0x00, 0x3C},
	{0x00, 0x3C, 0x00, 0xBC, 0x01, 0x00},
	{0xFF, 0x7B, 0x7F, 0xFB, 0x00, 0x04},
	// Positive values of one or two binades: long sums whose truncation
	// to the register shows.
	{0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F},
	{0x3C, 0x3D, 0x3E, 0x3F, 0x3F, 0x3E, 0x3D},
	{0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48},
}

// addSeeds adds, for each of n presets, the edge seeds and a few runs of
// random bytes (which reach long sums, where truncation shows).
func addSeeds(f *testing.F, n int, accs ...uint32) {
	r := newRand(77)
	for i := range n {
		for j, d := range edgeSeeds {
			f.Add(uint16(i), accs[(i+j)%len(accs)], d)
		}
		for j := range 4 {
			d := make([]byte, 61+j)
			for x := range d {
				d[x] = byte(r.Uint32())
				if j >= 2 { // positive, a few binades around 1
					d[x] = 0x28 + d[x]%0x28
				}
			}
			f.Add(uint16(i), accs[(i+j)%len(accs)], d)
		}
	}
}

var seedAccs = []uint32{0, 0x80000000, 0x3F800000, 0x00000001, 0x7F7FFFFF, 0xFF800000, 0x7FC00000, 0x3C00, 0x8001, 0x7BFF}

// fuzzChain compares Preset.Chain (every kernel the CPU runs: SIMD step,
// chain and lane kernels, the general step) with the oracle on two chained
// instructions whose operand and accumulator codes come from the input,
// for the registry's presets that keep selects.
func fuzzChain(f *testing.F, keep func(o *oracle) bool) {
	os := fuzzPresets(f, keep)
	addSeeds(f, len(os), seedAccs...)
	f.Fuzz(func(t *testing.T, which uint16, c uint32, data []byte) {
		o := os[int(which)%len(os)]
		p := o.p
		a, b := codesFrom(data, 0, 2*p.K, o.a), codesFrom(data, 1, 2*p.K, o.b)
		c &= 1<<o.acc.bits() - 1
		want := o.chain(t, a, b, c)
		var va, vb tensorcore.Vector
		p.DecodeA(a, &va)
		p.DecodeB(b, &vb)
		if got := p.Chain(&va, &vb, 0, 2*p.K, c); got != want {
			t.Errorf("%s (%s): A %x B %x C %#x: Chain %#x, reference %#x", p.Name, o.family, a, b, c, got, want)
		}
	})
}

// FuzzChainReference fuzzes every NVIDIA step preset of the registry:
// Volta to Blackwell, FP16/BF16/TF32/FP8 operands, FP32 and FP16
// accumulators, operands read via FP16, C added separately, interleaved
// steps.
func FuzzChainReference(f *testing.F) { fuzzChain(f, isStep) }

// FuzzChainReferenceAMD fuzzes the AMD matrix cores: the pairwise
// (CDNA1/2, with and without subnormal flushing) and fused (CDNA3,
// odd/even FP8) datapaths.
func FuzzChainReferenceAMD(f *testing.F) { fuzzChain(f, isAMD) }

// FuzzScaledReference compares Preset.MMAScaled with the oracle for the
// block-scaled presets (MX FP8 with E8M0 scales folded into exponents,
// MXFP4 and NVFP4 with scaled groups), two instructions chained through C,
// operand and scale codes from the input; and Preset.ChainBlockScaled
// over both instructions on decoded vectors.
func FuzzScaledReference(f *testing.F) {
	os := fuzzPresets(f, isScaled)
	addSeeds(f, len(os), seedAccs...)
	f.Fuzz(func(t *testing.T, which uint16, c uint32, data []byte) {
		o := os[int(which)%len(os)]
		p := o.p
		nb := p.K / p.Scale.Block
		want, got := c, c
		var as, bs, sas, sbs []uint32
		for i := range 2 {
			a, b := codesFrom(data, 4*i, p.K, o.a), codesFrom(data, 4*i+1, p.K, o.b)
			sa, sb := codesFrom(data, 4*i+2, nb, o.scale), codesFrom(data, 4*i+3, nb, o.scale)
			want = o.scaled(t, a, b, sa, sb, want)
			got = p.MMAScaled(a, b, sa, sb, got)
			if got != want {
				t.Fatalf("%s (%s) instruction %d: A %x B %x SA %x SB %x C %#x: MMAScaled %#x, reference %#x",
					p.Name, o.family, i, a, b, sa, sb, c, got, want)
			}
			as, bs, sas, sbs = append(as, a...), append(bs, b...), append(sas, sa...), append(sbs, sb...)
		}
		// Both instructions at once on decoded vectors.
		var va, vb tensorcore.Vector
		p.DecodeA(as, &va)
		p.DecodeB(bs, &vb)
		if got := p.ChainBlockScaled(&va, &vb, 0, 2*p.K, sas, sbs, c); got != want {
			t.Fatalf("%s (%s): A %x B %x SA %x SB %x C %#x: ChainBlockScaled %#x, reference %#x",
				p.Name, o.family, as, bs, sas, sbs, c, got, want)
		}
	})
}
