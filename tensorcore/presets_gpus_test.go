package tensorcore_test

// Tests of the presets of presets_gpus.go and of the two mechanisms they
// added: the FP16 add of a separate C (SeparateC with RNE-FP16 steps) and
// block scaling. The reference below is generic over presets and reuses the
// math/big reference of ref_test.go (its own bit-field decoding).

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tcsim/tcsim/numerics"
	"github.com/tcsim/tcsim/tensorcore"
)

// rdec decodes an operand code of f for the reference from its field
// widths alone (E4M3-style formats: only S.1..1.1..1 is NaN; E2M1: no
// specials at all).
func rdec(f numerics.Format, code uint32) rterm {
	if f.NaN() == numerics.NaNNone {
		t := rdecode(code, f.ExpBits(), f.ManBits(), true)
		if t.cls == rNaN { // all ones is an ordinary value in E2M1
			bias := 1<<(f.ExpBits()-1) - 1
			t = rterm{neg: t.neg, sig: 1<<(f.ManBits()+1) - 1, exp: 1<<f.ExpBits() - 1 - bias, frac: f.ManBits(), cls: rFinite}
		}
		return t
	}
	return rdecode(code, f.ExpBits(), f.ManBits(), f.NaN() == numerics.NaNAllOnes)
}

// radd16 is HADD.
func radd16(x, y uint32) uint32 { return radd(out16, rdecode16, f16NaN, f16NegZ, x, y) }

// refPreset is the reference for any preset without block scales: K/L steps
// over k interleaved by Interleave, operands optionally converted to FP16
// first, each step fused and rounded per Out, C either the first step's
// accumulator or added at the end in the accumulator format.
func refPreset(t testing.TB, p *tensorcore.Preset, a, b []uint32, c uint32) uint32 {
	n := p.K / p.L
	acc16 := p.Out == tensorcore.RNEFP16
	nan, inf := uint32(f32NaN), uint32(f32Inf)
	if acc16 {
		nan, inf = f16NaN, f16Inf
	}
	d := c
	if p.SeparateC {
		d = 0
	}
	for s := range n {
		var as, bs []rterm
		for j := range p.K {
			if (j/p.Interleave)%n != s {
				continue
			}
			x, y := rdec(p.A, a[j]), rdec(p.B, b[j])
			if p.Via != nil {
				x, y = toFP16(t, x), toFP16(t, y)
			}
			as, bs = append(as, x), append(bs, y)
		}
		ct := rdecode32(d)
		if acc16 {
			ct = rdecode16(d)
		}
		if isNaN, _, neg, ok := rspecial(as, bs, ct); ok {
			switch {
			case isNaN:
				d = nan
			case neg && acc16:
				d = inf | 1<<15
			case neg:
				d = inf | 1<<31
			default:
				d = inf
			}
			continue
		}
		terms := []rterm{ct}
		for k := range as {
			terms = append(terms, rprod(as[k], bs[k]))
		}
		neg, mag, q := rfused(terms, p.F, p.ZeroExp)
		switch p.Out {
		case tensorcore.RZE8M13:
			d = rE8M13(p.F, neg, mag, q)
		case tensorcore.RZFP32:
			d = rround(out32, neg, mag, q, false)
		default:
			d = rround(out16, neg, mag, q, true)
		}
	}
	if p.SeparateC {
		if acc16 {
			return radd16(d, c)
		}
		return radd32(d, c)
	}
	return d
}

// genCode draws an operand code of f: mode 0 any code (specials included),
// 1 exponent fields in a band of 3 starting at e0 with some zeros, 2
// subnormals and the smallest normals.
func genCode(r *rand.Rand, f numerics.Format, mode, e0 int) uint32 {
	top := 1<<f.ExpBits() - 1
	sign := uint32(r.IntN(2)) << (f.ExpBits() + f.ManBits())
	man := uint32(r.IntN(1 << f.ManBits()))
	var c uint32
	switch mode {
	case 0:
		return uint32(r.IntN(f.NumCodes()))
	case 1:
		if r.IntN(8) == 0 {
			return sign
		}
		c = sign | uint32(min(e0+r.IntN(3), top))<<f.ManBits() | man
	default:
		c = sign | uint32(r.IntN(2))<<f.ManBits() | man
	}
	if _, _, _, cl := f.Unpack(c); cl == numerics.NaN || cl == numerics.Inf {
		return sign
	}
	return c
}

// genAccFor draws an accumulator value: mostly near the products' scale,
// sometimes zero, subnormal, anything, or (rarely) Inf or NaN.
func genAccFor(r *rand.Rand, acc numerics.Format, near int) uint32 {
	switch r.IntN(12) {
	case 0:
		return 0
	case 1:
		return acc.SignBit()
	case 2:
		return uint32(r.IntN(2))*acc.SignBit() | uint32(r.IntN(1<<acc.ManBits()))
	case 3:
		return uint32(r.IntN(acc.NumCodes()))
	}
	v := math.Ldexp(1+r.Float64(), near+r.IntN(9)-4)
	if r.IntN(2) == 0 {
		v = -v
	}
	return acc.Encode(v, numerics.TowardZero, numerics.Saturate)
}

// gpuPresets are the presets this file tests (all but the Hopper FP8 ones
// of presets.go, which ref_test.go covers).
func gpuPresets() []*tensorcore.Preset {
	var ps []*tensorcore.Preset
	for _, p := range tensorcore.Presets() {
		if strings.HasPrefix(p.Name, "h100-wgmma-e") || strings.HasPrefix(p.Name, "h100-mma-e") && !strings.HasSuffix(p.Name, "-f16acc") {
			continue
		}
		ps = append(ps, p)
	}
	return ps
}

// sameZero accepts either zero where an RNE-FP16 step may round a
// non-zero sum to zero (the reference keeps the IEEE sign; the hardware's
// is not settled, see TestF16AccUnderflowSign).
func sameAs(p *tensorcore.Preset, got, want uint32) bool {
	if got == want {
		return true
	}
	return p.Out == tensorcore.RNEFP16 && (got|want)&0x7FFF == 0
}

// TestGPUPresetsMatchReference: every preset of presets_gpus.go equals the
// reference on random operands (zeros, subnormals, specials, cancelling
// bands) and random C.
func TestGPUPresetsMatchReference(t *testing.T) {
	const n = 800
	for i, p := range gpuPresets() {
		if p.BlockScaled() || p.AMD != nil { // AMD: amd_test.go
			continue
		}
		r := newRand(uint64(7000 + i))
		bad := 0
		for it := range n {
			mode := it % 3
			fa, fb := p.A, p.B
			ea, eb := r.IntN(1<<fa.ExpBits()-2), r.IntN(1<<fb.ExpBits()-2)
			if fa.ExpBits() == 8 { // BF16, TF32: keep most bands in a useful range
				ea, eb = 100+r.IntN(50), 100+r.IntN(50)
			}
			a, b := make([]uint32, p.K), make([]uint32, p.K)
			for k := range a {
				a[k], b[k] = genCode(r, fa, mode, ea), genCode(r, fb, mode, eb)
			}
			near := ea - fa.Bias() + eb - fb.Bias()
			if it%2 == 0 { // C near D, where adding it needs rounding most often
				if d0 := p.Acc().Decode(p.MMA(a, b, 0)); d0 != 0 && !math.IsInf(d0, 0) && !math.IsNaN(d0) {
					_, near = math.Frexp(d0)
				}
			}
			c := genAccFor(r, p.Acc(), near)
			got, want := p.MMA(a, b, c), refPreset(t, p, a, b, c)
			if !sameAs(p, got, want) {
				if bad++; bad <= 3 {
					t.Errorf("%s: a=%x b=%x c=%x: got %x, want %x", p.Name, a, b, c, got, want)
				}
			}
		}
		if bad > 3 {
			t.Errorf("%s: %d of %d differ", p.Name, bad, n)
		}
	}
}

// TestGPUPresetParameters pins the parameters of representative presets.
func TestGPUPresetParameters(t *testing.T) {
	for _, tc := range []struct {
		name             string
		k, l, f, il      int
		out              tensorcore.Conversion
		zeroExp          int
		via, sepC, scale bool
		status           string
	}{
		{"v100-mma-f16", 4, 4, 23, 4, tensorcore.RZFP32, -131, false, false, false, "measured"},
		{"v100-mma-f16-f16acc", 4, 4, 23, 4, tensorcore.RNEFP16, -131, false, false, false, "measured"},
		{"a100-mma-f16", 16, 8, 24, 8, tensorcore.RZFP32, -132, false, false, false, "measured"},
		{"a2-mma-bf16", 16, 8, 24, 8, tensorcore.RZFP32, -132, false, false, false, "measured"},
		{"ada-mma-tf32", 8, 4, 24, 4, tensorcore.RZFP32, -132, false, false, false, "measured"},
		{"l40s-mma-e4m3-e4m3", 32, 16, 13, 16, tensorcore.RZE8M13, -132, false, false, false, "measured"},
		{"ada-mma-e5m2-e5m2-f16acc", 32, 16, 13, 16, tensorcore.RNEFP16, -132, false, false, false, "measured"},
		{"l40s-mma-e4m3-e4m3-f16acc", 32, 16, 13, 16, tensorcore.RNEFP16, -132, false, false, false, "unverified"},
		{"ada-mma-e4m3-e5m2", 32, 16, 13, 16, tensorcore.RZE8M13, -132, false, false, false, "unverified"},
		{"h100-mma-f16", 16, 16, 25, 16, tensorcore.RZFP32, -133, false, false, false, "measured"},
		{"h100-mma-tf32", 8, 8, 25, 8, tensorcore.RZFP32, -133, false, false, false, "measured"},
		{"h100-wgmma-bf16", 16, 16, 25, 16, tensorcore.RZFP32, -133, false, false, false, "published, unverified"},
		{"h100-mma-e4m3-e4m3-f16acc", 32, 16, 25, 2, tensorcore.RNEFP16, -133, true, true, false, "measured"},
		{"b200-mma-e5m2-e5m2", 32, 16, 25, 2, tensorcore.RZFP32, -133, true, true, false, "measured"},
		{"b200-mma-f16-f16acc", 16, 16, 25, 16, tensorcore.RNEFP16, -133, false, false, false, "measured"},
		{"b200-tcgen05-tf32", 8, 8, 25, 8, tensorcore.RZFP32, -133, false, false, false, "published, unverified"},
		{"b200-tcgen05-e4m3-e4m3", 32, 32, 25, 32, tensorcore.RZFP32, -133, false, false, false, "published, unverified"},
		{"b200-mxf8-e5m2-e4m3", 32, 32, 25, 32, tensorcore.RZFP32, -133, false, false, true, "published, unverified"},
		{"b200-mxf4-e2m1", 64, 64, 35, 64, tensorcore.RZFP32, -133, false, false, true, "published, unverified"},
		{"b200-nvf4-e2m1", 64, 64, 35, 64, tensorcore.RZFP32, -133, false, false, true, "published, unverified"},
	} {
		p := lookup(t, tc.name)
		if p.K != tc.k || p.L != tc.l || p.F != tc.f || p.Interleave != tc.il || p.Out != tc.out || p.ZeroExp != tc.zeroExp ||
			(p.Via != nil) != tc.via || p.SeparateC != tc.sepC || p.BlockScaled() != tc.scale || p.Status.String() != tc.status {
			t.Errorf("%s: K=%d L=%d F=%d interleave %d %s zero %d via %v sepC %v scaled %v %q", p.Name, p.K, p.L, p.F,
				p.Interleave, p.Out, p.ZeroExp, p.Via != nil, p.SeparateC, p.BlockScaled(), p.Status)
		}
		if p.GPU == "" || p.Instr == "" || p.Description == "" || p.Source == "" {
			t.Errorf("%s: missing GPU, instruction, description or source", p.Name)
		}
	}
}

// TestPresetStatuses: every preset has a known status, and a preset says
// "measured" exactly when it lists the records it reproduces (all of them)
// — except the Hopper FP8 presets of presets.go measured on recordings
// outside this repository (docs/datapath.md §2).
func TestPresetStatuses(t *testing.T) {
	for _, p := range tensorcore.Presets() {
		switch p.Status {
		case tensorcore.Measured, tensorcore.Published, tensorcore.Unverified:
		default:
			t.Errorf("%s: status %q", p.Name, p.Status)
		}
		for _, v := range p.Verified {
			if v.Matched != v.Total || v.Total <= 0 || v.Records == "" {
				t.Errorf("%s: %v", p.Name, v)
			}
		}
		hopperFP8 := strings.HasPrefix(p.Name, "h100-wgmma-e") || strings.HasPrefix(p.Name, "h100-mma-e") && !strings.HasSuffix(p.Name, "-f16acc")
		if (p.Status == tensorcore.Measured) != (len(p.Verified) > 0) && !hopperFP8 {
			t.Errorf("%s: status %q with %d record sets", p.Name, p.Status, len(p.Verified))
		}
		if p.BlockScaled() && !strings.Contains(p.Description, "--scaling tensor only") {
			t.Errorf("%s: the description does not say how sweeps quantise for it", p.Name)
		}
	}
	q, err := lookup(t, "a100-mma-f16").WithF(20)
	if err != nil || q.Verified != nil || q.Status != tensorcore.WhatIf {
		t.Errorf("WithF: %v %v %q", err, q.Verified, q.Status)
	}
}

// TestGPUPresetsChainDoesNotAllocate: the hot path stays allocation-free
// for every new datapath (FP16 separate C and TF32 operands included).
func TestGPUPresetsChainDoesNotAllocate(t *testing.T) {
	for _, p := range gpuPresets() {
		if p.BlockScaled() {
			continue
		}
		r := newRand(901)
		a, b := make([]uint32, 4*p.K), make([]uint32, 4*p.K)
		for k := range a {
			a[k], b[k] = genCode(r, p.A, 1, 1<<(p.A.ExpBits()-1)-2), genCode(r, p.B, 1, 1<<(p.B.ExpBits()-1)-2)
		}
		var va, vb tensorcore.Vector
		p.DecodeA(a, &va)
		p.DecodeB(b, &vb)
		var sink uint32
		if n := testing.AllocsPerRun(10, func() { sink ^= p.Chain(&va, &vb, 0, len(a), 0) }); n != 0 {
			t.Errorf("%s: Chain allocates %v times per call", p.Name, n)
		}
	}
}

// TestSeparateCFP16 pins the FP16 add of C by hand: the steps give +0 for
// zero operands, so D is HADD(+0, C) = C, except -0 + +0 = +0; Inf and
// NaN C pass through the add; an FP16 overflow of step + C gives Inf.
func TestSeparateCFP16(t *testing.T) {
	p := lookup(t, "h100-mma-e4m3-e4m3-f16acc")
	z := make([]uint32, 32)
	for c, want := range map[uint32]uint32{0x3C00: 0x3C00, 0xBC00: 0xBC00, f16NegZ: 0, 0: 0, f16Inf: f16Inf,
		f16NegInf: f16NegInf, 0x7E00: f16NaN, 0x0001: 0x0001} {
		if got := p.MMA(z, z, c); got != want {
			t.Errorf("C=%04x: %04x, want %04x", c, got, want)
		}
	}
	// 32 products of 448·448 overflow FP16 in the first step: +Inf, and
	// +Inf + -Inf C is NaN.
	big := make([]uint32, 32)
	for k := range big {
		big[k] = e4m3Max
	}
	if got := p.MMA(big, big, 0); got != f16Inf {
		t.Errorf("overflow: %04x", got)
	}
	if got := p.MMA(big, big, f16NegInf); got != f16NaN {
		t.Errorf("Inf - Inf: %04x", got)
	}
	// 1 + 2^-11 (a tie) rounds to even: the step gives 1 exactly when
	// k = 0 holds 1·1 and C = 2^-11 is added by HADD.
	one := make([]uint32, 32)
	one[0] = e4m3One
	if got := p.MMA(one, one, 0x1000); got != 0x3C00 {
		t.Errorf("1 + 2^-11: %04x, want 3c00", got)
	}
	if got := p.MMA(one, one, 0x1001); got != 0x3C01 {
		t.Errorf("1 + 2^-11(1+2^-10): %04x, want 3c01", got)
	}
}

// ---- block scaling --------------------------------------------------------

// rscale decodes a scale code: E8M0 (2^(e-127), NaN 0xFF) or UE4M3 (the
// sign bit ignored, NaN x.1111.111).
func rscale(f numerics.Format, code uint32) rterm {
	if f.ManBits() == 0 {
		if code&0xFF == 0xFF {
			return rterm{cls: rNaN}
		}
		return rterm{sig: 1, exp: int(code&0xFF) - 127, cls: rFinite}
	}
	return rdecode(code&0x7F, 4, 3, true) // sign bit 7 of a 7-bit code: always 0
}

// refScaled is the reference for block-scaled presets (MMA-Sim's
// nv_fused_dot_add with scales / nv_fused_dot_add_with_block_scale).
func refScaled(t testing.TB, p *tensorcore.Preset, a, b, sa, sb []uint32, c uint32) uint32 {
	s := p.Scale
	var sA, sB []rterm
	for i := range sa {
		x, y := rscale(s.Format, sa[i]), rscale(s.Format, sb[i])
		if x.cls == rNaN || y.cls == rNaN {
			return f32NaN
		}
		sA, sB = append(sA, x), append(sB, y)
	}
	as, bs := make([]rterm, p.K), make([]rterm, p.K)
	for k := range as {
		as[k], bs[k] = rdec(p.A, a[k]), rdec(p.B, b[k])
	}
	ct := rdecode32(c)
	if isNaN, _, neg, ok := rspecial(as, bs, ct); ok {
		switch {
		case isNaN:
			return f32NaN
		case neg:
			return f32NegInf
		}
		return f32Inf
	}
	var terms []rterm
	live := map[int]bool{} // terms that take part in e_max even when zero
	if s.Group <= 1 {
		for k := range as {
			x := rprod(as[k], bs[k])
			blk := k / s.Block
			x.exp += sA[blk].exp + sB[blk].exp
			terms = append(terms, x)
		}
	} else {
		for g := 0; g < p.K; g += s.Group {
			blk := g / s.Block
			x, y := sA[blk], sB[blk]
			if x.sig == 0 || y.sig == 0 {
				continue
			}
			// Exact group sum in units of 2^u, the finest product grid.
			u := (1 - (1<<(p.A.ExpBits()-1) - 1) - p.A.ManBits()) + (1 - (1<<(p.B.ExpBits()-1) - 1) - p.B.ManBits())
			sum := new(big.Int)
			for k := g; k < g+s.Group; k++ {
				pr := rprod(as[k], bs[k])
				if pr.sig == 0 {
					continue
				}
				v := new(big.Int).Lsh(new(big.Int).SetUint64(pr.sig), uint(pr.exp-pr.frac-u))
				if pr.neg {
					v.Neg(v)
				}
				sum.Add(sum, v)
			}
			mag := new(big.Int).Abs(sum)
			mag.Mul(mag, new(big.Int).SetUint64(x.sig*y.sig))
			live[len(terms)] = true
			terms = append(terms, rterm{neg: sum.Sign() < 0, sig: mag.Uint64(), exp: x.exp + y.exp, frac: x.frac + y.frac - u, cls: rFinite})
		}
	}
	emax := p.ZeroExp
	if ct.sig != 0 {
		emax = max(emax, ct.exp)
	}
	for i, x := range terms {
		if x.sig != 0 || live[i] {
			emax = max(emax, x.exp)
		}
	}
	// rfused with this e_max: give C a dummy term at emax that adds nothing.
	sum := new(big.Int)
	for _, x := range append(terms, ct) {
		if x.sig == 0 {
			continue
		}
		v := new(big.Int).SetUint64(x.sig)
		if sh := x.exp - x.frac - (emax - p.F); sh >= 0 {
			v.Lsh(v, uint(sh))
		} else {
			v.Rsh(v, uint(-sh))
		}
		if x.neg {
			v.Neg(v)
		}
		sum.Add(sum, v)
	}
	return rround(out32, sum.Sign() < 0, new(big.Int).Abs(sum), emax-p.F, false)
}

func genScale(r *rand.Rand, f numerics.Format) uint32 {
	if f.ManBits() == 0 { // E8M0: mostly near 1, sometimes anywhere, rarely NaN
		switch r.IntN(20) {
		case 0:
			return 0xFF
		case 1, 2:
			return uint32(r.IntN(255))
		}
		return uint32(127 - 10 + r.IntN(21))
	}
	switch r.IntN(20) { // UE4M3: any code, with the ignored sign bit set sometimes
	case 0:
		return 0 // a zero scale
	case 1:
		return 0x7F // NaN
	}
	return uint32(r.IntN(0x7F)) | uint32(r.IntN(2))<<7
}

// genScaledOperands draws n operand codes of A and B of a block-scaled
// preset (genCode's mode) and their scale codes, one per block.
func genScaledOperands(r *rand.Rand, p *tensorcore.Preset, n, mode int) (a, b, sa, sb []uint32) {
	a, b = make([]uint32, n), make([]uint32, n)
	ea, eb := r.IntN(1<<p.A.ExpBits()-1), r.IntN(1<<p.B.ExpBits()-1)
	for k := range a {
		a[k], b[k] = genCode(r, p.A, mode, ea), genCode(r, p.B, mode, eb)
	}
	sa, sb = make([]uint32, n/p.Scale.Block), make([]uint32, n/p.Scale.Block)
	for j := range sa {
		sa[j], sb[j] = genScale(r, p.Scale.Format), genScale(r, p.Scale.Format)
	}
	return a, b, sa, sb
}

// TestBlockScaledMatchesReference: MMAScaled equals the reference on
// random operands, scales and C.
func TestBlockScaledMatchesReference(t *testing.T) {
	for i, p := range tensorcore.Presets() {
		if !p.BlockScaled() {
			continue
		}
		r := newRand(uint64(8000 + i))
		for it := range 1500 {
			a, b, sa, sb := genScaledOperands(r, p, p.K, it%3)
			c := genAccFor(r, numerics.FP32, 0)
			got, want := p.MMAScaled(a, b, sa, sb, c), refScaled(t, p, a, b, sa, sb, c)
			if got != want {
				t.Fatalf("%s: a=%x b=%x sa=%x sb=%x c=%x: got %08x, want %08x", p.Name, a, b, sa, sb, c, got, want)
			}
		}
	}
}

// TestChainBlockScaled: ChainBlockScaled over a window of decoded vectors
// is chained MMAScaled, special values included.
func TestChainBlockScaled(t *testing.T) {
	for i, p := range tensorcore.Presets() {
		if !p.BlockScaled() {
			continue
		}
		r := newRand(uint64(9000 + i))
		const insts = 6
		for it := range 200 {
			a, b, sa, sb := genScaledOperands(r, p, insts*p.K, it%3)
			var va, vb tensorcore.Vector
			p.DecodeA(a, &va)
			p.DecodeB(b, &vb)
			lo := r.IntN(insts) * p.K
			hi := lo + (1+r.IntN(insts-lo/p.K))*p.K
			c := genAccFor(r, numerics.FP32, 0)
			want := c
			per := p.K / p.Scale.Block
			for k0 := lo; k0 < hi; k0 += p.K {
				blk := k0 / p.Scale.Block
				want = p.MMAScaled(a[k0:k0+p.K], b[k0:k0+p.K], sa[blk:blk+per], sb[blk:blk+per], want)
			}
			if got := p.ChainBlockScaled(&va, &vb, lo, hi, sa, sb, c); got != want {
				t.Fatalf("%s: [%d,%d) of a=%x b=%x sa=%x sb=%x c=%x: got %08x, chained MMAScaled %08x", p.Name, lo, hi, a, b, sa, sb, c, got, want)
			}
		}
	}
}

// TestMXF8UnitScales: with scales of 1 the MXFP8 datapath is the plain
// tcgen05 FP8 one; doubling a scale of both doubles D when C = 0.
func TestMXF8UnitScales(t *testing.T) {
	for _, a := range []string{"e4m3", "e5m2"} {
		for _, b := range []string{"e4m3", "e5m2"} {
			mx := lookup(t, "b200-mxf8-"+a+"-"+b)
			plain := lookup(t, "b200-tcgen05-"+a+"-"+b)
			r := newRand(77)
			one := []uint32{127}
			for it := range 2000 {
				x, y := make([]uint32, 32), make([]uint32, 32)
				ex, ey := r.IntN(1<<mx.A.ExpBits()-2), r.IntN(1<<mx.B.ExpBits()-2)
				for k := range x {
					x[k], y[k] = genCode(r, mx.A, it%3, ex), genCode(r, mx.B, it%3, ey)
				}
				c := genAccFor(r, numerics.FP32, 0)
				if got, want := mx.MMAScaled(x, y, one, one, c), plain.MMA(x, y, c); got != want {
					t.Fatalf("%s: unit scales %08x, tcgen05 %08x", mx.Name, got, want)
				}
				d1 := mx.MMAScaled(x, y, one, one, 0)
				d2 := mx.MMAScaled(x, y, []uint32{128}, one, 0)
				f1, f2 := math.Float32frombits(d1), math.Float32frombits(d2)
				if math.Abs(float64(f1)) >= 0x1p-100 && !math.IsInf(float64(f1), 0) && f2 != 2*f1 {
					t.Fatalf("%s: doubling a scale: %g, then %g", mx.Name, f1, f2)
				}
			}
		}
	}
}

// TestNVF4GroupExponent pins the published quirks of the group model: a
// group whose sum is zero still takes part in e_max (its scales' exponent),
// a zero scale removes its group, and the 35 fraction bits are counted from
// the scales' exponent, not from the group sum's leading bit.
func TestNVF4GroupExponent(t *testing.T) {
	p := lookup(t, "b200-nvf4-e2m1")
	const one, six, neg = 0x2, 0x7, 0x8 // E2M1 1.0, 6.0 and the sign bit
	const unit, two7 = 0x38, 0x70       // UE4M3 1.0 and 2^7
	a, b := make([]uint32, 64), make([]uint32, 64)
	a[16], b[16] = one, one
	a[17], b[17] = one|neg, one // group 1 sums to 1 - 1 = 0
	sa := []uint32{unit, unit, unit, unit}
	// With unit scales every group has exponent 0, so e_max = 0 and C =
	// 2^-30 lies on the grid 2^-35.
	c := math.Float32bits(0x1p-30)
	if got := p.MMAScaled(a, b, sa, sa, c); got != c {
		t.Errorf("unit scales: %08x, want C", got)
	}
	// Scales 2^7·2^7 on group 1, whose sum is zero, lift e_max to 14: the
	// grid is 2^-21 and C is truncated away.
	s2 := []uint32{unit, two7, unit, unit}
	if got := p.MMAScaled(a, b, s2, s2, c); got != 0 {
		t.Errorf("a zero group lifts e_max: %08x, want 0", got)
	}
	// A zero scale removes group 1 again.
	s3 := []uint32{unit, 0, unit, unit}
	if got := p.MMAScaled(a, b, s3, s2, c); got != c {
		t.Errorf("a zero scale: %08x, want C", got)
	}
	// The group sum is not renormalised: 16 products 6·6 in group 0 sum
	// to 576 exactly, and with C = 2^-30 (on the grid of e_max = 0) the
	// result is 576 truncated to FP32.
	for k := range 16 {
		a[k], b[k] = six, six
	}
	if got, want := p.MMAScaled(a, b, sa, sa, 0), math.Float32bits(576); got != want {
		t.Errorf("group of 576: %08x, want %08x", got, want)
	}
}

func TestBlockScaledPanicsAndErrors(t *testing.T) {
	p := lookup(t, "b200-mxf8-e4m3-e4m3")
	z := make([]uint32, 32)
	mustPanic(t, "use MMAScaled", func() { p.MMA(z, z, 0) })
	mustPanic(t, "MMAScaled needs 32 operands and 1 scales", func() { p.MMAScaled(z, z, nil, []uint32{127}, 0) })
	mustPanic(t, "MMAScaled needs", func() { p.MMAScaled(z[:31], z, []uint32{127}, []uint32{127}, 0) })
	mustPanic(t, "without block scales", func() { lookup(t, "b200-tcgen05-e4m3-e4m3").MMAScaled(z, z, nil, nil, 0) })
	if got := p.MMAScaled(z, z, []uint32{0xFF}, []uint32{127}, 0); got != f32NaN {
		t.Errorf("NaN scale: %08x", got)
	}
	for _, tc := range []struct {
		mod  func(q *tensorcore.Preset)
		want string
	}{
		{func(q *tensorcore.Preset) { q.Scale = &tensorcore.BlockScale{Format: numerics.E8M0, Block: 24} }, "does not divide"},
		{func(q *tensorcore.Preset) { q.Scale = &tensorcore.BlockScale{Format: numerics.UE4M3, Block: 32} }, "powers of two"},
		{func(q *tensorcore.Preset) { q.L, q.K = 16, 32 }, "one plain step"},
		{func(q *tensorcore.Preset) {
			q.Scale = &tensorcore.BlockScale{Format: numerics.E8M0, Block: 32, Group: 12}
		}, "does not fit"},
	} {
		q := *p
		tc.mod(&q)
		if _, err := tensorcore.NewPreset(q); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewPreset: %v, want %q", err, tc.want)
		}
	}
	if _, err := tensorcore.NewPreset(*p); err != nil {
		t.Errorf("NewPreset of a valid preset: %v", err)
	}
}
