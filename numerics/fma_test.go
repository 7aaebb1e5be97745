package numerics

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// fmaRef is the reference FP32 fused multiply-add: x·y + z computed
// exactly with math/big and rounded once to FP32 (nearest-even, overflow to
// Inf) by the oracle, which handles subnormals and the overflow threshold
// (big.Float has neither). IEEE 754 rules give the NaN, Inf and zero-sign
// cases.
func fmaRef(tb testing.TB, x, y, z float32) float32 {
	fx, fy, fz := float64(x), float64(y), float64(z)
	nan := float32(math.NaN())
	if math.IsNaN(fx) || math.IsNaN(fy) || math.IsNaN(fz) {
		return nan
	}
	pNeg := math.Signbit(fx) != math.Signbit(fy)
	if math.IsInf(fx, 0) || math.IsInf(fy, 0) {
		if fx == 0 || fy == 0 || math.IsInf(fz, 0) && math.Signbit(fz) != pNeg {
			return nan // Inf·0, or Inf - Inf
		}
		if pNeg {
			return float32(math.Inf(-1))
		}
		return float32(math.Inf(1))
	}
	if math.IsInf(fz, 0) {
		return z
	}
	p := new(big.Rat).Mul(new(big.Rat).SetFloat64(fx), new(big.Rat).SetFloat64(fy))
	s := new(big.Rat).Add(p, new(big.Rat).SetFloat64(fz))
	if s.Sign() == 0 {
		// An exact zero sum is +0 under round-to-nearest, unless both
		// addends are zeros of negative sign.
		if p.Sign() == 0 && fz == 0 && pNeg && math.Signbit(fz) {
			return float32(math.Copysign(0, -1))
		}
		return 0
	}
	o := oracleFor(tb, FP32)
	code := o.encodeRat(s.Sign() < 0, new(big.Rat).Abs(s), NearestEven, ToInf)
	return math.Float32frombits(code)
}

// sameF32 reports whether two float32s are identical, or both NaN.
func sameF32(a, b float32) bool {
	if a != a || b != b {
		return a != a && b != b
	}
	return math.Float32bits(a) == math.Float32bits(b)
}

// naiveFMA rounds x·y + z to float64 first, then to float32: the double
// rounding FMA32 must avoid. The explicit conversion forbids fusion.
func naiveFMA(x, y, z float32) float32 {
	p := float64(float64(x) * float64(y))
	return float32(p + float64(z))
}

func f32(bits uint32) float32 { return math.Float32frombits(bits) }

// fmaDoubleRounding lists cases where rounding x·y + z to float64 lands
// exactly on a float32 midpoint that the exact value is not on, so that
// naiveFMA rounds the wrong way. h is half an ulp of z; x·y is h·(1-2^-46)
// (x = 1+2^-23, y = 1-2^-23 scaled), or a product that is itself a
// midpoint, nudged by a z far below float64 precision.
var fmaDoubleRounding = []struct {
	x, y, z, want float32
}{
	// z = 1+2^-23 (odd), x·y = 2^-24 - 2^-70: just below the midpoint
	// z + 2^-24, which naive rounding ties up to 1+2^-22.
	{f32(0x3F800001), f32(0x337FFFFE), f32(0x3F800001), f32(0x3F800001)},
	// The same, negated.
	{f32(0xBF800001), f32(0x337FFFFE), f32(0xBF800001), f32(0xBF800001)},
	// Across a binade: z = 2 - 2^-23, naive gives 2.
	{f32(0x3F800001), f32(0x337FFFFE), f32(0x3FFFFFFF), f32(0x3FFFFFFF)},
	// Downward: z = 1+3·2^-23, x·y = -(2^-24 - 2^-70), naive ties down
	// to 1+2^-22.
	{f32(0x3F800001), f32(0xB37FFFFE), f32(0x3F800003), f32(0x3F800003)},
	// At the overflow threshold: z = MaxFloat32 (odd), x·y = 2^103 -
	// 2^57: the exact sum is below 2^128 - 2^103, naive gives +Inf.
	{f32(0x59800001), f32(0x58FFFFFE), f32(0x7F7FFFFF), f32(0x7F7FFFFF)},
	{f32(0xD9800001), f32(0x58FFFFFE), f32(0xFF7FFFFF), f32(0xFF7FFFFF)},
	// x·y = (1+2^-12)^2 = 1 + 2^-11 + 2^-24 is itself a midpoint; z =
	// 2^-80 puts the exact sum above it, but float64 loses z.
	{f32(0x3F800800), f32(0x3F800800), f32(0x17800000), f32(0x3F801001)},
	{f32(0xBF800800), f32(0x3F800800), f32(0x97800000), f32(0xBF801001)},
}

// TestFMA32DoubleRounding checks the cases where naive double rounding
// is wrong.
func TestFMA32DoubleRounding(t *testing.T) {
	for _, tc := range fmaDoubleRounding {
		ref := fmaRef(t, tc.x, tc.y, tc.z)
		if !sameF32(ref, tc.want) {
			t.Errorf("reference FMA(%x, %x, %x) = %x, table says %x", math.Float32bits(tc.x), math.Float32bits(tc.y), math.Float32bits(tc.z), math.Float32bits(ref), math.Float32bits(tc.want))
		}
		if naive := naiveFMA(tc.x, tc.y, tc.z); sameF32(naive, tc.want) {
			t.Errorf("naive FMA(%x, %x, %x) is right: not a double-rounding case", math.Float32bits(tc.x), math.Float32bits(tc.y), math.Float32bits(tc.z))
		}
		if got := FMA32(tc.x, tc.y, tc.z); !sameF32(got, tc.want) {
			t.Errorf("FMA32(%x, %x, %x) = %x, want %x", math.Float32bits(tc.x), math.Float32bits(tc.y), math.Float32bits(tc.z), math.Float32bits(got), math.Float32bits(tc.want))
		}
	}
}

// TestFMA32Table checks special values and signed zeros.
func TestFMA32Table(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	negz := float32(math.Copysign(0, -1))
	maxf := float32(math.MaxFloat32)
	tests := []struct{ x, y, z, want float32 }{
		{1, 2, 3, 5},
		{2, 3, -6, 0},
		{-2, 3, 6, 0},         // exact cancellation gives +0
		{0, 5, negz, 0},       // +0 + -0 = +0
		{negz, 5, negz, negz}, // -0 + -0 = -0
		{0, -5, negz, negz},
		{negz, negz, negz, 0},
		{0, 0, 0, 0},
		{inf, 0, 1, nan},
		{0, -inf, 1, nan},
		{inf, 1, -inf, nan},
		{inf, -1, -inf, -inf},
		{inf, 2, 1e30, inf},
		{1, 2, -inf, -inf},
		{nan, 0, 1, nan},
		{1, 1, nan, nan},
		{maxf, 2, -maxf, maxf},                 // the product overflows float32 but not the sum
		{maxf, 2, 0, inf},                      // overflow
		{-maxf, 2, 0, -inf},                    //
		{maxf, 1, maxf, inf},                   //
		{0x1p-75, 0x1p-75, 0, 0},               // 2^-150: a tie to 0
		{0x1p-75, 0x1.000002p-75, 0, 0x1p-149}, // just above 2^-150
		{-0x1p-75, 0x1p-75, 0, negz},           // underflow keeps the sign
		{0x1p-75, 0x1.8p-75, 0, 0x1p-149},      // 1.5·2^-150 rounds up
		{0x1p-75, 0x1.8p-75, -0x1p-149, negz},  // -2^-151 rounds to -0
	}
	for _, tc := range tests {
		got := FMA32(tc.x, tc.y, tc.z)
		if !sameF32(got, tc.want) {
			t.Errorf("FMA32(%g, %g, %g) = %g (%#x), want %g (%#x)", tc.x, tc.y, tc.z, got, math.Float32bits(got), tc.want, math.Float32bits(tc.want))
		}
		if ref := fmaRef(t, tc.x, tc.y, tc.z); !sameF32(ref, tc.want) {
			t.Errorf("reference FMA(%g, %g, %g) = %g, table says %g", tc.x, tc.y, tc.z, ref, tc.want)
		}
	}
}

// randF32 returns a float32 with a random significand and sign and an
// exponent uniform in [lo, hi] (results below 2^-126 are subnormal).
func randF32(rng *rand.Rand, lo, hi int) float32 {
	m := float64(rng.Uint32()>>8|1<<23) * 0x1p-23
	v := float32(math.Ldexp(m, lo+rng.IntN(hi-lo+1)))
	if rng.IntN(2) == 0 {
		v = -v
	}
	return v
}

// fmaCases generates hard FP32 FMA inputs.
func fmaCases(rng *rand.Rand, n int) [][3]float32 {
	var out [][3]float32
	add := func(x, y, z float32) { out = append(out, [3]float32{x, y, z}) }
	for range n {
		// Raw bit patterns: NaN, Inf, subnormals, everything.
		add(f32(rng.Uint32()), f32(rng.Uint32()), f32(rng.Uint32()))
		// Moderate values.
		add(randF32(rng, -20, 20), randF32(rng, -20, 20), randF32(rng, -40, 40))
		// Cancellation: z is minus the rounded product, give or take a
		// few ulps.
		x, y := randF32(rng, -60, 60), randF32(rng, -60, 60)
		z := -float32(float64(x) * float64(y))
		z = math.Float32frombits(math.Float32bits(z) + uint32(rng.IntN(5)) - 2)
		add(x, y, z)
		// Products near a midpoint of z: x·y = h·(1+a·2^-23)(1+b·2^-23)
		// with h half an ulp of z.
		z = randF32(rng, -140, 127)
		_, ez := math.Frexp(float64(z))
		h := ez - 25 // z in [2^(ez-1), 2^ez): ulp 2^(ez-24)
		if h < -150 {
			h = -150
		}
		a, b := float64(rng.IntN(9)-4), float64(rng.IntN(9)-4)
		hx := rng.IntN(120) - 60
		x = float32(math.Ldexp(1+a*0x1p-23, hx))
		y = float32(math.Ldexp(1+b*0x1p-23, h-hx))
		if rng.IntN(2) == 0 {
			y = -y
		}
		add(x, y, z)
		// Subnormal results.
		add(randF32(rng, -80, -60), randF32(rng, -90, -60), randF32(rng, -149, -120))
		add(randF32(rng, -80, -70), randF32(rng, -80, -70), 0)
		// Near overflow.
		add(randF32(rng, 60, 70), randF32(rng, 57, 67), randF32(rng, 120, 127))
	}
	return out
}

// TestFMA32Random compares FMA32 with the exact reference on random and
// constructed hard inputs.
func TestFMA32Random(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(0xf3a, 32))
	n := 3000
	if testing.Short() {
		n = 300
	}
	fails, naiveWrong := 0, 0
	for _, c := range fmaCases(rng, n) {
		want := fmaRef(t, c[0], c[1], c[2])
		if got := FMA32(c[0], c[1], c[2]); !sameF32(got, want) {
			t.Errorf("FMA32(%#x, %#x, %#x) = %#x, want %#x", math.Float32bits(c[0]), math.Float32bits(c[1]), math.Float32bits(c[2]), math.Float32bits(got), math.Float32bits(want))
			if fails++; fails > 20 {
				t.Fatal("too many failures")
			}
		}
		if !sameF32(naiveFMA(c[0], c[1], c[2]), want) {
			naiveWrong++
		}
	}
	// The generator is meant to produce double-rounding cases.
	if naiveWrong == 0 {
		t.Errorf("no input on which naive double rounding fails")
	}
	t.Logf("naive double rounding wrong on %d inputs", naiveWrong)
}

// TestIsFloat32Midpoint checks the helper on every kind of float32
// midpoint, including the one between 0 and the smallest subnormal.
func TestIsFloat32Midpoint(t *testing.T) {
	o := oracleFor(t, FP32)
	rng := rand.New(rand.NewPCG(9, 10))
	for range 20000 {
		c := uint32(rng.Uint64N(uint64(o.maxCode) + 1))
		if rng.IntN(4) == 0 {
			c = uint32(rng.IntN(64)) // subnormals near 0
		}
		lo, _ := o.value(c).Float64()
		hi, _ := o.value(c + 1).Float64()
		mid := lo + (hi-lo)/2
		for _, s := range []float64{1, -1} {
			if !isFloat32Midpoint(s * mid) {
				t.Errorf("isFloat32Midpoint(%g) = false", s*mid)
			}
			for _, v := range []float64{lo, hi, math.Nextafter(mid, 0), math.Nextafter(mid, math.Inf(1))} {
				if v != 0 && isFloat32Midpoint(s*v) {
					t.Errorf("isFloat32Midpoint(%g) = true", s*v)
				}
			}
		}
	}
	for _, v := range []float64{0x1p-151, 0x1p-300, math.SmallestNonzeroFloat64, 3 * 0x1p-152} {
		if isFloat32Midpoint(v) {
			t.Errorf("isFloat32Midpoint(%g) = true", v)
		}
	}
}

// BenchmarkFMA32 times FMA32 on random normal operands.
func BenchmarkFMA32(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	var v [1024]float32
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	var s float32
	for b.Loop() {
		for i := 0; i+1 < len(v); i++ {
			s = FMA32(v[i], v[i+1], s)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N)/float64(len(v)-1), "ns/FMA")
}
