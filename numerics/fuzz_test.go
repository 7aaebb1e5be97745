package numerics

import (
	"math"
	"testing"
)

// fuzzArgs maps raw fuzz bytes to a format and modes.
func fuzzArgs(fi, mode, pol uint8) (Format, Rounding, Overflow) {
	return Formats()[int(fi)%len(Formats())], Rounding(mode % 2), Overflow(pol % 2)
}

// FuzzEncode compares Encode of any float64 in any format and mode with
// the math/big oracle.
func FuzzEncode(f *testing.F) {
	for i := range Formats() {
		for _, x := range []float64{0, math.Copysign(0, -1), 1, -1, 0.3, 464, 61440, 65520, 0x1p-150, 1e-300, 1e300,
			math.Inf(1), math.Inf(-1), math.NaN(), math.MaxFloat64, math.SmallestNonzeroFloat64, 1.5, 7, 0x1p-10} {
			f.Add(x, uint8(i), uint8(i), uint8(i/2))
		}
	}
	f.Fuzz(func(t *testing.T, x float64, fi, mode, pol uint8) {
		fm, r, p := fuzzArgs(fi, mode, pol)
		want := oracleFor(t, fm).encode(x, r, p)
		if got := fm.Encode(x, r, p); got != want {
			t.Errorf("%s.Encode(%g [%#x], %v, %v) = %#x, want %#x", fm, x, math.Float64bits(x), r, p, got, want)
		}
	})
}

// FuzzEncodeScaled compares EncodeScaled with the oracle for any
// magnitude and exponent.
func FuzzEncodeScaled(f *testing.F) {
	for i := range Formats() {
		f.Add(false, uint64(1), 0, uint8(i), uint8(0), uint8(0))
		f.Add(true, uint64(math.MaxUint64), -70, uint8(i), uint8(1), uint8(1))
		f.Add(false, uint64(3), -11, uint8(i), uint8(0), uint8(1))
		f.Add(false, uint64(1)<<63, math.MaxInt-5, uint8(i), uint8(0), uint8(1))
		f.Add(true, uint64(0), math.MinInt, uint8(i), uint8(1), uint8(0))
	}
	f.Fuzz(func(t *testing.T, neg bool, mag uint64, exp int, fi, mode, pol uint8) {
		fm, r, p := fuzzArgs(fi, mode, pol)
		want := oracleFor(t, fm).encodeScaled(neg, mag, exp, r, p)
		if got := fm.EncodeScaled(neg, mag, exp, r, p); got != want {
			t.Errorf("%s.EncodeScaled(%v, %#x, %d, %v, %v) = %#x, want %#x", fm, neg, mag, exp, r, p, got, want)
		}
	})
}

// FuzzDecode checks that Decode, Unpack and IsNaN of any uint32 agree
// with each other and with the oracle (bits above the width ignored).
func FuzzDecode(f *testing.F) {
	for i := range Formats() {
		for _, c := range []uint32{0, 1, 0x7F, 0x80, 0xFF, 0x7C00, 0x7FFF, 0x3FC00, 0x7F800000, 0xFFFFFFFF} {
			f.Add(c, uint8(i))
		}
	}
	f.Fuzz(func(t *testing.T, code uint32, fi uint8) {
		fm := Formats()[int(fi)%len(Formats())]
		checkDecode(t, oracleFor(t, fm), code)
	})
}

// FuzzFMA32 compares FMA32 and FMA32s with the exact reference.
func FuzzFMA32(f *testing.F) {
	for _, tc := range fmaDoubleRounding {
		f.Add(math.Float32bits(tc.x), math.Float32bits(tc.y), math.Float32bits(tc.z))
	}
	f.Add(uint32(0x7F7FFFFF), uint32(0x40000000), uint32(0xFF7FFFFF))
	f.Add(uint32(0x1A000000), uint32(0x1A000000), uint32(0x00000001))
	f.Add(uint32(0x7F800000), uint32(0), uint32(0x3F800000))
	f.Fuzz(func(t *testing.T, xb, yb, zb uint32) {
		x, y, z := math.Float32frombits(xb), math.Float32frombits(yb), math.Float32frombits(zb)
		want := fmaRef(t, x, y, z)
		if got := FMA32(x, y, z); !sameF32(got, want) {
			t.Errorf("FMA32(%#x, %#x, %#x) = %#x, want %#x", xb, yb, zb, math.Float32bits(got), math.Float32bits(want))
		}
		zs := []float32{z}
		if FMA32s([]float32{x}, []float32{y}, zs); !sameF32(zs[0], want) {
			t.Errorf("FMA32s(%#x, %#x, %#x) = %#x, want %#x", xb, yb, zb, math.Float32bits(zs[0]), math.Float32bits(want))
		}
	})
}
