package numerics

import (
	"math"
	"math/big"
	"math/bits"
	"math/rand/v2"
	"testing"
)

// checkScaled compares EncodeScaled in all four modes with the oracle.
func checkScaled(t *testing.T, o *oracle, neg bool, mag uint64, exp int) bool {
	t.Helper()
	ok := true
	for _, r := range roundings {
		for _, p := range overflows {
			want := o.encodeScaled(neg, mag, exp, r, p)
			if got := o.f.EncodeScaled(neg, mag, exp, r, p); got != want {
				t.Errorf("%s.EncodeScaled(%v, %#x, %d, %v, %v) = %#x, want %#x", o.f, neg, mag, exp, r, p, got, want)
				ok = false
			}
		}
	}
	return ok
}

// scaledExtremes are (mag, exp) pairs at the limits of the arguments.
var scaledExtremes = []struct {
	mag uint64
	exp int
}{
	{1, math.MaxInt}, {1 << 63, math.MaxInt - 5}, {math.MaxUint64, math.MaxInt - 63}, {math.MaxUint64, math.MaxInt},
	{1, math.MinInt}, {math.MaxUint64, math.MinInt}, {1 << 63, math.MinInt + 1},
	{1, math.MaxInt32}, {1, math.MinInt32}, {math.MaxUint64, 1 << 40}, {math.MaxUint64, -1 << 40},
	{math.MaxUint64, 0}, {math.MaxUint64, -64}, {math.MaxUint64, -200}, {math.MaxUint64, -1200}, {1, -1075}, {1, 1100},
}

// TestEncodeScaledExtremes checks exponents near the limits of int, which
// once wrapped around the exponent of the leading bit (an overflow
// returned 0), and the exact results they must give.
func TestEncodeScaledExtremes(t *testing.T) {
	for _, f := range Formats() {
		o := oracleFor(t, f)
		for _, tc := range scaledExtremes {
			for _, neg := range []bool{false, true} {
				checkScaled(t, o, neg, tc.mag, tc.exp)
			}
		}
		// Spelled out for the case that used to fail.
		inf := f.MaxFinite()
		if c, ok := f.InfCode(); ok {
			inf = c
		} else if c, ok := f.NaNCode(); ok {
			inf = c
		}
		if got := f.EncodeScaled(false, 1<<63, math.MaxInt-5, NearestEven, ToInf); got != inf {
			t.Errorf("%s.EncodeScaled(2^63 · 2^(MaxInt-5)) = %#x, want overflow %#x", f, got, inf)
		}
		if got := f.EncodeScaled(false, 1<<63, math.MaxInt-5, TowardZero, Saturate); got != f.MaxFinite() {
			t.Errorf("%s.EncodeScaled(2^63 · 2^(MaxInt-5), sat) = %#x, want %#x", f, got, f.MaxFinite())
		}
	}
}

// TestEncodeScaledRandom checks EncodeScaled on random magnitudes of every
// length up to 64 bits (so well beyond float64's 53) and exponents across
// each format's range, and on exact midpoints and their integer
// neighbours, against the oracle.
func TestEncodeScaledRandom(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(0x5ca1ed, 1))
	n := 1500
	if testing.Short() {
		n = 200
	}
	for _, f := range Formats() {
		o := oracleFor(t, f)
		lowExp := 1 - o.spec.bias - o.spec.mbits // smallest subnormal 2^lowExp
		if o.spec.kind == refExpOnly {
			lowExp = -127
		}
		topF, _ := o.top.Float64()
		_, topExp := math.Frexp(topF) // top < 2^topExp
		fails := 0
		for i := range n {
			l := 1 + rng.IntN(64)
			mag := rng.Uint64()>>(64-l) | 1<<(l-1)
			switch i % 8 {
			case 0:
				mag = 1<<l - 1 // all ones: rounds up across a binade
			case 1:
				mag = 1<<(l-1) | 1 // just above a power of two
			}
			lead := lowExp - 3 + rng.IntN(topExp-lowExp+6)
			exp := lead - (l - 1)
			if i%16 == 15 {
				exp = rng.IntN(8000) - 4000
			}
			if !checkScaled(t, o, rng.IntN(2) == 0, mag, exp) {
				fails++
			}
			// An exact midpoint (or, for the top, the overflow threshold)
			// as a magnitude of up to 64 bits, and one either side.
			c := uint32(rng.Uint64N(uint64(o.maxCode) + 1))
			mid := new(big.Rat).Add(o.value(c), o.value(c+1))
			mid.Mul(mid, big.NewRat(1, 2))
			// mid = odd · 2^e exactly (the denominator is a power of two).
			tz := mid.Num().TrailingZeroBits()
			odd := new(big.Int).Rsh(mid.Num(), tz).Uint64()
			e := int(tz) - (mid.Denom().BitLen() - 1)
			shift := rng.IntN(bits.LeadingZeros64(odd) + 1)
			m := odd << shift
			e -= shift
			for _, d := range []int64{-1, 0, 1} {
				if mm := uint64(int64(m) + d); mm != 0 && (d != 1 || m != math.MaxUint64) {
					if !checkScaled(t, o, rng.IntN(2) == 0, mm, e) {
						fails++
					}
				}
			}
			if fails > 20 {
				t.Fatalf("%s: too many failures", f)
			}
		}
	}
}

// TestEncodeScaledShift checks that EncodeScaled depends only on the
// value: (mag<<k, exp-k) rounds like (mag, exp), and both agree with
// Encode when the value is a float64.
func TestEncodeScaledShift(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, f := range Formats() {
		for range 3000 {
			l := 1 + rng.IntN(53)
			mag := rng.Uint64()>>(64-l) | 1<<(l-1)
			exp := rng.IntN(400) - 200 - l
			k := rng.IntN(64 - l + 1)
			neg := f.Signed() && rng.IntN(2) == 0
			x := math.Ldexp(float64(mag), exp)
			if neg {
				x = -x
			}
			exactX := new(big.Rat).SetFloat64(math.Abs(x)).Cmp(ratScaled(mag, exp)) == 0
			for _, r := range roundings {
				for _, p := range overflows {
					a := f.EncodeScaled(neg, mag, exp, r, p)
					if b := f.EncodeScaled(neg, mag<<k, exp-k, r, p); a != b {
						t.Errorf("%s: EncodeScaled(%v, %#x, %d) = %#x but EncodeScaled(%#x, %d) = %#x", f, neg, mag, exp, a, mag<<k, exp-k, b)
					}
					if exactX {
						if c := f.Encode(x, r, p); a != c {
							t.Errorf("%s: EncodeScaled(%v, %#x, %d) = %#x but Encode(%g) = %#x", f, neg, mag, exp, a, x, c)
						}
					}
				}
			}
		}
	}
}

// TestEncodeScaledZero checks mag == 0, of either sign, in every format.
func TestEncodeScaledZero(t *testing.T) {
	for _, f := range Formats() {
		for _, exp := range []int{math.MinInt, -10, 0, 10, math.MaxInt} {
			for _, r := range roundings {
				for _, p := range overflows {
					if got := f.EncodeScaled(false, 0, exp, r, p); got != 0 {
						t.Errorf("%s.EncodeScaled(+0, %d) = %#x, want 0", f, exp, got)
					}
					negZero := f.SignBit()
					if f.NaN() == NaNNegZero {
						negZero = 0 // no -0: its code is the NaN
					}
					if got := f.EncodeScaled(true, 0, exp, r, p); got != negZero {
						t.Errorf("%s.EncodeScaled(-0, %d) = %#x, want %#x", f, exp, got, negZero)
					}
				}
			}
		}
	}
}
