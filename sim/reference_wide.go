package sim

import (
	"context"
	"math/bits"

	"github.com/tcsim/tcsim/numerics"
	"github.com/tcsim/tcsim/sim/parallel"
)

// wideOperand is a decoded operand ±sig·2^exp (sig = 0 for zero).
type wideOperand struct {
	sig uint32
	exp int16
	neg bool
}

func decodeWide(f numerics.Format, codes []uint32) []wideOperand {
	out := make([]wideOperand, len(codes))
	for k, c := range codes {
		neg, sig, exp, cl := f.Unpack(c)
		if cl == numerics.Finite {
			out[k] = wideOperand{sig: uint32(sig), exp: int16(exp - f.ManBits()), neg: neg}
		}
	}
	return out
}

// exactWide fills ex for formats whose values do not fit one 62-bit grid
// (BF16, TF32, FP32): each product sig_a·sig_b·m·2^(e_a+e_b+e) is added
// exactly in a fixed-point accumulator spanning every exponent the
// formats and scales can give (≈ 530 bits for BF16 or TF32 unscaled).
func exactWide(ctx context.Context, p *Problem, fa, fb numerics.Format, sa, sb []float64, blk int, ex *Exact) error {
	nb := p.K / blk
	loA, hiA := scaleRange(sa)
	loB, hiB := scaleRange(sb)
	lo := fa.MinExp() - fa.ManBits() + fb.MinExp() - fb.ManBits() + loA + loB
	hi := fa.MaxExp() + 1 + fb.MaxExp() + 1 + hiA + hiB
	// Significands must fit 32 bits and exponents 16 (every format in
	// numerics does); others take the math/big path.
	fits := fa.ManBits() < 32 && fb.ManBits() < 32 && fa.ExpBits() < 15 && fb.ExpBits() < 15
	opB := decodeWide(fb, p.B)
	return parallel.For(ctx, p.M, 0, func(i int) error {
		opA := decodeWide(fa, p.A[i*p.K:(i+1)*p.K])
		acc, accAbs := newFixedAcc(lo, hi, p.K), newFixedAcc(lo, hi, p.K)
		for j := range p.N {
			var d, ad float64
			ok := false
			if fits {
				d, ad, ok = wideDot(opA, opB[j*p.K:(j+1)*p.K], sa, sb, i, j, nb, blk, acc, accAbs)
			}
			if !ok {
				d, ad = exactBig(p, fa, fb, sa, sb, i, j, blk)
			}
			ex.D[i*p.N+j], ex.AbsDot[i*p.N+j] = d, ad
		}
		return nil
	})
}

// wideDot returns Σ_k a_k·b_k·s_k and Σ_k |a_k·b_k·s_k| rounded once to
// float64, where s_k is row i's and column j's scale product for k's
// block (1 when sa is nil); ok is false where that is not possible (see
// [fixedAcc.float64] and [scaleProduct]).
func wideDot(a, b []wideOperand, sa, sb []float64, i, j, nb, blk int, acc, accAbs *fixedAcc) (d, ad float64, ok bool) {
	acc.reset()
	accAbs.reset()
	b = b[:len(a)]
	for blkStart := 0; blkStart < len(a); blkStart += blk {
		m, mneg, e := uint64(1), false, 0
		if sa != nil {
			bi := blkStart / blk
			if m, mneg, e, ok = scaleProduct(sa[i*nb+bi], sb[j*nb+bi]); !ok {
				return 0, 0, false
			}
		}
		for k := blkStart; k < blkStart+blk; k++ {
			x, y := a[k], b[k]
			if x.sig == 0 || y.sig == 0 || m == 0 {
				continue
			}
			hi, lo := bits.Mul64(uint64(x.sig)*uint64(y.sig), m)
			ek := int(x.exp) + int(y.exp) + e
			acc.add(hi, lo, x.neg != y.neg != mneg, ek)
			accAbs.add(hi, lo, false, ek)
		}
	}
	d, okD := acc.float64()
	ad, okA := accAbs.float64()
	return d, ad, okD && okA
}
