package tensorcore_test

import (
	"fmt"
	"math"

	"github.com/tcsim/tcsim/numerics"
	"github.com/tcsim/tcsim/tensorcore"
)

// One Hopper FP8 wgmma (k = 32) for one output element: C = 1024 plus 32
// products 1 · 2^-5. The exact result is 1025, but C's exponent sets the
// alignment grid at 2^(10-13) = 1/8, so every product 1/32 is truncated to
// zero before the sum. Without C the products are summed exactly.
func Example() {
	p, err := tensorcore.Lookup("h100-wgmma-e4m3-e4m3")
	if err != nil {
		panic(err)
	}
	a, b := make([]uint32, p.K), make([]uint32, p.K)
	for k := range a {
		a[k] = numerics.E4M3.Encode(1, numerics.NearestEven, numerics.Saturate)
		b[k] = numerics.E4M3.Encode(1.0/32, numerics.NearestEven, numerics.Saturate)
	}
	c := math.Float32bits(1024)
	d := p.MMA(a, b, c)
	fmt.Printf("A·B + 1024 = %v (%#08x), exact 1025\n", math.Float32frombits(d), d)
	d = p.MMA(a, b, 0)
	fmt.Printf("A·B        = %v (%#08x)\n", math.Float32frombits(d), d)
	// Output:
	// A·B + 1024 = 1024 (0x44800000), exact 1025
	// A·B        = 1 (0x3f800000)
}
