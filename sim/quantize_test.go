package sim

import (
	"math"
	"math/big"
	"testing"

	"github.com/tcsim/tcsim/numerics"
)

func TestQuantizeHandWorked(t *testing.T) {
	// A 2×256 matrix: row 0 has amax 896 in its first 128-block and 4.48
	// in the second; row 1 has amax 44.8 in both.
	x := make([]float64, 2*256)
	x[0], x[1] = 896, -3.5
	x[200] = 4.48
	x[256], x[256+128] = -44.8, 44.8
	for _, tc := range []struct {
		g    Granularity
		want []float32 // per row, then per K block of the granularity
	}{
		{PerTensor, []float32{2, 2}},            // 896/448; one block spans K
		{PerRow, []float32{2, 0.1}},             // row 1: 44.8/448
		{Tile128, []float32{2, 0.01, 0.1, 0.1}}, // per 1×128 tile
		{Block128, []float32{2, 0.1, 2, 0.1}},   // both rows share a 128-row block: max(896, 44.8), max(4.48, 44.8)
	} {
		q, err := Quantize(x, 2, 256, numerics.E4M3, tc.g, false, 0)
		if err != nil {
			t.Fatal(err)
		}
		for i, w := range tc.want {
			if q.Scales[i] != w {
				t.Errorf("%v: scale %d = %v, want %v", tc.g, i, q.Scales[i], w)
			}
		}
		// The largest element of its group maps to 448 exactly (0x7E).
		if c := q.Codes[0]; c != 0x7E {
			t.Errorf("%v: 896 quantised to %#x, want 0x7e (448)", tc.g, c)
		}
	}
}

func TestQuantizeRoundsToNearestEvenAndSaturates(t *testing.T) {
	// Scale 1 (amax = 448): 3.5 is exact, 3.3 rounds to 3.25, 1000 cannot
	// appear (amax decides the scale), 0 stays 0.
	x := []float64{448, 3.5, 3.3, 0, -0.0009765625}
	q, err := Quantize(x, 1, 5, numerics.E4M3, PerTensor, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []uint32{0x7E, 0x46, 0x45, 0x00, 0x80} // -2^-10 ties to -0
	for i := range want {
		if q.Codes[i] != want[i] {
			t.Errorf("code %d = %#x, want %#x", i, q.Codes[i], want[i])
		}
	}
	if q.Scales[0] != 1 {
		t.Errorf("scale %v, want 1", q.Scales[0])
	}
}

func TestQuantizePow2AndZero(t *testing.T) {
	x := []float64{100, -3}
	q, _ := Quantize(x, 1, 2, numerics.E4M3, PerTensor, true, 0)
	if q.Scales[0] != 0.25 { // 100/448 = 0.223 → 2^-2
		t.Errorf("pow2 scale %v, want 0.25", q.Scales[0])
	}
	z, _ := Quantize([]float64{0, 0}, 1, 2, numerics.E4M3, PerTensor, false, 0)
	if z.Scales[0] != 1 || z.Codes[0] != 0 {
		t.Errorf("all-zero group: scale %v code %#x, want 1 and 0", z.Scales[0], z.Codes[0])
	}
	if _, err := Quantize([]float64{1, math.NaN()}, 1, 2, numerics.E4M3, PerTensor, false, 0); err == nil {
		t.Error("NaN input accepted")
	}
	if _, err := Quantize(make([]float64, 100), 1, 100, numerics.E4M3, Tile128, false, 0); err == nil {
		t.Error("K = 100 accepted for 1×128 tiles")
	}
}

func TestDequantizeAndScaledProblem(t *testing.T) {
	x := make([]float64, 4*256)
	for i := range x {
		x[i] = float64(i%13) - 6
	}
	a, _ := Quantize(x, 4, 256, numerics.E4M3, Tile128, false, 0)
	b, _ := Quantize(x, 4, 256, numerics.E4M3, PerTensor, false, 0)
	d := a.Dequantize()
	for i, v := range x {
		if math.Abs(d[i]-v) > math.Abs(v)/16+1e-9 {
			t.Fatalf("element %d: %v dequantises to %v", i, v, d[i])
		}
	}
	p, err := NewScaledProblem(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if p.ScaleBlock != 128 || len(p.SA) != 8 || len(p.SB) != 8 || p.SB[0] != p.SB[1] {
		t.Errorf("scaled problem: block %d, %d and %d scales", p.ScaleBlock, len(p.SA), len(p.SB))
	}
}

func TestHeadroom(t *testing.T) {
	for _, tc := range []struct {
		f, acc numerics.Format
		k      int
		want   float64
	}{
		{numerics.E4M3, numerics.FP32, 16384, 448},
		{numerics.FP16, numerics.FP32, 16384, 65504},
		{numerics.BF16, numerics.FP32, 16384, 0x1p56}, // 2^14·2^112 < 2^128
		{numerics.E4M3, numerics.FP16, 4096, 2},       // 4096·4 ≤ 65504 < 4096·16
		{numerics.FP16, numerics.FP16, 16, 32},        // 16·1024 ≤ 65504
	} {
		got := Headroom(tc.f, tc.acc, tc.k)
		if got != tc.want {
			t.Errorf("Headroom(%v, %v, %d) = %v, want %v", tc.f, tc.acc, tc.k, got, tc.want)
		}
		if acc := tc.acc.Decode(tc.acc.MaxFinite()); float64(tc.k)*got*got > acc && got < tc.f.Decode(tc.f.MaxFinite()) {
			t.Errorf("Headroom(%v, %v, %d) = %v lets K products overflow", tc.f, tc.acc, tc.k, got)
		}
	}
	x := []float64{10, -5}
	q, _ := Quantize(x, 1, 2, numerics.BF16, PerTensor, false, 2)
	if q.Scales[0] != 5 || numerics.BF16.Decode(q.Codes[0]) != 2 {
		t.Errorf("target 2: scale %v, first value %v", q.Scales[0], numerics.BF16.Decode(q.Codes[0]))
	}
}

func TestGranularityNames(t *testing.T) {
	for _, g := range []Granularity{PerTensor, PerRow, Tile128, Block128} {
		if h, err := ParseGranularity(g.String()); err != nil || h != g {
			t.Errorf("%v does not round-trip", g)
		}
	}
	if _, err := ParseGranularity("per-atom"); err == nil {
		t.Error("unknown granularity accepted")
	}
}

func TestQuantizeBlocksHandWorked(t *testing.T) {
	// One row, two 32-blocks. MX (E8M0): block 0 has amax 1792 = 1.75·2^10,
	// so its scale is 2^(10-8) = 4 and 1792 becomes 448; block 1 is zero
	// and gets scale 1.
	x := make([]float64, 64)
	x[0], x[1] = 1792, -3
	q, err := QuantizeBlocks(x, 1, 64, numerics.E4M3, numerics.E8M0, 32)
	if err != nil {
		t.Fatal(err)
	}
	if q.InCodes[0] != 127+2 || q.InCodes[1] != 127 || q.Scales[0] != 1 {
		t.Errorf("MX scales %v (outer %v), want [129 127] (outer 1)", q.InCodes, q.Scales)
	}
	if q.Codes[0] != 0x7E || numerics.E4M3.Decode(q.Codes[1]) != -0.75 {
		t.Errorf("MX elements %#x, %v; want 0x7e (448) and -0.75", q.Codes[0], numerics.E4M3.Decode(q.Codes[1]))
	}
	// NVFP4: g = 1792/(6·448) = 2/3; block 0's UE4M3 scale is
	// 1792/(6·g) = 448 (code 0x7e); block 1 (all zero) gets 1.0 (0x38).
	n, err := QuantizeBlocks(x, 1, 64, numerics.E2M1, numerics.UE4M3, 32)
	if err != nil {
		t.Fatal(err)
	}
	if n.Scales[0] != float32(1792.0/(6*448)) || n.InCodes[0] != 0x7E || n.InCodes[1] != 0x38 {
		t.Errorf("NVFP4 outer %v, block codes %#x", n.Scales[0], n.InCodes)
	}
	// 1792 becomes E2M1's 6 (up to the FP32 rounding of g); -3 is 0.01 of
	// its block's scale, below E2M1's 0.5, so it rounds to zero.
	if d := n.Dequantize(); math.Abs(d[0]-1792) > 1e-3 || d[1] != 0 {
		t.Errorf("NVFP4 dequantised %v, %v; want 1792 and 0", d[0], d[1])
	}
	if _, err := QuantizeBlocks(x, 1, 64, numerics.E4M3, numerics.E8M0, 48); err == nil {
		t.Error("a block that does not divide K was accepted")
	}
	var none numerics.Format
	if _, err := QuantizeBlocks(x, 1, 64, none, numerics.E8M0, 32); err == nil {
		t.Error("QuantizeBlocks accepted the zero element format")
	}
	if _, err := QuantizeBlocks(x, 1, 64, numerics.E4M3, none, 32); err == nil {
		t.Error("QuantizeBlocks accepted the zero scale format")
	}
	if _, err := Quantize(x, 1, 64, none, PerTensor, false, 0); err == nil {
		t.Error("Quantize accepted the zero format")
	}
}

// TestLog2Exact checks floorLog2 and ceilLog2 against math/big on powers of
// two, their neighbours and subnormals.
func TestLog2Exact(t *testing.T) {
	for e := -1074; e <= 1023; e++ {
		p := math.Ldexp(1, e)
		for _, x := range []float64{p, math.Nextafter(p, math.Inf(1)), math.Nextafter(p, 0)} {
			if x == 0 || math.IsInf(x, 0) {
				continue
			}
			// Oracle: the exponent of x in math/big, whose MantExp gives
			// x = mant·2^exp with mant in [0.5, 1).
			bx := new(big.Float).SetFloat64(x)
			exp := bx.MantExp(nil)
			fl, cl := exp-1, exp
			if bx.Cmp(new(big.Float).SetMantExp(big.NewFloat(0.5), exp)) == 0 {
				cl = exp - 1
			}
			if floorLog2(x) != fl || ceilLog2(x) != cl {
				t.Fatalf("x = %g: floor %d ceil %d, want %d %d", x, floorLog2(x), ceilLog2(x), fl, cl)
			}
		}
	}
}
