package numerics

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// p2 returns 2^k.
func p2(k int) float64 { return math.Ldexp(1, k) }

// sameFloat reports whether two float64s are the same value: identical
// bits, or both NaN.
func sameFloat(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Float64bits(a) == math.Float64bits(b)
}

// TestConstants pins each format's landmarks to values written out by hand
// from the format definitions.
func TestConstants(t *testing.T) {
	const none = ^uint32(0)
	tests := []struct {
		f                        Format
		bits                     int
		maxCode                  uint32
		max                      float64
		minSubCode               uint32 // code of the smallest positive value
		minSub                   float64
		minNormCode              uint32
		minNorm                  float64
		nan, inf, sign           uint32
		minExp, maxExp, numCodes int
	}{
		{E4M3, 8, 0x7E, 448, 0x01, p2(-9), 0x08, p2(-6), 0x7F, none, 0x80, -6, 8, 256},
		{E5M2, 8, 0x7B, 57344, 0x01, p2(-16), 0x04, p2(-14), 0x7F, 0x7C, 0x80, -14, 15, 256},
		{FP16, 16, 0x7BFF, 65504, 0x0001, p2(-24), 0x0400, p2(-14), 0x7FFF, 0x7C00, 0x8000, -14, 15, 1 << 16},
		{BF16, 16, 0x7F7F, (2 - p2(-7)) * p2(127), 0x0001, p2(-133), 0x0080, p2(-126), 0x7FFF, 0x7F80, 0x8000, -126, 127, 1 << 16},
		{TF32, 19, 0x3FBFF, (2 - p2(-10)) * p2(127), 0x00001, p2(-136), 0x00400, p2(-126), 0x3FFFF, 0x3FC00, 0x40000, -126, 127, 1 << 19},
		{FP32, 32, 0x7F7FFFFF, math.MaxFloat32, 0x00000001, p2(-149), 0x00800000, p2(-126), 0x7FFFFFFF, 0x7F800000, 0x80000000, -126, 127, 1 << 32},
		{E2M1, 4, 0x7, 6, 0x1, 0.5, 0x2, 1, none, none, 0x8, 0, 2, 16},
		{UE4M3, 7, 0x7E, 448, 0x01, p2(-9), 0x08, p2(-6), 0x7F, none, 0, -6, 8, 128},
		// E8M0 has no subnormals and no zero: code 0 is 2^-127, the
		// smallest value and the smallest "normal" one.
		{E8M0, 8, 0xFE, p2(127), 0x00, p2(-127), 0x00, p2(-127), 0xFF, none, 0, -127, 127, 256},
	}
	for _, tc := range tests {
		f := tc.f
		if f.Bits() != tc.bits || f.NumCodes() != tc.numCodes {
			t.Errorf("%s: Bits, NumCodes = %d, %d, want %d, %d", f, f.Bits(), f.NumCodes(), tc.bits, tc.numCodes)
		}
		if got := f.MaxFinite(); got != tc.maxCode {
			t.Errorf("%s: MaxFinite() = %#x, want %#x", f, got, tc.maxCode)
		}
		if got := f.Decode(tc.maxCode); got != tc.max {
			t.Errorf("%s: Decode(max %#x) = %g, want %g", f, tc.maxCode, got, tc.max)
		}
		if got := f.Decode(tc.maxCode | tc.sign); tc.sign != 0 && got != -tc.max {
			t.Errorf("%s: Decode(-max) = %g, want %g", f, got, -tc.max)
		}
		if got := f.Decode(tc.minSubCode); got != tc.minSub {
			t.Errorf("%s: Decode(%#x) = %g, want smallest positive %g", f, tc.minSubCode, got, tc.minSub)
		}
		if got := f.Decode(tc.minNormCode); got != tc.minNorm {
			t.Errorf("%s: Decode(%#x) = %g, want smallest normal %g", f, tc.minNormCode, got, tc.minNorm)
		}
		if got := f.MinExp(); got != tc.minExp {
			t.Errorf("%s: MinExp() = %d, want %d", f, got, tc.minExp)
		}
		if got := f.MaxExp(); got != tc.maxExp {
			t.Errorf("%s: MaxExp() = %d, want %d", f, got, tc.maxExp)
		}
		if got := f.SignBit(); got != tc.sign {
			t.Errorf("%s: SignBit() = %#x, want %#x", f, got, tc.sign)
		}
		nan, ok := f.NaNCode()
		if tc.nan == none {
			if ok {
				t.Errorf("%s: NaNCode() = %#x, true; want none", f, nan)
			}
		} else if !ok || nan != tc.nan || !f.IsNaN(nan) || !math.IsNaN(f.Decode(nan)) {
			t.Errorf("%s: NaNCode() = %#x, %v; want %#x, a NaN", f, nan, ok, tc.nan)
		}
		inf, ok := f.InfCode()
		if tc.inf == none {
			if ok {
				t.Errorf("%s: InfCode() = %#x, true; want none", f, inf)
			}
		} else if !ok || inf != tc.inf || !math.IsInf(f.Decode(inf), 1) || !math.IsInf(f.Decode(inf|tc.sign), -1) {
			t.Errorf("%s: InfCode() = %#x, %v; want %#x, +Inf", f, inf, ok, tc.inf)
		}
		// Zero: +0 is code 0 (except E8M0), -0 the sign bit alone.
		if f != E8M0 {
			if got := f.Decode(0); got != 0 || math.Signbit(got) {
				t.Errorf("%s: Decode(0) = %g, want +0", f, got)
			}
			if got := f.Decode(tc.sign); tc.sign != 0 && (got != 0 || !math.Signbit(got)) {
				t.Errorf("%s: Decode(sign) = %g, want -0", f, got)
			}
		}
		// The code after the largest finite one is +Inf or a NaN.
		switch got := f.Decode(tc.maxCode + 1); {
		case tc.inf != none:
			if !math.IsInf(got, 1) {
				t.Errorf("%s: Decode(max+1) = %g, want +Inf", f, got)
			}
		case tc.nan != none:
			if !math.IsNaN(got) {
				t.Errorf("%s: Decode(max+1) = %g, want NaN", f, got)
			}
		}
	}
}

// TestE2M1Values lists the whole FP4 value set.
func TestE2M1Values(t *testing.T) {
	want := []float64{0, 0.5, 1, 1.5, 2, 3, 4, 6}
	for c := uint32(0); c < 16; c++ {
		v := want[c&7]
		if c&8 != 0 {
			v = -v
		}
		if got := E2M1.Decode(c); !sameFloat(got, v) {
			t.Errorf("E2M1.Decode(%#x) = %g, want %g", c, got, v)
		}
	}
}

// TestE8M0Values checks every E8M0 code: 2^(c-127), 0xFF NaN.
func TestE8M0Values(t *testing.T) {
	for c := uint32(0); c < 0xFF; c++ {
		if got, want := E8M0.Decode(c), p2(int(c)-127); got != want {
			t.Errorf("E8M0.Decode(%#x) = %g, want %g", c, got, want)
		}
	}
	if !math.IsNaN(E8M0.Decode(0xFF)) || !E8M0.IsNaN(0xFF) {
		t.Errorf("E8M0 0xFF is not NaN")
	}
}

// TestKnownCodes decodes a few familiar bit patterns.
func TestKnownCodes(t *testing.T) {
	tests := []struct {
		f    Format
		code uint32
		want float64
	}{
		{E4M3, 0x38, 1}, {E4M3, 0x40, 2}, {E4M3, 0xB8, -1}, {E4M3, 0x3F, 1.875}, {E4M3, 0x77, 240}, {E4M3, 0x7D, 416},
		{E4M3, 0x07, 7 * p2(-9)}, {E4M3, 0xFE, -448}, {E4M3, 0xFF, math.NaN()},
		{E5M2, 0x3C, 1}, {E5M2, 0x7A, 49152}, {E5M2, 0x03, 3 * p2(-16)}, {E5M2, 0xFC, math.Inf(-1)}, {E5M2, 0x7D, math.NaN()},
		{FP16, 0x3C00, 1}, {FP16, 0x3555, (1 + 0x155*p2(-10)) * p2(-2)}, {FP16, 0xC000, -2}, {FP16, 0x03FF, 1023 * p2(-24)},
		{BF16, 0x3F80, 1}, {BF16, 0x4049, 3.140625}, {BF16, 0xFF80, math.Inf(-1)}, {BF16, 0x7FC0, math.NaN()},
		{TF32, 0x1FC00, 1}, {TF32, 0x20000, 2}, {TF32, 0x5FC00, -1}, {TF32, 0x3FC01, math.NaN()},
		{FP32, 0x3F800000, 1}, {FP32, 0x40490FDB, float64(float32(math.Pi))}, {FP32, 0x80000001, -p2(-149)}, {FP32, 0x7FC00000, math.NaN()},
		{UE4M3, 0x38, 1}, {UE4M3, 0x7F, math.NaN()}, {UE4M3, 0x00, 0},
		{E8M0, 0x7F, 1}, {E8M0, 0x80, 2}, {E8M0, 0x7E, 0.5},
	}
	for _, tc := range tests {
		if got := tc.f.Decode(tc.code); !sameFloat(got, tc.want) {
			t.Errorf("%s.Decode(%#x) = %g, want %g", tc.f, tc.code, got, tc.want)
		}
	}
}

// fp32DecodeSample is a strided sample of FP32 codes plus every special
// boundary and its neighbours.
func fp32DecodeSample() []uint32 {
	var s []uint32
	for c := uint64(0); c < 1<<32; c += 40009 {
		s = append(s, uint32(c))
	}
	for _, b := range []uint32{0, 1, 0x007FFFFF, 0x00800000, 0x3F800000, 0x7F7FFFFF, 0x7F800000, 0x7F800001, 0x7FC00000, 0x7FFFFFFF} {
		for d := uint32(0); d < 5; d++ {
			for _, sign := range []uint32{0, 0x80000000} {
				s = append(s, (b+d-2)|sign)
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		s = append(s, r.Uint32())
	}
	return s
}

// checkDecode compares Decode, Unpack and IsNaN of one code with the
// oracle.
func checkDecode(t *testing.T, o *oracle, code uint32) {
	t.Helper()
	f := o.f
	want, wneg, wclass := o.decodeFloat64(t, code)
	got := f.Decode(code)
	if !sameFloat(got, want) {
		t.Errorf("%s.Decode(%#x) = %g (%#x), want %g (%#x)", f, code, got, math.Float64bits(got), want, math.Float64bits(want))
	}
	neg, sig, exp, class := f.Unpack(code)
	if class != wclass {
		t.Errorf("%s.Unpack(%#x) class %d, want %d", f, code, class, wclass)
	}
	if f.IsNaN(code) != (wclass == NaN) {
		t.Errorf("%s.IsNaN(%#x) = %v", f, code, f.IsNaN(code))
	}
	if wclass != NaN && neg != wneg {
		t.Errorf("%s.Unpack(%#x) neg %v, want %v", f, code, neg, wneg)
	}
	switch class {
	case Finite:
		// value = (-1)^neg · sig · 2^(exp-ManBits), with sig normalised
		// unless the code is subnormal (exp == MinExp).
		v := math.Ldexp(float64(sig), exp-f.ManBits())
		if neg {
			v = -v
		}
		if !sameFloat(v, want) {
			t.Errorf("%s.Unpack(%#x) = %v, %d, %d gives %g, want %g", f, code, neg, sig, exp, v, want)
		}
		if sig>>(f.ManBits()+1) != 0 || sig < 1<<f.ManBits() && exp != f.MinExp() || sig == 0 {
			t.Errorf("%s.Unpack(%#x): sig %#x exp %d not in canonical form", f, code, sig, exp)
		}
	case Zero, Inf, NaN:
		if sig != 0 || exp != 0 {
			t.Errorf("%s.Unpack(%#x) class %d with sig %d exp %d", f, code, class, sig, exp)
		}
	}
}

// TestDecode checks every code of every format of at most 19 bits, and a
// sample of FP32, against the oracle.
func TestDecode(t *testing.T) {
	t.Parallel()
	for _, f := range Formats() {
		o := oracleFor(t, f)
		if f.Bits() <= 19 {
			for c := 0; c < f.NumCodes(); c++ {
				checkDecode(t, o, uint32(c))
			}
		} else {
			for _, c := range fp32DecodeSample() {
				checkDecode(t, o, c)
			}
		}
	}
}

// TestDecodeIgnoresHighBits checks that bits above the code width are
// ignored.
func TestDecodeIgnoresHighBits(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, f := range Formats() {
		if f.Bits() == 32 {
			continue
		}
		for range 2000 {
			c := r.Uint32()
			low := c & uint32(f.NumCodes()-1)
			if got, want := f.Decode(c), f.Decode(low); !sameFloat(got, want) {
				t.Errorf("%s.Decode(%#x) = %g, Decode(%#x) = %g", f, c, got, low, want)
			}
			n1, s1, e1, c1 := f.Unpack(c)
			n2, s2, e2, c2 := f.Unpack(low)
			if n1 != n2 || s1 != s2 || e1 != e2 || c1 != c2 {
				t.Errorf("%s.Unpack(%#x) != Unpack(%#x)", f, c, low)
			}
		}
	}
}

// roundTripWant is what Encode(Decode(c)) must give.
func roundTripWant(f Format, c uint32, o Overflow) uint32 {
	_, _, _, class := f.Unpack(c)
	switch class {
	case NaN:
		n, _ := f.NaNCode()
		return n
	case Inf:
		if o == Saturate {
			return c&f.SignBit() | f.MaxFinite()
		}
	}
	return c
}

// TestRoundTrip checks Encode(Decode(c)) == c (and the same through
// float32) for every code of every format of at most 19 bits, in every
// mode, and for a sample of FP32.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	for _, f := range Formats() {
		codes := fp32DecodeSample()
		if f.Bits() <= 19 {
			codes = codes[:0]
			for c := 0; c < f.NumCodes(); c++ {
				codes = append(codes, uint32(c))
			}
		}
		for _, c := range codes {
			v := f.Decode(c)
			for _, r := range roundings {
				for _, o := range overflows {
					want := roundTripWant(f, c, o)
					if got := f.Encode(v, r, o); got != want {
						t.Errorf("%s.Encode(Decode(%#x) = %g, %v, %v) = %#x, want %#x", f, c, v, r, o, got, want)
					}
					if got := f.EncodeFloat32(float32(v), r, o); got != want {
						t.Errorf("%s.EncodeFloat32(Decode(%#x) = %g, %v, %v) = %#x, want %#x", f, c, v, r, o, got, want)
					}
				}
			}
		}
	}
}

// TestFormatsOrder guards the documented fixed order of Formats.
func TestFormatsOrder(t *testing.T) {
	var names []string
	for _, f := range Formats() {
		names = append(names, f.Name())
	}
	want := []string{"e4m3", "e5m2", "f16", "bf16", "tf32", "f32", "e2m1", "ue4m3", "e8m0", "e4m3fnuz", "e5m2fnuz"}
	if !slices.Equal(names, want) {
		t.Errorf("Formats = %v, want %v", names, want)
	}
}
