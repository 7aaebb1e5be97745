package tensorcore

import (
	"fmt"

	"github.com/tcsim/tcsim/numerics"
)

// Conversion is the final conversion ρ of a step's exact sum.
type Conversion uint8

const (
	// RZE8M13 truncates to F+1 significant bits (at most 24) in an FP32
	// container, overflowing to ±Inf at 2^128: the register keeps as many
	// fraction bits as the aligned sum. With Hopper and Ada FP8's F = 13
	// that is 14 bits, E8M13; a what-if F (Preset.WithF) widens both.
	RZE8M13 Conversion = iota
	// RZFP32 truncates to FP32 (24 significant bits, subnormals on the
	// 2^-149 grid), overflowing to ±Inf at 2^128.
	RZFP32
	// RNEFP16 rounds to nearest-even FP16, overflowing to ±Inf.
	RNEFP16
)

var conversionNames = [...]string{RZE8M13: "rz-e8m13", RZFP32: "rz-fp32", RNEFP16: "rne-fp16"}

func (c Conversion) String() string {
	if int(c) < len(conversionNames) {
		return conversionNames[c]
	}
	return fmt.Sprintf("Conversion(%d)", c)
}

// Out is the format of the step's output (and so of the C it chains from).
func (c Conversion) Out() numerics.Format {
	if c == RNEFP16 {
		return numerics.FP16
	}
	return numerics.FP32
}

// Step is one truncated fused dot-product-add (docs/datapath.md §1).
type Step struct {
	L   int        // products fused per step
	F   int        // fraction bits kept after alignment to e_max
	Out Conversion // final conversion of the exact sum
	// ZeroExp is the exponent a zero term (product or C) is given: a floor
	// on e_max. It matters only when every non-zero term lies below it.
	ZeroExp int
	// RegBits, when non-zero, overrides the significant bits (1 to 24)
	// that the RZ conversions keep: a what-if register narrower or wider
	// than the step's own (for example Hopper's 14-bit register behind a
	// wider aligner).
	RegBits int
	// PlusZero: every zero result is +0, including a non-zero sum that the
	// conversion takes to zero (Hopper wgmma: none of 12,871 zero outputs
	// in five H100 recordings is -0; Hopper mma.sync TF32 and FP16 with an
	// FP16 accumulator: H200 records). Otherwise such a sum keeps its sign.
	PlusZero bool
}

// regBits is the number of significant bits an RZ conversion keeps.
func (s *Step) regBits() int {
	switch {
	case s.RegBits != 0:
		return s.RegBits
	case s.Out == RZE8M13:
		return min(s.F+1, 24)
	}
	return 24
}

// Rounding names the final conversion with its width: rz-e8m13 for
// Hopper FP8 (rz-e8m<F> for a what-if width), rz-fp32, rne-fp16.
func (s *Step) Rounding() string {
	if s.Out == RNEFP16 {
		return s.Out.String()
	}
	if b := s.regBits(); b < 24 {
		return fmt.Sprintf("rz-e8m%d", b-1)
	}
	return RZFP32.String()
}

// zeroSentinel is the exponent stored for zero and special operands: so low
// that a product involving one never wins e_max (exponents of real operands
// are within ±200) and shifts out entirely.
const zeroSentinel = -10000

// term is a decoded accumulator value: (-1)^neg·sig·2^(exp-frac), exp the
// field exponent.
type term struct {
	neg  bool
	sig  uint64
	exp  int
	frac int
}

// emaxOf returns e_max over the products (field exponents ea[k]+eb[k]),
// the accumulator term and the zero-term floor.
func (s *Step) emaxOf(ea, eb []int16, c term) int {
	emax := s.ZeroExp
	if c.sig != 0 && c.exp > emax {
		emax = c.exp
	}
	eb = eb[:len(ea)]
	for k := range ea {
		if e := int(ea[k]) + int(eb[k]); e > emax {
			emax = e
		}
	}
	return emax
}

// addC adds the accumulator term, truncated onto the grid 2^(emax-F), to
// sum (in units of that grid) and returns the signed magnitude of the
// result.
func (s *Step) addC(sum int64, emax int, c term) (bool, uint64) {
	if c.sig != 0 {
		sh := s.F - c.frac - (emax - c.exp)
		var t uint64
		if sh >= 0 {
			t = c.sig << uint(sh)
		} else {
			t = c.sig >> uint(-sh)
		}
		if c.neg {
			sum -= int64(t)
		} else {
			sum += int64(t)
		}
	}
	if sum < 0 {
		return true, uint64(-sum)
	}
	return false, uint64(sum)
}

// fusedGeneral runs one step over the products sa[k]·sb[k] (signed
// significands with F-shiftP fraction bits in total, field exponents
// ea[k]+eb[k]) and the finite accumulator term c. It returns the exact sum
// of the truncated terms as (-1)^neg·mag·2^q.
func (s *Step) fusedGeneral(sa, sb []int32, ea, eb []int16, shiftP int, c term) (neg bool, mag uint64, q int) {
	emax := s.emaxOf(ea, eb, c)
	ea, eb, sb = ea[:len(sa)], eb[:len(sa)], sb[:len(sa)]
	var sum int64
	for k := range sa {
		p := int64(sa[k]) * int64(sb[k])
		m := p >> 63 // 0 or -1
		d := uint(emax - (int(ea[k]) + int(eb[k])))
		t := int64((uint64((p^m)-m) << uint(shiftP)) >> d)
		sum += (t ^ m) - m
	}
	neg, mag = s.addC(sum, emax, c)
	return neg, mag, emax - s.F
}

// fusedFixed is fusedGeneral for operands given as fixed-point integers
// fa[k], fb[k] whose products lie on the common grid 2^gridP (FP8 and
// narrower): every product is truncated by the same shift.
func (s *Step) fusedFixed(fa, fb []int64, ea, eb []int16, gridP int, c term) (neg bool, mag uint64, q int) {
	emax := s.emaxOf(ea, eb, c)
	fb = fb[:len(fa)]
	var sum int64
	if sh := emax - s.F - gridP; sh <= 0 {
		// The grid 2^(emax-F) is at least as fine as the products':
		// no product loses a bit.
		for k := range fa {
			sum += fa[k] * fb[k]
		}
		sum <<= uint(-sh)
	} else if sh < 62 {
		// (For sh >= 62 every |product| < 2^62 truncates to 0 and sum stays
		// 0; the mask below would also be wrong from sh = 64 on, making
		// each negative product -1.)
		// Truncation toward zero of a signed p: add 2^sh-1 to negative
		// values before the arithmetic shift. Two accumulators let the
		// CPU overlap iterations.
		mask := int64(1)<<uint(sh) - 1
		var sum2 int64
		k := 0
		for ; k+1 < len(fa); k += 2 {
			p0, p1 := fa[k]*fb[k], fa[k+1]*fb[k+1]
			sum += (p0 + (p0 >> 63 & mask)) >> uint(sh)
			sum2 += (p1 + (p1 >> 63 & mask)) >> uint(sh)
		}
		if k < len(fa) {
			p0 := fa[k] * fb[k]
			sum += (p0 + (p0 >> 63 & mask)) >> uint(sh)
		}
		sum += sum2
	}
	neg, mag = s.addC(sum, emax, c)
	return neg, mag, emax - s.F
}
