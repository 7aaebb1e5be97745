package backend

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tcsim/tcsim/numerics"
	"github.com/tcsim/tcsim/sim"
	"github.com/tcsim/tcsim/sim/train/recipe"
)

func randFP32(r *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = float64(float32(r.NormFloat64() * math.Exp2(float64(r.IntN(8)-4))))
	}
	return x
}

// TestDot32 compares the FP32 GEMM with a chain of numerics.FMA32 (the
// project's exact FP32 FMA) bit for bit, on random data and on data built
// to hit float32 midpoints and subnormals.
func TestDot32(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	m, k, n := 5, 67, 11
	for trial := range 50 {
		a, b := randFP32(r, m*k), randFP32(r, n*k)
		if trial%2 == 1 {
			// 1 + 2^-24 products against 1 hit midpoints; tiny values hit
			// the subnormal path.
			for i := range a {
				switch r.IntN(4) {
				case 0:
					a[i] = 1 + math.Exp2(-23)
				case 1:
					a[i] = math.Exp2(-24)
				case 2:
					a[i] = math.Exp2(-140)
				}
			}
		}
		d := GEMM(a, m, k, b, n, true)
		for i := range m {
			for j := range n {
				var s float32
				for q := range k {
					s = numerics.FMA32(float32(a[i*k+q]), float32(b[j*k+q]), s)
				}
				if math.Float64bits(d[i*n+j]) != math.Float64bits(float64(s)) {
					t.Fatalf("trial %d (%d,%d): %v, FMA32 chain %v", trial, i, j, d[i*n+j], s)
				}
			}
		}
	}
}

// TestPaddingIsExact: a tensor-core GEMM of K = 64 (padded to the 128
// scale block) gives the bits of the same GEMM with the zeros written out.
func TestPaddingIsExact(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	m, n := 9, 7
	a, b := randFP32(r, m*64), randFP32(r, n*64)
	wide := func(x []float64, rows int) []float64 {
		out := make([]float64, rows*128)
		for i := range rows {
			copy(out[i*128:], x[i*64:(i+1)*64])
		}
		return out
	}
	for _, name := range []string{"deepseek", "te", "fast", "bf16"} {
		rc, _ := recipe.Named(name)
		be := &Backend{Recipe: rc}
		for _, kind := range recipe.Kinds() {
			d1, err := be.Linear(kind, "x", a, m, 64, b, n)
			if err != nil {
				t.Fatal(err)
			}
			d2, err := be.Linear(kind, "x", wide(a, m), m, 128, wide(b, n), n)
			if err != nil {
				t.Fatal(err)
			}
			for i := range d1 {
				if math.Float64bits(d1[i]) != math.Float64bits(d2[i]) {
					t.Fatalf("%s %s: output %d: %v padded, %v written out", name, kind, i, d1[i], d2[i])
				}
			}
		}
	}
}

// TestProbe checks the recorded errors: the compensated BF16 reference
// agrees with sim.ExactProduct to an ulp, FP8 errors are those of the
// datapath (no promotion much worse than promotion every 128 at K = 2048),
// and fp32 errors are tiny.
func TestProbe(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	m, k, n := 8, 2048, 8
	a, b := make([]float64, m*k), make([]float64, n*k)
	for i := range a {
		a[i] = math.Abs(r.NormFloat64()) // all positive: truncation bias shows
	}
	for i := range b {
		b[i] = math.Abs(r.NormFloat64())
	}
	errOf := func(name string, kind recipe.Kind) Record {
		rc, _ := recipe.Named(name)
		be := &Backend{Recipe: rc, Probe: true}
		if _, err := be.Linear(kind, "x", a, m, k, b, n); err != nil {
			t.Fatal(err)
		}
		return be.Records[0]
	}
	fast, promoted := errOf("te", recipe.Fprop), errOf("te", recipe.Wgrad)
	if !(fast.Acc.NormRel > 10*promoted.Acc.NormRel) || !(fast.Acc.MeanSignedRel < 0) || fast.Acc.FracBelow != 1 {
		t.Errorf("fast %+v, promoted %+v", fast.Acc, promoted.Acc)
	}
	if f := errOf("fp32", recipe.Fprop); !(f.Acc.NormRel < 1e-6) {
		t.Errorf("fp32 error %v", f.Acc.NormRel)
	}
	// BF16: compensated reference against math/big.
	rc, _ := recipe.Named("bf16")
	g := rc.GEMM[recipe.Fprop]
	p, err := Problem(g, recipe.Fprop, a, m, k, b, n)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := reference(g, p)
	want := sim.ExactProduct(p, g.Preset.A, g.Preset.B)
	for i := range got {
		if math.Abs(got[i]-want.D[i]) > math.Abs(want.D[i])*0x1p-52 {
			t.Fatalf("output %d: compensated %v, exact %v", i, got[i], want.D[i])
		}
	}
}
