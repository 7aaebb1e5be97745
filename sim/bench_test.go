package sim

import (
	"testing"

	"gonum.org/v1/gonum/mat"
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
	p := randomProblem(256, 256, 4096, 1, false)
	x := mat.NewDense(256, 4096, decodeAll(hopper(b).A, p.A))
	w := mat.NewDense(256, 4096, decodeAll(hopper(b).B, p.B)).T()
	var d mat.Dense
	for b.Loop() {
		d.Mul(x, w)
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
