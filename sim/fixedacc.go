package sim

import (
	"math"
	"math/bits"
)

// fixedAcc is an exact signed fixed-point accumulator over a window of
// exponents: value = Σ_w d[w]·2^(32w+base). Each 64-bit slot holds a
// 32-bit digit plus carry slack, so adding a term never ripples carries;
// carries are settled every slackTerms additions and before reading.
type fixedAcc struct {
	d     []int64
	base  int // exponent of bit 0 of d[0]
	added int // terms since the last settle
}

// slackTerms bounds the additions between settles: each adds less than
// 2^32 to a slot, so a slot of at most 2^32 stays below 2^62.
const slackTerms = 1 << 29

// newFixedAcc returns an accumulator for terms m·2^e with lo ≤ e and
// m·2^e < 2^hi, summed up to n times (hi includes the terms' bit length).
func newFixedAcc(lo, hi, n int) *fixedAcc {
	width := hi - lo + bits.Len(uint(n)) + 1 // +1: room for the sign
	return &fixedAcc{d: make([]int64, width/32+3), base: lo}
}

func (a *fixedAcc) reset() {
	clear(a.d)
	a.added = 0
}

// add adds ±(hi·2^64+lo)·2^e exactly; e must be ≥ a.base.
func (a *fixedAcc) add(hi, lo uint64, neg bool, e int) {
	if a.added == slackTerms {
		a.settle()
	}
	a.added++
	off := e - a.base
	w, sh := off>>5, uint(off&31)
	// Shift the 128-bit magnitude by sh into three words, then spread it
	// over 32-bit digits.
	x0 := lo << sh
	x1 := hi<<sh | lo>>(64-sh) // a shift by 64 gives 0 in Go
	x2 := hi >> (64 - sh)
	for x0|x1|x2 != 0 {
		v := int64(x0 & 0xffffffff)
		if neg {
			v = -v
		}
		a.d[w] += v
		w++
		x0 = x0>>32 | x1<<32
		x1 = x1>>32 | x2<<32
		x2 >>= 32
	}
}

// settle propagates carries so that every digit but the top one lies in
// [0, 2^32); the top one carries the sign.
func (a *fixedAcc) settle() {
	for w := 0; w < len(a.d)-1; w++ {
		c := a.d[w] >> 32 // arithmetic shift: floor division
		a.d[w] -= c << 32
		a.d[w+1] += c
	}
	a.added = 0
}

// float64 returns the sum rounded once to the nearest float64 (ties to
// even). ok is false when the result is below the float64 normal range,
// where the final scaling would round a second time.
func (a *fixedAcc) float64() (v float64, ok bool) {
	a.settle()
	top := len(a.d) - 1
	neg := a.d[top] < 0
	if neg {
		for w := range a.d {
			a.d[w] = -a.d[w]
		}
		a.settle()
	}
	h := top
	for h >= 0 && a.d[h] == 0 {
		h--
	}
	if h < 0 {
		return 0, true
	}
	digit := func(w int) uint64 {
		if w < 0 {
			return 0
		}
		return uint64(a.d[w])
	}
	// The top three digits as a 96-bit number hi·2^64+lo, lsb at 32(h-2).
	sticky := false
	for w := h - 3; w >= 0 && !sticky; w-- {
		sticky = a.d[w] != 0
	}
	v, ok = roundFloat64(digit(h), digit(h-1)<<32|digit(h-2), sticky, 32*(h-2)+a.base)
	if neg {
		v = -v
	}
	return v, ok
}

// roundFloat64 returns (hi·2^64+lo+t)·2^e rounded once to the nearest
// float64, ties to even, where t in [0, 1) is nonzero exactly when sticky;
// sticky needs hi ≠ 0, so that the 64 bits kept reach past float64's 53 by
// a rounding bit and a sticky one.
// ok is false when the result is below the float64 normal range, where
// the final scaling would round a second time.
func roundFloat64(hi, lo uint64, sticky bool, e int) (v float64, ok bool) {
	var m uint64
	if n := uint(bits.Len64(hi)); n > 0 {
		m = hi<<(64-n) | lo>>n
		sticky = sticky || lo<<(64-n) != 0
		e += int(n)
	} else {
		m = lo
	}
	if m == 0 {
		return 0, true
	}
	z := uint(bits.LeadingZeros64(m)) // normalise: the top bit at 63
	m <<= z
	e -= int(z)
	if sticky {
		m |= 1 // ten bits below the rounding bit: it only breaks ties, as the tail would
	}
	if e+63 < -1022 {
		return 0, false
	}
	return math.Ldexp(float64(m), e), true // float64(m) rounds once; Ldexp is exact for normal results
}
