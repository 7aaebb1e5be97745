package numerics

import (
	"fmt"
	"math"
)

// NaNStyle says which codes of a format are NaN.
type NaNStyle uint8

const (
	// NaNNone: the format has no NaN (E2M1).
	NaNNone NaNStyle = iota
	// NaNIEEE: exponent field all ones with a non-zero mantissa is NaN
	// (FP32, FP16, BF16, TF32, E5M2).
	NaNIEEE
	// NaNAllOnes: only the codes whose exponent and mantissa fields are all
	// ones are NaN (OCP E4M3FN: S.1111.111; UE4M3; E8M0 0xFF).
	NaNAllOnes
	// NaNNegZero: the "FNUZ" formats (AMD CDNA3 FP8, E4M3FNUZ and
	// E5M2FNUZ): the code of negative zero, the sign bit alone, is the
	// only NaN; there is no -0 and no Inf, and the top exponent field is
	// an ordinary binade.
	NaNNegZero
)

// Format describes a binary floating-point format with an optional sign bit,
// ExpBits exponent bits and ManBits stored mantissa bits.
type Format struct {
	Name    string
	ExpBits int
	ManBits int
	Bias    int
	// Signed formats have a sign bit above the exponent field.
	Signed bool
	// Inf: the exponent field all ones with a zero mantissa is ±Inf.
	Inf bool
	NaN NaNStyle
	// NoSubnormals: exponent field 0 is an ordinary binade rather than the
	// subnormal range (E8M0, which has no mantissa and no zero).
	NoSubnormals bool
}

// The formats tcsim knows. TF32 is stored in its own 19-bit code
// (1+8+10 bits), not in an FP32 container.
var (
	E4M3  = Format{Name: "e4m3", ExpBits: 4, ManBits: 3, Bias: 7, Signed: true, NaN: NaNAllOnes}
	E5M2  = Format{Name: "e5m2", ExpBits: 5, ManBits: 2, Bias: 15, Signed: true, Inf: true, NaN: NaNIEEE}
	FP16  = Format{Name: "f16", ExpBits: 5, ManBits: 10, Bias: 15, Signed: true, Inf: true, NaN: NaNIEEE}
	BF16  = Format{Name: "bf16", ExpBits: 8, ManBits: 7, Bias: 127, Signed: true, Inf: true, NaN: NaNIEEE}
	TF32  = Format{Name: "tf32", ExpBits: 8, ManBits: 10, Bias: 127, Signed: true, Inf: true, NaN: NaNIEEE}
	FP32  = Format{Name: "f32", ExpBits: 8, ManBits: 23, Bias: 127, Signed: true, Inf: true, NaN: NaNIEEE}
	E2M1  = Format{Name: "e2m1", ExpBits: 2, ManBits: 1, Bias: 1, Signed: true, NaN: NaNNone}
	UE4M3 = Format{Name: "ue4m3", ExpBits: 4, ManBits: 3, Bias: 7, NaN: NaNAllOnes}
	E8M0  = Format{Name: "e8m0", ExpBits: 8, ManBits: 0, Bias: 127, NaN: NaNAllOnes, NoSubnormals: true}
	// E4M3FNUZ and E5M2FNUZ are the FP8 formats of AMD CDNA3 (MI300X):
	// the OCP formats' fields with the bias one larger, no Inf, no -0,
	// and 0x80 the only NaN.
	E4M3FNUZ = Format{Name: "e4m3fnuz", ExpBits: 4, ManBits: 3, Bias: 8, Signed: true, NaN: NaNNegZero}
	E5M2FNUZ = Format{Name: "e5m2fnuz", ExpBits: 5, ManBits: 2, Bias: 16, Signed: true, NaN: NaNNegZero}
)

// Formats lists every format in a fixed order.
var Formats = []Format{E4M3, E5M2, FP16, BF16, TF32, FP32, E2M1, UE4M3, E8M0, E4M3FNUZ, E5M2FNUZ}

// ByName returns the format with the given name (as in [Format.Name]).
func ByName(name string) (Format, error) {
	for _, f := range Formats {
		if f.Name == name {
			return f, nil
		}
	}
	return Format{}, fmt.Errorf("numerics: unknown format %q", name)
}

// String returns the format's name.
func (f Format) String() string { return f.Name }

// Bits is the width of a code.
func (f Format) Bits() int {
	n := f.ExpBits + f.ManBits
	if f.Signed {
		n++
	}
	return n
}

// NumCodes is the number of distinct codes, 1<<Bits.
func (f Format) NumCodes() int { return 1 << f.Bits() }

// expMask is the exponent field all ones.
func (f Format) expMask() uint32 { return 1<<f.ExpBits - 1 }

// MinExp is the field exponent of the smallest binade: the minimum normal
// exponent, which subnormals share.
func (f Format) MinExp() int {
	if f.NoSubnormals {
		return -f.Bias
	}
	return 1 - f.Bias
}

// MaxFinite returns the code of the largest finite positive value.
func (f Format) MaxFinite() uint32 {
	e, m := f.expMask(), uint32(1)<<f.ManBits-1
	switch {
	case f.Inf || f.NaN == NaNIEEE:
		e-- // the top binade is reserved
	case f.NaN == NaNAllOnes:
		if f.ManBits == 0 {
			e--
		} else {
			m-- // only all-ones is NaN
		}
	}
	return e<<f.ManBits | m
}

// MaxExp is the field exponent of the largest finite value.
func (f Format) MaxExp() int { return int(f.MaxFinite()>>f.ManBits) - f.Bias }

// Class is the kind of value a code holds.
type Class uint8

const (
	Zero Class = iota
	Finite
	Inf
	NaN
)

// Unpack splits a code into sign, integer significand and field exponent:
// the value is (-1)^neg · sig · 2^(exp-ManBits). sig includes the implicit
// bit for normal numbers. Bits above [Format.Bits] are ignored. For Inf and
// NaN, sig and exp are zero.
func (f Format) Unpack(code uint32) (neg bool, sig uint64, exp int, c Class) {
	code &= uint32(f.NumCodes() - 1)
	ef := (code >> f.ManBits) & f.expMask()
	m := code & (1<<f.ManBits - 1)
	if f.Signed {
		neg = code>>(f.ExpBits+f.ManBits) != 0
	}
	if f.NaN == NaNNegZero && code == f.SignBit() {
		return neg, 0, 0, NaN
	}
	if ef == f.expMask() {
		switch {
		case f.NaN == NaNIEEE && m != 0, f.NaN == NaNAllOnes && m == 1<<f.ManBits-1:
			return neg, 0, 0, NaN
		case f.Inf && m == 0:
			return neg, 0, 0, Inf
		}
	}
	if ef == 0 && !f.NoSubnormals {
		if m == 0 {
			return neg, 0, 0, Zero
		}
		return neg, uint64(m), f.MinExp(), Finite
	}
	return neg, uint64(m) | 1<<f.ManBits, int(ef) - f.Bias, Finite
}

// Decode returns the exact value of a code. NaN codes give a NaN, and zero
// codes keep their sign.
func (f Format) Decode(code uint32) float64 {
	neg, sig, exp, c := f.Unpack(code)
	var v float64
	switch c {
	case NaN:
		return math.NaN()
	case Inf:
		v = math.Inf(1)
	default:
		v = math.Ldexp(float64(sig), exp-f.ManBits)
	}
	if neg {
		v = -v
	}
	return v
}

// IsNaN reports whether code is a NaN of the format.
func (f Format) IsNaN(code uint32) bool {
	_, _, _, c := f.Unpack(code)
	return c == NaN
}

// NaNCode returns the format's canonical positive quiet NaN (all exponent
// and mantissa bits set), or false if the format has no NaN.
func (f Format) NaNCode() (uint32, bool) {
	switch f.NaN {
	case NaNNone:
		return 0, false
	case NaNNegZero:
		return f.SignBit(), true
	}
	return f.expMask()<<f.ManBits | (1<<f.ManBits - 1), true
}

// InfCode returns the code of +Inf, or false if the format has none.
func (f Format) InfCode() (uint32, bool) {
	if !f.Inf {
		return 0, false
	}
	return f.expMask() << f.ManBits, true
}

// SignBit is the sign bit's mask, or 0 for unsigned formats.
func (f Format) SignBit() uint32 {
	if !f.Signed {
		return 0
	}
	return 1 << (f.ExpBits + f.ManBits)
}
