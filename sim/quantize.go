package sim

import (
	"fmt"
	"math"

	"github.com/tcsim/tcsim/numerics"
)

// Granularity is how many elements share one quantisation scale. Matrices
// are K-major (a row of A, or a column of B, is contiguous), so the same
// granularities serve both operands.
type Granularity uint8

const (
	// PerTensor: one scale for the whole matrix.
	PerTensor Granularity = iota
	// PerRow: one scale per row of A (per token) or per column of B (per
	// output channel).
	PerRow
	// Tile128: one scale per 1×128 tile along K (DeepSeek-V3 activations).
	Tile128
	// Block128: one scale per 128×128 block (DeepSeek-V3 weights).
	Block128
)

var granularityNames = [...]string{PerTensor: "tensor", PerRow: "row", Tile128: "tile128", Block128: "block128"}

func (g Granularity) String() string {
	if int(g) < len(granularityNames) {
		return granularityNames[g]
	}
	return fmt.Sprintf("Granularity(%d)", g)
}

// ParseGranularity parses a name of [Granularity.String].
func ParseGranularity(s string) (Granularity, error) {
	for i, n := range granularityNames {
		if n == s {
			return Granularity(i), nil
		}
	}
	return 0, fmt.Errorf("unknown scaling granularity %q (want tensor, row, tile128 or block128)", s)
}

// ScaleBlock is the K extent of one scale for granularity g and depth k.
func (g Granularity) ScaleBlock(k int) int {
	if g == Tile128 || g == Block128 {
		return 128
	}
	return k
}

// Quantized is a K-major matrix rounded to a narrow format with scales:
// element (r, k) ≈ Format.Decode(Codes[r·K+k]) · Scales[r·KB + k/Block].
type Quantized struct {
	Rows, K int
	Format  numerics.Format
	Codes   []uint32
	Block   int       // K extent of a scale
	Scales  []float32 // Rows × K/Block
	// In-core block scales (MX and NVFP4 formats), or nil: element (r, k)
	// is further multiplied by InFormat.Decode(InCodes[r·K/InBlock +
	// k/InBlock]).
	InFormat *numerics.Format
	InBlock  int
	InCodes  []uint32
}

// Quantize rounds x (rows × k, row-major) to format f with one FP32 scale
// per group of granularity g: scale = amax/target over the group (rounded
// up to a power of two if pow2), 1 for an all-zero group, and each element
// becomes the code of x/scale rounded to nearest-even with saturation.
// target is the magnitude a group's amax maps to: the format's largest
// finite value when 0 (see [Headroom] for wide formats).
func Quantize(x []float64, rows, k int, f numerics.Format, g Granularity, pow2 bool, target float64) (*Quantized, error) {
	if rows <= 0 || k <= 0 || len(x) != rows*k {
		return nil, fmt.Errorf("quantize: %d values for a %d×%d matrix", len(x), rows, k)
	}
	if !f.Valid() {
		return nil, fmt.Errorf("quantize: no format")
	}
	blk := g.ScaleBlock(k)
	if k%blk != 0 {
		return nil, fmt.Errorf("quantize: K = %d is not a multiple of the %s block %d", k, g, blk)
	}
	kb := k / blk
	// Group of (row r, K block b): row group × K block.
	rowGroup := map[Granularity]int{PerTensor: rows, PerRow: 1, Tile128: 1, Block128: 128}[g]
	if target <= 0 {
		target = f.Decode(f.MaxFinite())
	}
	q := &Quantized{Rows: rows, K: k, Format: f, Codes: make([]uint32, rows*k), Block: blk, Scales: make([]float32, rows*kb)}
	enc := f.RNE(numerics.Saturate)
	for r0 := 0; r0 < rows; r0 += rowGroup {
		r1 := min(r0+rowGroup, rows)
		for b := range kb {
			amax := 0.0
			for r := r0; r < r1; r++ {
				for _, v := range x[r*k+b*blk : r*k+(b+1)*blk] {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						return nil, fmt.Errorf("quantize: non-finite input at row %d", r)
					}
					amax = max(amax, math.Abs(v))
				}
			}
			s := float32(1)
			if amax > 0 {
				s = float32(amax / target)
				if pow2 {
					s = float32(math.Ldexp(1, ceilLog2(amax/target)))
				}
			}
			for r := r0; r < r1; r++ {
				q.Scales[r*kb+b] = s
				for j := b * blk; j < (b+1)*blk; j++ {
					q.Codes[r*k+j] = enc.Encode(x[r*k+j] / float64(s))
				}
			}
		}
	}
	return q, nil
}

// Headroom returns the quantisation target for an operand of format f in
// a GEMM of depth k accumulating in acc: f's largest finite value, lowered
// to a power of two t with k·t² at most acc's largest finite value, so that
// no sum of products can overflow the accumulator. It changes nothing for
// FP8 or FP16 inputs with an FP32 accumulator; it keeps BF16 and TF32
// inputs (whose range is FP32's) and FP16 accumulators finite.
func Headroom(f, acc numerics.Format, k int) float64 {
	limit := math.Ldexp(1, floorLog2(math.Sqrt(acc.Decode(acc.MaxFinite())/float64(k))))
	return math.Min(f.Decode(f.MaxFinite()), limit)
}

// Dequantize returns the real values the codes and scales stand for.
func (q *Quantized) Dequantize() []float64 {
	kb := q.K / q.Block
	out := make([]float64, len(q.Codes))
	for r := range q.Rows {
		for j := range q.K {
			v := q.Format.Decode(q.Codes[r*q.K+j]) * float64(q.Scales[r*kb+j/q.Block])
			if q.InFormat != nil {
				v *= q.InFormat.Decode(q.InCodes[r*(q.K/q.InBlock)+j/q.InBlock])
			}
			out[r*q.K+j] = v
		}
	}
	return out
}

// QuantizeBlocks rounds x (rows × k) to format f with in-core block scales
// of format sf, one per row and block of size along K, as the OCP MX and
// NVFP4 recipes do:
//
//   - E8M0 scales (MXFP8, MXFP4): scale = 2^(⌊log2 amax⌋ − emax(f)) per
//     block, emax(f) the exponent of f's largest value; no outer scale.
//   - UE4M3 scales (NVFP4): a per-tensor FP32 scale g = amax/(max(f)·448),
//     then per block the UE4M3 scale nearest to amax_block/(max(f)·g) (at
//     least its smallest non-zero value); g is the outer per-tensor scale.
//
// Elements are rounded to nearest-even with saturation.
func QuantizeBlocks(x []float64, rows, k int, f, sf numerics.Format, size int) (*Quantized, error) {
	if rows <= 0 || k <= 0 || len(x) != rows*k {
		return nil, fmt.Errorf("quantize: %d values for a %d×%d matrix", len(x), rows, k)
	}
	if size <= 0 || k%size != 0 {
		return nil, fmt.Errorf("quantize: K = %d is not a multiple of the %d-element scale block", k, size)
	}
	if !f.Valid() || !sf.Valid() {
		return nil, fmt.Errorf("quantize: no format (element %v, scale %v)", f, sf)
	}
	amax := 0.0
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("quantize: non-finite input")
		}
		amax = max(amax, math.Abs(v))
	}
	fmax := f.Decode(f.MaxFinite())
	enc := f.RNE(numerics.Saturate)
	g := float32(1)
	if sf.ManBits() > 0 && amax > 0 { // a two-level (NVFP4) recipe
		g = float32(amax / (fmax * sf.Decode(sf.MaxFinite())))
	}
	nb := k / size
	q := &Quantized{Rows: rows, K: k, Format: f, Codes: make([]uint32, rows*k), Block: k, Scales: make([]float32, rows),
		InFormat: &sf, InBlock: size, InCodes: make([]uint32, rows*nb)}
	for r := range rows {
		q.Scales[r] = g
		for b := range nb {
			blk := x[r*k+b*size : r*k+(b+1)*size]
			bmax := 0.0
			for _, v := range blk {
				bmax = max(bmax, math.Abs(v))
			}
			var code uint32
			switch {
			case sf.ManBits() == 0: // E8M0: a power of two
				e := 0
				if bmax > 0 {
					e = min(max(floorLog2(bmax)-f.MaxExp(), sf.MinExp()), sf.MaxExp())
				}
				code = sf.Encode(math.Ldexp(1, e), numerics.NearestEven, numerics.Saturate)
			case bmax > 0:
				code = sf.Encode(bmax/(fmax*float64(g)), numerics.NearestEven, numerics.Saturate)
				code = max(code, 1) // never a zero scale for a non-zero block
			default:
				code = sf.Encode(1, numerics.NearestEven, numerics.Saturate)
			}
			q.InCodes[r*nb+b] = code
			s := sf.Decode(code) * float64(g)
			for j, v := range blk {
				q.Codes[r*k+b*size+j] = enc.Encode(v / s)
			}
		}
	}
	return q, nil
}

// NewScaledProblem builds the GEMM of two quantised operands (a: M×K, b:
// N×K, both K-major). Scales are passed to the GEMM on the finer of the
// two K blocks.
func NewScaledProblem(a, b *Quantized) (*Problem, error) {
	if a.K != b.K {
		return nil, fmt.Errorf("operands disagree on K: %d and %d", a.K, b.K)
	}
	blk := min(a.Block, b.Block)
	if a.Block%blk != 0 || b.Block%blk != 0 {
		return nil, fmt.Errorf("scale blocks %d and %d do not nest", a.Block, b.Block)
	}
	p := &Problem{M: a.Rows, N: b.Rows, K: a.K, A: a.Codes, B: b.Codes,
		SA: a.scalesOn(blk), SB: b.scalesOn(blk), ScaleBlock: blk}
	if (a.InFormat == nil) != (b.InFormat == nil) || a.InFormat != nil && (*a.InFormat != *b.InFormat || a.InBlock != b.InBlock) {
		return nil, fmt.Errorf("operands disagree on in-core block scales")
	}
	if a.InFormat != nil {
		p.BlockFormat, p.BlockSize, p.BA, p.BB = a.InFormat, a.InBlock, a.InCodes, b.InCodes
	}
	return p, nil
}

// scalesOn expands the scales to K blocks of blk.
func (q *Quantized) scalesOn(blk int) []float32 {
	kb, nb := q.K/q.Block, q.K/blk
	s := make([]float32, q.Rows*nb)
	for r := range q.Rows {
		for b := range nb {
			s[r*nb+b] = q.Scales[r*kb+b*blk/q.Block]
		}
	}
	return s
}

// floorLog2 returns ⌊log2 x⌋ for finite x > 0, exactly (math.Log2 goes
// through a logarithm that is not exactly rounded and differs between
// CPU architectures).
func floorLog2(x float64) int {
	_, e := math.Frexp(x) // x = f·2^e, f in [0.5, 1)
	return e - 1
}

// ceilLog2 returns ⌈log2 x⌉ for finite x > 0, exactly.
func ceilLog2(x float64) int {
	f, e := math.Frexp(x)
	if f == 0.5 {
		return e - 1
	}
	return e
}
