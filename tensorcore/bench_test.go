package tensorcore_test

import (
	"math/rand/v2"
	"testing"

	"github.com/tcsim/tcsim/numerics"
	"github.com/tcsim/tcsim/tensorcore"
)

const benchK = 4096

// benchCodes draws n codes of f from a standard normal distribution (the
// shape of quantised activations), rounded to nearest with saturation.
func benchCodes(r *rand.Rand, f numerics.Format, n int) []uint32 {
	v := make([]uint32, n)
	for i := range v {
		v[i] = f.Encode(r.NormFloat64(), numerics.NearestEven, numerics.Saturate)
	}
	return v
}

// BenchmarkStep times Chain over a decoded K = 4096 vector pair: one output
// element of a GEMM without promotion. ns/instr is per 32-product
// instruction, ns/step per hardware step of L products (equal for wgmma;
// mma.sync runs two steps of 16 plus an FP32 add per instruction).
func BenchmarkStep(b *testing.B) {
	for _, name := range []string{
		"h100-wgmma-e4m3-e4m3", "h100-wgmma-e5m2-e5m2", "h100-wgmma-e4m3-e5m2",
		"h100-wgmma-e4m3-e4m3-f16acc", "h100-wgmma-e5m2-e5m2-f16acc",
		"h100-mma-e4m3-e4m3", "h100-mma-e5m2-e5m2",
	} {
		b.Run(name, func(b *testing.B) {
			p := lookup(b, name)
			r := newRand(1)
			var va, vb tensorcore.Vector
			p.DecodeA(benchCodes(r, p.A, benchK), &va)
			p.DecodeB(benchCodes(r, p.B, benchK), &vb)
			var sink uint32
			n := 0
			b.ReportAllocs()
			for b.Loop() {
				sink ^= p.Chain(&va, &vb, 0, benchK, 0)
				n++
			}
			ns := float64(b.Elapsed().Nanoseconds()) / float64(n)
			b.ReportMetric(ns/float64(benchK/p.L), "ns/step")
			b.ReportMetric(ns/float64(benchK/p.K), "ns/instr")
			b.ReportMetric(float64(benchK)/ns*1e9, "MAC/s")
			if sink == 0x7FFFFFFF {
				b.Log(sink)
			}
		})
	}
}

// BenchmarkMMA times one instruction through MMA, decoding included.
func BenchmarkMMA(b *testing.B) {
	for _, name := range []string{"h100-wgmma-e4m3-e4m3", "h100-mma-e4m3-e4m3"} {
		b.Run(name, func(b *testing.B) {
			p := lookup(b, name)
			r := newRand(2)
			a, bb := benchCodes(r, p.A, 32), benchCodes(r, p.B, 32)
			b.ReportAllocs()
			var sink uint32
			for b.Loop() {
				sink ^= p.MMA(a, bb, sink&0x3FFFFF)
			}
		})
	}
}

// BenchmarkDecode times decoding K = 4096 codes into a reused Vector.
func BenchmarkDecode(b *testing.B) {
	for _, name := range []string{"h100-wgmma-e4m3-e4m3", "h100-mma-e4m3-e4m3"} {
		b.Run(name, func(b *testing.B) {
			p := lookup(b, name)
			codes := benchCodes(newRand(3), p.A, benchK)
			var v tensorcore.Vector
			p.DecodeA(codes, &v)
			n := 0
			b.ReportAllocs()
			for b.Loop() {
				p.DecodeA(codes, &v)
				n++
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n)/benchK, "ns/elem")
		})
	}
}
