package sim

import (
	"context"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/tcsim/tcsim/numerics"
	"github.com/tcsim/tcsim/tensorcore"
)

func hopper(t testing.TB) *tensorcore.Preset {
	t.Helper()
	p, err := tensorcore.Lookup("h100-wgmma-e4m3-e4m3")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// randomProblem draws normal inputs (all positive if pos) and rounds them
// to E4M3 with unit scales.
func randomProblem(m, n, k int, seed uint64, pos bool) *Problem {
	r := rand.New(rand.NewPCG(seed, 99))
	gen := func(count int) []uint32 {
		c := make([]uint32, count)
		for i := range c {
			v := r.NormFloat64() * 40
			if pos {
				v = math.Abs(v)
			}
			c[i] = numerics.E4M3.Encode(v, numerics.NearestEven, numerics.Saturate)
		}
		return c
	}
	return &Problem{M: m, N: n, K: k, A: gen(m * k), B: gen(n * k)}
}

func gemm(t *testing.T, c Config, p *Problem) []float32 {
	t.Helper()
	d, err := GEMM(c, p)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func bitsEqual(a, b []float32) bool {
	return slices.EqualFunc(a, b, func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) })
}

// chainDirect computes one output as a single tensor-core chain.
func chainDirect(tc *tensorcore.Preset, p *Problem, i, j int) float32 {
	return math.Float32frombits(tc.Dot(p.A[i*p.K:(i+1)*p.K], p.B[j*p.K:(j+1)*p.K], 0))
}

func TestPromotionEveryKIsThePlainChain(t *testing.T) {
	tc := hopper(t)
	p := randomProblem(8, 8, 512, 1, false)
	never := gemm(t, Config{Preset: tc}, p)
	everyK := gemm(t, Config{Preset: tc, Nc: 512}, p)
	beyondK := gemm(t, Config{Preset: tc, Nc: 1024}, p)
	if !bitsEqual(never, everyK) || !bitsEqual(never, beyondK) {
		t.Fatal("N_c = K (or more) differs from no promotion")
	}
	for i := range 8 {
		for j := range 8 {
			if got, want := never[i*8+j], chainDirect(tc, p, i, j); math.Float32bits(got) != math.Float32bits(want) {
				t.Fatalf("(%d,%d): GEMM %v, plain chain %v", i, j, got, want)
			}
		}
	}
}

func TestPromotionIsFP32SumOfChains(t *testing.T) {
	tc := hopper(t)
	p := randomProblem(4, 4, 384, 2, true)
	d := gemm(t, Config{Preset: tc, Nc: 128}, p)
	for i := range 4 {
		for j := range 4 {
			var va, vb tensorcore.Vector
			tc.DecodeA(p.A[i*p.K:(i+1)*p.K], &va)
			tc.DecodeB(p.B[j*p.K:(j+1)*p.K], &vb)
			part := func(lo int) float32 { return math.Float32frombits(tc.Chain(&va, &vb, lo, lo+128, 0)) }
			want := part(0)
			want = want + part(128) // one FP32 add each, in k order
			want = want + part(256)
			if got := d[i*4+j]; math.Float32bits(got) != math.Float32bits(want) {
				t.Fatalf("(%d,%d): %v, want %v", i, j, got, want)
			}
		}
	}
}

func TestUnitScalesEqualUnscaled(t *testing.T) {
	tc := hopper(t)
	p := randomProblem(8, 8, 512, 3, false)
	unscaled := gemm(t, Config{Preset: tc, Nc: 128}, p)
	for _, blk := range []int{128, 512} {
		s := *p
		s.ScaleBlock = blk
		s.SA = slices.Repeat([]float32{1}, 8*512/blk)
		s.SB = slices.Repeat([]float32{1}, 8*512/blk)
		for _, arith := range []ScaleArith{ScaleFMA, ScaleMulMul} {
			if got := gemm(t, Config{Preset: tc, Nc: 128, ScaleArith: arith}, &s); !bitsEqual(got, unscaled) {
				t.Errorf("block %d, %v: unit scales change the result", blk, arith)
			}
		}
	}
}

func TestSplitKSlices(t *testing.T) {
	for _, tc := range []struct {
		k, n int
		want [][2]int
	}{
		{16384, 6, [][2]int{{0, 2816}, {2816, 5632}, {5632, 8448}, {8448, 11264}, {11264, 14080}, {14080, 16384}}},
		{512, 1, [][2]int{{0, 512}}},
		{512, 4, [][2]int{{0, 128}, {128, 256}, {256, 384}, {384, 512}}},
		{640, 2, [][2]int{{0, 384}, {384, 640}}},
	} {
		c := Config{SplitK: tc.n}
		if got := c.Slices(tc.k); !slices.Equal(got, tc.want) {
			t.Errorf("K=%d in %d slices: %v, want %v", tc.k, tc.n, got, tc.want)
		}
	}
}

func TestSplitKIsFP32SumOfSlices(t *testing.T) {
	tc := hopper(t)
	p := randomProblem(4, 4, 1024, 4, false)
	d := gemm(t, Config{Preset: tc, SplitK: 3}, p) // slices of 3, 3, 2 tiles
	for i := range 4 {
		for j := range 4 {
			var va, vb tensorcore.Vector
			tc.DecodeA(p.A[i*p.K:(i+1)*p.K], &va)
			tc.DecodeB(p.B[j*p.K:(j+1)*p.K], &vb)
			s := func(lo, hi int) float32 { return math.Float32frombits(tc.Chain(&va, &vb, lo, hi, 0)) }
			want := s(0, 384)
			want = want + s(384, 768)
			want = want + s(768, 1024)
			if got := d[i*4+j]; math.Float32bits(got) != math.Float32bits(want) {
				t.Fatalf("(%d,%d): %v, want %v", i, j, got, want)
			}
		}
	}
}

func TestGEMMIndependentOfGOMAXPROCS(t *testing.T) {
	tc := hopper(t)
	p := randomProblem(40, 36, 256, 5, false) // not a multiple of the 16-wide tiles
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	one := gemm(t, Config{Preset: tc, Nc: 64}, p)
	runtime.GOMAXPROCS(3)
	if !bitsEqual(one, gemm(t, Config{Preset: tc, Nc: 64}, p)) {
		t.Fatal("GOMAXPROCS changes the bits")
	}
}

func TestFP32Baseline(t *testing.T) {
	tc := hopper(t)
	p := randomProblem(4, 4, 256, 6, false)
	d := gemm(t, Config{Preset: tc, FP32: true}, p)
	for i := range 4 {
		for j := range 4 {
			var s float32
			for k := range p.K {
				a := float32(numerics.E4M3.Decode(p.A[i*p.K+k]))
				b := float32(numerics.E4M3.Decode(p.B[j*p.K+k]))
				s = numerics.FMA32(a, b, s)
			}
			if got := d[i*4+j]; math.Float32bits(got) != math.Float32bits(s) {
				t.Fatalf("(%d,%d): %v, want FFMA chain %v", i, j, got, s)
			}
		}
	}
	if !productsExact32(numerics.E4M3, numerics.E5M2) || !productsExact32(numerics.FP16, numerics.FP16) || productsExact32(numerics.BF16, numerics.BF16) {
		t.Error("productsExact32 misjudges a format pair")
	}
}

func TestConfigCheck(t *testing.T) {
	tc := hopper(t)
	p := randomProblem(2, 2, 256, 7, false)
	scaled := *p
	scaled.ScaleBlock, scaled.SA, scaled.SB = 128, make([]float32, 4), make([]float32, 4)
	for _, c := range []struct {
		cfg  Config
		p    *Problem
		want bool
	}{
		{Config{Preset: tc}, p, true},
		{Config{Preset: tc, Nc: 48}, p, false},
		{Config{}, p, false},
		{Config{Preset: tc, Nc: 128}, &scaled, true},
		{Config{Preset: tc, Nc: 256}, &scaled, false}, // straddles scale blocks
		{Config{Preset: tc}, &scaled, false},
		{Config{Preset: tc}, &Problem{M: 1, N: 1, K: 40, A: make([]uint32, 40), B: make([]uint32, 40)}, false},
		{Config{Preset: tc}, &Problem{M: 2, N: 2, K: 32, A: make([]uint32, 3), B: make([]uint32, 64)}, false},
	} {
		if err := c.cfg.Check(c.p); (err == nil) != c.want {
			t.Errorf("Check(Nc=%d, K=%d, scaled=%v) = %v", c.cfg.Nc, c.p.K, c.p.Scaled(), err)
		}
	}
}

// mxProblem returns the MXFP8 preset and an m×n×k block-scaled problem
// of its formats: A's rows spread over 20 binades, B standard normal,
// drawn from seed.
func mxProblem(t *testing.T, seed uint64, m, n, k int) (*tensorcore.Preset, *Problem) {
	t.Helper()
	tc, err := tensorcore.Lookup("b200-mxf8-e4m3-e4m3")
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(seed, seed+1))
	x, w := make([]float64, m*k), make([]float64, n*k)
	for i := range x {
		x[i] = r.NormFloat64() * math.Exp2(float64(r.IntN(20)-10))
	}
	for i := range w {
		w[i] = r.NormFloat64()
	}
	qa, _ := QuantizeBlocks(x, m, k, tc.A, tc.Scale.Format, tc.Scale.Block)
	qb, _ := QuantizeBlocks(w, n, k, tc.B, tc.Scale.Format, tc.Scale.Block)
	p, err := NewScaledProblem(qa, qb)
	if err != nil {
		t.Fatal(err)
	}
	return tc, p
}

func TestBlockScaledGEMMIsChainedMMAScaled(t *testing.T) {
	m, n, k := 3, 2, 128
	tc, p := mxProblem(t, 5, m, n, k)
	d := gemm(t, Config{Preset: tc}, p)
	ex := ExactProduct(p, tc.A, tc.B)
	for i := range m {
		for j := range n {
			var acc uint32
			for k0 := 0; k0 < k; k0 += tc.K {
				acc = tc.MMAScaled(p.A[i*k+k0:i*k+k0+tc.K], p.B[j*k+k0:j*k+k0+tc.K],
					p.BA[i*4+k0/32:i*4+k0/32+1], p.BB[j*4+k0/32:j*4+k0/32+1], acc)
			}
			if got := d[i*n+j]; math.Float32bits(got) != acc {
				t.Fatalf("(%d,%d): GEMM %#x, chained MMAScaled %#x", i, j, math.Float32bits(got), acc)
			}
			// F = 25 with a 24-bit register: within a few FP32 ulps of exact.
			if e := math.Abs(float64(d[i*n+j]) - ex.D[i*n+j]); e > 1e-6*ex.AbsDot[i*n+j] {
				t.Errorf("(%d,%d): %v vs exact %v", i, j, d[i*n+j], ex.D[i*n+j])
			}
		}
	}
	// Without its block scales the preset is refused, and vice versa.
	plain := *p
	plain.BlockFormat, plain.BA, plain.BB = nil, nil, nil
	if _, err := GEMM(Config{Preset: tc}, &plain); err == nil {
		t.Error("block-scaled preset ran without block scales")
	}
	if _, err := GEMM(Config{Preset: hopper(t)}, p); err == nil {
		t.Error("a plain preset ran with block scales")
	}
}

// TestGEMMsIsEachOutputAlone: GEMMs of several configurations at once
// (lane kernels with promotion, the FP32 baseline, a datapath without
// lane kernels), with an Inf in one block of rows of A (which that block
// runs on the vector kernel), gives every output as an independent
// computation of it does, whatever GOMAXPROCS (which changes the tasks).
func TestGEMMsIsEachOutputAlone(t *testing.T) {
	tc := hopper(t)
	mma, err := tensorcore.Lookup("h100-mma-e4m3-e4m3")
	if err != nil {
		t.Fatal(err)
	}
	m, n, k := 40, 37, 256
	p := randomProblem(m, n, k, 8, false)
	inf, _ := numerics.E4M3.NaNCode() // E4M3 has no Inf: its NaN
	p.A[20*k+5] = inf
	cs := []Config{{Preset: tc, Nc: 64}, {Preset: tc}, {Preset: tc, FP32: true}, {Preset: mma, Nc: 128}}
	want := make([][]float32, len(cs))
	for ci, c := range cs {
		want[ci] = make([]float32, m*n)
		for i := range m {
			for j := range n {
				a, b := p.A[i*k:(i+1)*k], p.B[j*k:(j+1)*k]
				var s float32
				switch {
				case c.FP32:
					for kk := range k {
						s = numerics.FMA32(float32(numerics.E4M3.Decode(a[kk])), float32(numerics.E4M3.Decode(b[kk])), s)
					}
				default:
					step := k
					if c.Nc > 0 {
						step = c.Nc
					}
					for k0 := 0; k0 < k; k0 += step {
						part := math.Float32frombits(c.Preset.Dot(a[k0:k0+step], b[k0:k0+step], 0))
						if k0 == 0 {
							s = part
						} else {
							s += part
						}
					}
				}
				if s != s {
					s = canonicalNaN
				}
				want[ci][i*n+j] = s
			}
		}
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for _, procs := range []int{1, 3} {
		runtime.GOMAXPROCS(procs)
		var (
			mu   sync.Mutex
			work [4]float64
		)
		got, err := GEMMs(context.Background(), cs, p, func(c int, frac float64) {
			mu.Lock() // done is called from several goroutines
			work[c] += frac
			mu.Unlock()
		})
		if err != nil {
			t.Fatal(err)
		}
		for ci := range cs {
			if !bitsEqual(got[ci], want[ci]) {
				t.Errorf("GOMAXPROCS %d, config %d: outputs differ from the outputs computed alone", procs, ci)
			}
			if math.Abs(work[ci]-1) > 1e-12 {
				t.Errorf("GOMAXPROCS %d, config %d: done adds up to %v", procs, ci, work[ci])
			}
		}
	}
}

// TestFP32BaselineBlockScaled: the baseline of a block-scaled datapath is
// an FFMA chain over the values times their in-core scales.
func TestFP32BaselineBlockScaled(t *testing.T) {
	m, n, k := 3, 7, 128
	tc, p := mxProblem(t, 7, m, n, k)
	d := gemm(t, Config{Preset: tc, FP32: true}, p)
	nb := k / tc.Scale.Block
	for i := range m {
		for j := range n {
			var s float32
			for kk := range k {
				a := float32(tc.A.Decode(p.A[i*k+kk])) * float32(tc.Scale.Format.Decode(p.BA[i*nb+kk/tc.Scale.Block]))
				b := float32(tc.B.Decode(p.B[j*k+kk])) * float32(tc.Scale.Format.Decode(p.BB[j*nb+kk/tc.Scale.Block]))
				s = numerics.FMA32(a, b, s)
			}
			s *= float32(p.SA[i] * p.SB[j])
			if got := d[i*n+j]; math.Float32bits(got) != math.Float32bits(s) {
				t.Fatalf("(%d,%d): %v, want %v", i, j, got, s)
			}
		}
	}
}
