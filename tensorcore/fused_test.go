package tensorcore

// Tests of the SIMD kernels (fused.go, fused_amd64.s) against the pure-Go
// kernels fusedFixed and fusedGeneral, bit for bit: single steps (the step
// kernel) and whole chains (the chain kernel and its hand-offs to Go). The
// other tests of the package run with the kernels the CPU has; `go test
// -tags purego` runs them all on the pure-Go kernels.

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tcsim/tcsim/numerics"
)

// kernelMode is one setting of the kernel switch.
type kernelMode struct {
	name string
	k    kernelKind
}

// simdModes lists the SIMD kernel sets this machine can run (none on
// other architectures or CPUs without AVX2).
func simdModes() []kernelMode {
	var ms []kernelMode
	for k := kernelAVX2; k <= bestKernel; k++ {
		ms = append(ms, kernelMode{k.String(), k})
	}
	return ms
}

// allModes is the pure-Go kernels followed by simdModes.
func allModes() []kernelMode {
	return append([]kernelMode{{"go", kernelGo}}, simdModes()...)
}

// withMode runs f with the kernel switch set to m.
func withMode(m kernelMode, f func()) {
	s := kernel
	defer func() { kernel = s }()
	kernel = m.k
	f()
}

// simdPresets returns the registered presets the SIMD kernel serves.
func simdPresets() []*Preset {
	var ps []*Preset
	for _, p := range Presets() {
		if p.simd {
			ps = append(ps, p)
		}
	}
	return ps
}

// TestSIMDEligible pins which datapaths take the SIMD kernel: every
// Hopper, Ada and Blackwell FP8 step with contiguous products (the
// fixed-point presets and e5m2×e5m2), and the FP16 steps of 8 or 16.
func TestSIMDEligible(t *testing.T) {
	for _, p := range Presets() {
		fa, fb := p.inFormats()
		want := p.Interleave == p.L && p.Scale == nil && p.AMD == nil && p.L%8 == 0 &&
			(fa.Bits() == 8 && fb.Bits() == 8 || fa == numerics.FP16 && fb == numerics.FP16)
		if p.simd != want {
			t.Errorf("%s: simd = %v, want %v", p.Name, p.simd, want)
		}
		if p.fixed && p.Interleave == p.L && !p.simd {
			t.Errorf("%s: a fixed-point datapath without the SIMD kernel", p.Name)
		}
	}
	// What-if widths: the kernel stops where L/8 truncated products
	// (< 2^(F+2) each) and C's term (< 2^(F+1)) no longer fit an int32
	// lane.
	p, _ := Lookup("h100-wgmma-e4m3-e4m3")
	for f := 6; f <= 40; f++ {
		q, err := p.WithF(f)
		if err != nil {
			t.Fatal(err)
		}
		if want := f <= 26; q.simd != want {
			t.Errorf("%s: simd = %v, want %v", q.Name, q.simd, want)
		}
	}
}

// codeStyle draws one operand code of f in a style that reaches a given
// corner of the kernel.
type codeStyle int

const (
	styleUniform  codeStyle = iota // any code, specials included
	styleTiny                      // zeros, subnormals and the smallest normals: sh <= 0
	styleSparse                    // mostly zero
	styleMax                       // the largest magnitudes, both signs
	styleNegative                  // negative finite
	styleNormal                    // a normal distribution scaled by 2^e
	styleZero                      // +0 and -0 only
	numStyles
)

func drawCode(r *rand.Rand, f numerics.Format, st codeStyle, scale float64) uint32 {
	bits := f.Bits()
	top := uint32(1)<<(bits-1) - 1 // largest positive code pattern
	sign := uint32(1) << (bits - 1)
	switch st {
	case styleTiny:
		return uint32(r.IntN(3<<f.ManBits())) | sign*uint32(r.IntN(2))
	case styleSparse:
		if r.IntN(8) != 0 {
			return 0
		}
		return uint32(r.IntN(1 << bits))
	case styleMax:
		return f.MaxFinite() - uint32(r.IntN(3)) | sign*uint32(r.IntN(2))
	case styleNegative:
		for {
			c := uint32(r.IntN(int(top)+1)) | sign
			if v := f.Decode(c); !math.IsNaN(v) && !math.IsInf(v, 0) {
				return c
			}
		}
	case styleNormal:
		return f.Encode(r.NormFloat64()*scale, numerics.NearestEven, numerics.Saturate)
	case styleZero:
		return sign * uint32(r.IntN(2))
	}
	return uint32(r.IntN(1 << bits))
}

// drawCodes fills n codes, mostly in one style with a few of another.
func drawCodes(r *rand.Rand, f numerics.Format, n int) []uint32 {
	st := codeStyle(r.IntN(int(numStyles)))
	other := codeStyle(r.IntN(int(numStyles)))
	scale := math.Ldexp(1, r.IntN(30)-15)
	c := make([]uint32, n)
	for i := range c {
		if r.IntN(16) == 0 {
			c[i] = drawCode(r, f, other, scale)
		} else {
			c[i] = drawCode(r, f, st, scale)
		}
	}
	return c
}

// drawAcc draws an accumulator code of f: zero, tiny, subnormal, ordinary,
// huge; Inf and NaN only when special.
func drawAcc(r *rand.Rand, f numerics.Format, special bool) uint32 {
	sign := uint32(r.IntN(2)) << (f.Bits() - 1)
	man := uint32(r.Uint64()) & (1<<f.ManBits() - 1)
	emax := 1<<f.ExpBits() - 1 // all-ones exponent field
	switch n := r.IntN(10); {
	case n == 0:
		return sign
	case n == 1:
		return sign | man // subnormal
	case n == 2 && special:
		return sign | uint32(emax)<<f.ManBits() | man>>uint(r.IntN(2)*f.ManBits()) // Inf or NaN
	case n == 3:
		return sign | uint32(1+r.IntN(emax-1))<<f.ManBits() | man // any normal
	}
	// Near the products' range.
	v := r.NormFloat64() * math.Ldexp(1, r.IntN(40)-20)
	return f.Encode(v, numerics.TowardZero, numerics.Saturate)
}

type stepResult struct {
	neg bool
	mag uint64
	q   int
}

// compareStep runs step [lo, lo+L) of va, vb from the finite accumulator
// c with fusedFixed (when the datapath has it), fusedGeneral and every
// SIMD kernel, and reports any difference.
func compareStep(t *testing.T, p *Preset, va, vb *Vector, lo int, c uint32) bool {
	t.Helper()
	out := p.Out.Out()
	ct, cl := p.unpackAcc(out, c)
	if cl == numerics.Inf || cl == numerics.NaN {
		t.Fatalf("compareStep with C %#x", c)
	}
	hi := lo + p.L
	var want stepResult
	want.neg, want.mag, want.q = p.Step.fusedGeneral(va.Sig[lo:hi], vb.Sig[lo:hi], va.Exp[lo:hi], vb.Exp[lo:hi], p.shiftP, ct)
	ok := true
	if p.fixed {
		var fx stepResult
		fx.neg, fx.mag, fx.q = p.Step.fusedFixed(va.Fix[lo:hi], vb.Fix[lo:hi], va.Exp[lo:hi], vb.Exp[lo:hi], p.gridP, ct)
		if fx != want {
			t.Errorf("%s: fusedFixed %+v != fusedGeneral %+v", p.Name, fx, want)
			ok = false
		}
	}
	for _, m := range simdModes() {
		var got stepResult
		withMode(m, func() {
			got.neg, got.mag, got.q = p.Step.fusedScaled(va.Sig[lo:hi], vb.Sig[lo:hi], va.Exp[lo:hi], vb.Exp[lo:hi], p.F-p.shiftP, ct)
		})
		if got != want {
			t.Errorf("%s %s: step at %d, C %#x: got %+v, want %+v\n a sig %v exp %v\n b sig %v exp %v",
				p.Name, m.name, lo, c, got, want, va.Sig[lo:hi], va.Exp[lo:hi], vb.Sig[lo:hi], vb.Exp[lo:hi])
			ok = false
		}
	}
	return ok
}

// TestSIMDStepRandom compares single steps of every SIMD preset (and
// what-if widths of the Hopper ones) on inputs drawn to reach every case
// of the pure-Go kernels: sh <= 0, 0 < sh < 62, sh >= 62 (a huge C),
// zeros, maximal and negative products, subnormals.
func TestSIMDStepRandom(t *testing.T) {
	if len(simdModes()) == 0 {
		t.Skip("no SIMD kernel on this machine")
	}
	ps := simdPresets()
	for _, name := range []string{"h100-wgmma-e4m3-e4m3", "h100-wgmma-e4m3-e5m2", "h100-wgmma-e5m2-e5m2"} {
		p, _ := Lookup(name)
		for _, f := range []int{6, 9, 20, 25, 26} {
			if q, err := p.WithF(f); err == nil && q.simd {
				ps = append(ps, q)
			}
		}
	}
	n := 3000
	if testing.Short() {
		n = 300
	}
	r := rand.New(rand.NewPCG(7, 7))
	for _, p := range ps {
		bad := 0
		for range n {
			steps := 1 + r.IntN(3)
			var va, vb Vector
			p.da.decode(drawCodes(r, p.A, steps*p.L), &va)
			p.db.decode(drawCodes(r, p.B, steps*p.L), &vb)
			lo := r.IntN(steps) * p.L
			if !compareStep(t, p, &va, &vb, lo, drawAcc(r, p.Acc(), false)) {
				if bad++; bad > 5 {
					t.Fatalf("%s: too many mismatches", p.Name)
				}
			}
		}
	}
}

// TestSIMDStepProducts covers every pair of FP8 codes as one product of a
// Hopper wgmma step, beside a background of other products and C values
// that move e_max above, at and below it.
func TestSIMDStepProducts(t *testing.T) {
	if len(simdModes()) == 0 {
		t.Skip("no SIMD kernel on this machine")
	}
	type bg struct {
		k    int
		a, b float64
	}
	backgrounds := [][]bg{
		nil,                         // the product alone
		{{5, 1, 1}},                 // e_max 0
		{{31, -448, 448}},           // the largest product, negative
		{{1, 0.015625, -0.0078125}}, // tiny: e_max -13
		{{2, 3, 5}, {30, -0.25, 7}},
	}
	accs := []uint32{0, 0x80000000, 0x3F800000, 0xBA600000, 0x49800000, 0x00000123, 0x7F000000, 0xD5000000}
	if testing.Short() {
		backgrounds, accs = backgrounds[:2], accs[:3]
	}
	for _, name := range []string{"h100-wgmma-e4m3-e4m3", "h100-wgmma-e4m3-e5m2", "h100-wgmma-e5m2-e5m2", "h100-wgmma-e4m3-e4m3-f16acc"} {
		p, _ := Lookup(name)
		accs := accs
		if p.Out == RNEFP16 {
			accs = []uint32{0, 0x8000, 0x3C00, 0xB401, 0x7BFF, 0x0003}
		}
		bad := 0
		for _, bgs := range backgrounds {
			a, b := make([]uint32, p.L), make([]uint32, p.L)
			for _, g := range bgs {
				a[g.k] = p.A.Encode(g.a, numerics.NearestEven, numerics.Saturate)
				b[g.k] = p.B.Encode(g.b, numerics.NearestEven, numerics.Saturate)
			}
			for ca := range uint32(256) {
				for cb := range uint32(256) {
					a[0], b[0] = ca, cb
					var va, vb Vector
					p.da.decode(a, &va)
					p.db.decode(b, &vb)
					for _, c := range accs {
						if !compareStep(t, p, &va, &vb, 0, c) {
							if bad++; bad > 5 {
								t.Fatalf("%s: too many mismatches", p.Name)
							}
						}
					}
				}
			}
		}
	}
}

// TestSIMDStepAccExponents sweeps C over every exponent of the
// accumulator format, so that e_max (and the kernel's scale 2^(F-e_max))
// runs through its whole range, clamps included, on a few operand vectors.
func TestSIMDStepAccExponents(t *testing.T) {
	if len(simdModes()) == 0 {
		t.Skip("no SIMD kernel on this machine")
	}
	ps := simdPresets()
	p, _ := Lookup("h100-wgmma-e4m3-e4m3")
	for _, f := range []int{6, 26} {
		q, _ := p.WithF(f)
		ps = append(ps, q)
	}
	r := rand.New(rand.NewPCG(11, 11))
	for _, p := range ps {
		acc := p.Acc()
		vecs := [][2][]uint32{
			{make([]uint32, p.L), make([]uint32, p.L)}, // all zero
		}
		for _, st := range []codeStyle{styleTiny, styleMax, styleUniform, styleNormal} {
			a, b := make([]uint32, p.L), make([]uint32, p.L)
			for k := range a {
				a[k], b[k] = drawCode(r, p.A, st, 1), drawCode(r, p.B, st, 1)
			}
			vecs = append(vecs, [2][]uint32{a, b})
		}
		one := make([]uint32, p.L)
		one[p.L-1] = 1 // the smallest subnormal, once
		vecs = append(vecs, [2][]uint32{one, one})
		bad := 0
		for _, v := range vecs {
			var va, vb Vector
			p.da.decode(v[0], &va)
			p.db.decode(v[1], &vb)
			for e := range uint32(1<<acc.ExpBits() - 1) {
				for _, m := range []uint32{0, 1, 1<<acc.ManBits() - 1} {
					for _, s := range []uint32{0, acc.SignBit()} {
						c := s | e<<acc.ManBits() | m
						if !compareStep(t, p, &va, &vb, 0, c) {
							if bad++; bad > 5 {
								t.Fatalf("%s: too many mismatches", p.Name)
							}
						}
					}
				}
			}
		}
	}
}

// chainAll runs Chain in every kernel mode and reports whether they agree.
func chainAll(t testing.TB, p *Preset, va, vb *Vector, lo, hi int, c uint32) bool {
	t.Helper()
	var want uint32
	ok := true
	for i, m := range allModes() {
		var got uint32
		withMode(m, func() { got = p.Chain(va, vb, lo, hi, c) })
		if i == 0 {
			want = got
		} else if got != want {
			t.Errorf("%s %s: Chain [%d,%d) from %#x = %#x, go gives %#x", p.Name, m.name, lo, hi, c, got, want)
			ok = false
		}
	}
	return ok
}

// TestSIMDChain compares whole chains (Inf and NaN operands and
// accumulators included) between the kernels for every SIMD preset.
func TestSIMDChain(t *testing.T) {
	if len(simdModes()) == 0 {
		t.Skip("no SIMD kernel on this machine")
	}
	n := 400
	if testing.Short() {
		n = 40
	}
	r := rand.New(rand.NewPCG(9, 9))
	for _, p := range append(simdPresets(), whatIfs(t)...) {
		bad := 0
		for range n {
			kk := p.K * (1 + r.IntN(8))
			var va, vb Vector
			p.DecodeA(drawCodes(r, p.A, kk), &va)
			p.DecodeB(drawCodes(r, p.B, kk), &vb)
			lo := p.K * r.IntN(kk/p.K)
			if !chainAll(t, p, &va, &vb, lo, kk, drawAcc(r, p.Acc(), true)) {
				if bad++; bad > 5 {
					t.Fatalf("%s: too many mismatches", p.Name)
				}
			}
		}
	}
}

// whatIfs returns variants of SIMD presets that reach the other paths of
// the chain kernel: registers of 1 to 24 bits, and sums too wide for the
// vector conversion.
func whatIfs(t testing.TB) []*Preset {
	var ps []*Preset
	for _, name := range []string{"h100-wgmma-e4m3-e4m3", "h100-wgmma-e5m2-e5m2", "b200-tcgen05-e4m3-e4m3"} {
		p, _ := Lookup(name)
		for _, rb := range []int{1, 5, 24} {
			q := *p
			q.RegBits = rb
			q.Name = fmt.Sprintf("%s-reg%d", p.Name, rb)
			v, err := NewPreset(q)
			if err != nil {
				t.Fatal(err)
			}
			ps = append(ps, v)
		}
		for _, f := range []int{6, 20, 26} {
			if v, err := p.WithF(f); err == nil && v.simd {
				ps = append(ps, v)
			}
		}
	}
	return ps
}

// TestSIMDChainEdges runs chains whose accumulator leaves the chain
// kernel's ground mid-way: overflow to Inf, subnormal and tiny values,
// and C values with bits below the register's width.
func TestSIMDChainEdges(t *testing.T) {
	if len(simdModes()) == 0 {
		t.Skip("no SIMD kernel on this machine")
	}
	for _, p := range append(simdPresets(), whatIfs(t)...) {
		if p.Acc() != numerics.FP32 {
			continue
		}
		fill := func(f numerics.Format, x float64, n int) []uint32 {
			c := make([]uint32, n)
			for k := range c {
				c[k] = f.Encode(x, numerics.NearestEven, numerics.Saturate)
			}
			return c
		}
		kk := 4 * p.K
		big, tiny, zero := 1e9, 1e-9, 0.0
		for _, ops := range [][2]float64{{big, big}, {-big, big}, {tiny, tiny}, {zero, zero}, {1, -tiny}} {
			var va, vb Vector
			p.DecodeA(fill(p.A, ops[0], kk), &va)
			p.DecodeB(fill(p.B, ops[1], kk), &vb)
			for _, c := range []uint32{0x7F7FFFFF, 0xFF7FFFFF, 0x7F000000, 0x00000001, 0x807FFFFF, 0x00800000,
				0x00800001, 0x0C000000, 0x3F800001, 0xBF8000FF, 0x80000000, 0x7F800000, 0x7FC00000} {
				chainAll(t, p, &va, &vb, 0, kk, c)
			}
		}
	}
}

// FuzzSIMDStep compares the kernels on one instruction of a SIMD preset
// whose operand and accumulator codes come from the input.
func FuzzSIMDStep(f *testing.F) {
	f.Add(uint8(0), uint32(0), []byte{0x38, 0x38, 0x7E, 0xFE})
	f.Add(uint8(3), uint32(0x3F800000), []byte{0x01, 0x81, 0x7F, 0x04})
	f.Add(uint8(7), uint32(0x7F800000), []byte{0xFF, 0x00})
	f.Add(uint8(11), uint32(0x00000001), make([]byte, 64))
	ps := simdPresets()
	f.Fuzz(func(t *testing.T, which uint8, c uint32, data []byte) {
		p := ps[int(which)%len(ps)]
		codes := func(fm numerics.Format, off int) []uint32 {
			v := make([]uint32, p.K)
			w := (fm.Bits() + 7) / 8
			for k := range v {
				var buf [4]byte
				for i := range w {
					if j := off + k*w + i; j < len(data) {
						buf[i] = data[j]
					}
				}
				v[k] = binary.LittleEndian.Uint32(buf[:]) & (1<<fm.Bits() - 1)
			}
			return v
		}
		a := codes(p.A, 0)
		b := codes(p.B, len(data)/2)
		var va, vb Vector
		p.DecodeA(a, &va)
		p.DecodeB(b, &vb)
		c &= 1<<p.Acc().Bits() - 1
		chainAll(t, p, &va, &vb, 0, p.K, c)
		if _, cl := p.unpackAcc(p.Acc(), c); cl != numerics.Inf && cl != numerics.NaN {
			for lo := 0; lo < p.K; lo += p.L {
				compareStep(t, p, &va, &vb, lo, c)
			}
		}
	})
}
