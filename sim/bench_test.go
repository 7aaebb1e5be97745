package sim

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkGEMM and BenchmarkFloat64GEMM time the same 256×256×4096 shape
// (as 'tcsim bench' does); compare their MMAC/s.
func BenchmarkGEMM(b *testing.B) {
	tc := hopper(b)
	p := randomProblem(256, 256, 4096, 1, false)
	for b.Loop() {
		if _, err := GEMM(Config{Preset: tc}, p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(256*256*4096*float64(b.N)/b.Elapsed().Seconds()/1e6, "MMAC/s")
}

func BenchmarkGEMMPromoted(b *testing.B) {
	tc := hopper(b)
	p := randomProblem(256, 256, 4096, 1, false)
	for b.Loop() {
		if _, err := GEMM(Config{Preset: tc, Nc: 128}, p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(256*256*4096*float64(b.N)/b.Elapsed().Seconds()/1e6, "MMAC/s")
}

func BenchmarkFloat64GEMM(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	x, w := make([]float64, 256*4096), make([]float64, 256*4096)
	for i := range x {
		x[i], w[i] = r.NormFloat64(), r.NormFloat64()
	}
	for b.Loop() {
		Float64Product(x, w, 256, 256, 4096)
	}
	b.ReportMetric(256*256*4096*float64(b.N)/b.Elapsed().Seconds()/1e6, "MMAC/s")
}

func BenchmarkExactProduct(b *testing.B) {
	tc := hopper(b)
	p := randomProblem(64, 64, 4096, 1, false)
	for b.Loop() {
		ExactProduct(p, tc.A, tc.B)
	}
}
