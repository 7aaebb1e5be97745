package tensorcore_test

// Special values and edges: one test per rule of docs/datapath.md §2 ("Special
// values and edges" and the .f16 accumulator paragraph). Every expectation is
// an explicit bit pattern derived from the rule as written, so that these
// tests can be held against a hardware recording of the same cases.
//
// For the h100-mma-* presets §2 does not state special-value rules; there the
// expectations follow from the §3 model (FP8 → FP16 exactly, two fused FP16
// steps that obey the same rules, then an IEEE FP32 add of C giving the
// canonical NaN). Those cases are marked "mma (§3-derived)".

import (
	"fmt"
	"testing"
)

// TestNaNOperandAnywhere: any NaN operand code, at any of the 32 positions,
// on either side, whatever the other operand (zero, finite, Inf) and
// whatever C, gives the canonical NaN.
func TestNaNOperandAnywhere(t *testing.T) {
	r := newRand(1)
	for _, pc := range allCases() {
		p := lookup(t, pc.name)
		for side := range 2 {
			nanFmt, otherFmt := pc.a, pc.b
			if side == 1 {
				nanFmt, otherFmt = pc.b, pc.a
			}
			for _, nan := range nanFmt.nans {
				for k := range 32 {
					// The partner of the NaN: zero (NaN·0), ±finite, or Inf.
					partners := []uint32{0x00, 0x80, otherFmt.one, otherFmt.neg1, otherFmt.max}
					if otherFmt.hasInf {
						partners = append(partners, otherFmt.inf, otherFmt.ninf)
					}
					for _, partner := range partners {
						a, b := randVec(r, pc.a), randVec(r, pc.b)
						if side == 0 {
							a[k], b[k] = nan, partner
						} else {
							a[k], b[k] = partner, nan
						}
						for _, c := range accSamples(pc) {
							if got := p.MMA(a, b, c); got != pc.nanCode() {
								t.Fatalf("%s: NaN %#02x on side %d at k=%d with partner %#02x, C=%#x: got %#x, want %#x",
									pc.name, nan, side, k, partner, c, got, pc.nanCode())
							}
						}
					}
				}
			}
		}
	}
}

// accSamples are accumulator values that must not change a NaN result:
// ±0, ±1, ±max finite, ±Inf.
func accSamples(pc presetCase) []uint32 {
	if pc.kind == wgmma16 {
		return []uint32{0x0000, 0x8000, 0x3C00, 0xBC00, 0x7BFF, 0xFBFF, f16Inf, f16NegInf}
	}
	return []uint32{0, f32NegZ, 0x3F800000, 0xBF800000, 0x7F7FFFFF, 0xFF7FFFFF, f32Inf, f32NegInf}
}

// TestNaNAccumulator: a NaN C of any payload and either sign gives the
// canonical NaN, with finite products, with an infinite product, and with
// products that would otherwise be Inf·0.
func TestNaNAccumulator(t *testing.T) {
	nan32 := []uint32{0x7FC00000, 0x7F800001, 0x7FBFFFFF, 0x7FFFFFFF, 0xFFFFFFFF, 0xFFC00000, 0xFF800001, 0x7FD23456}
	nan16 := []uint32{0x7E00, 0x7C01, 0x7DFF, 0x7FFF, 0xFFFF, 0xFE00, 0xFC01, 0x7D55}
	r := newRand(2)
	for _, pc := range allCases() {
		p := lookup(t, pc.name)
		nans := nan32
		if pc.kind == wgmma16 {
			nans = nan16
		}
		for _, c := range nans {
			for trial := range 20 {
				a, b := randVec(r, pc.a), randVec(r, pc.b)
				if trial == 0 {
					a, b = pad32(), pad32() // all-zero products
				}
				if got := p.MMA(a, b, c); got != pc.nanCode() {
					t.Fatalf("%s: C=%#x, finite products: got %#x, want %#x", pc.name, c, got, pc.nanCode())
				}
				if pc.b.hasInf {
					b[5] = pc.b.inf
					if got := p.MMA(a, b, c); got != pc.nanCode() {
						t.Fatalf("%s: C=%#x with an Inf operand: got %#x, want %#x", pc.name, c, got, pc.nanCode())
					}
				}
			}
		}
	}
}

// TestInfTimesZero: Inf·0 (either sign of each, at any position, on either
// side where the format has Inf) gives the canonical NaN, even when C is
// finite or infinite.
func TestInfTimesZero(t *testing.T) {
	r := newRand(3)
	for _, pc := range allCases() {
		p := lookup(t, pc.name)
		for side := range 2 {
			infFmt := pc.a
			if side == 1 {
				infFmt = pc.b
			}
			if !infFmt.hasInf {
				continue
			}
			for _, inf := range []uint32{infFmt.inf, infFmt.ninf} {
				for _, zero := range []uint32{0x00, 0x80} {
					for k := range 32 {
						a, b := randVec(r, pc.a), randVec(r, pc.b)
						if side == 0 {
							a[k], b[k] = inf, zero
						} else {
							a[k], b[k] = zero, inf
						}
						for _, c := range accSamples(pc) {
							if got := p.MMA(a, b, c); got != pc.nanCode() {
								t.Fatalf("%s: Inf %#02x · zero %#02x at k=%d (side %d), C=%#x: got %#x, want NaN %#x",
									pc.name, inf, zero, k, side, c, got, pc.nanCode())
							}
						}
					}
				}
			}
		}
	}
}

// TestInfProducts: +Inf product plus -Inf product gives NaN; otherwise an
// infinite product gives Inf of its sign whatever the finite terms; Inf·Inf
// follows the sign rule. Only presets with an E5M2 operand have Inf codes.
func TestInfProducts(t *testing.T) {
	r := newRand(4)
	for _, pc := range allCases() {
		if !pc.a.hasInf && !pc.b.hasInf {
			continue
		}
		p := lookup(t, pc.name)
		// An infinite operand on whichever side has Inf; its partner is a
		// finite non-zero code of the other side.
		inf := func(neg bool) (ac, bc uint32) {
			if pc.b.hasInf {
				ac, bc = pc.a.one, pc.b.inf
				if neg {
					bc = pc.b.ninf
				}
				return
			}
			ac, bc = pc.a.inf, pc.b.one
			if neg {
				ac = pc.a.ninf
			}
			return
		}
		for i := range 32 {
			for j := range 32 {
				if i == j {
					continue
				}
				// +Inf at i, -Inf at j: NaN (for mma (§3-derived) also when i
				// and j fall in different FP16 steps: the first step's Inf is
				// the second step's C).
				a, b := randVec(r, pc.a), randVec(r, pc.b)
				a[i], b[i] = inf(false)
				a[j], b[j] = inf(true)
				if got := p.MMA(a, b, 0); got != pc.nanCode() {
					t.Fatalf("%s: +Inf at k=%d, -Inf at k=%d: got %#x, want %#x", pc.name, i, j, got, pc.nanCode())
				}
				// Two infinities of one sign: Inf of that sign.
				for _, neg := range []bool{false, true} {
					a, b := randVec(r, pc.a), randVec(r, pc.b)
					a[i], b[i] = inf(neg)
					a[j], b[j] = inf(neg)
					if got := p.MMA(a, b, 0); got != pc.infCode(neg) {
						t.Fatalf("%s: two Inf (neg=%v) at %d,%d: got %#x, want %#x", pc.name, neg, i, j, got, pc.infCode(neg))
					}
				}
			}
		}
		// One infinite product among the largest finite products of the
		// opposite sign, finite C of the opposite sign: Inf of the product's sign.
		for _, neg := range []bool{false, true} {
			a, b := make([]uint32, 32), make([]uint32, 32)
			for k := range 32 {
				a[k], b[k] = pc.a.max, pc.b.max
				if !neg {
					a[k] |= 0x80 // finite products negative when Inf is positive
				}
			}
			a[17], b[17] = inf(neg)
			c := uint32(0xFF7FFFFF)
			if pc.kind == wgmma16 {
				c = 0xFBFF
			}
			if neg {
				c &^= pc.signBit()
			}
			if got := p.MMA(a, b, c); got != pc.infCode(neg) {
				t.Errorf("%s: one Inf product (neg=%v) among max finite of opposite sign: got %#x, want %#x",
					pc.name, neg, got, pc.infCode(neg))
			}
		}
		// Inf·Inf and its signs, including -Inf·-Inf = +Inf, only where both
		// sides have Inf (e5m2-e5m2).
		if pc.a.hasInf && pc.b.hasInf {
			for _, tc := range []struct {
				a, b uint32
				neg  bool
			}{{e5m2Inf, e5m2Inf, false}, {e5m2NegInf, e5m2NegInf, false}, {e5m2Inf, e5m2NegInf, true}, {e5m2NegInf, e5m2Inf, true}} {
				if got := p.MMA(pad32(tc.a), pad32(tc.b), 0); got != pc.infCode(tc.neg) {
					t.Errorf("%s: %#02x·%#02x: got %#x, want %#x", pc.name, tc.a, tc.b, got, pc.infCode(tc.neg))
				}
			}
		}
	}
}

// TestInfAccumulator: Inf C plus an infinite product of the opposite sign is
// NaN; of the same sign, Inf; an infinite C with finite products (however
// large, of the opposite sign) stays Inf of C's sign.
func TestInfAccumulator(t *testing.T) {
	r := newRand(5)
	for _, pc := range allCases() {
		p := lookup(t, pc.name)
		for _, cneg := range []bool{false, true} {
			c := pc.infCode(cneg)
			// Finite products, random and then all of the largest magnitude
			// and opposite sign.
			for range 50 {
				a, b := randVec(r, pc.a), randVec(r, pc.b)
				if got := p.MMA(a, b, c); got != c {
					t.Fatalf("%s: C=%#x with random finite products: got %#x, want %#x", pc.name, c, got, c)
				}
			}
			a, b := make([]uint32, 32), make([]uint32, 32)
			for k := range 32 {
				a[k], b[k] = pc.a.max, pc.b.max
				if !cneg {
					a[k] |= 0x80
				}
			}
			if got := p.MMA(a, b, c); got != c {
				t.Errorf("%s: C=%#x with 32 max products of the opposite sign: got %#x, want %#x", pc.name, c, got, c)
			}
			if !pc.b.hasInf {
				continue
			}
			for _, pneg := range []bool{false, true} {
				for _, k := range []int{0, 2, 31} {
					a, b := randVec(r, pc.a), randVec(r, pc.b)
					a[k], b[k] = pc.a.one, pc.b.inf
					if pneg {
						b[k] = pc.b.ninf
					}
					want := c
					if pneg != cneg {
						want = pc.nanCode()
					}
					if got := p.MMA(a, b, c); got != want {
						t.Errorf("%s: C=%#x, Inf product (neg=%v) at k=%d: got %#x, want %#x", pc.name, c, pneg, k, got, want)
					}
				}
			}
		}
	}
}

// TestNoNegativeZero: an exact-zero sum gives +0 — with C = -0, with all
// products ±0, with exactly cancelling products a·b + (-a)·b, and with C
// exactly cancelling the products.
func TestNoNegativeZero(t *testing.T) {
	r := newRand(6)
	for _, pc := range allCases() {
		p := lookup(t, pc.name)
		negZ := pc.signBit()
		negOneAcc := uint32(0xBF800000) // -1.0
		if pc.kind == wgmma16 {
			negOneAcc = 0xBC00
		}
		all := func(c uint32) []uint32 {
			v := make([]uint32, 32)
			for i := range v {
				v[i] = c
			}
			return v
		}
		cases := []struct {
			what string
			a, b []uint32
			c    uint32
		}{
			{"all +0, C=+0", pad32(), pad32(), 0},
			{"all +0, C=-0", pad32(), pad32(), negZ},
			{"all products -0 (A=-0), C=-0", all(0x80), all(pc.b.one), negZ},
			{"all products -0 (B=-0), C=-0", all(pc.a.max), all(0x80), negZ},
			{"-0·-0, C=-0", all(0x80), all(0x80), negZ},
			{"1·1 + (-1)·1, C=-0", pad32(pc.a.one, pc.a.neg1), pad32(pc.b.one, pc.b.one), negZ},
			{"1·1 + 1·(-1), C=+0", pad32(pc.a.one, pc.a.one), pad32(pc.b.one, pc.b.neg1), 0},
			{"1·1 + C=-1", pad32(pc.a.one), pad32(pc.b.one), negOneAcc},
			{"(-1)·1 + (-1)·1 + 1·1 + 1·1 at k=0,2,1,3, C=-0", pad32(pc.a.neg1, pc.a.one, pc.a.neg1, pc.a.one), pad32(pc.b.one, pc.b.one, pc.b.one, pc.b.one), negZ},
			// For mma, k=0 and k=2 are in different FP16 steps.
			{"1·1 at k=0, (-1)·1 at k=2, C=-0", pad32(pc.a.one, 0, pc.a.neg1), pad32(pc.b.one, 0, pc.b.one), negZ},
		}
		for _, tc := range cases {
			if got := p.MMA(tc.a, tc.b, tc.c); got != 0 {
				t.Errorf("%s: %s: got %#x, want +0", pc.name, tc.what, got)
			}
		}
		// Random exactly cancelling vectors: 16 random products and their
		// negations at random positions (for mma, within one FP16 step, whose
		// truncations are symmetric), C = ±0.
		for range 200 {
			a, b := make([]uint32, 32), make([]uint32, 32)
			for _, g := range stepGroups(pc) {
				g = append([]int(nil), g...)
				r.Shuffle(len(g), func(i, j int) { g[i], g[j] = g[j], g[i] })
				for i := 0; i+1 < len(g); i += 2 {
					x, y := pc.a.randFinite(r), pc.b.randFinite(r)
					a[g[i]], b[g[i]] = x, y
					a[g[i+1]], b[g[i+1]] = x^0x80, y
				}
			}
			for _, c := range []uint32{0, negZ} {
				if got := p.MMA(a, b, c); got != 0 {
					t.Fatalf("%s: cancelling products %x·%x, C=%#x: got %#x, want +0", pc.name, a, b, c, got)
				}
			}
		}
	}
}

// TestNoNegativeZeroAfterTruncation (FP32 wgmma): a negative C whose low bits
// fall below the grid and a product that cancels what is left give an exact
// zero sum, hence +0. C = -(1 + 2^-20) = 0xBF800008, product 1·1: e_max = 0,
// grid 2^-13, C truncates toward zero to -1, sum = 0 → +0. (Floor would give
// -1 - 2^-13 and a sum of -2^-13 = 0xB9000000.)
func TestNoNegativeZeroAfterTruncation(t *testing.T) {
	for _, pc := range casesOf(wgmma32) {
		p := lookup(t, pc.name)
		if got := p.MMA(pad32(pc.a.one), pad32(pc.b.one), 0xBF800008); got != 0 {
			t.Errorf("%s: got %#x, want +0", pc.name, got)
		}
	}
}

// TestNoOverflowFP32: with finite inputs the FP8→FP32 path cannot overflow.
// The largest C, 0x7F7FFFFF = (2 - 2^-23)·2^127, is the e_max term (field
// exponent 127): grid 2^(127-13) = 2^114; C truncated onto it keeps its top
// 14 significant bits, 1.1111111111111b·2^127 = 0x7F7FFC00; the products,
// at most 32·57344² < 2^37, are far below the grid and vanish.
func TestNoOverflowFP32(t *testing.T) {
	for _, pc := range casesOf(wgmma32) {
		p := lookup(t, pc.name)
		maxA, maxB, negA := make([]uint32, 32), make([]uint32, 32), make([]uint32, 32)
		for k := range 32 {
			maxA[k], maxB[k], negA[k] = pc.a.max, pc.b.max, pc.a.max|0x80
		}
		for _, tc := range []struct {
			what string
			a    []uint32
			c    uint32
			want uint32
		}{
			{"max C alone", pad32(), 0x7F7FFFFF, 0x7F7FFC00},
			{"max C + 32 max products", maxA, 0x7F7FFFFF, 0x7F7FFC00},
			{"-max C alone", pad32(), 0xFF7FFFFF, 0xFF7FFC00},
			{"-max C + 32 max positive products", maxA, 0xFF7FFFFF, 0xFF7FFC00},
			// Products of the opposite sign also vanish (toward zero, not
			// one grid unit down).
			{"max C + 32 max negative products", negA, 0x7F7FFFFF, 0x7F7FFC00},
			{"-max C + 32 max negative products", negA, 0xFF7FFFFF, 0xFF7FFC00},
			{"max C + small product 1·1", pad32(pc.a.one), 0x7F7FFFFF, 0x7F7FFC00},
			{"2^127 C + 32 max products", maxA, 0x7F000000, 0x7F000000},
		} {
			b := maxB
			if got := p.MMA(tc.a, b, tc.c); got != tc.want {
				t.Errorf("%s: %s: got %#x, want %#x", pc.name, tc.what, got, tc.want)
			}
		}
	}
}

// TestSubnormalAccumulator (FP32 wgmma): an FP32-subnormal C is not flushed.
// It counts at its field exponent -126 (not at its leading bit), so with all
// products zero e_max = max(-126, ZeroExp -133) = -126 and the grid is
// 2^-139 = 2^10 subnormal units (2^-149): the code's low 10 bits are
// truncated toward zero, and anything below 2^-139 becomes +0.
func TestSubnormalAccumulator(t *testing.T) {
	type tc struct {
		what string
		a, b []uint32
		c    uint32
		want uint32
	}
	for _, pc := range casesOf(wgmma32) {
		p := lookup(t, pc.name)
		one, oneB := pc.a.one, pc.b.one
		cases := []tc{
			// 0x7FFFFF·2^-149 → 0x1FFF·2^-139 → code 0x7FFC00.
			{"largest subnormal", nil, nil, 0x007FFFFF, 0x007FFC00},
			{"-largest subnormal", nil, nil, 0x807FFFFF, 0x807FFC00},
			// 0x401 units: a leading-bit exponent (-139) would keep all of
			// it; the field exponent -126 puts the grid at 2^-139 = 0x400.
			{"0x401 units", nil, nil, 0x00000401, 0x00000400},
			{"exactly one grid unit", nil, nil, 0x00000400, 0x00000400},
			{"0x12345 units", nil, nil, 0x00012345, 0x00012000},
			// Sign-magnitude: -0x7FF units → -0x400 units, not -0x800.
			{"-0x7FF units", nil, nil, 0x800007FF, 0x80000400},
			// Below the grid: +0, also for a negative C.
			{"0x3FF units", nil, nil, 0x000003FF, 0},
			{"-0x3FF units", nil, nil, 0x800003FF, 0},
			{"smallest subnormal", nil, nil, 0x00000001, 0},
			{"-smallest subnormal", nil, nil, 0x80000001, 0},
			// The smallest normal 2^-126 (field exponent -126, sig 2^23):
			// on the grid, kept.
			{"smallest normal", nil, nil, 0x00800000, 0x00800000},
			// 2^-126 + 0x3FF units: 0x8003FF → grid 0x400 → 0x800000.
			{"smallest normal + 0x3FF units", nil, nil, 0x008003FF, 0x00800000},
			// A product 1·1 = 1 sets e_max = 0, grid 2^-13: the subnormal C
			// vanishes, D = 1.0 exactly.
			{"1·1 + largest subnormal", pad32(one), pad32(oneB), 0x007FFFFF, 0x3F800000},
			{"1·1 - largest subnormal", pad32(one), pad32(oneB), 0x807FFFFF, 0x3F800000},
		}
		if pc.a.name == "e4m3" && pc.b.name == "e4m3" {
			cases = append(cases,
				// The smallest e4m3 product 2^-9·2^-9 = 2^-18 (field exponent
				// -12, e_max -12, grid 2^-25) swamps a subnormal C:
				// D = 2^-18 = 0x36800000.
				tc{"2^-18 product + subnormal C", pad32(0x01), pad32(0x01), 0x007FFFFF, 0x36800000},
				// A normal C = 2^-20 (0x35800000) is on that grid:
				// 2^-18 + 2^-20 = 1.25·2^-18 = 0x36A00000.
				tc{"2^-18 product + C 2^-20", pad32(0x01), pad32(0x01), 0x35800000, 0x36A00000},
				// C = 2^-26 (0x32800000) is below the 2^-25 grid: D = 2^-18.
				tc{"2^-18 product + C 2^-26", pad32(0x01), pad32(0x01), 0x32800000, 0x36800000},
			)
		}
		for _, c := range cases {
			a, b := c.a, c.b
			if a == nil {
				a, b = pad32(), pad32()
			}
			if got := p.MMA(a, b, c.c); got != c.want {
				t.Errorf("%s: %s: C=%#08x: got %#08x, want %#08x", pc.name, c.what, c.c, got, c.want)
			}
		}
	}
}

// TestSubnormalAccumulatorAll (FP32 wgmma): every subnormal C with zero
// products gives (C with its low 10 bits cleared), and +0 when that is zero.
func TestSubnormalAccumulatorAll(t *testing.T) {
	p := lookup(t, "h100-wgmma-e4m3-e4m3")
	z := pad32()
	for m := uint32(1); m < 1<<23; m += 37 {
		for _, s := range []uint32{0, f32NegZ} {
			want := m &^ 0x3FF
			if want != 0 {
				want |= s
			}
			if got := p.MMA(z, z, s|m); got != want {
				t.Fatalf("C=%#08x: got %#08x, want %#08x", s|m, got, want)
			}
		}
	}
}

// TestF16AccRounding: the .f16 accumulator runs the same fused step (F = 13,
// C an FP16 term) and then ONE round-to-nearest-even straight to FP16.
func TestF16AccRounding(t *testing.T) {
	// e4m3 codes: 0.5 = 0x30, 2^-5 = 0x10, 2^-6 = 0x08, 2^-7 = 0x04
	// (subnormal 4·2^-9), 1.0 = 0x38, 2.0 = 0x40, 4.0 = 0x48,
	// 3.75 = 0x47, 448 = 0x7E.
	cases := []struct {
		what string
		a, b []uint32
		c    uint32
		want uint32
	}{
		// Four products 0.5·0.5 (field exponent -2, so e_max = -2 and the
		// grid is 2^-15) + 2^-5·2^-6 = 2^-11 + 2^-7·2^-7 = 2^-14 (field
		// exponent -12): all on the grid, exact sum 1 + 2^-11 + 2^-14.
		// FP16 near 1 has ulp 2^-10; the sum lies 2^-14 above the midpoint
		// 1 + 2^-11, so one RNE gives 1 + 2^-10 = 0x3C01. Through RZ-E8M13
		// first (14 bits, down to 2^-13) it would become exactly the
		// midpoint, and ties-to-even would give 0x3C00.
		{"single RNE above a midpoint", pad32(0x30, 0x30, 0x30, 0x30, 0x10, 0x04), pad32(0x30, 0x30, 0x30, 0x30, 0x08, 0x04), 0, 0x3C01},
		{"single RNE above a midpoint, negative", pad32(0xB0, 0xB0, 0xB0, 0xB0, 0x90, 0x84), pad32(0x30, 0x30, 0x30, 0x30, 0x08, 0x04), 0, 0xBC01},
		// Without the 2^-14: exactly the midpoint, ties to even → 1.0.
		{"tie to even down", pad32(0x30, 0x30, 0x30, 0x30, 0x10), pad32(0x30, 0x30, 0x30, 0x30, 0x08), 0, 0x3C00},
		// 1 + 2^-10 + 2^-11: midpoint between 0x3C01 (odd) and 0x3C02 → 0x3C02.
		{"tie to even up", pad32(0x30, 0x30, 0x30, 0x30, 0x10, 0x10), pad32(0x30, 0x30, 0x30, 0x30, 0x08, 0x10), 0, 0x3C02},
		// C = 1.0 (FP16 0x3C00, field exponent 0) is a term of the fused
		// step: e_max = 0, grid 2^-13, so the 2^-14 product is truncated
		// away and the sum 1 + 2^-11 is a tie → 0x3C00. (Adding C after an
		// RNE of the products would give 0x3C01.)
		{"C is a term of the fused step", pad32(0x10, 0x04), pad32(0x08, 0x04), 0x3C00, 0x3C00},
		// Products alone (e_max = -11, grid 2^-24): 2^-11 + 2^-14 exact,
		// = 1.125·2^-11 → FP16 field 4, mantissa 0x080 → 0x1080.
		{"products alone", pad32(0x10, 0x04), pad32(0x08, 0x04), 0, 0x1080},
		// Overflow: 32 products 448·448 = 200704 sum to 6422528 > 65504 → +Inf.
		{"overflow +", fill(0x7E), fill(0x7E), 0, f16Inf},
		{"overflow -", fill(0xFE), fill(0x7E), 0, f16NegInf},
		// One product already exceeds FP16: 448·448 = 200704 → Inf.
		{"one product overflows", pad32(0x7E), pad32(0x7E), 0, f16Inf},
		// C = 65504 (0x7BFF, field exponent 15, grid 2^2). + 2·4 = 8:
		// 65512 is below the midpoint 65520 → 0x7BFF.
		{"65504 + 8", pad32(0x40), pad32(0x48), 0x7BFF, 0x7BFF},
		// + 3.75·4 = 15, truncated onto the 2^2 grid to 12: 65516 → 0x7BFF.
		{"65504 + 15", pad32(0x47), pad32(0x48), 0x7BFF, 0x7BFF},
		// + 4·4 = 16: 65520 is the midpoint to 65536, 0x7BFF is odd, so
		// RNE goes up, out of range → +Inf.
		{"65504 + 16", pad32(0x48), pad32(0x48), 0x7BFF, f16Inf},
		{"-65504 - 16", pad32(0xC8), pad32(0x48), 0xFBFF, f16NegInf},
		// FP16 subnormal C (field exponent -14): C = 0x0001 (2^-24) with
		// zero products is kept exactly (grid 2^-27).
		{"subnormal C kept", pad32(), pad32(), 0x0001, 0x0001},
		{"-subnormal C kept", pad32(), pad32(), 0x8001, 0x8001},
		// 1·1 + C = 2^-24: grid 2^-13 drops C → 0x3C00.
		{"subnormal C below grid", pad32(0x38), pad32(0x38), 0x0001, 0x3C00},
		// 1·1 + C = 0x3C01 (1 + 2^-10, field exponent 0): exact 2 + 2^-10,
		// a tie between 2 (even) and 2 + 2^-9 → 0x4000.
		{"1 + (1 + 2^-10) tie", pad32(0x38), pad32(0x38), 0x3C01, 0x4000},
	}
	for _, name := range []string{"h100-wgmma-e4m3-e4m3-f16acc"} {
		p := lookup(t, name)
		for _, tc := range cases {
			if got := p.MMA(tc.a, tc.b, tc.c); got != tc.want {
				t.Errorf("%s: %s: got %#04x, want %#04x", name, tc.what, got, tc.want)
			}
		}
	}
	// e5m2 f16acc: 32·57344² overflows to Inf; 1.0 = 0x3C.
	for _, name := range []string{"h100-wgmma-e5m2-e5m2-f16acc", "h100-wgmma-e4m3-e5m2-f16acc", "h100-wgmma-e5m2-e4m3-f16acc"} {
		p := lookup(t, name)
		pc := presetCaseOf(name)
		if got := p.MMA(fill(pc.a.max), fill(pc.b.max), 0); got != f16Inf {
			t.Errorf("%s: 32 max products: got %#04x, want +Inf", name, got)
		}
		if got := p.MMA(fill(pc.a.max|0x80), fill(pc.b.max), 0); got != f16NegInf {
			t.Errorf("%s: 32 -max products: got %#04x, want -Inf", name, got)
		}
		if got := p.MMA(pad32(pc.a.one), pad32(pc.b.one), 0x3C00); got != 0x4000 {
			t.Errorf("%s: 1·1 + 1: got %#04x, want 0x4000", name, got)
		}
	}
}

// TestF16AccUnderflowSign: a non-zero sum smaller than half the smallest
// FP16 subnormal rounds to zero. With e5m2 operands this happens: the
// product -2^-16·2^-16 = -2^-32 is the whole sum. §2 says "No output is ever
// −0" but explains it only for exact-zero sums; IEEE RNE of a negative value
// gives -0. The rule does not settle the sign, so only "a zero" is asserted.
// AMBIGUOUS (§2, "No output is ever −0" vs the .f16 RNE): the model returns
// the IEEE -0 (0x8000); a hardware recording should decide.
func TestF16AccUnderflowSign(t *testing.T) {
	p := lookup(t, "h100-wgmma-e5m2-e5m2-f16acc")
	if got := p.MMA(pad32(0x01), pad32(0x01), 0); got != 0 {
		t.Errorf("+2^-32: got %#04x, want +0", got)
	}
	got := p.MMA(pad32(0x81), pad32(0x01), 0)
	if got != 0 && got != f16NegZ {
		t.Errorf("-2^-32: got %#04x, want a zero", got)
	}
	t.Logf("-2^-32 under .f16 RNE gives %#04x (sign of zero unsettled by §2)", got)
}

// TestMixedDecode: e4m3×e5m2 decodes each side with its own format.
func TestMixedDecode(t *testing.T) {
	cases := []struct {
		preset string
		a, b   uint32
		want   uint32
	}{
		// e4m3 0x38 = 1.0, e5m2 0x3C = 1.0: 1.0.
		{"h100-wgmma-e4m3-e5m2", 0x38, 0x3C, 0x3F800000},
		{"h100-wgmma-e5m2-e4m3", 0x3C, 0x38, 0x3F800000},
		// The same codes read the other way: e4m3 0x3C = 1.5, e5m2 0x38 =
		// 0.5 → 0.75 = 0x3F400000.
		{"h100-wgmma-e4m3-e5m2", 0x3C, 0x38, 0x3F400000},
		{"h100-wgmma-e5m2-e4m3", 0x38, 0x3C, 0x3F400000},
		// e4m3 0x7E = 448 (finite) times e5m2 1.0: 448 = 0x43E00000; in
		// e5m2, 0x7E is a NaN.
		{"h100-wgmma-e4m3-e5m2", 0x7E, 0x3C, 0x43E00000},
		{"h100-wgmma-e4m3-e5m2", 0x38, 0x7E, f32NaN},
		// e4m3 0x7C = 1.5·2^8 = 384 (finite); in e5m2 0x7C is +Inf.
		{"h100-wgmma-e4m3-e5m2", 0x7C, 0x3C, 0x43C00000},
		{"h100-wgmma-e4m3-e5m2", 0x38, 0x7C, f32Inf},
		{"h100-wgmma-e5m2-e4m3", 0x7C, 0x38, f32Inf},
		{"h100-wgmma-e5m2-e4m3", 0x3C, 0x7C, 0x43C00000},
		// e4m3 0x7F is NaN; e5m2 0x7B = 57344 finite.
		{"h100-wgmma-e4m3-e5m2", 0x7F, 0x3C, f32NaN},
		// e4m3 subnormal 0x01 = 2^-9, e5m2 subnormal 0x01 = 2^-16:
		// 2^-25 = 0x33000000.
		{"h100-wgmma-e4m3-e5m2", 0x01, 0x01, 0x33000000},
		// f16acc: 0x38·0x3C = 1.0 → 0x3C00; 0x3C·0x38 = 0.75 → 0x3A00.
		{"h100-wgmma-e4m3-e5m2-f16acc", 0x38, 0x3C, 0x3C00},
		{"h100-wgmma-e4m3-e5m2-f16acc", 0x3C, 0x38, 0x3A00},
		// mma (§3-derived): each side converted to FP16 from its own format.
		{"h100-mma-e4m3-e5m2", 0x38, 0x3C, 0x3F800000},
		{"h100-mma-e4m3-e5m2", 0x3C, 0x38, 0x3F400000},
		{"h100-mma-e4m3-e5m2", 0x7C, 0x3C, 0x43C00000},
		{"h100-mma-e4m3-e5m2", 0x38, 0x7C, f32Inf},
	}
	for _, tc := range cases {
		p := lookup(t, tc.preset)
		for _, k := range []int{0, 13, 31} {
			a, b := make([]uint32, 32), make([]uint32, 32)
			a[k], b[k] = tc.a, tc.b
			if got := p.MMA(a, b, 0); got != tc.want {
				t.Errorf("%s: %#02x·%#02x at k=%d: got %#x, want %#x", tc.preset, tc.a, tc.b, k, got, tc.want)
			}
		}
	}
}

// TestTruncationSignMagnitude: step 5 truncates every term toward zero in
// sign-magnitude, and the E8M13 conversion truncates the sum toward zero;
// a floor (toward -Inf) would differ.
func TestTruncationSignMagnitude(t *testing.T) {
	cases := []struct {
		what string
		a, b []uint32
		c    uint32
		want uint32
	}{
		// 1·1 + (-2^-7)·2^-7: e_max = 0, grid 2^-13; -2^-14 truncates to 0
		// → 1.0 = 0x3F800000. Floor would take it to -2^-13, giving
		// 1 - 2^-13 = 0x3F7FF800; the exact value 1 - 2^-14 truncated to 14
		// bits would be 0x3F7FFC00.
		{"negative product below grid", pad32(0x38, 0x84), pad32(0x38, 0x04), 0, 0x3F800000},
		// Mirror image: -1 + 2^-14 → -1.0.
		{"positive product below grid", pad32(0xB8, 0x04), pad32(0x38, 0x04), 0, 0xBF800000},
		// C = -(1 + 2^-20) = 0xBF800008 and product 2·1: e_max = 1, grid
		// 2^-12: C → -1; sum 1.0. Floor would give 1 - 2^-12 = 0x3F7FF000.
		{"negative C below grid", pad32(0x40), pad32(0x38), 0xBF800008, 0x3F800000},
		// Final RZ-E8M13 of a negative sum: (-4)·4 twice + (-2^-3)·2^-6:
		// e_max = 4, grid 2^-9, exact sum -(32 + 2^-9) (15 significant
		// bits) → toward zero -32 = 0xC2000000; floor would give
		// -(32 + 2^-8) = 0xC2000400.
		{"negative sum truncated", pad32(0xC8, 0xC8, 0xA0), pad32(0x48, 0x48, 0x08), 0, 0xC2000000},
		{"positive sum truncated", pad32(0x48, 0x48, 0x20), pad32(0x48, 0x48, 0x08), 0, 0x42000000},
	}
	for _, pc := range []string{"h100-wgmma-e4m3-e4m3"} {
		p := lookup(t, pc)
		for _, tc := range cases {
			if got := p.MMA(tc.a, tc.b, tc.c); got != tc.want {
				t.Errorf("%s: %s: got %#08x, want %#08x", pc, tc.what, got, tc.want)
			}
		}
	}
	// Products far below the grid of a large C truncate to 0 whatever their
	// sign: C = 2^e (e = 30..127), one product (-1)·1 (exponent 0, grid
	// 2^(e-13)): D = C. A floor would give C - 2^(e-13), i.e. C's code
	// minus 2^10 (for e ≥ 14).
	for _, pc := range casesOf(wgmma32) {
		p := lookup(t, pc.name)
		for e := 30; e <= 127; e++ {
			c := uint32(e+127) << 23
			for _, tc := range []struct {
				a, b []uint32
			}{
				{pad32(pc.a.neg1), pad32(pc.b.one)},
				{fill(pc.a.neg1), fill(pc.b.max)},
				{pad32(pc.a.one), pad32(pc.b.one)},
			} {
				if got := p.MMA(tc.a, tc.b, c); got != c {
					t.Fatalf("%s: C = 2^%d (%#08x), products %x·%x: got %#08x, want %#08x", pc.name, e, c, tc.a[:2], tc.b[:2], got, c)
				}
				if got := p.MMA(tc.a, tc.b, c|f32NegZ); got != c|f32NegZ {
					t.Fatalf("%s: C = -2^%d, products %x·%x: got %#08x, want %#08x", pc.name, e, tc.a[:2], tc.b[:2], got, c|f32NegZ)
				}
			}
		}
	}
	// The same for the .f16 accumulator: C = 2^15 (0x7800), a product
	// -2^-16·2^-16 = -2^-32 (e5m2) far below the grid 2^2: D = 0x7800.
	p16 := lookup(t, "h100-wgmma-e5m2-e5m2-f16acc")
	if got := p16.MMA(pad32(0x81), pad32(0x01), 0x7800); got != 0x7800 {
		t.Errorf("f16acc: 2^15 - 2^-32: got %#04x, want 0x7800", got)
	}
}

// TestExponentRules: e_max includes C's exponent; exponents are field
// exponents (subnormals at the format's minimum normal exponent); products
// are not renormalised; the grid is 2^(e_max-13).
func TestExponentRules(t *testing.T) {
	cases := []struct {
		preset string
		what   string
		a, b   []uint32
		c      uint32
		want   uint32
	}{
		// C = 2^20 (0x49800000) sets e_max = 20, grid 2^7: the product
		// 1·1 vanishes → D = 2^20.
		{"h100-wgmma-e4m3-e4m3", "C wins e_max", pad32(0x38), pad32(0x38), 0x49800000, 0x49800000},
		// C = 2^20 + 448·448 = 200704 = 1568·2^7 (on the grid): 1249280 =
		// 1.19140625·2^20 (9760 units of 2^7, 14 bits) = 0x49988000.
		{"h100-wgmma-e4m3-e4m3", "C wins e_max, product on grid", pad32(0x7E), pad32(0x7E), 0x49800000, 0x49988000},
		// Without C the product 1 + 2^-13 is kept: 1·1 + 2^-6·2^-7.
		{"h100-wgmma-e4m3-e4m3", "grid 2^-13 at e_max 0", pad32(0x38, 0x08), pad32(0x38, 0x04), 0, 0x3F800400},
		// With C = 2.0 (0x40000000) e_max = 1, grid 2^-12, 2^-13 dropped:
		// 2 + 1 = 3 = 0x40400000.
		{"h100-wgmma-e4m3-e4m3", "C raises the grid", pad32(0x38, 0x08), pad32(0x38, 0x04), 0x40000000, 0x40400000},
		// Not renormalised: 1.75·1.75 = 3.0625 has field exponent 0, grid
		// 2^-13; two products 2^-6·2^-7 = 2^-13 are kept: 3.0625 + 2^-12 =
		// 0x40440400. (A renormalised e_max of 1 would drop them: 0x40440000.)
		{"h100-wgmma-e4m3-e4m3", "product significand not renormalised", pad32(0x3E, 0x08, 0x08), pad32(0x3E, 0x04, 0x04), 0, 0x40440400},
		// Field exponent of subnormals: e5m2 0x01 = 0.25·2^-14 (= 2^-16);
		// 0x01·1.0 has field exponent -14, grid 2^-27; 0x01·2^-13 (e5m2
		// 0x08) = 2^-29 is below it and vanishes: D = 2^-16 = 0x37800000.
		// (A leading-bit exponent -16 would keep it: 0x37800400.)
		{"h100-wgmma-e5m2-e5m2", "subnormal field exponent", pad32(0x01, 0x01), pad32(0x3C, 0x08), 0, 0x37800000},
		// 32 products 2^-7·2^-7 = 2^-14 (field exponent -12): e_max = -12,
		// grid 2^-25, exact sum 2^-9 = 0x3B000000; with C = 1.0, e_max = 0
		// and grid 2^-13, all 32 vanish: 0x3F800000 (exact 1 + 2^-9).
		{"h100-wgmma-e4m3-e4m3", "32 tiny products", fill(0x04), fill(0x04), 0, 0x3B000000},
		{"h100-wgmma-e4m3-e4m3", "32 tiny products + C=1", fill(0x04), fill(0x04), 0x3F800000, 0x3F800000},
	}
	for _, tc := range cases {
		p := lookup(t, tc.preset)
		if got := p.MMA(tc.a, tc.b, tc.c); got != tc.want {
			t.Errorf("%s: %s: got %#08x, want %#08x", tc.preset, tc.what, got, tc.want)
		}
	}
}

func fill(c uint32) []uint32 {
	v := make([]uint32, 32)
	for i := range v {
		v[i] = c
	}
	return v
}

func presetCaseOf(name string) presetCase {
	for _, pc := range allCases() {
		if pc.name == name {
			return pc
		}
	}
	panic(fmt.Sprintf("no preset case %s", name))
}

// stepGroups lists the positions of each hardware step of an instruction:
// all 32 for wgmma; k mod 4 in {0,1}, then {2,3} for mma.sync (§3).
func stepGroups(pc presetCase) [][]int {
	if pc.kind != mmaSync {
		g := make([]int, 32)
		for k := range g {
			g[k] = k
		}
		return [][]int{g}
	}
	var g0, g1 []int
	for k := range 32 {
		if k%4 < 2 {
			g0 = append(g0, k)
		} else {
			g1 = append(g1, k)
		}
	}
	return [][]int{g0, g1}
}
