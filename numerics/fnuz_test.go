package numerics

import (
	"math"
	"testing"
)

// TestFNUZValues pins the FNUZ formats' landmarks, as AMD's CDNA3 ISA
// guide and the ml_dtypes float8_e4m3fnuz / float8_e5m2fnuz types define
// them; the exhaustive tests compare every code with the oracle.
func TestFNUZValues(t *testing.T) {
	for _, tc := range []struct {
		f                    Format
		max, minNorm, minSub float64
	}{
		{E4M3FNUZ, 240, 0x1p-7, 0x1p-10},
		{E5M2FNUZ, 57344, 0x1p-15, 0x1p-17},
	} {
		f := tc.f
		if got := f.Decode(f.MaxFinite()); got != tc.max || f.MaxFinite() != 0x7F {
			t.Errorf("%s: max %#x = %g, want 0x7f = %g", f, f.MaxFinite(), got, tc.max)
		}
		if got := f.Decode(1 << f.ManBits()); got != tc.minNorm {
			t.Errorf("%s: smallest normal %g, want %g", f, got, tc.minNorm)
		}
		if got := f.Decode(1); got != tc.minSub {
			t.Errorf("%s: smallest subnormal %g, want %g", f, got, tc.minSub)
		}
		if !f.IsNaN(0x80) || !math.IsNaN(f.Decode(0x80)) {
			t.Errorf("%s: 0x80 is not NaN", f)
		}
		nans := 0
		for c := range f.NumCodes() {
			if f.IsNaN(uint32(c)) {
				nans++
			}
		}
		if nans != 1 {
			t.Errorf("%s: %d NaN codes, want 1", f, nans)
		}
		if c, ok := f.NaNCode(); !ok || c != 0x80 {
			t.Errorf("%s: NaNCode %#x %v", f, c, ok)
		}
		if _, ok := f.InfCode(); ok {
			t.Errorf("%s: has Inf", f)
		}
		for _, x := range []float64{math.Copysign(0, -1), -tc.minSub / 4} {
			if got := f.Encode(x, NearestEven, ToInf); got != 0 {
				t.Errorf("%s: Encode(%g) = %#x, want +0", f, x, got)
			}
		}
		if got := f.Encode(-tc.minSub/2, TowardZero, Saturate); got != 0 {
			t.Errorf("%s: RZ of -min/2 = %#x, want +0", f, got)
		}
		if got := f.Encode(1e9, NearestEven, ToInf); got != 0x80 {
			t.Errorf("%s: overflow to NaN: %#x", f, got)
		}
		if got := f.Encode(-1e9, NearestEven, Saturate); got != 0xFF {
			t.Errorf("%s: saturate: %#x", f, got)
		}
		if got := f.Encode(math.NaN(), NearestEven, Saturate); got != 0x80 {
			t.Errorf("%s: NaN: %#x", f, got)
		}
		// The same fields as the OCP format, one smaller exponent: every
		// finite OCP code decodes to twice its FNUZ twin.
		ocp := E4M3
		if f == E5M2FNUZ {
			ocp = E5M2
		}
		for c := uint32(1); c < 0x7F; c++ {
			if v := ocp.Decode(c); !math.IsNaN(v) && !math.IsInf(v, 0) && v != 2*f.Decode(c) {
				t.Errorf("%s: code %#x = %g, OCP %g", f, c, f.Decode(c), v)
			}
		}
	}
}
