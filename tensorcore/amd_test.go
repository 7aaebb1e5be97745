package tensorcore_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tcsim/tcsim/numerics"
	"github.com/tcsim/tcsim/tensorcore"
)

// This file checks the AMD datapaths against a transcription of MMA-Sim's
// Python (simulator/amd.py, arithmetic.py) in float64 arithmetic, as the
// Python runs it: it shares nothing with amd.go but the operand values.

// sigExp is MMA-Sim's extract_significand_exponent: |sig| in [1, 2) for
// normal numbers, subnormals at the format's minimum exponent, zero at
// -126.
func sigExp(x float64, minExp int) (float64, int) {
	fr, e := math.Frexp(x)
	s, e := fr*2, e-1
	if e < minExp {
		s *= math.Ldexp(1, e-minExp)
		e = minExp
	}
	if s == 0 {
		e = -126
	}
	return s, e
}

func refFusedSum(sigs []float64, exps []int, frac int) (float64, int) {
	e := exps[0]
	for _, x := range exps {
		e = max(e, x)
	}
	s := 0.0
	for i := range sigs {
		s += math.Trunc(sigs[i]*math.Ldexp(1, frac+exps[i]-e)) * math.Ldexp(1, -frac)
	}
	return s, e
}

// refFusedRD is amd_fused_dot_rd_add for finite operands.
func refFusedRD(a, b []float64, fa, fb numerics.Format, c float32, fp8 bool) float32 {
	var sigs []float64
	var exps []int
	pinf, ninf := false, false
	for i := range a {
		p := a[i] * b[i]
		switch {
		case p >= 0x1p128:
			pinf = true
		case p <= -0x1p128:
			ninf = true
		default:
			sa, ea := sigExp(a[i], fa.MinExp())
			sb, eb := sigExp(b[i], fb.MinExp())
			sigs, exps = append(sigs, sa*sb), append(exps, ea+eb)
		}
	}
	switch {
	case pinf && ninf:
		return float32(math.NaN())
	case pinf:
		return float32(math.Inf(1))
	case ninf:
		return float32(math.Inf(-1))
	}
	sc, ec := sigExp(float64(c), -126)
	var s float64
	var maxE int
	if fp8 {
		var s0i, s1i []float64
		var e0i, e1i []int
		for i := range sigs {
			if i%2 == 0 {
				s0i, e0i = append(s0i, sigs[i]), append(e0i, exps[i])
			} else {
				s1i, e1i = append(s1i, sigs[i]), append(e1i, exps[i])
			}
		}
		s0, e0 := refFusedSum(s0i, e0i, 24)
		s1, e1 := refFusedSum(s1i, e1i, 24)
		m := max(e0, e1)
		s0 = math.Floor(s0*math.Ldexp(1, 24+e0-m)) * math.Ldexp(1, -24)
		s1 = math.Floor(s1*math.Ldexp(1, 24+e1-m)) * math.Ldexp(1, -24)
		s, e := s0+s1, m
		maxE = max(e, ec)
		s = math.Floor(s*math.Ldexp(1, 31+e-maxE)) * math.Ldexp(1, -31)
		if ec >= maxE-25 {
			sc = math.Floor(sc*math.Ldexp(1, 24+ec-maxE)) * math.Ldexp(1, -24)
		} else {
			sc = 0
		}
		return float32((s + sc) * math.Ldexp(1, maxE))
	}
	s, e := refFusedSum(sigs, exps, 24)
	maxE = max(e, ec)
	s = math.Floor(s*math.Ldexp(1, 31+e-maxE)) * math.Ldexp(1, -31)
	sc = math.Floor(sc*math.Ldexp(1, 24+ec-maxE)) * math.Ldexp(1, -24)
	return float32((s + sc) * math.Ldexp(1, maxE))
}

// refPairwise is pairwise_dot plus the FP32 add of the group into C, with
// CDNA2's flushing, on numerics' exact FFMA.
func refPairwise(a, b []float64, c float32, flush bool) float32 {
	fl := func(x float32) float32 {
		if flush && math.Abs(float64(x)) < 0x1p-126 {
			return x * 0
		}
		return x
	}
	var dot func(a, b []float64) float32
	dot = func(a, b []float64) float32 {
		if len(a) == 1 {
			return fl(numerics.FMA32(float32(a[0]), float32(b[0]), 0))
		}
		m := len(a) / 2
		return fl(numerics.FMA32(dot(a[:m], b[:m]), 1, dot(a[m:], b[m:])))
	}
	return fl(c + dot(a, b))
}

// flushed reads a value as CDNA2 does: subnormals as +0.
func flushed(x float64, f numerics.Format) float64 {
	if math.Abs(x) < math.Ldexp(1, f.MinExp()) {
		return 0
	}
	return x
}

// amdCode draws a finite code of f: zeros, subnormals and a band of
// binades around 2^center.
func amdCode(r *rand.Rand, f numerics.Format, center int) uint32 {
	for {
		var code uint32
		switch r.IntN(8) {
		case 0:
			code = 0
		case 1:
			code = uint32(r.IntN(1 << f.ManBits())) // subnormal or zero
		default:
			e := min(max(center+r.IntN(9)-4+f.Bias(), 1), 1<<f.ExpBits()-2)
			code = uint32(e)<<f.ManBits() | uint32(r.IntN(1<<f.ManBits()))
		}
		if r.IntN(2) == 0 {
			code |= f.SignBit()
		}
		if _, _, _, c := f.Unpack(code); c == numerics.Finite || c == numerics.Zero {
			return code
		}
	}
}

func TestAMDPresetsMatchMMASim(t *testing.T) {
	for _, p := range tensorcore.Presets() {
		if p.AMD == nil {
			continue
		}
		r := rand.New(rand.NewPCG(11, uint64(len(p.Name))))
		bad := 0
		const n = 3000
		for it := range n {
			center := r.IntN(5) - 2
			if it%5 == 0 {
				center = p.A.MinExp() + 2 // near the bottom: subnormals, flushing, the C drop
			}
			a, b := make([]uint32, 2*p.K), make([]uint32, 2*p.K)
			for k := range a {
				a[k], b[k] = amdCode(r, p.A, center), amdCode(r, p.B, center)
			}
			if it%3 == 0 { // near-cancelling pairs: the floor and the tree's rounding
				for k := 1; k < len(a); k += 2 {
					a[k], b[k] = a[k-1]^p.A.SignBit(), b[k-1]^uint32(r.IntN(2))
				}
			}
			c := math.Float32frombits(numerics.FP32.Encode(r.NormFloat64()*math.Ldexp(1, 2*center+r.IntN(12)-6), numerics.NearestEven, numerics.ToInf))
			if it%7 == 0 {
				c = 0
			}
			want := c
			for k0 := 0; k0 < len(a); k0 += p.L {
				av, bv := make([]float64, p.L), make([]float64, p.L)
				for i := range av {
					av[i], bv[i] = p.A.Decode(a[k0+i]), p.B.Decode(b[k0+i])
					if p.AMD.FlushSubnormals {
						av[i], bv[i] = flushed(av[i], p.A), flushed(bv[i], p.B)
					}
				}
				if p.AMD.Kind == tensorcore.AMDPairwise {
					cc := want
					if p.AMD.FlushSubnormals && math.Abs(float64(cc)) < 0x1p-126 {
						cc = 0
					}
					want = refPairwise(av, bv, cc, p.AMD.FlushSubnormals)
				} else {
					want = refFusedRD(av, bv, p.A, p.B, want, p.AMD.OddEven)
				}
			}
			wb := math.Float32bits(want)
			if want != want {
				wb = 0x7FC00000
			}
			if got := p.Dot(a, b, math.Float32bits(c)); got != wb {
				if bad++; bad <= 3 {
					t.Errorf("%s: a=%x b=%x c=%08x: got %08x, want %08x", p.Name, a, b, math.Float32bits(c), got, wb)
				}
			}
		}
		if bad > 0 {
			t.Errorf("%s: %d of %d differ", p.Name, bad, n)
		}
	}
}

// TestAMDRoundsDown pins the direction of the CDNA3 join: a negative
// product sum below the 31-bit grid rounds toward −∞, not toward zero, and
// an FP8 C far below the sum is dropped.
func TestAMDRoundsDown(t *testing.T) {
	p, _ := tensorcore.Lookup("mi300x-mfma-f16")
	f16 := numerics.FP16
	enc := func(x float64) uint32 { return f16.Encode(x, numerics.NearestEven, numerics.ToInf) }
	a, b := make([]uint32, 16), make([]uint32, 16)
	// Group 1: -2^-24 (one FP16 product) against C = 1: on the 2^-31 grid
	// below 2^0 it is exact, so D = RNE(1 - 2^-24) = 1 - 2^-24.
	a[0], b[0] = enc(-0x1p-12), enc(0x1p-12)
	d := math.Float32frombits(p.Dot(a, b, math.Float32bits(1)))
	if d != 1-0x1p-24 {
		t.Errorf("1 - 2^-24: got %g", d)
	}
	// Products -2^-25 and -2^-40 against C = 1: the product sum is floored
	// onto the 2^-31 grid to -(2^-25 + 2^-31), so 1 + sum lies below the
	// midpoint 1 - 2^-25 and rounds to 1 - 2^-24; truncation toward zero
	// would land on the midpoint and round to even, 1.
	a[0], b[0] = enc(-0x1p-12), enc(0x1p-13)
	a[1], b[1] = enc(-0x1p-20), enc(0x1p-20)
	if d := math.Float32frombits(p.Dot(a, b, math.Float32bits(1))); d != 1-0x1p-24 {
		t.Errorf("1 - 2^-25 - 2^-40: got %g, want 1 - 2^-24", d)
	}
	q, _ := tensorcore.Lookup("mi300x-mfma-e4m3fnuz-e4m3fnuz")
	e4 := numerics.E4M3FNUZ
	a8, b8 := make([]uint32, 32), make([]uint32, 32)
	a8[0], b8[0] = e4.Encode(128, numerics.NearestEven, numerics.Saturate), e4.Encode(128, numerics.NearestEven, numerics.Saturate)
	// 2^14 + C for a tiny negative C: C floored onto the 2^-10 grid of 24
	// fraction bits below 2^14 is one unit below zero, unless C lies more
	// than 25 binades below the sum and is dropped.
	for _, tc := range []struct {
		c    float32
		want float32
	}{
		{-0x1p-12, 0x1p14},           // 26 binades below: dropped
		{-0x1p-11, 0x1p14 - 0x1p-10}, // 25 below: floored to one unit below zero
	} {
		if d := math.Float32frombits(q.Dot(a8, b8, math.Float32bits(tc.c))); d != tc.want {
			t.Errorf("fp8 2^14 + %g: got %g, want %g", tc.c, d, tc.want)
		}
	}
}

// TestAMDPathChecks: NewPreset refuses AMD parameter sets the datapath
// cannot run.
func TestAMDPathChecks(t *testing.T) {
	f16 := numerics.FP16
	ok := tensorcore.Preset{Name: "x", A: f16, B: f16, K: 16, Step: tensorcore.Step{L: 8, F: 24, Out: tensorcore.RZFP32},
		AMD: &tensorcore.AMDPath{Kind: tensorcore.AMDFused, Group: 8}}
	if _, err := tensorcore.NewPreset(ok); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(p *tensorcore.Preset){
		"group not L":      func(p *tensorcore.Preset) { p.AMD = &tensorcore.AMDPath{Kind: tensorcore.AMDFused, Group: 4} },
		"FP16 accumulator": func(p *tensorcore.Preset) { p.Out = tensorcore.RNEFP16 },
		"separate C":       func(p *tensorcore.Preset) { p.SeparateC = true },
		"fused F":          func(p *tensorcore.Preset) { p.F = 25 },
		"pairwise F":       func(p *tensorcore.Preset) { p.AMD = &tensorcore.AMDPath{Kind: tensorcore.AMDPairwise, Group: 8} },
		"odd/even, pairwise": func(p *tensorcore.Preset) {
			p.F = 23
			p.AMD = &tensorcore.AMDPath{Kind: tensorcore.AMDPairwise, Group: 8, OddEven: true}
		},
	} {
		p := ok
		mod(&p)
		if _, err := tensorcore.NewPreset(p); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
