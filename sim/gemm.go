package sim

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
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
	d, err := GEMMs(ctx, []Config{c}, p, nil)
	if err != nil {
		return nil, err
	}
	return d[0], nil
}

// GEMMs computes the GEMM of every configuration on one problem: d[c] is
// [GEMM](cs[c], p), bit for bit. Each operand is decoded once for all the
// configurations on one datapath (a sweep point's promotion intervals, or
// the FP32 baseline's), B up front and A one block of rows at a time, so
// the decoded A never takes more than a few blocks' memory.
//
// done, if not nil, is told the index of a configuration and the fraction
// of its work just finished; calls may come from several goroutines.
func GEMMs(ctx context.Context, cs []Config, p *Problem, done func(c int, frac float64)) ([][]float32, error) {
	for i := range cs {
		if err := cs[i].Check(p); err != nil {
			return nil, err
		}
	}
	type key struct {
		preset *tensorcore.Preset
		fp32   bool
	}
	shared := map[key]kernel{}
	defer func() {
		// Hand decoded operands back for the next GEMM.
		for _, k := range shared {
			if f, ok := k.(interface{ free() }); ok {
				f.free()
			}
		}
	}()
	ks := make([]kernel, len(cs))
	for i, c := range cs {
		kk := key{c.Preset, c.FP32}
		if shared[kk] == nil {
			k, err := newKernel(ctx, c, p)
			if err != nil {
				return nil, err
			}
			shared[kk] = k
		}
		ks[i] = shared[kk]
	}
	out := make([][]float32, len(cs))
	for i := range out {
		out[i] = make([]float32, p.M*p.N)
	}
	// Tasks are blocks of tile rows times runs of panels: enough of them to
	// keep every worker busy, few enough that A rows are decoded few times.
	rowBlocks, panels := (p.M+tile-1)/tile, (p.N+tile-1)/tile
	chunks := min(panels, max(1, (2*runtime.GOMAXPROCS(0)+rowBlocks-1)/rowBlocks))
	per := (panels + chunks - 1) / chunks
	chunks = (panels + per - 1) / per
	frac := 1 / float64(rowBlocks*chunks)
	slices := make([][][2]int, len(cs))
	for i := range cs {
		slices[i] = cs[i].Slices(p.K)
	}
	err := parallel.For(ctx, rowBlocks*chunks, 0, func(t int) error {
		i0 := t / chunks * tile
		i1 := min(i0+tile, p.M)
		pn0, pn1 := t%chunks*per, min(t%chunks*per+per, panels)
		chains := map[kernel]chainFunc{}
		for ci, c := range cs {
			chain := chains[ks[ci]]
			if chain == nil {
				sc := scratchPool.Get().(*scratch)
				defer scratchPool.Put(sc)
				var err error
				if chain, err = ks[ci].rows(ctx, i0, i1, sc); err != nil {
					return err
				}
				chains[ks[ci]] = chain
			}
			for pn := pn0; pn < pn1; pn++ {
				c.elements(p, chain, i0, i1, pn*tile, out[ci], slices[ci])
			}
			if done != nil {
				done(ci, frac)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// chainFunc accumulates products [lo, hi) of the outputs (i0+r, j0+l), r
// < len(part), l < n, each from zero, as the tensor core (or, for the
// baseline, FFMA) does, into part[r][l].
type chainFunc func(i0, j0, lo, hi int, part [][tile]float32, n int)

// rowByRow makes a chainFunc of one that computes a row at a time.
func rowByRow(chain func(i, j0, lo, hi int, part []float32)) chainFunc {
	return func(i0, j0, lo, hi int, part [][tile]float32, n int) {
		for r := range part {
			chain(i0+r, j0, lo, hi, part[r][:n])
		}
	}
}

// kernel runs one datapath's chains on one problem, with B decoded once.
type kernel interface {
	// rows decodes rows [i0, i1) of A into sc and returns the chains of
	// those rows, which use sc until the caller hands it back.
	rows(ctx context.Context, i0, i1 int, sc *scratch) (chainFunc, error)
}

// scratch is the storage of a block of decoded rows of A, reused from
// block to block (fresh memory would cost a page fault every 4 KB).
type scratch struct {
	lane [tile]tensorcore.LaneRow
	vec  [tile]tensorcore.Vector
	f32  [tile][]float32
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// newKernel returns the kernel of configuration c on problem p.
func newKernel(ctx context.Context, c Config, p *Problem) (kernel, error) {
	tc := c.Preset
	switch {
	case c.FP32:
		return newFP32Kernel(ctx, tc, p)
	case tc.BlockScaled():
		return &scaledKernel{vectorKernel{tc: tc, p: p}}, nil
	case tc.Lanes():
		return newLaneKernel(ctx, tc, p)
	}
	return &vectorKernel{tc: tc, p: p}, nil
}

// scaledKernel runs block-scaled datapaths (ChainBlockScaled) on decoded
// vectors, B's decoded once as the vector kernel does.
type scaledKernel struct{ vectorKernel }

func (k *scaledKernel) rows(ctx context.Context, i0, i1 int, sc *scratch) (chainFunc, error) {
	tc, p := k.tc, k.p
	vb, err := k.columns(ctx)
	if err != nil {
		return nil, err
	}
	va := sc.vec[:i1-i0]
	for i := range va {
		tc.DecodeA(p.A[(i0+i)*p.K:(i0+i+1)*p.K], &va[i])
	}
	nb := p.K / p.BlockSize
	return rowByRow(func(i, j0, lo, hi int, part []float32) {
		sa := p.BA[i*nb : (i+1)*nb]
		for l := range part {
			j := j0 + l
			part[l] = math.Float32frombits(tc.ChainBlockScaled(&va[i-i0], &vb[j], lo, hi, sa, p.BB[j*nb:(j+1)*nb], 0))
		}
	}), nil
}

// vectorKernel runs Preset.Chain on decoded vectors: every datapath, and
// lane datapaths on operands the lane kernels refuse (Inf, NaN).
type vectorKernel struct {
	tc   *tensorcore.Preset
	p    *Problem
	once sync.Once
	vb   []tensorcore.Vector
	err  error
}

// columns decodes B's columns, once.
func (k *vectorKernel) columns(ctx context.Context) ([]tensorcore.Vector, error) {
	k.once.Do(func() {
		// Decoding is a pure function of each column, so it parallelises
		// without affecting the result.
		vb := make([]tensorcore.Vector, k.p.N)
		k.err = parallel.For(ctx, k.p.N, 0, func(j int) error {
			k.tc.DecodeB(k.p.B[j*k.p.K:(j+1)*k.p.K], &vb[j])
			return nil
		})
		k.vb = vb
	})
	return k.vb, k.err
}

func (k *vectorKernel) rows(ctx context.Context, i0, i1 int, sc *scratch) (chainFunc, error) {
	tc, p := k.tc, k.p
	if _, err := k.columns(ctx); err != nil {
		return nil, err
	}
	va := sc.vec[:i1-i0]
	for i := range va {
		tc.DecodeA(p.A[(i0+i)*p.K:(i0+i+1)*p.K], &va[i])
	}
	acc := tc.Acc()
	return rowByRow(func(i, j0, lo, hi int, part []float32) {
		for l := range part {
			part[l] = accToFloat32(acc, tc.Chain(&va[i-i0], &k.vb[j0+l], lo, hi, 0))
		}
	}), nil
}

// laneKernel runs the lane kernels, which compute each output as Chain
// does, a tile row at a time. A block of rows with an Inf or NaN operand
// runs on the vector kernel instead.
type laneKernel struct {
	tc       *tensorcore.Preset
	p        *Problem
	panels   []*tensorcore.Panel
	fallback *vectorKernel
}

// newLaneKernel decodes B into panels; when a column holds an Inf or NaN
// the whole GEMM runs on the vector kernel.
func newLaneKernel(ctx context.Context, tc *tensorcore.Preset, p *Problem) (kernel, error) {
	panels := make([]*tensorcore.Panel, (p.N+tile-1)/tile)
	for t := range panels {
		panels[t] = panelPool.Get().(*tensorcore.Panel)
	}
	var refused atomic.Bool
	err := parallel.For(ctx, len(panels), 0, func(t int) error {
		var cols [tile][]uint32
		n := 0
		for j := t * tile; j < min((t+1)*tile, p.N); j++ {
			cols[n] = p.B[j*p.K : (j+1)*p.K]
			n++
		}
		if !tc.DecodePanel(cols[:n], panels[t]) {
			refused.Store(true)
		}
		return nil
	})
	k := &laneKernel{tc: tc, p: p, panels: panels, fallback: &vectorKernel{tc: tc, p: p}}
	if err != nil || refused.Load() {
		k.free()
		return k.fallback, err
	}
	return k, nil
}

// panelPool keeps decoded panels' storage from GEMM to GEMM (fresh memory
// would cost a page fault every 4 KB).
var panelPool = sync.Pool{New: func() any { return new(tensorcore.Panel) }}

// free hands the panels back to panelPool.
func (k *laneKernel) free() {
	for _, pn := range k.panels {
		panelPool.Put(pn)
	}
	k.panels = nil
}

func (k *laneKernel) rows(ctx context.Context, i0, i1 int, sc *scratch) (chainFunc, error) {
	tc, p := k.tc, k.p
	rows := sc.lane[:i1-i0]
	for i := range rows {
		if !tc.DecodeRow(p.A[(i0+i)*p.K:(i0+i+1)*p.K], &rows[i]) {
			return k.fallback.rows(ctx, i0, i1, sc)
		}
	}
	acc := tc.Acc()
	// Products in blocks of about kBlock, every row through one block
	// before the next, so that the panel's part of the block stays in the
	// cache; chaining a block from the previous one's accumulators gives
	// the chain's bits.
	kb := max(tc.K, kBlock/tc.K*tc.K)
	return func(r0, j0, lo, hi int, part [][tile]float32, n int) {
		var d [tile][tile]uint32
		rs, ds, pn := rows[r0-i0:r0-i0+len(part)], d[:len(part)], k.panels[j0/tile]
		for k0 := lo; k0 < hi; k0 += kb {
			tc.ChainLanesRows(rs, pn, k0, min(k0+kb, hi), ds)
		}
		for r := range part {
			for l := range n {
				part[r][l] = accToFloat32(acc, d[r][l])
			}
		}
	}, nil
}

// kBlock is the number of products of the blocks in which the lane
// kernel runs a block of rows: a panel's 16 operands a product take 128
// bytes, so a block's part of the panel, 32 KB, stays in the L1 cache.
const kBlock = 256

// fp32Kernel is the CUDA-core FP32 baseline: fma(a_k, b_k, sum) in k order
// on the operands' values (times their in-core block scales, if any).
type fp32Kernel struct {
	p      *Problem
	fa     numerics.Format
	fb     [][]float32 // B's columns
	tabA   []float32   // code → value of A's format, if it has at most 16 bits
	exact  bool        // every product is exact in FP32
	blockA bool        // A's values are multiplied by in-core block scales
}

func newFP32Kernel(ctx context.Context, tc *tensorcore.Preset, p *Problem) (kernel, error) {
	k := &fp32Kernel{p: p, fa: tc.A, tabA: float32Table(tc.A),
		exact: productsExact32(tc.A, tc.B) && p.BlockFormat == nil}
	tabB := float32Table(tc.B)
	k.fb = make([][]float32, p.N)
	err := parallel.For(ctx, p.N, 0, func(j int) error {
		var inner []uint32
		if p.BlockFormat != nil {
			inner = p.BB[j*(p.K/p.BlockSize) : (j+1)*(p.K/p.BlockSize)]
		}
		k.fb[j] = decodeFloat32(nil, tc.B, tabB, p.B[j*p.K:(j+1)*p.K], p.BlockFormat, inner, p.BlockSize)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return k, nil
}

func (k *fp32Kernel) rows(_ context.Context, i0, i1 int, sc *scratch) (chainFunc, error) {
	p := k.p
	fa := sc.f32[:i1-i0]
	for i := range fa {
		r := i0 + i
		var inner []uint32
		if p.BlockFormat != nil {
			inner = p.BA[r*(p.K/p.BlockSize) : (r+1)*(p.K/p.BlockSize)]
		}
		fa[i] = decodeFloat32(fa[i], k.fa, k.tabA, p.A[r*p.K:(r+1)*p.K], p.BlockFormat, inner, p.BlockSize)
	}
	// In blocks of kBlock products, every row through one block before the
	// next, as the lane kernel does; each sum goes on from its previous
	// block's, in k order.
	return func(r0, j0, lo, hi int, part [][tile]float32, n int) {
		for r := range part {
			clear(part[r][:n])
		}
		for k0 := lo; k0 < hi; k0 += kBlock {
			k1 := min(k0+kBlock, hi)
			for r := range part {
				a, s := fa[r0-i0+r][k0:k1], &part[r]
				l := 0
				for ; l+4 <= n; l += 4 {
					fmaChain4(a, k.fb[j0+l][k0:k1], k.fb[j0+l+1][k0:k1], k.fb[j0+l+2][k0:k1], k.fb[j0+l+3][k0:k1],
						(*[4]float32)(s[l:]), k.exact)
				}
				for ; l < n; l++ {
					s[l] = fmaChain(a, k.fb[j0+l][k0:k1], s[l], k.exact)
				}
			}
		}
	}, nil
}

// tile is the side of the square tiles of outputs that GEMM hands to its
// workers; a tile's row is one lane-kernel panel wide.
const tile = tensorcore.Lanes

// elements computes the outputs D(i, j0+l) of rows [i0, i1) of one tile,
// l < the tile's width, into d (the whole output): per slice, tensor-core
// chains of Nc products promoted into an FP32 sum; slices added in FP32 in
// order. Each output's arithmetic is its own, whatever the others.
func (c *Config) elements(p *Problem, chain chainFunc, i0, i1, j0 int, d []float32, slices [][2]int) {
	var kb int
	if p.Scaled() {
		kb = p.K / p.ScaleBlock
	}
	perBlock := p.ScaledAtPromotion()
	n, rows := min(tile, p.N-j0), i1-i0
	var part, sum, total [tile][tile]float32
	for si, s := range slices {
		clear(sum[:]) // each slice's sum starts at +0
		step := c.interval(s)
		for k0 := s[0]; k0 < s[1]; k0 += step {
			k1 := min(k0+step, s[1])
			chain(i0, j0, k0, k1, part[:rows], n)
			switch {
			case perBlock:
				blk := k0 / p.ScaleBlock
				var sb [tile]float32
				for l := range n {
					sb[l] = p.SB[(j0+l)*kb+blk]
				}
				for r := range rows {
					applyScales(c.ScaleArith, part[r][:n], p.SA[(i0+r)*kb+blk], sb[:n], sum[r][:n])
				}
			case k0 == s[0]:
				sum = part
			default:
				for r := range rows {
					for l := range n {
						sum[r][l] = add(sum[r][l], part[r][l])
					}
				}
			}
		}
		for r := range rows {
			for l := range n {
				if si == 0 {
					total[r][l] = sum[r][l]
				} else {
					total[r][l] = add(total[r][l], sum[r][l])
				}
			}
		}
	}
	for r := range rows {
		i := i0 + r
		for l := range n {
			t := total[r][l]
			if p.Scaled() && !perBlock {
				t *= float32(p.SA[i] * p.SB[j0+l])
			}
			if t != t {
				t = canonicalNaN
			}
			d[i*p.N+j0+l] = t
		}
	}
}

// canonicalNaN is the NaN the GPU's FP32 units produce (0x7FFFFFFF).
var canonicalNaN = math.Float32frombits(0x7FFFFFFF)

// add is one FP32 round-to-nearest add (FADD).
func add(x, y float32) float32 { return x + y }

// applyScales promotes partial sums acc[l] with dequantisation scales sa
// and sb[l] into sum[l].
func applyScales(a ScaleArith, acc []float32, sa float32, sb, sum []float32) {
	acc, sb = acc[:len(sum)], sb[:len(sum)]
	if a == ScaleFMA {
		var s [tile]float32
		for l := range sum {
			s[l] = float32(sa * sb[l])
		}
		numerics.FMA32s(acc, s[:len(sum)], sum)
		return
	}
	for l := range sum {
		// Explicit conversions forbid the compiler to fuse the last
		// multiply with the add (the hardware does FMUL, FMUL, FADD).
		sum[l] += float32(float32(acc[l]*sa) * sb[l])
	}
}

// fmaChain accumulates a·b onto s with FP32 fused multiply-adds in k
// order. When every product is exact in FP32 (exact), an FMA is one
// rounded add of the product, which is much cheaper to compute.
func fmaChain(a, b []float32, s float32, exact bool) float32 {
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

// fmaChain4 is fmaChain of a with four columns at once onto the sums s:
// four independent sums, each in the same order as fmaChain, so the same
// bits, but four times as many adds in flight.
func fmaChain4(a, b0, b1, b2, b3 []float32, s *[4]float32, exact bool) {
	b0, b1, b2, b3 = b0[:len(a)], b1[:len(a)], b2[:len(a)], b3[:len(a)]
	s0, s1, s2, s3 := s[0], s[1], s[2], s[3]
	if exact {
		for k, x := range a {
			s0 += float32(x * b0[k])
			s1 += float32(x * b1[k])
			s2 += float32(x * b2[k])
			s3 += float32(x * b3[k])
		}
	} else {
		for k, x := range a {
			s0 = numerics.FMA32(x, b0[k], s0)
			s1 = numerics.FMA32(x, b1[k], s1)
			s2 = numerics.FMA32(x, b2[k], s2)
			s3 = numerics.FMA32(x, b3[k], s3)
		}
	}
	s[0], s[1], s[2], s[3] = s0, s1, s2, s3
}

// productsExact32 reports whether every product of finite values of fa and
// fb is exact in FP32: the significands fit 24 bits together and the
// smallest product is an FP32 normal number.
func productsExact32(fa, fb numerics.Format) bool {
	sig := fa.ManBits() + fb.ManBits() + 2
	minExp := fa.MinExp() - fa.ManBits() + fb.MinExp() - fb.ManBits()
	return sig <= 24 && minExp >= -126
}

// float32Table returns every code's value of format f as a float32 (exact
// for formats of at most FP32 precision and range), or nil for formats of
// more than 16 bits.
func float32Table(f numerics.Format) []float32 {
	if f.Bits() > 16 {
		return nil
	}
	if t, ok := float32Tables.Load(f); ok {
		return t.([]float32)
	}
	t := make([]float32, f.NumCodes())
	for c := range t {
		t[c] = float32(f.Decode(uint32(c)))
	}
	float32Tables.Store(f, t)
	return t
}

// float32Tables caches float32Table by format.
var float32Tables sync.Map

// decodeFloat32 decodes one row of codes of format f to float32 (through
// tab, f's float32Table, when not nil), each value times its in-core block
// scale when bf is not nil: the block scale codes of bf, one per size
// values. It reuses dst's storage where it is large enough.
func decodeFloat32(dst []float32, f numerics.Format, tab []float32, codes []uint32, bf *numerics.Format, scales []uint32, size int) []float32 {
	out := dst[:0]
	if cap(out) < len(codes) {
		out = make([]float32, len(codes))
	}
	out = out[:len(codes)]
	if tab != nil {
		mask := uint32(len(tab) - 1)
		for k, c := range codes {
			out[k] = tab[c&mask]
		}
	} else {
		for k, c := range codes {
			out[k] = float32(f.Decode(c))
		}
	}
	if bf != nil {
		for k := range out {
			out[k] *= float32(bf.Decode(scales[k/size]))
		}
	}
	return out
}

// accToFloat32 converts an accumulator code to float32 (exact for FP32 and
// FP16 accumulators).
func accToFloat32(f numerics.Format, code uint32) float32 {
	if f == numerics.FP32 {
		return math.Float32frombits(code)
	}
	return float32(f.Decode(code))
}
