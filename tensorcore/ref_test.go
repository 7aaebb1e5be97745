package tensorcore_test

// An independent reference of docs/datapath.md §1–§3 written with math/big and
// its own bit-field decoding (no package numerics), and property tests that
// compare the package against it and against itself.

import (
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tcsim/tcsim/tensorcore"
)

// rterm is a decoded value (-1)^neg · sig · 2^(exp-frac), exp the field
// exponent (subnormals at the minimum normal exponent).
type rterm struct {
	neg  bool
	sig  uint64
	exp  int
	frac int
	cls  rclass
}

type rclass int

const (
	rZero rclass = iota
	rFinite
	rInf
	rNaN
)

// rdecode decodes a code with expBits/manBits; allOnesNaN selects the OCP
// E4M3 rule (only S.1111.111 is NaN, no Inf), otherwise IEEE.
func rdecode(code uint32, expBits, manBits int, allOnesNaN bool) rterm {
	bias := 1<<(expBits-1) - 1
	t := rterm{neg: code>>(expBits+manBits)&1 == 1, frac: manBits}
	e := int(code>>manBits) & (1<<expBits - 1)
	m := uint64(code) & (1<<manBits - 1)
	top := 1<<expBits - 1
	switch {
	case e == top && allOnesNaN && m == 1<<manBits-1:
		t.cls = rNaN
	case e == top && !allOnesNaN && m != 0:
		t.cls = rNaN
	case e == top && !allOnesNaN:
		t.cls = rInf
	case e == 0 && m == 0:
		t.cls = rZero
	case e == 0:
		t.cls, t.sig, t.exp = rFinite, m, 1-bias
	default:
		t.cls, t.sig, t.exp = rFinite, m|1<<manBits, e-bias
	}
	return t
}

func rdecode8(f fp8, code uint32) rterm { return rdecode(code, f.expBits, f.manBits, !f.ieeeStyled) }
func rdecode32(code uint32) rterm       { return rdecode(code, 8, 23, false) }
func rdecode16(code uint32) rterm       { return rdecode(code, 5, 10, false) }

// toFP16 re-expresses a finite FP8 value in FP16 (exact): field exponent
// max(leading-bit exponent, -14), 10 fraction bits.
func toFP16(t testing.TB, x rterm) rterm {
	if x.cls != rFinite {
		return x
	}
	lead := x.exp - x.frac + bitLen(x.sig) - 1
	e16 := max(lead, -14)
	sh := x.exp - x.frac - e16 + 10
	if sh < 0 {
		t.Fatalf("toFP16: %+v not exact", x)
	}
	return rterm{neg: x.neg, sig: x.sig << sh, exp: e16, frac: 10, cls: rFinite}
}

func bitLen(x uint64) int { return new(big.Int).SetUint64(x).BitLen() }

// rprod is the exact product term.
func rprod(a, b rterm) rterm {
	if a.cls != rFinite || b.cls != rFinite {
		return rterm{frac: a.frac + b.frac} // zero (specials handled before)
	}
	return rterm{neg: a.neg != b.neg, sig: a.sig * b.sig, exp: a.exp + b.exp, frac: a.frac + b.frac, cls: rFinite}
}

// rspecial applies the special-value rules to products (as operand pairs)
// and C: ok is false when everything is finite.
func rspecial(as, bs []rterm, c rterm) (nan, inf, neg, ok bool) {
	var pos, ng bool
	switch c.cls {
	case rNaN:
		nan = true
	case rInf:
		if c.neg {
			ng = true
		} else {
			pos = true
		}
	}
	for k := range as {
		a, b := as[k], bs[k]
		switch {
		case a.cls == rNaN || b.cls == rNaN:
			nan = true
		case a.cls == rInf || b.cls == rInf:
			if a.cls == rZero || b.cls == rZero {
				nan = true
			} else if a.neg != b.neg {
				ng = true
			} else {
				pos = true
			}
		}
	}
	switch {
	case nan || pos && ng:
		return true, false, false, true
	case pos || ng:
		return false, true, ng, true
	}
	return false, false, false, false
}

// rfused is §1 steps 2–6: the exact integer sum S of the truncated terms,
// the value being (-1)^neg · mag · 2^q.
func rfused(terms []rterm, F, zeroExp int) (neg bool, mag *big.Int, q int) {
	emax := zeroExp
	for _, x := range terms {
		if x.sig != 0 && x.exp > emax {
			emax = x.exp
		}
	}
	sum := new(big.Int)
	for _, x := range terms {
		if x.sig == 0 {
			continue
		}
		v := new(big.Int).SetUint64(x.sig)
		if sh := x.exp - x.frac - (emax - F); sh >= 0 {
			v.Lsh(v, uint(sh))
		} else {
			v.Rsh(v, uint(-sh)) // magnitude: toward zero
		}
		if x.neg {
			sum.Sub(sum, v)
		} else {
			sum.Add(sum, v)
		}
	}
	return sum.Sign() < 0, sum.Abs(sum), emax - F
}

// rfmt is an IEEE-like output format for rround.
type rfmt struct {
	prec, emin, emax, bias int // precision incl. hidden bit; exponent range of normals
	signBit, inf           uint32
}

var (
	out32 = rfmt{prec: 24, emin: -126, emax: 127, bias: 127, signBit: 1 << 31, inf: 0x7F800000}
	out16 = rfmt{prec: 11, emin: -14, emax: 15, bias: 15, signBit: 1 << 15, inf: 0x7C00}
)

// rround rounds (-1)^neg · mag · 2^q into f, toward zero or to nearest even,
// with overflow to Inf. An exact zero gives +0; a non-zero value that rounds
// to zero keeps its sign (IEEE).
func rround(f rfmt, neg bool, mag *big.Int, q int, rne bool) uint32 {
	if mag.Sign() == 0 {
		return 0
	}
	var sign uint32
	if neg {
		sign = f.signBit
	}
	lead := q + mag.BitLen() - 1
	te := max(lead, f.emin)
	quantum := te - (f.prec - 1)
	n := new(big.Int)
	if s := quantum - q; s <= 0 {
		n.Lsh(mag, uint(-s))
	} else {
		n.Rsh(mag, uint(s))
		if rne {
			rem := new(big.Int).Sub(mag, new(big.Int).Lsh(n, uint(s)))
			half := new(big.Int).Lsh(big.NewInt(1), uint(s-1))
			if c := rem.Cmp(half); c > 0 || c == 0 && n.Bit(0) == 1 {
				n.Add(n, big.NewInt(1))
			}
		}
	}
	if n.BitLen() > f.prec {
		n.Rsh(n, 1)
		te++
	}
	if te > f.emax {
		return sign | f.inf
	}
	nn := uint32(n.Uint64())
	if n.BitLen() < f.prec { // subnormal or zero
		return sign | nn
	}
	return sign | uint32(te+f.bias)<<(f.prec-1) | nn&(1<<(f.prec-1)-1)
}

// rE8M13 is ρ = RZ to F+1 significant bits (at most 24; 14 for Hopper's
// F = 13) in an FP32 container.
func rE8M13(F int, neg bool, mag *big.Int, q int) uint32 {
	bits := min(F+1, 24)
	if n := mag.BitLen(); n > bits {
		mag = new(big.Int).Rsh(mag, uint(n-bits))
		q += n - bits
	}
	return rround(out32, neg, mag, q, false)
}

// refWGMMA is the reference for the wgmma presets (FP32 or FP16 C) with
// fraction bits F.
func refWGMMA(pc presetCase, F int, a, b []uint32, c uint32) uint32 {
	as, bs := make([]rterm, len(a)), make([]rterm, len(a))
	for k := range a {
		as[k], bs[k] = rdecode8(pc.a, a[k]), rdecode8(pc.b, b[k])
	}
	var ct rterm
	if pc.kind == wgmma16 {
		ct = rdecode16(c)
	} else {
		ct = rdecode32(c)
	}
	if nan, _, neg, ok := rspecial(as, bs, ct); ok {
		if nan {
			return pc.nanCode()
		}
		return pc.infCode(neg)
	}
	terms := []rterm{ct}
	for k := range as {
		terms = append(terms, rprod(as[k], bs[k]))
	}
	neg, mag, q := rfused(terms, F, -133)
	if pc.kind == wgmma16 {
		return rround(out16, neg, mag, q, true)
	}
	return rE8M13(F, neg, mag, q)
}

// refMMA is the reference for the mma.sync presets (§3).
func refMMA(t testing.TB, pc presetCase, a, b []uint32, c uint32) uint32 {
	d := uint32(0)
	for _, g := range stepGroups(pc) {
		var as, bs []rterm
		for _, k := range g {
			as = append(as, toFP16(t, rdecode8(pc.a, a[k])))
			bs = append(bs, toFP16(t, rdecode8(pc.b, b[k])))
		}
		ct := rdecode32(d)
		if nan, _, neg, ok := rspecial(as, bs, ct); ok {
			if nan {
				d = f32NaN
			} else {
				d = pc.infCode(neg)
			}
			continue
		}
		terms := []rterm{ct}
		for k := range as {
			terms = append(terms, rprod(as[k], bs[k]))
		}
		neg, mag, q := rfused(terms, 25, -133)
		d = rround(out32, neg, mag, q, false)
	}
	return radd32(d, c)
}

// radd is the IEEE round-to-nearest-even add of two accumulator values
// of format f (FADD for FP32, HADD for FP16), computed exactly with big.Rat,
// with the canonical NaN.
func radd(f rfmt, decode func(uint32) rterm, nan, negZero, x, y uint32) uint32 {
	tx, ty := decode(x), decode(y)
	switch {
	case tx.cls == rNaN || ty.cls == rNaN:
		return nan
	case tx.cls == rInf && ty.cls == rInf && tx.neg != ty.neg:
		return nan
	case tx.cls == rInf:
		return x
	case ty.cls == rInf:
		return y
	}
	s := new(big.Rat).Add(rrat(tx), rrat(ty))
	if s.Sign() == 0 {
		if tx.cls == rZero && ty.cls == rZero && tx.neg && ty.neg {
			return negZero
		}
		return 0
	}
	num := new(big.Int).Abs(s.Num())
	q := -(s.Denom().BitLen() - 1) // the denominator is a power of two
	return rround(f, s.Sign() < 0, num, q, true)
}

// radd32 is FADD.
func radd32(x, y uint32) uint32 { return radd(out32, rdecode32, f32NaN, f32NegZ, x, y) }

func rrat(x rterm) *big.Rat {
	v := new(big.Rat).SetInt(new(big.Int).SetUint64(x.sig))
	sh := x.exp - x.frac
	p := new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1), uint(abs(sh))))
	if sh >= 0 {
		v.Mul(v, p)
	} else {
		v.Quo(v, p)
	}
	if x.neg {
		v.Neg(v)
	}
	return v
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// sameResult compares a result with the reference's. The reference gives
// the IEEE -0 when a non-zero .f16 sum rounds to zero; §2 does not settle
// the sign of that zero (see TestF16AccUnderflowSign), so either zero is
// accepted there. An exact-zero sum is +0 in the reference and must be +0.
func sameResult(pc presetCase, got, want uint32) bool {
	if pc.kind == wgmma16 && want == f16NegZ {
		return got == 0 || got == f16NegZ
	}
	return got == want
}

func refOf(t testing.TB, pc presetCase, a, b []uint32, c uint32) uint32 {
	if pc.kind == mmaSync {
		return refMMA(t, pc, a, b, c)
	}
	return refWGMMA(pc, 13, a, b, c)
}

// ---- random inputs -------------------------------------------------------

// genVec draws 32 finite codes from one of several distributions, so that
// the truncation, subnormal and zero paths are all exercised.
func genVec(r *rand.Rand, f fp8, mode int) []uint32 {
	v := make([]uint32, 32)
	top := 1<<f.expBits - 1
	e0 := r.IntN(top) // a narrow band of exponent fields
	for k := range v {
		switch mode {
		case 0: // uniform over finite codes
			v[k] = f.randFinite(r)
		case 1: // exponent fields in [e0, e0+2], some zeros
			if r.IntN(8) == 0 {
				v[k] = uint32(r.IntN(2)) << 7
				continue
			}
			e := min(e0+r.IntN(3), top)
			v[k] = uint32(r.IntN(2))<<7 | uint32(e)<<f.manBits | uint32(r.IntN(1<<f.manBits))
			if f.isSpecial(v[k]) {
				v[k] = 0
			}
		case 2: // mostly zeros
			if r.IntN(5) == 0 {
				v[k] = f.randFinite(r)
			} else {
				v[k] = uint32(r.IntN(2)) << 7
			}
		case 3: // subnormals and the smallest normals
			v[k] = uint32(r.IntN(2))<<7 | uint32(r.IntN(2))<<f.manBits | uint32(r.IntN(1<<f.manBits))
		}
	}
	return v
}

// genAcc draws a finite accumulator value of the preset's format.
func genAcc(r *rand.Rand, pc presetCase) uint32 {
	if pc.kind == wgmma16 {
		switch r.IntN(5) {
		case 0:
			return uint32(r.IntN(2)) << 15
		case 1: // subnormal
			return uint32(r.IntN(2))<<15 | uint32(r.IntN(1<<10))
		default:
			for {
				if c := uint32(r.IntN(1 << 16)); c>>10&0x1F != 0x1F {
					return c
				}
			}
		}
	}
	s := uint32(r.IntN(2)) << 31
	switch r.IntN(6) {
	case 0:
		return s
	case 1: // subnormal
		return s | uint32(r.IntN(1<<23))
	case 2: // anything finite
		return s | uint32(r.IntN(255))<<23 | uint32(r.IntN(1<<23))
	default: // exponent in [-45, 40], near the products
		return s | uint32(127-45+r.IntN(86))<<23 | uint32(r.IntN(1<<23))
	}
}

// withSpecials replaces a few elements by random codes of any class.
func withSpecials(r *rand.Rand, v []uint32) {
	for range r.IntN(3) {
		v[r.IntN(len(v))] = uint32(r.IntN(256))
	}
}

// ---- properties ----------------------------------------------------------

// TestMatchesReference: for every preset, random finite operands (zeros and
// subnormals included) and random C, MMA equals the math/big reference bit
// for bit.
func TestMatchesReference(t *testing.T) {
	const n = 6000
	for i, pc := range allCases() {
		p := lookup(t, pc.name)
		r := newRand(100 + uint64(i))
		for trial := range n {
			a, b := genVec(r, pc.a, trial%4), genVec(r, pc.b, (trial/4)%4)
			c := genAcc(r, pc)
			if trial%5 == 0 {
				c = 0
			}
			if got, want := p.MMA(a, b, c), refOf(t, pc, a, b, c); !sameResult(pc, got, want) {
				t.Fatalf("%s: a=%x b=%x c=%#x: got %#x, want %#x", pc.name, a, b, c, got, want)
			}
		}
	}
}

// TestMatchesReferenceSpecials: the same with Inf and NaN codes sprinkled
// into the operands and special accumulator values.
func TestMatchesReferenceSpecials(t *testing.T) {
	const n = 3000
	for i, pc := range allCases() {
		p := lookup(t, pc.name)
		r := newRand(200 + uint64(i))
		accs := accSamples(pc)
		for trial := range n {
			a, b := genVec(r, pc.a, trial%4), genVec(r, pc.b, (trial/4)%4)
			withSpecials(r, a)
			withSpecials(r, b)
			c := genAcc(r, pc)
			if trial%3 == 0 {
				c = accs[r.IntN(len(accs))]
			}
			if got, want := p.MMA(a, b, c), refOf(t, pc, a, b, c); !sameResult(pc, got, want) {
				t.Fatalf("%s: a=%x b=%x c=%#x: got %#x, want %#x", pc.name, a, b, c, got, want)
			}
		}
	}
}

// TestChainIsRepeatedMMA: Chain over n·K equals n MMAs, each C the previous
// D; Dot is the same; a sub-range chains only its instructions.
func TestChainIsRepeatedMMA(t *testing.T) {
	for i, pc := range allCases() {
		p := lookup(t, pc.name)
		r := newRand(300 + uint64(i))
		for trial := range 300 {
			n := 1 + r.IntN(8)
			var a, b []uint32
			for range n {
				a = append(a, genVec(r, pc.a, r.IntN(4))...)
				b = append(b, genVec(r, pc.b, r.IntN(4))...)
			}
			if trial%4 == 0 {
				withSpecials(r, a)
			}
			c0 := genAcc(r, pc)
			want := c0
			for s := range n {
				want = p.MMA(a[32*s:32*s+32], b[32*s:32*s+32], want)
			}
			var va, vb tensorcore.Vector
			p.DecodeA(a, &va)
			p.DecodeB(b, &vb)
			if got := p.Chain(&va, &vb, 0, 32*n, c0); got != want {
				t.Fatalf("%s: Chain over %d instructions: got %#x, want %#x", pc.name, n, got, want)
			}
			if got := p.Dot(a, b, c0); got != want {
				t.Fatalf("%s: Dot over %d instructions: got %#x, want %#x", pc.name, n, got, want)
			}
			lo, hi := r.IntN(n+1), r.IntN(n+1)
			if lo > hi {
				lo, hi = hi, lo
			}
			want = c0
			for s := lo; s < hi; s++ {
				want = p.MMA(a[32*s:32*s+32], b[32*s:32*s+32], want)
			}
			if got := p.Chain(&va, &vb, 32*lo, 32*hi, c0); got != want {
				t.Fatalf("%s: Chain over [%d,%d): got %#x, want %#x", pc.name, 32*lo, 32*hi, got, want)
			}
		}
	}
}

// TestDecodeReuse: decoding into a Vector that already holds specials, or a
// longer vector, gives the same results as a fresh one.
func TestDecodeReuse(t *testing.T) {
	p := lookup(t, "h100-wgmma-e5m2-e5m2")
	var va, vb tensorcore.Vector
	r := newRand(350)
	for trial := range 500 {
		a, b := genVec(r, fmtE5M2, trial%4), genVec(r, fmtE5M2, 0)
		if trial%2 == 0 {
			withSpecials(r, a)
		}
		c := genAcc(r, presetCaseOf(p.Name))
		p.DecodeA(a, &va)
		p.DecodeB(b, &vb)
		if va.Len() != 32 {
			t.Fatalf("Len = %d", va.Len())
		}
		if got, want := p.Chain(&va, &vb, 0, 32, c), p.MMA(a, b, c); got != want {
			t.Fatalf("reused vectors: got %#x, want %#x", got, want)
		}
	}
}

// TestWithF13IsPreset: WithF(13) of a Hopper wgmma preset gives the preset's
// bits; WithF(F) matches the reference with F fraction bits.
func TestWithF(t *testing.T) {
	for i, pc := range casesOf(wgmma32, wgmma16) {
		p := lookup(t, pc.name)
		p13, err := p.WithF(13)
		if err != nil {
			t.Fatal(err)
		}
		if p13.Name != pc.name+"-f13" {
			t.Errorf("WithF(13).Name = %q", p13.Name)
		}
		r := newRand(400 + uint64(i))
		var others []*tensorcore.Preset
		fs := []int{pc.a.manBits + pc.b.manBits, 14, 20, 25, 40}
		for _, f := range fs {
			q, err := p.WithF(f)
			if err != nil {
				t.Fatalf("%s: WithF(%d): %v", pc.name, f, err)
			}
			others = append(others, q)
		}
		for trial := range 1500 {
			a, b := genVec(r, pc.a, trial%4), genVec(r, pc.b, (trial/4)%4)
			c := genAcc(r, pc)
			if got, want := p13.MMA(a, b, c), p.MMA(a, b, c); got != want {
				t.Fatalf("%s: WithF(13) %#x != preset %#x", pc.name, got, want)
			}
			for j, q := range others {
				if got, want := q.MMA(a, b, c), refWGMMA(pc, fs[j], a, b, c); !sameResult(pc, got, want) {
					t.Fatalf("%s F=%d: a=%x b=%x c=%#x: got %#x, want %#x", pc.name, fs[j], a, b, c, got, want)
				}
			}
		}
	}
}

// TestWithF25MoreAccurate: on normal inputs, F = 25 is never less accurate
// than F = 13 for all-positive inputs (both truncate toward zero, F = 25 on a
// finer grid, and RZ-E8M13 is monotone), and is more accurate in aggregate
// for mixed signs.
func TestWithF25MoreAccurate(t *testing.T) {
	for i, pc := range casesOf(wgmma32) {
		p := lookup(t, pc.name)
		p25, err := p.WithF(25)
		if err != nil {
			t.Fatal(err)
		}
		r := newRand(500 + uint64(i))
		var sum13, sum25 float64
		for trial := range 3000 {
			positive := trial%2 == 0
			a, b := make([]uint32, 32), make([]uint32, 32)
			e0a, e0b := 1+r.IntN(10), 1+r.IntN(10)
			for k := range 32 {
				a[k] = normalCode(r, pc.a, e0a, positive)
				b[k] = normalCode(r, pc.b, e0b, true)
			}
			exact := exactDot(pc, a, b)
			e13 := absErr(p.MMA(a, b, 0), exact)
			e25 := absErr(p25.MMA(a, b, 0), exact)
			if positive && e25.Cmp(e13) > 0 {
				t.Fatalf("%s: positive inputs a=%x b=%x: |err| F=25 %v > F=13 %v", pc.name, a, b, e25, e13)
			}
			f13, _ := e13.Float64()
			f25, _ := e25.Float64()
			sum13 += f13
			sum25 += f25
		}
		if sum25 > sum13 {
			t.Errorf("%s: aggregate |err| F=25 %g > F=13 %g", pc.name, sum25, sum13)
		}
		t.Logf("%s: aggregate |D-exact| F=13 %.4g, F=25 %.4g", pc.name, sum13, sum25)
	}
}

// normalCode draws a normal finite code with exponent field in [e0, e0+5].
func normalCode(r *rand.Rand, f fp8, e0 int, positive bool) uint32 {
	for {
		c := uint32(min(e0+r.IntN(6), 1<<f.expBits-1))<<f.manBits | uint32(r.IntN(1<<f.manBits))
		if !positive && r.IntN(2) == 0 {
			c |= 0x80
		}
		if !f.isSpecial(c) {
			return c
		}
	}
}

func exactDot(pc presetCase, a, b []uint32) *big.Rat {
	s := new(big.Rat)
	for k := range a {
		p := rprod(rdecode8(pc.a, a[k]), rdecode8(pc.b, b[k]))
		if p.sig != 0 {
			s.Add(s, rrat(p))
		}
	}
	return s
}

func absErr(d uint32, exact *big.Rat) *big.Rat {
	e := new(big.Rat).Sub(rrat(rdecode32(d)), exact)
	return e.Abs(e)
}

// TestPermutationInvariance: the 32 products of a wgmma are one fused step,
// so their order does not matter; for mma.sync, order within each FP16 step
// does not matter.
func TestPermutationInvariance(t *testing.T) {
	for i, pc := range allCases() {
		p := lookup(t, pc.name)
		r := newRand(600 + uint64(i))
		for trial := range 1000 {
			a, b := genVec(r, pc.a, trial%4), genVec(r, pc.b, (trial/4)%4)
			if trial%5 == 0 {
				withSpecials(r, a)
			}
			c := genAcc(r, pc)
			want := p.MMA(a, b, c)
			pa, pb := slices.Clone(a), slices.Clone(b)
			for _, g := range stepGroups(pc) {
				perm := r.Perm(len(g))
				for j, k := range g {
					pa[g[perm[j]]], pb[g[perm[j]]] = a[k], b[k]
				}
			}
			if got := p.MMA(pa, pb, c); got != want {
				t.Fatalf("%s: permuted a=%x b=%x c=%#x: got %#x, want %#x", pc.name, pa, pb, c, got, want)
			}
		}
	}
}

// TestNegation: negating all of A (and C) negates D; a zero D stays +0.
func TestNegation(t *testing.T) {
	for i, pc := range allCases() {
		p := lookup(t, pc.name)
		r := newRand(700 + uint64(i))
		zeros := 0
		for trial := range 2000 {
			a, b := genVec(r, pc.a, trial%4), genVec(r, pc.b, (trial/4)%4)
			c := uint32(0)
			if trial%2 == 1 {
				c = genAcc(r, pc)
			}
			na := make([]uint32, 32)
			for k := range a {
				na[k] = a[k] ^ 0x80
			}
			nc := c ^ pc.signBit()
			d, nd := p.MMA(a, b, c), p.MMA(na, b, nc)
			switch {
			case pc.kind == wgmma16 && (d == f16NegZ || nd == f16NegZ):
				// Only an .f16 underflow gives -0 (see
				// TestF16AccUnderflowSign): both must be zeros.
				if d&^f16NegZ != 0 || nd&^f16NegZ != 0 {
					t.Fatalf("%s: a=%x b=%x c=%#x: D = %#x, negated D = %#x", pc.name, a, b, c, d, nd)
				}
			case d == 0:
				zeros++
				if nd != 0 {
					t.Fatalf("%s: D = +0 but with A, C negated D = %#x", pc.name, nd)
				}
			case nd != d^pc.signBit():
				t.Fatalf("%s: a=%x b=%x c=%#x: D = %#x, negated D = %#x", pc.name, a, b, c, d, nd)
			}
		}
		if zeros == 0 {
			t.Errorf("%s: no zero results drawn", pc.name)
		}
	}
}
