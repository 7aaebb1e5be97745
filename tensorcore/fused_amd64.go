//go:build amd64 && !purego

package tensorcore

import "golang.org/x/sys/cpu"

// bestKernel is the best kernel set the CPU runs. x/sys/cpu reports AVX2
// and AVX-512 only when the OS also saves their registers (XGETBV). The
// AVX-512 kernels use the F and DQ subsets.
var bestKernel = func() kernelKind {
	switch {
	case cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ && cpu.X86.HasAVX2:
		return kernelAVX512
	case cpu.X86.HasAVX2:
		return kernelAVX2
	}
	return kernelGo
}()

// scaledDot returns, for the step over products sa[k]·sb[k] with field
// exponents ea[k]+eb[k] (k < len(sa), a multiple of 8) and man fraction
// bits, e_max (the maximum of floor and the exponents) and the sum of the
// products truncated onto the grid 2^(e_max-f). See fused.go.
func scaledDot(sa, sb []int32, ea, eb []int16, floor, f, man int) (sum int64, emax int) {
	checkScaled(sa, sb, ea, eb)
	return scaledDotAVX2(&sa[0], &sb[0], &ea[0], &eb[0], len(sa), floor, f, man)
}

// chainKernel runs up to steps chained steps of p from the FP32
// accumulator c over the products from lo on; Chain checked the bounds.
// It returns the accumulator and the number of steps done: fewer than
// steps when the next step needs Go (see chainAVX2).
func (p *Preset) chainKernel(a, b *Vector, lo, steps int, c uint32) (uint32, int) {
	return chainAVX2(&a.Sig[lo], &b.Sig[lo], &a.Exp[lo], &b.Exp[lo], steps, p.L, p.F, p.F-p.shiftP, p.ZeroExp, p.regMask, p.narrow, uint32(p.regMask>>40)|0xFF800000, c)
}

// scaledDotAVX2 is scaledDot for n a positive multiple of 8.
//
//go:noescape
func scaledDotAVX2(sa, sb *int32, ea, eb *int16, n, floor, f, man int) (sum int64, emax int)

// chainAVX2 is chainKernel's loop (see fused_amd64.s).
//
//go:noescape
func chainAVX2(sa, sb *int32, ea, eb *int16, steps, l, f, man, zeroExp int, regMask uint64, narrow bool, fmask, c uint32) (d uint32, done int)

// lanesKernel runs up to steps chained steps of p for the Lanes outputs
// of the rows of st against pn, products from lo on (st's pointers are at
// lo), and returns the number done for every row: fewer than steps when
// the next one needs Go for some row (see Lanes and chainRows). After
// done steps a row's accumulators are in acc[done%2].
func (p *Preset) lanesKernel(st []laneState, pn *Panel, lo, steps int) int {
	fmask := uint32(p.regMask>>40) | 0xFF800000
	if kernel == kernelAVX512 {
		return lanesAVX512(&st[0], len(st), &pn.val[lo*Lanes], &pn.exp[lo*Lanes], steps, p.L, p.F, p.ZeroExp, fmask)
	}
	return lanesAVX2(&st[0], len(st), &pn.val[lo*Lanes], &pn.exp[lo*Lanes], steps, p.L, p.F, p.ZeroExp, fmask)
}

// lanesAVX512 and lanesAVX2 are lanesKernel's loop (see lanes_amd64.s):
// n rows, bv, be the panel's values and exponents at the first product.
//
//go:noescape
func lanesAVX512(st *laneState, n int, bv *float32, be *int32, steps, l, f, zeroExp int, fmask uint32) int

//go:noescape
func lanesAVX2(st *laneState, n int, bv *float32, be *int32, steps, l, f, zeroExp int, fmask uint32) int

// lanesWideKernel runs up to units units of the wide kernels for the
// rows of st against pn, products from lo on (st's pointers are at lo),
// and returns the number done for every row: the units of lanesWideGo,
// rows interleaved (see wide.go and chainRows). After done units a row's
// accumulators are in acc[done%2].
func (p *Preset) lanesWideKernel(st []laneState, pn *Panel, lo, units int) int {
	par := p.wideParams()
	if kernel == kernelAVX512 {
		return lanesWideAVX512(&st[0], len(st), &pn.w[lo*Lanes], &pn.exp[lo*Lanes], units, &par)
	}
	return lanesWideAVX2(&st[0], len(st), &pn.w[lo*Lanes], &pn.exp[lo*Lanes], units, &par)
}

// lanesWideAVX512 and lanesWideAVX2 are lanesWideKernel's loop (see
// wide_amd64.s): n rows, bw, be the panel's values (float64) and
// exponents at the first product.
//
//go:noescape
func lanesWideAVX512(st *laneState, n int, bw *float64, be *int32, units int, par *wideParams) int

//go:noescape
func lanesWideAVX2(st *laneState, n int, bw *float64, be *int32, units int, par *wideParams) int
