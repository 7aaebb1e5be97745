package sim

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/tcsim/tcsim/numerics"
)

// bigExact is an independent oracle: Σ sa·sb·a·b in big.Rat, rounded once
// to float64 by big.Float. The scales are the outer (promotion) scales
// times the in-core block scales, each read straight from the problem.
func bigExact(p *Problem, fa, fb numerics.Format, i, j int) (float64, float64) {
	var d, ad big.Rat
	scale := func(t *big.Rat, outer []float32, inner []uint32, r, k int) {
		var s big.Rat
		if outer != nil {
			t.Mul(t, s.SetFloat64(float64(outer[r*(p.K/p.ScaleBlock)+k/p.ScaleBlock])))
		}
		if inner != nil {
			t.Mul(t, s.SetFloat64(p.BlockFormat.Decode(inner[r*(p.K/p.BlockSize)+k/p.BlockSize])))
		}
	}
	for k := range p.K {
		var t, s big.Rat
		t.SetFloat64(fa.Decode(p.A[i*p.K+k]))
		s.SetFloat64(fb.Decode(p.B[j*p.K+k]))
		t.Mul(&t, &s)
		scale(&t, p.SA, p.BA, i, k)
		scale(&t, p.SB, p.BB, j, k)
		d.Add(&d, &t)
		ad.Add(&ad, t.Abs(&t))
	}
	x, _ := new(big.Float).SetPrec(53).SetRat(&d).Float64()
	y, _ := new(big.Float).SetPrec(53).SetRat(&ad).Float64()
	return x, y
}

func randomCodes(r *rand.Rand, f numerics.Format, n int) []uint32 {
	c := make([]uint32, n)
	for i := range c {
		for {
			c[i] = uint32(r.IntN(f.NumCodes()))
			v := f.Decode(c[i])
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				break
			}
		}
	}
	return c
}

func TestExactProductAgainstBigRat(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, tc := range []struct {
		fa, fb numerics.Format
		scaled bool
	}{
		{numerics.E4M3, numerics.E4M3, false}, // int64 path
		{numerics.E4M3, numerics.E4M3, true},
		{numerics.E5M2, numerics.E5M2, false}, // 128-bit path
		{numerics.E4M3, numerics.E5M2, true},
		{numerics.FP16, numerics.FP16, false},
		{numerics.BF16, numerics.BF16, false}, // math/big fallback
		{numerics.BF16, numerics.BF16, true},
	} {
		m, n, k := 3, 6, 256 // columns four at a time and one at a time
		p := &Problem{M: m, N: n, K: k, A: randomCodes(r, tc.fa, m*k), B: randomCodes(r, tc.fb, n*k)}
		if tc.scaled {
			p.ScaleBlock = 128
			p.SA, p.SB = make([]float32, m*2), make([]float32, n*2)
			for i := range p.SA {
				p.SA[i] = float32(math.Ldexp(1+r.Float64(), r.IntN(20)-10))
			}
			for i := range p.SB {
				p.SB[i] = float32(math.Ldexp(1+r.Float64(), r.IntN(20)-10))
			}
		}
		ex := ExactProduct(p, tc.fa, tc.fb)
		for i := range m {
			for j := range n {
				want, wantAbs := bigExact(p, tc.fa, tc.fb, i, j)
				if got := ex.D[i*n+j]; math.Float64bits(got) != math.Float64bits(want) && !(got == 0 && want == 0) {
					t.Fatalf("%v×%v scaled=%v (%d,%d): %v, want %v", tc.fa, tc.fb, tc.scaled, i, j, got, want)
				}
				if got := ex.AbsDot[i*n+j]; got != wantAbs {
					t.Fatalf("%v×%v scaled=%v (%d,%d): Σ|ab| = %v, want %v", tc.fa, tc.fb, tc.scaled, i, j, got, wantAbs)
				}
			}
		}
	}
}

func TestExactProductBeyondFloat64(t *testing.T) {
	// E5M2 products span 2^-32 .. 57344² ≈ 2^31.6: a sum of the largest and
	// the smallest needs 64 bits, beyond float64 and int64. The 128-bit sum
	// must round once from the exact value, and cancel exactly.
	big := numerics.E5M2.Encode(57344, numerics.NearestEven, numerics.Saturate)
	tiny := uint32(0x01) // 2^-16
	p := &Problem{M: 1, N: 1, K: 2, A: []uint32{big, tiny}, B: []uint32{big, tiny}}
	got := ExactProduct(p, numerics.E5M2, numerics.E5M2).D[0]
	// 57344² + 2^-32 rounds to 57344² (the tail is far below half an ulp).
	if want := 57344.0 * 57344.0; got != want {
		t.Fatalf("%v, want %v", got, want)
	}
	p.A[1] = numerics.E5M2.Encode(-57344, numerics.NearestEven, numerics.Saturate)
	p.B[1] = big
	if got := ExactProduct(p, numerics.E5M2, numerics.E5M2).D[0]; got != 0 {
		t.Fatalf("exact cancellation gave %v", got)
	}
}

func TestFloat64Product(t *testing.T) {
	x := []float64{1, 2, 3, 4, 5, 6}     // 2×3
	w := []float64{1, 0, -1, 2, 2, 2}    // 2×3, K-major (rows are columns of B)
	got := Float64Product(x, w, 2, 2, 3) // [[1-3, 2+4+6], [4-6, 8+10+12]]
	want := []float64{-2, 12, -2, 30}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%v, want %v", got, want)
		}
	}
}

// TestFloat64ProductOrder checks every output against the sum in k order
// with each product and each partial sum rounded once to float64, computed
// with math/big (so a fused multiply-add or another order would show).
func TestFloat64ProductOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const m, n, k = 3, 7, 33 // n not a multiple of 4: the remainder loop too
	x, w := make([]float64, m*k), make([]float64, n*k)
	for i := range x {
		x[i] = math.Ldexp(r.Float64()-0.5, r.IntN(40)-20)
	}
	for i := range w {
		w[i] = math.Ldexp(r.Float64()-0.5, r.IntN(40)-20)
	}
	round := func(f *big.Float) float64 { v, _ := f.Float64(); return v }
	got := Float64Product(x, w, m, n, k)
	for i := range m {
		for j := range n {
			s := 0.0
			for kk := range k {
				p := round(new(big.Float).SetPrec(200).Mul(big.NewFloat(x[i*k+kk]), big.NewFloat(w[j*k+kk])))
				s = round(new(big.Float).SetPrec(200).Add(big.NewFloat(s), big.NewFloat(p)))
			}
			if math.Float64bits(got[i*n+j]) != math.Float64bits(s) {
				t.Fatalf("(%d, %d): %x, want %x", i, j, math.Float64bits(got[i*n+j]), math.Float64bits(s))
			}
		}
	}
}
