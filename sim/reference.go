package sim

import (
	"context"
	"math"
	"math/big"
	"math/bits"
	"sync"

	"github.com/tcsim/tcsim/numerics"
	"github.com/tcsim/tcsim/sim/parallel"
)

// Exact is the exact product of a problem's quantised operands, each element
// rounded once to float64.
type Exact struct {
	D []float64 // Σ_k sa·sb·a_k·b_k, M×N row-major
	// AbsDot is Σ_k |sa·sb·a_k·b_k| (also rounded once): the scale of the
	// terms, which bounds what any summation order can lose.
	AbsDot []float64
}

// fixedDecoder turns codes into exact integers on the format's smallest
// grid: value = fix·2^(MinExp-ManBits).
type fixedDecoder struct {
	tab  []int64
	grid int
	max  int64 // largest |fix|
}

func newFixedDecoder(f numerics.Format) (*fixedDecoder, bool) {
	span := f.MaxExp() - f.MinExp() + f.ManBits() + 1
	if span > 62 || f.Bits() > 16 {
		return nil, false
	}
	d := &fixedDecoder{tab: make([]int64, f.NumCodes()), grid: f.MinExp() - f.ManBits()}
	for c := range d.tab {
		neg, sig, exp, cl := f.Unpack(uint32(c))
		if cl != numerics.Finite {
			continue // zero; Inf and NaN are rejected by ExactProduct
		}
		d.tab[c] = int64(sig) << uint(exp-f.MinExp())
		d.max = max(d.max, d.tab[c])
		if neg {
			d.tab[c] = -d.tab[c]
		}
	}
	return d, true
}

// int128 is a two's-complement 128-bit accumulator.
type int128 struct{ hi, lo uint64 }

// addProd adds x·y exactly.
func (s *int128) addProd(x, y int64) {
	neg := (x < 0) != (y < 0)
	h, l := bits.Mul64(uint64(abs64(x)), uint64(abs64(y)))
	if neg {
		l = ^l + 1
		h = ^h
		if l == 0 {
			h++
		}
	}
	var c uint64
	s.lo, c = bits.Add64(s.lo, l, 0)
	s.hi, _ = bits.Add64(s.hi, h, c)
}

func abs64(x int64) int64 {
	m := x >> 63 // 0 or -1: no branch to mispredict on random signs
	return (x ^ m) - m
}

// bigInt returns the value as a big.Int.
func (s int128) bigInt() *big.Int {
	z := new(big.Int).SetUint64(s.hi)
	z.Lsh(z, 64).Or(z, new(big.Int).SetUint64(s.lo))
	if s.hi>>63 != 0 {
		z.Sub(z, new(big.Int).Lsh(big.NewInt(1), 128))
	}
	return z
}

// magnitude returns |s| as a sign and a 128-bit magnitude.
func (s int128) magnitude() (neg bool, hi, lo uint64) {
	if s.hi>>63 == 0 {
		return false, s.hi, s.lo
	}
	var b uint64
	lo, b = bits.Sub64(0, s.lo, 0)
	hi, _ = bits.Sub64(0, s.hi, b)
	return true, hi, lo
}

// float64Exp returns s·2^e rounded once to float64.
func (s int128) float64Exp(e int) float64 {
	neg, hi, lo := s.magnitude()
	v, ok := roundFloat64(hi, lo, false, e)
	if !ok { // below the float64 normal range
		return bigFloat64(s.bigInt(), e)
	}
	if neg {
		v = -v
	}
	return v
}

// bigFloat64 returns x·2^e rounded once to the nearest float64.
func bigFloat64(x *big.Int, e int) float64 {
	f := new(big.Float).SetInt(x)
	f.SetMantExp(f, e)
	v, _ := f.Float64()
	return v
}

// ExactProduct returns the exact product of the problem's operands, read as
// codes of fa and fb, with its scales applied exactly. Operands must be
// finite. Formats of up to 16 bits whose values fit a 62-bit grid (FP8,
// FP16, E2M1, ...) use exact 128-bit integer sums; others, and scaled
// problems, fall back to math/big for the final combination.
func ExactProduct(p *Problem, fa, fb numerics.Format) *Exact {
	ex, _ := ExactProductContext(context.Background(), p, fa, fb)
	return ex
}

// ExactProductContext is [ExactProduct] with its rows spread over the
// workers ctx allows (see [parallel.WithLimit]), stopping when ctx is
// cancelled.
func ExactProductContext(ctx context.Context, p *Problem, fa, fb numerics.Format) (*Exact, error) {
	ex := &Exact{D: make([]float64, p.M*p.N), AbsDot: make([]float64, p.M*p.N)}
	da, okA := newFixedDecoder(fa)
	db, okB := newFixedDecoder(fb)
	sa, sb, blk := p.referenceScales()
	if !okA || !okB {
		return ex, exactWide(ctx, p, fa, fb, sa, sb, blk, ex)
	}
	nb := p.K / blk
	// small: the sum of |products| of a block fits an int64.
	small := bits.Len64(uint64(da.max))+bits.Len64(uint64(db.max))+bits.Len(uint(blk)) <= 62
	grid := da.grid + db.grid
	loA, hiA := scaleRange(sa)
	loB, hiB := scaleRange(sb)
	fixB := make([]int64, p.N*p.K)
	for k, c := range p.B {
		fixB[k] = db.tab[c]
	}
	// Each row's decoded A is scratch: reused from row to row.
	rowsA := sync.Pool{New: func() any { s := make([]int64, p.K); return &s }}
	err := parallel.For(ctx, p.M, 0, func(i int) error {
		buf := rowsA.Get().(*[]int64)
		defer rowsA.Put(buf)
		fixA := *buf
		for k, c := range p.A[i*p.K : (i+1)*p.K] {
			fixA[k] = da.tab[c]
		}
		// Block sums are below 2^128, scale products below 2^64.
		acc := newFixedAcc(grid+loA+loB, grid+hiA+hiB+192, nb)
		accAbs := newFixedAcc(grid+loA+loB, grid+hiA+hiB+192, nb)
		var sums4, abss4 [4][]int128
		for l := range sums4 {
			sums4[l], abss4[l] = make([]int128, nb), make([]int128, nb)
		}
		for j := 0; j < p.N; {
			cols := 1
			if small && j+4 <= p.N {
				// Four columns at once: four independent sums in flight.
				cols = 4
				c := fixB[j*p.K : (j+4)*p.K]
				for b := range nb {
					lo, hi := b*blk, (b+1)*blk
					blockSum4(fixA[lo:hi], c[lo:hi], c[p.K+lo:p.K+hi], c[2*p.K+lo:2*p.K+hi], c[3*p.K+lo:3*p.K+hi],
						b, &sums4, &abss4)
				}
			} else {
				col := fixB[j*p.K : (j+1)*p.K]
				for b := range nb {
					sums4[0][b], abss4[0][b] = blockSum(fixA[b*blk:(b+1)*blk], col[b*blk:(b+1)*blk], small)
				}
			}
			for l := range cols {
				d, ad, ok := combine(sa, sb, i, j+l, sums4[l], abss4[l], grid, acc, accAbs)
				if !ok {
					d, ad = exactBig(p, fa, fb, sa, sb, i, j+l, blk)
				}
				ex.D[i*p.N+j+l], ex.AbsDot[i*p.N+j+l] = d, ad
			}
			j += cols
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ex, nil
}

// blockSum returns Σ a_k·b_k and Σ |a_k·b_k| exactly, in int64 arithmetic
// when small says the sums fit.
func blockSum(a, b []int64, small bool) (int128, int128) {
	b = b[:len(a)]
	if small {
		var s, t int64
		for k := range a {
			p := a[k] * b[k]
			s += p
			t += abs64(p)
		}
		return int128{uint64(s >> 63), uint64(s)}, int128{0, uint64(t)}
	}
	var s, t int128
	for k := range a {
		s.addProd(a[k], b[k])
		t.addProd(abs64(a[k]), abs64(b[k]))
	}
	return s, t
}

// blockSum4 is blockSum (when its sums fit an int64) of a with four
// columns b0..b3 at once, storing the sums of block b of column l in
// sums[l][b] and abss[l][b].
func blockSum4(a, b0, b1, b2, b3 []int64, b int, sums, abss *[4][]int128) {
	b0, b1, b2, b3 = b0[:len(a)], b1[:len(a)], b2[:len(a)], b3[:len(a)]
	var s0, s1, s2, s3, t0, t1, t2, t3 int64
	for k, x := range a {
		p0, p1, p2, p3 := x*b0[k], x*b1[k], x*b2[k], x*b3[k]
		s0, s1, s2, s3 = s0+p0, s1+p1, s2+p2, s3+p3
		t0, t1, t2, t3 = t0+abs64(p0), t1+abs64(p1), t2+abs64(p2), t3+abs64(p3)
	}
	for l, st := range [4][2]int64{{s0, t0}, {s1, t1}, {s2, t2}, {s3, t3}} {
		sums[l][b] = int128{uint64(st[0] >> 63), uint64(st[0])}
		abss[l][b] = int128{0, uint64(st[1])}
	}
}

// referenceScales returns every scale that multiplies a product, per row
// (column) and block of blk along K: the promotion or epilogue scales SA,
// SB times the in-core block scales BA, BB. Each is exact in float64 (an
// FP32 scale times a UE4M3 or E8M0 one). Both are nil for an unscaled
// problem (blk = K).
func (p *Problem) referenceScales() (sa, sb []float64, blk int) {
	blk = p.K
	if p.Scaled() {
		blk = p.ScaleBlock
	}
	if p.BlockFormat != nil {
		blk = min(blk, p.BlockSize)
	}
	if !p.Scaled() && p.BlockFormat == nil {
		return nil, nil, blk
	}
	nb := p.K / blk
	build := func(rows int, outer []float32, inner []uint32) []float64 {
		s := make([]float64, rows*nb)
		for r := range rows {
			for b := range nb {
				v := 1.0
				if outer != nil {
					v = float64(outer[r*(p.K/p.ScaleBlock)+b*blk/p.ScaleBlock])
				}
				if inner != nil {
					v *= p.BlockFormat.Decode(inner[r*(p.K/p.BlockSize)+b*blk/p.BlockSize])
				}
				s[r*nb+b] = v
			}
		}
		return s
	}
	return build(p.M, p.SA, p.BA), build(p.N, p.SB, p.BB), blk
}

// combine scales the exact per-block sums (on the grid 2^grid) and adds
// them exactly in acc; ok is false where that is not possible (see
// [fixedAcc.float64] and [scaleProduct]).
func combine(sa, sb []float64, i, j int, sums, abss []int128, grid int, acc, accAbs *fixedAcc) (d, ad float64, ok bool) {
	if sa == nil {
		return sums[0].float64Exp(grid), abss[0].float64Exp(grid), true
	}
	nb := len(sums)
	acc.reset()
	accAbs.reset()
	for b := range nb {
		m, mneg, e, ok := scaleProduct(sa[i*nb+b], sb[j*nb+b])
		if !ok {
			return 0, 0, false
		}
		neg, hi, lo := sums[b].magnitude()
		addScaled(acc, hi, lo, m, neg != mneg, grid+e)
		_, hi, lo = abss[b].magnitude()
		addScaled(accAbs, hi, lo, m, false, grid+e)
	}
	d, okD := acc.float64()
	ad, okA := accAbs.float64()
	return d, ad, okD && okA
}

// addScaled adds ±(hi·2^64+lo)·m·2^e to acc.
func addScaled(acc *fixedAcc, hi, lo, m uint64, neg bool, e int) {
	h, l := bits.Mul64(lo, m)
	acc.add(h, l, neg, e)
	if hi != 0 {
		h, l = bits.Mul64(hi, m)
		acc.add(h, l, neg, e+64)
	}
}

// scaleProduct returns sa·sb exactly as ±m·2^e; ok is false when m needs
// more than 64 bits (scales of more than 32 significant bits each; an FP32
// scale times a UE4M3 or E8M0 one has at most 28).
func scaleProduct(sa, sb float64) (m uint64, neg bool, e int, ok bool) {
	ma, ea := scaleSig(sa)
	mb, eb := scaleSig(sb)
	hi, lo := bits.Mul64(uint64(abs64(ma)), uint64(abs64(mb)))
	return lo, (ma < 0) != (mb < 0), ea + eb, hi == 0
}

// scaleRange returns the smallest exponent e and the largest e+bits(m)
// of the scales s = m·2^e (0, 0 when there are none).
func scaleRange(s []float64) (lo, hi int) {
	if s == nil {
		return 0, 0
	}
	lo, hi = math.MaxInt, math.MinInt
	for _, x := range s {
		m, e := scaleSig(x)
		lo, hi = min(lo, e), max(hi, e+bits.Len64(uint64(abs64(m))))
	}
	return lo, hi
}

// scaleSig returns x as m·2^e with m odd (or zero).
func scaleSig(x float64) (int64, int) {
	f, e := math.Frexp(x)
	m := int64(f * (1 << 53))
	if m == 0 {
		return 0, 0
	}
	z := bits.TrailingZeros64(uint64(m))
	return m >> z, e - 53 + z
}

// exactBig is the math/big fallback for wide formats.
func exactBig(p *Problem, fa, fb numerics.Format, sa, sb []float64, i, j, blk int) (float64, float64) {
	d, ad := new(big.Float).SetPrec(0), new(big.Float).SetPrec(0)
	var x, y, t big.Float
	for k := range p.K {
		x.SetFloat64(fa.Decode(p.A[i*p.K+k]))
		y.SetFloat64(fb.Decode(p.B[j*p.K+k]))
		t.SetPrec(300).Mul(&x, &y) // exact: operands have at most 24 bits, scales 53
		if sa != nil {
			nb := p.K / blk
			var s big.Float
			s.SetFloat64(sa[i*nb+k/blk])
			t.Mul(&t, &s)
			s.SetFloat64(sb[j*nb+k/blk])
			t.Mul(&t, &s)
		}
		d = exactAdd(d, &t)
		ad = exactAdd(ad, new(big.Float).Abs(&t))
	}
	v, _ := d.Float64()
	av, _ := ad.Float64()
	return v, av
}

// exactAdd returns x+y without rounding.
func exactAdd(x, y *big.Float) *big.Float {
	var r big.Rat
	xr, _ := x.Rat(nil)
	yr, _ := y.Rat(nil)
	r.Add(xr, yr)
	z := new(big.Float).SetPrec(0)
	if r.Sign() == 0 {
		return z
	}
	// A dyadic rational: numerator·2^-k, exact in a big.Float of the
	// numerator's precision.
	num, den := r.Num(), r.Denom()
	z.SetPrec(uint(num.BitLen() + 1)).SetInt(num)
	return z.SetMantExp(z, -(den.BitLen() - 1))
}

// Float64Product returns the float64 product of the unquantised operands:
// x is M×K row-major and w is N×K (K-major, as B is stored), giving M×N.
// Each output is summed in k order with every product rounded before it
// is added (no FMA: the explicit conversion forbids fusion), so the bits
// are the same on every CPU and build (docs/datapath.md §6); four
// outputs at a time keep the loop fast without changing any one's order.
func Float64Product(x, w []float64, m, n, k int) []float64 {
	d := make([]float64, m*n)
	for i := range m {
		xi := x[i*k : (i+1)*k]
		j := 0
		for ; j+4 <= n; j += 4 {
			w0, w1, w2, w3 := w[j*k:(j+1)*k], w[(j+1)*k:(j+2)*k], w[(j+2)*k:(j+3)*k], w[(j+3)*k:(j+4)*k]
			var s0, s1, s2, s3 float64
			for kk, a := range xi {
				s0 += float64(a * w0[kk])
				s1 += float64(a * w1[kk])
				s2 += float64(a * w2[kk])
				s3 += float64(a * w3[kk])
			}
			d[i*n+j], d[i*n+j+1], d[i*n+j+2], d[i*n+j+3] = s0, s1, s2, s3
		}
		for ; j < n; j++ {
			wj := w[j*k : (j+1)*k]
			var s float64
			for kk, a := range xi {
				s += float64(a * wj[kk])
			}
			d[i*n+j] = s
		}
	}
	return d
}
