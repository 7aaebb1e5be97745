package sim

import (
	"context"
	"fmt"
	"math"
	"sync/atomic"

	"github.com/tcsim/tcsim/numerics"
	"github.com/tcsim/tcsim/sim/parallel"
	"github.com/tcsim/tcsim/tensorcore"
)

// ScaleArith is the FP32 arithmetic that applies dequantisation scales to a
// promoted partial sum (docs/datapath.md §4). Both forms start the sum at +0.
type ScaleArith uint8

const (
	// ScaleFMA: sum = fma(acc, float32(sa·sb), sum).
	ScaleFMA ScaleArith = iota
	// ScaleMulMul: sum = sum + float32(float32(acc·sa)·sb), each
	// operation rounded to FP32.
	ScaleMulMul
)

var scaleArithNames = [...]string{ScaleFMA: "fma", ScaleMulMul: "mulmul"}

func (s ScaleArith) String() string {
	if int(s) < len(scaleArithNames) {
		return scaleArithNames[s]
	}
	return fmt.Sprintf("ScaleArith(%d)", s)
}

// ParseScaleArith parses "fma" or "mulmul".
func ParseScaleArith(s string) (ScaleArith, error) {
	for i, n := range scaleArithNames {
		if n == s {
			return ScaleArith(i), nil
		}
	}
	return 0, fmt.Errorf("unknown scale arithmetic %q (want fma or mulmul)", s)
}

// Config is how a kernel accumulates: the datapath and its main loop.
type Config struct {
	Preset *tensorcore.Preset
	// Nc is the promotion interval in products, a multiple of the
	// preset's K. Every Nc products the tensor-core accumulator is added
	// into an FP32 register sum and restarts from zero. 0 means never: one
	// tensor-core chain over each K slice.
	Nc int
	// SplitK is the number of contiguous K slices (split-K); 0 or 1 means
	// none. K is cut into tiles of SplitTile; each slice gets
	// ⌈tiles/SplitK⌉ tiles and the last one the rest. Each slice is
	// accumulated on its own and the slice results are added in FP32 in
	// slice order.
	SplitK    int
	SplitTile int // default 128
	// ScaleArith is how scales are applied when the problem has them.
	ScaleArith ScaleArith
	// FP32 replaces the tensor core by CUDA-core FP32 accumulation, the
	// baseline an FP32 GEMM gives: sum = fma(a_k, b_k, sum) in k order with
	// one rounding per product (Preset still names the operand formats).
	FP32 bool
}

// Problem is a GEMM on quantised operands: D[M×N] = A[M×K]·B[K×N].
type Problem struct {
	M, N, K int
	A       []uint32 // M×K codes of Preset.A, row i at [i·K, (i+1)·K)
	B       []uint32 // N×K codes of Preset.B, column j at [j·K, (j+1)·K)
	// Optional dequantisation scales, one per row (column) and K block of
	// ScaleBlock products: SA[i·KB+kb], SB[j·KB+kb], KB = K/ScaleBlock.
	// When blocks are shorter than K (DeepSeek-style 1×128 and 128×128
	// scaling) they are applied to each promoted partial sum with the
	// scales of the block it lies in, by Config.ScaleArith, so a promotion
	// interval may not straddle blocks. When one block spans K (per-tensor
	// or per-row scaling) they are applied once in the epilogue, as
	// D = sum·float32(sa·sb).
	SA, SB     []float32
	ScaleBlock int
	// In-core block scales of a block-scaled preset (MXFP8, MXFP4, NVFP4):
	// codes of BlockFormat, one per row (column) and BlockSize operands
	// along K, BA[i·K/BlockSize + kb]; the tensor core applies them.
	BlockFormat *numerics.Format
	BlockSize   int
	BA, BB      []uint32
}

// Scaled reports whether the problem carries dequantisation scales.
func (p *Problem) Scaled() bool { return p.SA != nil || p.SB != nil }

// ScaledAtPromotion reports whether scales are applied at each promotion
// rather than in the epilogue.
func (p *Problem) ScaledAtPromotion() bool { return p.Scaled() && p.ScaleBlock < p.K }

// Slices returns the [lo, hi) bounds of the K slices.
func (c *Config) Slices(k int) [][2]int {
	if c.SplitK <= 1 {
		return [][2]int{{0, k}}
	}
	tile := c.SplitTile
	if tile == 0 {
		tile = 128
	}
	tiles := (k + tile - 1) / tile
	per := (tiles + c.SplitK - 1) / c.SplitK
	var s [][2]int
	for lo := 0; lo < k; lo += per * tile {
		s = append(s, [2]int{lo, min(lo+per*tile, k)})
	}
	return s
}

// Check reports whether the configuration can run the problem.
func (c *Config) Check(p *Problem) error {
	tc := c.Preset
	switch {
	case tc == nil:
		return fmt.Errorf("no preset")
	case tc.BlockScaled() != (p.BlockFormat != nil):
		return fmt.Errorf("%s: in-core block scales are needed exactly for block-scaled presets", tc.Name)
	case tc.BlockScaled() && (*p.BlockFormat != tc.Scale.Format || p.BlockSize != tc.Scale.Block ||
		len(p.BA) != p.M*p.K/p.BlockSize || len(p.BB) != p.N*p.K/p.BlockSize):
		return fmt.Errorf("%s needs %s scales per %d operands: %d and %d given", tc.Name, tc.Scale.Format, tc.Scale.Block, len(p.BA), len(p.BB))
	case p.M <= 0 || p.N <= 0 || p.K <= 0:
		return fmt.Errorf("empty GEMM %d×%d×%d", p.M, p.N, p.K)
	case len(p.A) != p.M*p.K || len(p.B) != p.N*p.K:
		return fmt.Errorf("operand sizes %d and %d do not match %d×%d×%d", len(p.A), len(p.B), p.M, p.N, p.K)
	case p.K%tc.K != 0:
		return fmt.Errorf("K = %d is not a multiple of the instruction K = %d of %s", p.K, tc.K, tc.Name)
	case c.Nc < 0 || c.Nc%tc.K != 0:
		return fmt.Errorf("N_c = %d is not a multiple of the instruction K = %d of %s", c.Nc, tc.K, tc.Name)
	case c.SplitK < 0 || c.SplitTile < 0 || c.SplitTile%tc.K != 0:
		return fmt.Errorf("split-K tile %d is not a multiple of the instruction K = %d", c.SplitTile, tc.K)
	}
	if p.Scaled() {
		b := p.ScaleBlock
		if b <= 0 || p.K%b != 0 {
			return fmt.Errorf("scale block %d does not divide K = %d", b, p.K)
		}
		kb := p.K / b
		if len(p.SA) != p.M*kb || len(p.SB) != p.N*kb {
			return fmt.Errorf("scale sizes %d and %d do not match %d and %d rows of %d blocks", len(p.SA), len(p.SB), p.M, p.N, kb)
		}
		for _, s := range c.Slices(p.K) {
			if !p.ScaledAtPromotion() {
				break
			}
			for k0 := s[0]; k0 < s[1]; k0 += c.interval(s) {
				k1 := min(k0+c.interval(s), s[1])
				if k0/b != (k1-1)/b {
					return fmt.Errorf("promotion interval [%d,%d) straddles scale blocks of %d: N_c must divide the scale block", k0, k1, b)
				}
			}
		}
	}
	return nil
}

// interval is the promotion interval within slice s.
func (c *Config) interval(s [2]int) int {
	if c.Nc == 0 {
		return s[1] - s[0]
	}
	return c.Nc
}

// GEMM computes D (M×N float32, row-major) bit-exactly as the configured
// kernel would. Output elements are spread over GOMAXPROCS goroutines by
// tiles; each element is computed alone in a fixed order, so the bits do
// not depend on the parallelism.
func GEMM(c Config, p *Problem) ([]float32, error) {
	return GEMMContext(context.Background(), c, p)
}

// GEMMContext is [GEMM] with its work spread over the workers ctx allows
// (see [parallel.WithLimit]), stopping when ctx is cancelled.
func GEMMContext(ctx context.Context, c Config, p *Problem) ([]float32, error) {
	if err := c.Check(p); err != nil {
		return nil, err
	}
	tc := c.Preset
	// chain(i, j0, lo, hi, part) accumulates products [lo, hi) of the
	// outputs (i, j0+l), l < len(part), each from zero, as the tensor core
	// (or, for the baseline, FFMA) does.
	var chain func(i, j0, lo, hi int, part []float32)
	switch {
	case tc.BlockScaled() && !c.FP32:
		nb := p.K / p.BlockSize
		per := tc.K / p.BlockSize
		chain = func(i, j0, lo, hi int, part []float32) {
			for l := range part {
				j := j0 + l
				var acc uint32
				for k0 := lo; k0 < hi; k0 += tc.K {
					acc = tc.MMAScaled(p.A[i*p.K+k0:i*p.K+k0+tc.K], p.B[j*p.K+k0:j*p.K+k0+tc.K],
						p.BA[i*nb+k0/p.BlockSize:][:per], p.BB[j*nb+k0/p.BlockSize:][:per], acc)
				}
				part[l] = math.Float32frombits(acc)
			}
		}
	case c.FP32:
		fa, fb := decodeFloat32(tc.A, p.A, p.M, p.K), decodeFloat32(tc.B, p.B, p.N, p.K)
		if p.BlockFormat != nil {
			scaleBlocks(fa, *p.BlockFormat, p.BA, p.BlockSize)
			scaleBlocks(fb, *p.BlockFormat, p.BB, p.BlockSize)
		}
		exact := productsExact32(tc.A, tc.B) && p.BlockFormat == nil
		chain = func(i, j0, lo, hi int, part []float32) {
			for l := range part {
				part[l] = fmaChain(fa[i][lo:hi], fb[j0+l][lo:hi], exact)
			}
		}
	default:
		var err error
		if chain, err = laneChain(ctx, tc, p); err != nil {
			return nil, err
		} else if chain != nil {
			break
		}
		// Decoding is a pure function of each row, so it parallelises
		// without affecting the result.
		va := make([]tensorcore.Vector, p.M)
		vb := make([]tensorcore.Vector, p.N)
		err = parallel.For(ctx, p.M+p.N, 0, func(r int) error {
			if r < p.M {
				tc.DecodeA(p.A[r*p.K:(r+1)*p.K], &va[r])
			} else {
				j := r - p.M
				tc.DecodeB(p.B[j*p.K:(j+1)*p.K], &vb[j])
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		acc := tc.Acc()
		chain = func(i, j0, lo, hi int, part []float32) {
			for l := range part {
				part[l] = accToFloat32(acc, tc.Chain(&va[i], &vb[j0+l], lo, hi, 0))
			}
		}
	}
	d := make([]float32, p.M*p.N)
	slices := c.Slices(p.K)
	tm, tn := (p.M+tile-1)/tile, (p.N+tile-1)/tile
	err := parallel.For(ctx, tm*tn, 0, func(t int) error {
		i0, j0 := t/tn*tile, t%tn*tile
		for i := i0; i < min(i0+tile, p.M); i++ {
			c.elements(p, chain, i, j0, d[i*p.N+j0:i*p.N+min(j0+tile, p.N)], slices)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// laneChain returns GEMM's chain function on the lane kernels, which
// compute each output as Chain does, a tile row at a time; nil when the
// preset has none or an operand is Inf or NaN.
func laneChain(ctx context.Context, tc *tensorcore.Preset, p *Problem) (func(i, j0, lo, hi int, part []float32), error) {
	if !tc.Lanes() {
		return nil, nil
	}
	rows := make([]tensorcore.LaneRow, p.M)
	panels := make([]tensorcore.Panel, (p.N+tile-1)/tile)
	var refused atomic.Bool
	err := parallel.For(ctx, p.M+len(panels), 0, func(r int) error {
		if r < p.M {
			if !tc.DecodeRow(p.A[r*p.K:(r+1)*p.K], &rows[r]) {
				refused.Store(true)
			}
			return nil
		}
		t := r - p.M
		var cols [tile][]uint32
		n := 0
		for j := t * tile; j < min((t+1)*tile, p.N); j++ {
			cols[n] = p.B[j*p.K : (j+1)*p.K]
			n++
		}
		if !tc.DecodePanel(cols[:n], &panels[t]) {
			refused.Store(true)
		}
		return nil
	})
	if err != nil || refused.Load() {
		return nil, err
	}
	return func(i, j0, lo, hi int, part []float32) {
		var d [tile]uint32
		tc.ChainLanes(&rows[i], &panels[j0/tile], lo, hi, d[:len(part)])
		for l := range part {
			part[l] = math.Float32frombits(d[l])
		}
	}, nil
}

// tile is the side of the square tiles of outputs that GEMM hands to its
// workers; a tile's row is one lane-kernel panel wide.
const tile = tensorcore.Lanes

// elements computes the outputs d[l] = D(i, j0+l) of one row of a tile:
// per slice, tensor-core chains of Nc products promoted into an FP32 sum;
// slices added in FP32 in order. Each output's arithmetic is its own,
// whatever the others.
func (c *Config) elements(p *Problem, chain func(i, j0, lo, hi int, part []float32), i, j0 int, d []float32, slices [][2]int) {
	var kb int
	if p.Scaled() {
		kb = p.K / p.ScaleBlock
	}
	perBlock := p.ScaledAtPromotion()
	n := len(d)
	var part, sum, total [tile]float32
	for si, s := range slices {
		clear(sum[:]) // each slice's sum starts at +0
		step := c.interval(s)
		for k0 := s[0]; k0 < s[1]; k0 += step {
			k1 := min(k0+step, s[1])
			chain(i, j0, k0, k1, part[:n])
			for l := range n {
				switch {
				case perBlock:
					blk := k0 / p.ScaleBlock
					sum[l] = applyScale(c.ScaleArith, part[l], p.SA[i*kb+blk], p.SB[(j0+l)*kb+blk], sum[l])
				case k0 == s[0]:
					sum[l] = part[l]
				default:
					sum[l] = add(sum[l], part[l])
				}
			}
		}
		for l := range n {
			if si == 0 {
				total[l] = sum[l]
			} else {
				total[l] = add(total[l], sum[l])
			}
		}
	}
	for l := range n {
		t := total[l]
		if p.Scaled() && !perBlock {
			t *= float32(p.SA[i] * p.SB[j0+l])
		}
		if t != t {
			t = canonicalNaN
		}
		d[l] = t
	}
}

// canonicalNaN is the NaN the GPU's FP32 units produce (0x7FFFFFFF).
var canonicalNaN = math.Float32frombits(0x7FFFFFFF)

// add is one FP32 round-to-nearest add (FADD).
func add(x, y float32) float32 { return x + y }

// applyScale promotes a partial sum with dequantisation scales.
func applyScale(a ScaleArith, acc, sa, sb, sum float32) float32 {
	if a == ScaleFMA {
		return numerics.FMA32(acc, float32(sa*sb), sum)
	}
	// Explicit conversions forbid the compiler to fuse the last multiply
	// with the add (the hardware does FMUL, FMUL, FADD).
	return sum + float32(float32(acc*sa)*sb)
}

// fmaChain accumulates a·b with FP32 fused multiply-adds in k order. When
// every product is exact in FP32 (exact), an FMA is one rounded add of the
// product, which is much cheaper to compute.
func fmaChain(a, b []float32, exact bool) float32 {
	var s float32
	b = b[:len(a)]
	if exact {
		for k := range a {
			s += float32(a[k] * b[k])
		}
		return s
	}
	for k := range a {
		s = numerics.FMA32(a[k], b[k], s)
	}
	return s
}

// productsExact32 reports whether every product of finite values of fa and
// fb is exact in FP32: the significands fit 24 bits together and the
// smallest product is an FP32 normal number.
func productsExact32(fa, fb numerics.Format) bool {
	sig := fa.ManBits() + fb.ManBits() + 2
	minExp := fa.MinExp() - fa.ManBits() + fb.MinExp() - fb.ManBits()
	return sig <= 24 && minExp >= -126
}

// decodeFloat32 decodes rows of codes to float32 (exact for formats of at
// most FP32 precision and range).
func decodeFloat32(f numerics.Format, codes []uint32, rows, k int) [][]float32 {
	out := make([][]float32, rows)
	for r := range out {
		out[r] = make([]float32, k)
		for j, c := range codes[r*k : (r+1)*k] {
			out[r][j] = float32(f.Decode(c))
		}
	}
	return out
}

// scaleBlocks multiplies each block of size operands of each row by its
// in-core scale (for the FP32 baseline, which has no block-scaled unit).
func scaleBlocks(rows [][]float32, f numerics.Format, codes []uint32, size int) {
	for r, row := range rows {
		nb := len(row) / size
		for k := range row {
			row[k] *= float32(f.Decode(codes[r*nb+k/size]))
		}
	}
}

// accToFloat32 converts an accumulator code to float32 (exact for FP32 and
// FP16 accumulators).
func accToFloat32(f numerics.Format, code uint32) float32 {
	if f == numerics.FP32 {
		return math.Float32frombits(code)
	}
	return float32(f.Decode(code))
}
