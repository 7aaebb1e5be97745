package tensorcore

import (
	"fmt"
	"math/bits"

	"github.com/tcsim/tcsim/numerics"
)

// Conversion is the final conversion ρ of a step's exact sum.
type Conversion uint8

const (
	// RZE8M13 truncates to 14 significant bits in an FP32 container
	// (Hopper and Ada FP8), overflowing to ±Inf at 2^128.
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

// convert rounds the exact value (-1)^neg·mag·2^q per the conversion.
// An exact zero gives +0.
func (c Conversion) convert(neg bool, mag uint64, q int) uint32 {
	if mag == 0 {
		return 0
	}
	switch c {
	case RZE8M13:
		if n := bits.Len64(mag); n > 14 {
			mag >>= uint(n - 14)
			q += n - 14
		}
		return numerics.FP32.EncodeScaled(neg, mag, q, numerics.TowardZero, numerics.ToInf)
	case RZFP32:
		return numerics.FP32.EncodeScaled(neg, mag, q, numerics.TowardZero, numerics.ToInf)
	default:
		return numerics.FP16.EncodeScaled(neg, mag, q, numerics.NearestEven, numerics.ToInf)
	}
}

// Step is one truncated fused dot-product-add (arithmetic.md §1).
type Step struct {
	L   int        // products fused per step
	F   int        // fraction bits kept after alignment to e_max
	Out Conversion // final conversion of the exact sum
	// ZeroExp is the exponent a zero term (product or C) is given: a floor
	// on e_max. It matters only when every non-zero term lies below it.
	ZeroExp int
}

// zeroSentinel is the exponent stored for zero and special operands: so low
// that a product involving one never wins e_max and shifts out entirely.
const zeroSentinel = -1 << 20

// term is a decoded accumulator value: (-1)^neg·sig·2^(exp-frac).
type term struct {
	neg  bool
	sig  uint64
	exp  int
	frac int
}

// fused runs one step over the products sa[k]·sb[k] (signed significands
// with fa+fb fraction bits in total, field exponents ea[k]+eb[k]) and the
// finite accumulator term c, returning the converted result.
// Requires F >= fa+fb, checked by Preset.validate.
func (s *Step) fused(sa, sb, ea, eb []int32, shiftP int, c term) uint32 {
	emax := s.ZeroExp
	if c.sig != 0 && c.exp > emax {
		emax = c.exp
	}
	ea = ea[:len(sa)]
	eb = eb[:len(sa)]
	sb = sb[:len(sa)]
	for k := range sa {
		if e := int(ea[k] + eb[k]); e > emax {
			emax = e
		}
	}
	var sum int64
	for k := range sa {
		p := int64(sa[k]) * int64(sb[k])
		m := p >> 63 // 0 or -1
		mag := uint64((p ^ m) - m)
		d := uint(emax - int(ea[k]+eb[k]))
		t := int64((mag << uint(shiftP)) >> d)
		sum += (t ^ m) - m
	}
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
	neg := sum < 0
	if neg {
		sum = -sum
	}
	return s.Out.convert(neg, uint64(sum), emax-s.F)
}
