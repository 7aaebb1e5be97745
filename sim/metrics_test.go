package sim

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestMeasureHandComputed(t *testing.T) {
	// ref:  [2, -4, 0, 10]; D: [1.5, -4, 0.25, 11]; Σ|ab|: [4, 8, 1, 20]
	// e = [-0.5, 0, 0.25, 1]; r (ref ≠ 0) = [0.25, 0, 0.1]
	d := []float32{1.5, -4, 0.25, 11}
	ref := []float64{2, -4, 0, 10}
	ad := []float64{4, 8, 1, 20}
	m := Measure(d, ref, ad)
	near := func(name string, got, want float64) {
		if math.Abs(got-want) > 1e-15*math.Max(1, math.Abs(want)) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if m.N != 4 || m.ZeroRef != 1 || m.NonFinite != 0 {
		t.Errorf("counts N=%d ZeroRef=%d NonFinite=%d", m.N, m.ZeroRef, m.NonFinite)
	}
	near("MaxRel", m.MaxRel, 0.25)
	near("MedianRel", m.MedianRel, 0.1) // sorted [0, 0.1, 0.25]
	near("MeanRel", m.MeanRel, 0.35/3)
	near("NormRel", m.NormRel, math.Sqrt(0.25+0.0625+1)/math.Sqrt(4+16+100))
	near("MaxErrAbsDot", m.MaxErrAbsDot, 0.25) // [0.125, 0, 0.25, 0.05]
	near("MedianErrAbsDot", m.MedianErrAbsDot, 0.05)
	near("MeanSignedRel", m.MeanSignedRel, (-0.25+0+0.1)/3)
	near("FracBelow", m.FracBelow, 0.25)
	near("RelP10", m.RelP10, 0)
	near("RelP90", m.RelP90, 0.1) // index ⌊0.9·2⌋ = 1
}

func TestMeasureNonFiniteAndEmpty(t *testing.T) {
	m := Measure([]float32{float32(math.Inf(1)), 1}, []float64{1, 1}, nil)
	if m.NonFinite != 1 || !math.IsInf(m.MaxRel, 1) || !math.IsInf(m.NormRel, 1) || !math.IsNaN(m.MaxErrAbsDot) {
		t.Errorf("overflowed output: %+v", m)
	}
	z := Measure([]float32{0}, []float64{0}, []float64{0})
	if z.ZeroRef != 1 || !math.IsNaN(z.MaxRel) || !math.IsNaN(z.MedianErrAbsDot) {
		t.Errorf("all-zero reference: %+v", z)
	}
}

// TestSortNonNegative: the radix sort gives slices.Sort's order (and falls
// back to it for NaN and negative values).
func TestSortNonNegative(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 2, 100, 5000} {
		for _, kind := range []string{"errors", "ties", "special", "nan", "negative"} {
			x := make([]float64, n)
			for i := range x {
				switch kind {
				case "errors":
					x[i] = math.Abs(r.NormFloat64()) * math.Exp2(float64(r.IntN(60)-40))
				case "ties":
					x[i] = float64(r.IntN(3))
				case "special":
					x[i] = []float64{0, math.Inf(1), math.SmallestNonzeroFloat64, math.MaxFloat64, 1}[r.IntN(5)]
				case "nan":
					x[i] = r.Float64()
					if i%7 == 3 {
						x[i] = math.NaN()
					}
				case "negative":
					x[i] = r.NormFloat64()
				}
			}
			want := slices.Clone(x)
			slices.Sort(want)
			sortNonNegative(x)
			if !slices.EqualFunc(x, want, func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }) {
				t.Errorf("%s, n = %d: order differs from slices.Sort", kind, n)
			}
		}
	}
}
