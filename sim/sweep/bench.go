package sweep

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"time"

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
	Nc            int     `json:"nc"`      // promotion interval (0: never)
	Scaling       string  `json:"scaling"` // quantisation scaling (see [Scalings])
	Kernel        string  `json:"kernel"`  // the step kernels: avx512, avx2 or purego
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
// and the float64 GEMM on m×n×k normal random inputs quantised with
// scaling sc (block-scaled presets: their in-core block scales under one
// per-tensor scale, as a sweep does), each the best of reps runs, on
// GOMAXPROCS cores.
func Bench(preset *tensorcore.Preset, nc int, sc Scaling, m, n, k, reps int) (*BenchResult, error) {
	if m <= 0 || n <= 0 || k <= 0 || reps <= 0 {
		return nil, fmt.Errorf("bench: shape %d×%d×%d and %d reps must be positive", m, n, k, reps)
	}
	if preset.BlockScaled() && sc.Name != "tensor" {
		return nil, fmt.Errorf("bench: %s has in-core block scales: it runs with --scaling tensor only", preset.Name)
	}
	r := rand.New(rand.NewPCG(1, 1))
	x, w := make([]float64, m*k), make([]float64, n*k)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	for i := range w {
		w[i] = r.NormFloat64()
	}
	t := Trials{Presets: []*tensorcore.Preset{preset}, Scaling: sc, K: k}
	qa, err := t.quantize(x, m, RoleA)
	if err != nil {
		return nil, fmt.Errorf("bench: %v", err)
	}
	qb, err := t.quantize(w, n, RoleB)
	if err != nil {
		return nil, fmt.Errorf("bench: %v", err)
	}
	p, err := sim.NewScaledProblem(qa, qb)
	if err != nil {
		return nil, fmt.Errorf("bench: %v", err)
	}
	cfg := sim.Config{Preset: preset, Nc: nc}
	if err := cfg.Check(p); err != nil {
		return nil, fmt.Errorf("bench: %v", err)
	}
	a := mat.NewDense(m, k, qa.Dequantize())
	b := mat.NewDense(n, k, qb.Dequantize()).T()
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
		Cores: runtime.GOMAXPROCS(0), Preset: preset.Name, Nc: nc, Scaling: sc.Name, Kernel: tensorcore.Kernel(), Reps: reps,
	}, nil
}

func best(b, d time.Duration) time.Duration {
	if b == 0 || d < b {
		return d
	}
	return b
}
