//go:build amd64 && !purego

package tensorcore

import "golang.org/x/sys/cpu"

// haveAVX2 reports whether the CPU runs the AVX2 kernels. x/sys/cpu
// reports AVX2 only when the OS also saves the YMM registers (XGETBV).
var haveAVX2 = cpu.X86.HasAVX2

// useSIMD selects the SIMD kernels; tests flip it to run both paths on
// one machine.
var useSIMD = haveAVX2

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
