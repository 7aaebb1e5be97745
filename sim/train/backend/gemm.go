package backend

import (
	"context"
	"math"

	"github.com/tcsim/tcsim/numerics"
	"github.com/tcsim/tcsim/sim/parallel"
)

// GEMM computes D = A·Bᵀ (M×N) in the given arithmetic, where a is M×K
// row-major and bt is N×K row-major (both K-major, as the sim package
// stores operands). With fp32 set the operands must be FP32 values and the
// sum is a chain of correctly rounded FP32 fused multiply-adds in k order
// starting from +0 (CUDA cores); otherwise products and sums are float64
// in k order, each rounded on its own.
func GEMM(a []float64, m, k int, bt []float64, n int, fp32 bool) []float64 {
	d := make([]float64, m*n)
	if fp32 {
		parallelFor(m, func(i int) {
			ai := a[i*k : (i+1)*k]
			j := 0
			for ; j+4 <= n; j += 4 {
				d[i*n+j], d[i*n+j+1], d[i*n+j+2], d[i*n+j+3] = dot32x4(ai, bt[j*k:(j+1)*k], bt[(j+1)*k:(j+2)*k], bt[(j+2)*k:(j+3)*k], bt[(j+3)*k:(j+4)*k])
			}
			for ; j < n; j++ {
				d[i*n+j] = Dot32(ai, bt[j*k:(j+1)*k])
			}
		})
		return d
	}
	parallelFor(m, func(i int) {
		ai := a[i*k : (i+1)*k]
		for j := range n {
			d[i*n+j] = Dot64(ai, bt[j*k:(j+1)*k])
		}
	})
	return d
}

// Dot64 returns Σ a_k·b_k in float64, in k order, without fused
// multiply-adds.
func Dot64(a, b []float64) float64 {
	b = b[:len(a)]
	var s float64
	for i, x := range a {
		s += float64(x * b[i])
	}
	return s
}

// Dot32 returns the FP32 fused multiply-add chain s = fma(a_k, b_k, s)
// from s = +0 in k order, each step correctly rounded to FP32; a and b
// hold FP32 values.
func Dot32(a, b []float64) float64 {
	b = b[:len(a)]
	var s float32
	for i, x := range a {
		s = fma32(x, b[i], s)
	}
	return float64(s)
}

// fma32 is the correctly rounded FP32 fma(x, y, s) of FP32 values x, y.
// The float64 product is exact and the float64 sum rounds once; rounding
// that to float32 is the correctly rounded FMA unless the float64 sum is
// exactly a float32 midpoint (or a float32 subnormal), which
// numerics.FMA32 resolves exactly.
func fma32(x, y float64, s float32) float32 {
	if t := float64(x*y) + float64(s); !hard(t) {
		return float32(t)
	}
	return fma32Slow(x, y, s)
}

// hard reports whether rounding t to float32 may differ from rounding the
// exact value it approximates: t is a float32 midpoint or below the
// float32 normal range.
func hard(t float64) bool {
	u := math.Float64bits(t)
	return u&(1<<29-1) == 1<<28 || u&0x7ff0000000000000 < 0x3810000000000000
}

//go:noinline
func fma32Slow(x, y float64, s float32) float32 { return numerics.FMA32(float32(x), float32(y), s) }

// dot32x4 is Dot32 of a with four vectors at once: the four chains are
// independent, so the CPU overlaps their latencies.
func dot32x4(a, b0, b1, b2, b3 []float64) (float64, float64, float64, float64) {
	b0, b1, b2, b3 = b0[:len(a)], b1[:len(a)], b2[:len(a)], b3[:len(a)]
	var s0, s1, s2, s3 float32
	for i, x := range a {
		t0 := float64(x*b0[i]) + float64(s0)
		t1 := float64(x*b1[i]) + float64(s1)
		t2 := float64(x*b2[i]) + float64(s2)
		t3 := float64(x*b3[i]) + float64(s3)
		if hard(t0) || hard(t1) || hard(t2) || hard(t3) {
			s0, s1, s2, s3 = fma32(x, b0[i], s0), fma32(x, b1[i], s1), fma32(x, b2[i], s2), fma32(x, b3[i], s3)
			continue
		}
		s0, s1, s2, s3 = float32(t0), float32(t1), float32(t2), float32(t3)
	}
	return float64(s0), float64(s1), float64(s2), float64(s3)
}

// RoundFP32 rounds every element to the nearest FP32 value, in place.
func RoundFP32(x []float64) {
	for i, v := range x {
		x[i] = float64(float32(v))
	}
}

func toFloat32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

// parallelFor calls f(i) for i in [0, n) on the project's worker pool;
// f writes disjoint outputs, so results do not depend on scheduling.
func parallelFor(n int, f func(int)) {
	_ = parallel.For(context.Background(), n, 0, func(i int) error { f(i); return nil })
}
