package sweep

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"time"

	"github.com/tcsim/tcsim/numerics"
	"github.com/tcsim/tcsim/sim"
	"github.com/tcsim/tcsim/tensorcore"
	"gonum.org/v1/gonum/mat"
)

// BenchResult compares a bit-exact simulated GEMM with a float64 GEMM
// (gonum mat) of the same shape, timed in the same run.
type BenchResult struct {
	SimMACsPerSec float64 `json:"sim_macs_per_s"`
	F64MACsPerSec float64 `json:"f64_macs_per_s"`
	Ratio         float64 `json:"ratio"` // simulated time / float64 time
	Shape         string  `json:"shape"` // MxNxK
	Cores         int     `json:"cores"` // GOMAXPROCS
	Preset        string  `json:"preset"`
	Nc            int     `json:"nc"`     // promotion interval (0: never)
	Kernel        string  `json:"kernel"` // the step kernels: avx512, avx2 or purego
	Reps          int     `json:"reps"`
}

// BenchMemory estimates, in bytes, the most memory [Bench] takes for an
// m×n×k GEMM: inputs, codes, decoded operands (float64 and the
// datapath's) and both products, doubled for the garbage collector.
func BenchMemory(m, n, k int) float64 {
	ops := (float64(m) + float64(n)) * float64(k) * (8 + 4 + 8 + 14)
	outs := float64(m) * float64(n) * (4 + 8)
	return 2*(ops+outs) + baseMemory
}

// Bench times the GEMM of preset (promoted every nc products; 0: never)
// and the float64 GEMM on m×n×k normal random inputs, each the best of
// reps runs, on GOMAXPROCS cores.
func Bench(preset *tensorcore.Preset, nc, m, n, k, reps int) (*BenchResult, error) {
	if m <= 0 || n <= 0 || k <= 0 || reps <= 0 {
		return nil, fmt.Errorf("bench: shape %d×%d×%d and %d reps must be positive", m, n, k, reps)
	}
	r := rand.New(rand.NewPCG(1, 1))
	x, w := make([]float64, m*k), make([]float64, n*k)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	for i := range w {
		w[i] = r.NormFloat64()
	}
	qa, err := sim.Quantize(x, m, k, preset.A, sim.PerTensor, false, sim.Headroom(preset.A, preset.Acc(), k))
	if err != nil {
		return nil, err
	}
	qb, err := sim.Quantize(w, n, k, preset.B, sim.PerTensor, false, sim.Headroom(preset.B, preset.Acc(), k))
	if err != nil {
		return nil, err
	}
	p := &sim.Problem{M: m, N: n, K: k, A: qa.Codes, B: qb.Codes}
	cfg := sim.Config{Preset: preset, Nc: nc}
	if err := cfg.Check(p); err != nil {
		return nil, err
	}
	a := mat.NewDense(m, k, decodeAll(preset.A, qa.Codes))
	b := mat.NewDense(n, k, decodeAll(preset.B, qb.Codes)).T()
	var simBest, f64Best time.Duration
	for range reps {
		t := time.Now()
		if _, err := sim.GEMM(cfg, p); err != nil {
			return nil, err
		}
		simBest = best(simBest, time.Since(t))
		t = time.Now()
		var d mat.Dense
		d.Mul(a, b)
		f64Best = best(f64Best, time.Since(t))
	}
	macs := float64(m) * float64(n) * float64(k)
	return &BenchResult{
		SimMACsPerSec: macs / simBest.Seconds(), F64MACsPerSec: macs / f64Best.Seconds(),
		Ratio: simBest.Seconds() / f64Best.Seconds(), Shape: fmt.Sprintf("%dx%dx%d", m, n, k),
		Cores: runtime.GOMAXPROCS(0), Preset: preset.Name, Nc: nc, Kernel: tensorcore.Kernel(), Reps: reps,
	}, nil
}

func best(b, d time.Duration) time.Duration {
	if b == 0 || d < b {
		return d
	}
	return b
}

func decodeAll(f numerics.Format, codes []uint32) []float64 {
	v := make([]float64, len(codes))
	for i, c := range codes {
		v[i] = f.Decode(c)
	}
	return v
}
