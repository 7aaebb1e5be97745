package numerics_test

import (
	"fmt"

	"github.com/tcsim/tcsim/numerics"
)

// Rounding a value to FP8 E4M3 and reading it back.
func ExampleFormat_Encode() {
	f := numerics.E4M3
	for _, x := range []float64{0.3, 1, -2.5, 464, 500} {
		rne := f.Encode(x, numerics.NearestEven, numerics.Saturate)
		rz := f.Encode(x, numerics.TowardZero, numerics.Saturate)
		fmt.Printf("%-5g rne %#02x = %-7g rz %#02x = %g\n", x, rne, f.Decode(rne), rz, f.Decode(rz))
	}
	// E4M3 has no infinity: without saturation, overflow gives NaN.
	fmt.Printf("%#02x %v\n", f.Encode(500, numerics.NearestEven, numerics.ToInf), f.IsNaN(0x7F))
	// Output:
	// 0.3   rne 0x2a = 0.3125  rz 0x29 = 0.28125
	// 1     rne 0x38 = 1       rz 0x38 = 1
	// -2.5  rne 0xc2 = -2.5    rz 0xc2 = -2.5
	// 464   rne 0x7e = 448     rz 0x7e = 448
	// 500   rne 0x7e = 448     rz 0x7e = 448
	// 0x7f true
}

// Decoding codes of E4M3: the largest finite value, the smallest
// subnormal, negative zero and the NaN.
func ExampleFormat_Decode() {
	f := numerics.E4M3
	for _, c := range []uint32{f.MaxFinite(), 0x01, 0x80, 0x7F} {
		neg, sig, exp, class := f.Unpack(c)
		fmt.Printf("%#02x: %g (neg=%v sig=%d exp=%d class=%d)\n", c, f.Decode(c), neg, sig, exp, class)
	}
	// Output:
	// 0x7e: 448 (neg=false sig=14 exp=8 class=1)
	// 0x01: 0.001953125 (neg=false sig=1 exp=-6 class=1)
	// 0x80: -0 (neg=true sig=0 exp=0 class=0)
	// 0x7f: NaN (neg=false sig=0 exp=0 class=3)
}
