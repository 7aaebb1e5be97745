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

// Format is one of the binary floating-point formats tcsim knows: an
// optional sign bit, [Format.ExpBits] exponent bits and [Format.ManBits]
// stored mantissa bits. Formats are the constants below; their properties
// are fixed and read through methods, so no caller can change a format that
// others use, and two Formats are equal exactly when they are the same
// format.
//
// The zero Format is no format: [Format.Valid] reports false, [ByName]
// never returns it without an error, its String is "none", and its
// property methods return zero values (Bits 0, Name ""). Code that accepts
// a Format from outside (parsed names, struct fields) checks Valid.
type Format uint8

// The formats tcsim knows. TF32 is stored in its own 19-bit code
// (1+8+10 bits), not in an FP32 container.
const (
	E4M3 Format = iota + 1
	E5M2
	FP16
	BF16
	TF32
	FP32
	E2M1
	UE4M3
	E8M0
	// E4M3FNUZ and E5M2FNUZ are the FP8 formats of AMD CDNA3 (MI300X):
	// the OCP formats' fields with the bias one larger, no Inf, no -0,
	// and 0x80 the only NaN.
	E4M3FNUZ
	E5M2FNUZ
)

// lastFormat is the largest valid Format.
const lastFormat = E5M2FNUZ

// formatInfo holds a format's properties.
type formatInfo struct {
	name    string
	expBits int
	manBits int
	bias    int
	signed  bool
	inf     bool
	nan     NaNStyle
	noSub   bool
}

// formatTable holds every Format's properties, indexed by the Format. It
// has an entry for every uint8, so an invalid Format reads zero properties
// rather than panicking, and the index needs no bounds check.
var formatTable = [256]formatInfo{
	E4M3:     {name: "e4m3", expBits: 4, manBits: 3, bias: 7, signed: true, nan: NaNAllOnes},
	E5M2:     {name: "e5m2", expBits: 5, manBits: 2, bias: 15, signed: true, inf: true, nan: NaNIEEE},
	FP16:     {name: "f16", expBits: 5, manBits: 10, bias: 15, signed: true, inf: true, nan: NaNIEEE},
	BF16:     {name: "bf16", expBits: 8, manBits: 7, bias: 127, signed: true, inf: true, nan: NaNIEEE},
	TF32:     {name: "tf32", expBits: 8, manBits: 10, bias: 127, signed: true, inf: true, nan: NaNIEEE},
	FP32:     {name: "f32", expBits: 8, manBits: 23, bias: 127, signed: true, inf: true, nan: NaNIEEE},
	E2M1:     {name: "e2m1", expBits: 2, manBits: 1, bias: 1, signed: true, nan: NaNNone},
	UE4M3:    {name: "ue4m3", expBits: 4, manBits: 3, bias: 7, nan: NaNAllOnes},
	E8M0:     {name: "e8m0", expBits: 8, manBits: 0, bias: 127, nan: NaNAllOnes, noSub: true},
	E4M3FNUZ: {name: "e4m3fnuz", expBits: 4, manBits: 3, bias: 8, signed: true, nan: NaNNegZero},
	E5M2FNUZ: {name: "e5m2fnuz", expBits: 5, manBits: 2, bias: 16, signed: true, nan: NaNNegZero},
}

// Formats returns every format in a fixed order, in a new slice that the
// caller may change.
func Formats() []Format {
	fs := make([]Format, 0, lastFormat)
	for f := Format(1); f <= lastFormat; f++ {
		fs = append(fs, f)
	}
	return fs
}

// ByName returns the format with the given name (as in [Format.Name]).
func ByName(name string) (Format, error) {
	for f := Format(1); f <= lastFormat; f++ {
		if formatTable[f].name == name {
			return f, nil
		}
	}
	return 0, fmt.Errorf("numerics: unknown format %q", name)
}

// Valid reports whether f is one of the format constants.
func (f Format) Valid() bool { return f != 0 && f <= lastFormat }

// String returns the format's name, "none" for the zero Format and
// "Format(n)" for other invalid values.
func (f Format) String() string {
	switch {
	case f.Valid():
		return formatTable[f].name
	case f == 0:
		return "none"
	}
	return fmt.Sprintf("Format(%d)", uint8(f))
}

// Name is the format's name as tcsim spells it in flags, file names and
// hardware records ("e4m3", "f16", ...), or "" for an invalid Format.
func (f Format) Name() string { return formatTable[f].name }

// ExpBits is the width of the exponent field.
func (f Format) ExpBits() int { return formatTable[f].expBits }

// ManBits is the number of stored mantissa (fraction) bits.
func (f Format) ManBits() int { return formatTable[f].manBits }

// Bias is the exponent bias.
func (f Format) Bias() int { return formatTable[f].bias }

// Signed reports whether the format has a sign bit above the exponent
// field.
func (f Format) Signed() bool { return formatTable[f].signed }

// HasInf reports whether the exponent field all ones with a zero mantissa
// is ±Inf.
func (f Format) HasInf() bool { return formatTable[f].inf }

// NaN says which codes of the format are NaN.
func (f Format) NaN() NaNStyle { return formatTable[f].nan }

// NoSubnormals reports whether exponent field 0 is an ordinary binade
// rather than the subnormal range (E8M0, which has no mantissa and no
// zero).
func (f Format) NoSubnormals() bool { return formatTable[f].noSub }

// Bits is the width of a code.
func (f Format) Bits() int {
	n := f.ExpBits() + f.ManBits()
	if f.Signed() {
		n++
	}
	return n
}

// NumCodes is the number of distinct codes, 1<<Bits.
func (f Format) NumCodes() int { return 1 << f.Bits() }

// expMask is the exponent field all ones.
func (f Format) expMask() uint32 { return 1<<f.ExpBits() - 1 }

// MinExp is the field exponent of the smallest binade: the minimum normal
// exponent, which subnormals share.
func (f Format) MinExp() int {
	if f.NoSubnormals() {
		return -f.Bias()
	}
	return 1 - f.Bias()
}

// MaxFinite returns the code of the largest finite positive value.
func (f Format) MaxFinite() uint32 {
	e, m := f.expMask(), uint32(1)<<f.ManBits()-1
	switch {
	case f.HasInf() || f.NaN() == NaNIEEE:
		e-- // the top binade is reserved
	case f.NaN() == NaNAllOnes:
		if f.ManBits() == 0 {
			e--
		} else {
			m-- // only all-ones is NaN
		}
	}
	return e<<f.ManBits() | m
}

// MaxExp is the field exponent of the largest finite value.
func (f Format) MaxExp() int { return int(f.MaxFinite()>>f.ManBits()) - f.Bias() }

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
	ef := (code >> f.ManBits()) & f.expMask()
	m := code & (1<<f.ManBits() - 1)
	if f.Signed() {
		neg = code>>(f.ExpBits()+f.ManBits()) != 0
	}
	if f.NaN() == NaNNegZero && code == f.SignBit() {
		return neg, 0, 0, NaN
	}
	if ef == f.expMask() {
		switch {
		case f.NaN() == NaNIEEE && m != 0, f.NaN() == NaNAllOnes && m == 1<<f.ManBits()-1:
			return neg, 0, 0, NaN
		case f.HasInf() && m == 0:
			return neg, 0, 0, Inf
		}
	}
	if ef == 0 && !f.NoSubnormals() {
		if m == 0 {
			return neg, 0, 0, Zero
		}
		return neg, uint64(m), f.MinExp(), Finite
	}
	return neg, uint64(m) | 1<<f.ManBits(), int(ef) - f.Bias(), Finite
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
		v = math.Ldexp(float64(sig), exp-f.ManBits())
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
	switch f.NaN() {
	case NaNNone:
		return 0, false
	case NaNNegZero:
		return f.SignBit(), true
	}
	return f.expMask()<<f.ManBits() | (1<<f.ManBits() - 1), true
}

// InfCode returns the code of +Inf, or false if the format has none.
func (f Format) InfCode() (uint32, bool) {
	if !f.HasInf() {
		return 0, false
	}
	return f.expMask() << f.ManBits(), true
}

// SignBit is the sign bit's mask, or 0 for unsigned formats.
func (f Format) SignBit() uint32 {
	if !f.Signed() {
		return 0
	}
	return 1 << (f.ExpBits() + f.ManBits())
}
