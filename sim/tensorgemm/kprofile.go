package tensorgemm

import (
	"context"
	"math"
	"slices"

	"github.com/tcsim/tcsim/sim"
)

// KSeries is the error of one configuration along K: at each prefix
// length K[i], the metrics of the sampled outputs of the GEMM truncated to
// its first K[i] products, against the exact product of the same prefix.
type KSeries struct {
	Point   int // index in Result.Points
	K       []int
	Metrics []sim.Metrics
}

// maxSample is the number of rows of A and of columns of B sampled for
// the error along K.
const maxSample = 16

// ErrorAlongK follows the accumulation error of every point along K, on up
// to 16×16 outputs (evenly spaced rows and columns without NaN or Inf
// inputs) and at about `steps` prefix lengths, multiples of 128 (of the
// instruction K when K is not a multiple of 128). Where scales are applied
// at each promotion, prefixes start beyond the first scale block, where
// they would be applied in the epilogue instead.
func ErrorAlongK(ctx context.Context, r *Result, steps int) ([]KSeries, error) {
	rows := sample(r.M, func(i int) bool { return !r.poisonedRow(i) })
	cols := sample(r.N, func(j int) bool { return !r.poisonedCol(j) })
	out := make([]KSeries, len(r.Points))
	for pi := range r.Points {
		pt := &r.Points[pi]
		qt := &r.Quants[pt.Quant]
		step := ScaleBlock
		if r.K%ScaleBlock != 0 {
			step = pt.Preset.K
		}
		ks := prefixes(r.K, step, steps)
		if pr := qt.problem; pr.Scaled() && pr.ScaleBlock < pr.K {
			// Scales applied at promotion stay so only while a prefix
			// spans more than one scale block.
			ks = slices.DeleteFunc(ks, func(k int) bool { return k <= pr.ScaleBlock })
		}
		out[pi] = KSeries{Point: pi, K: ks}
		if len(rows) == 0 || len(cols) == 0 {
			continue
		}
		for _, k := range ks {
			sub := subProblem(qt.problem, rows, cols, k)
			d, err := sim.GEMMContext(ctx, pt.Config, sub)
			if err != nil {
				return nil, err
			}
			ex, err := sim.ExactProductContext(ctx, sub, pt.Preset.A, pt.Preset.B)
			if err != nil {
				return nil, err
			}
			out[pi].Metrics = append(out[pi].Metrics, sim.Measure(d, ex.D, ex.AbsDot))
		}
	}
	return out, nil
}

func (r *Result) poisonedRow(i int) bool {
	for j := range r.N {
		if !r.poisoned[i*r.N+j] {
			return false
		}
	}
	return r.N > 0
}

func (r *Result) poisonedCol(j int) bool {
	for i := range r.M {
		if !r.poisoned[i*r.N+j] {
			return false
		}
	}
	return r.M > 0
}

// sample picks up to maxSample evenly spaced indices below n that ok
// accepts.
func sample(n int, ok func(int) bool) []int {
	var good []int
	for i := range n {
		if ok(i) {
			good = append(good, i)
		}
	}
	if len(good) <= maxSample {
		return good
	}
	out := make([]int, maxSample)
	for s := range out {
		out[s] = good[s*(len(good)-1)/(maxSample-1)]
	}
	return out
}

// prefixes returns about steps increasing multiples of step up to k,
// ending at k.
func prefixes(k, step, steps int) []int {
	var ks []int
	for s := 1; s <= steps; s++ {
		v := int(math.Ceil(float64(k)*float64(s)/float64(steps)/float64(step))) * step
		v = min(max(v, step), k)
		if len(ks) == 0 || v > ks[len(ks)-1] {
			ks = append(ks, v)
		}
	}
	return ks
}

// subProblem is the problem restricted to some rows of A, columns of B and
// the first k products.
func subProblem(p *sim.Problem, rows, cols []int, k int) *sim.Problem {
	s := &sim.Problem{M: len(rows), N: len(cols), K: k, BlockFormat: p.BlockFormat, BlockSize: p.BlockSize}
	take := func(src []uint32, idx []int, width, keep int) []uint32 {
		var out []uint32
		for _, i := range idx {
			out = append(out, src[i*width:i*width+keep]...)
		}
		return out
	}
	s.A, s.B = take(p.A, rows, p.K, k), take(p.B, cols, p.K, k)
	if p.BlockFormat != nil {
		nb := p.K / p.BlockSize
		s.BA, s.BB = take(p.BA, rows, nb, k/p.BlockSize), take(p.BB, cols, nb, k/p.BlockSize)
	}
	if p.Scaled() {
		kb := p.K / p.ScaleBlock
		keep, blk := k/p.ScaleBlock, p.ScaleBlock
		if p.ScaleBlock == p.K { // applied in the epilogue: one scale per row
			keep, blk = 1, k
		}
		takeF := func(src []float32, idx []int) []float32 {
			var out []float32
			for _, i := range idx {
				out = append(out, src[i*kb:i*kb+keep]...)
			}
			return out
		}
		s.SA, s.SB, s.ScaleBlock = takeF(p.SA, rows), takeF(p.SB, cols), blk
	}
	return s
}
