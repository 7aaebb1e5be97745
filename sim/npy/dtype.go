package npy

import (
	"fmt"

	"github.com/tcsim/tcsim/numerics"
)

// DType is an element type of a .npy file.
type DType uint8

// The element types.
const (
	Bool DType = iota
	Int8
	Uint8
	Int16
	Uint16
	Int32
	Uint32
	Int64
	Uint64
	Float16
	Float32
	Float64
	// BFloat16 is ml_dtypes.bfloat16, stored as a 2-byte void ('<V2').
	BFloat16
	// Void8 is a one-byte ml_dtypes value ('<V1'): float8_e4m3fn,
	// float8_e5m2 and others share it, and the file does not say which.
	Void8
	// Float8E5M2 is ml_dtypes.float8_e5m2 as versions before 0.5 wrote it
	// ('<f1'); it can be read but not written, as numpy cannot load it.
	Float8E5M2
	numDTypes
)

type dtypeInfo struct {
	name string
	kind byte // numpy kind character in the descr
	size int
}

var dtypes = [numDTypes]dtypeInfo{
	Bool: {"bool", 'b', 1}, Int8: {"int8", 'i', 1}, Uint8: {"uint8", 'u', 1},
	Int16: {"int16", 'i', 2}, Uint16: {"uint16", 'u', 2}, Int32: {"int32", 'i', 4},
	Uint32: {"uint32", 'u', 4}, Int64: {"int64", 'i', 8}, Uint64: {"uint64", 'u', 8},
	Float16: {"float16", 'f', 2}, Float32: {"float32", 'f', 4}, Float64: {"float64", 'f', 8},
	BFloat16: {"bfloat16", 'V', 2}, Void8: {"void8", 'V', 1}, Float8E5M2: {"float8_e5m2", 'f', 1},
}

// String returns numpy's name for the type.
func (d DType) String() string {
	if d < numDTypes {
		return dtypes[d].name
	}
	return fmt.Sprintf("DType(%d)", uint8(d))
}

// Size is the width of one element in bytes.
func (d DType) Size() int {
	if d < numDTypes {
		return dtypes[d].size
	}
	return 0
}

// Format is the floating-point format of Float16, Float32, BFloat16 and
// Float8E5M2; ok is false for the others (Float64 is wider than any tcsim
// format, and Void8 does not say which format it holds).
func (d DType) Format() (f numerics.Format, ok bool) {
	switch d {
	case Float16:
		return numerics.FP16, true
	case Float32:
		return numerics.FP32, true
	case BFloat16:
		return numerics.BF16, true
	case Float8E5M2:
		return numerics.E5M2, true
	}
	return 0, false
}

// descr is the dtype string Write puts in the header.
func (d DType) descr() string {
	in := dtypes[d]
	order := byte('<')
	if in.size == 1 && in.kind != 'V' {
		order = '|'
	}
	return fmt.Sprintf("%c%c%d", order, in.kind, in.size)
}

// parseDescr parses a numpy type string such as '<f4' or '|V1'.
func parseDescr(s string) (d DType, bigEndian bool, err error) {
	if len(s) < 3 {
		return 0, false, fmt.Errorf("unsupported dtype %q", s)
	}
	switch s[0] {
	case '<', '|', '=':
	case '>':
		bigEndian = true
	default:
		return 0, false, fmt.Errorf("unsupported dtype %q (no byte order)", s)
	}
	for i, in := range dtypes {
		if fmt.Sprintf("%c%d", in.kind, in.size) == s[1:] {
			return DType(i), bigEndian && in.size > 1, nil
		}
	}
	return 0, false, fmt.Errorf("unsupported dtype %q", s)
}
