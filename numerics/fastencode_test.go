package numerics

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
)

// rneFormats are the formats Encode's fast path serves.
func rneFormats() []Format {
	var fs []Format
	for _, f := range Formats() {
		if f.RNE(Saturate).fast {
			fs = append(fs, f)
		}
	}
	return fs
}

// checkRNE compares Encode (with its fast path) and encodeGeneric at x.
func checkRNE(t *testing.T, f Format, x float64) bool {
	for _, o := range []Overflow{Saturate, ToInf} {
		if got, want := f.Encode(x, NearestEven, o), f.encodeGeneric(x, NearestEven, o); got != want {
			t.Errorf("%s: Encode(%g (%#x), rne, %s) = %#x, the generic encoder %#x", f, x, math.Float64bits(x), o, got, want)
			return false
		}
	}
	return true
}

// TestEncodeRNEFloat32Range checks the fast path against the generic
// encoder on float32 values of each format's range (from below half the
// smallest subnormal to beyond the largest finite value, both signs):
// every one for E2M1, a stride of them for the others (see below), plus
// random float64 values and the special ones.
func TestEncodeRNEFloat32Range(t *testing.T) {
	for _, f := range rneFormats() {
		lo := f.MinExp() - f.ManBits() - 2 // 2^lo is below half the smallest subnormal
		hi := f.MaxExp() + 2
		lo, hi = max(lo, -126), min(hi, 127)
		// Every float32 of E2M1's range; every 31st of the other 8-bit
		// formats', every 4999th of the wider ones' (-short: far fewer).
		stride := uint32(1)
		switch {
		case f.Bits() > 8 && testing.Short():
			stride = 100003
		case f.Bits() > 8:
			stride = 4999
		case testing.Short():
			stride = 613
		case f != E2M1:
			stride = 31
		}
		first := uint32(lo+127) << 23
		last := uint32(hi+127) << 23
		var wg sync.WaitGroup
		var mu sync.Mutex
		bad := 0
		workers := runtime.GOMAXPROCS(0)
		for w := range workers {
			wg.Go(func() {
				for c := first + uint32(w)*stride; c < last; c += uint32(workers) * stride {
					for _, s := range []uint32{0, 1 << 31} {
						x := float64(math.Float32frombits(c | s))
						if f.Encode(x, NearestEven, Saturate) != f.encodeGeneric(x, NearestEven, Saturate) {
							mu.Lock()
							if bad++; bad < 5 {
								checkRNE(t, f, x)
							}
							mu.Unlock()
						}
					}
				}
			})
		}
		wg.Wait()
		if bad > 0 {
			t.Errorf("%s: %d float32 values differ", f, bad)
		}
		r := rand.New(rand.NewPCG(uint64(f.Bits()), 7))
		for range 20000 {
			x := math.Ldexp(r.NormFloat64(), lo+r.IntN(hi-lo+1))
			if !checkRNE(t, f, x) {
				break
			}
		}
		for _, x := range []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(), 5e-324, -5e-324, math.MaxFloat64} {
			checkRNE(t, f, x)
		}
	}
}

// BenchmarkEncode times Encode (fast path) and the generic encoder on
// normally distributed values into E4M3.
func BenchmarkEncode(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	xs := make([]float64, 4096)
	for i := range xs {
		xs[i] = r.NormFloat64() * 40
	}
	for _, c := range []struct {
		name string
		enc  func(float64) uint32
	}{
		{"encoder", func() func(float64) uint32 { e := E4M3.RNE(Saturate); return e.Encode }()},
		{"Encode", func(x float64) uint32 { return E4M3.Encode(x, NearestEven, Saturate) }},
		{"generic", func(x float64) uint32 { return E4M3.encodeGeneric(x, NearestEven, Saturate) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			var sink uint32
			n := 0
			for b.Loop() {
				for _, x := range xs {
					sink += c.enc(x)
				}
				n += len(xs)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/value")
			if sink == 1 {
				b.Log(sink)
			}
		})
	}
}
