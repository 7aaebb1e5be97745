package safetensors

import (
	"fmt"

	"github.com/tcsim/tcsim/numerics"
)

// DType is a tensor element type of the safetensors format.
type DType uint8

// The dtypes, in the reference implementation's order (increasing width);
// [Write] lays tensors out in the reverse of this order.
const (
	Bool DType = iota
	U8
	I8
	F8E5M2
	F8E4M3
	I16
	U16
	F16
	BF16
	I32
	U32
	F32
	F64
	I64
	U64
	numDTypes
)

var dtypeNames = [numDTypes]string{
	Bool: "BOOL", U8: "U8", I8: "I8", F8E5M2: "F8_E5M2", F8E4M3: "F8_E4M3",
	I16: "I16", U16: "U16", F16: "F16", BF16: "BF16", I32: "I32", U32: "U32",
	F32: "F32", F64: "F64", I64: "I64", U64: "U64",
}

var dtypeSizes = [numDTypes]int{
	Bool: 1, U8: 1, I8: 1, F8E5M2: 1, F8E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2,
	I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
}

// String returns the dtype as the file spells it ("F8_E4M3").
func (d DType) String() string {
	if d < numDTypes {
		return dtypeNames[d]
	}
	return fmt.Sprintf("DType(%d)", uint8(d))
}

// ParseDType parses a dtype as the file spells it.
func ParseDType(s string) (DType, error) {
	for i, n := range dtypeNames {
		if n == s {
			return DType(i), nil
		}
	}
	return 0, fmt.Errorf("safetensors: unsupported dtype %q", s)
}

// Size is the width of one element in bytes (0 for an invalid dtype).
func (d DType) Size() int {
	if d < numDTypes {
		return dtypeSizes[d]
	}
	return 0
}

// Format is the floating-point format of a float dtype; ok is false for
// integer and boolean dtypes and for F64 (wider than any tcsim format).
func (d DType) Format() (f numerics.Format, ok bool) {
	switch d {
	case F8E5M2:
		return numerics.E5M2, true
	case F8E4M3:
		return numerics.E4M3, true
	case F16:
		return numerics.FP16, true
	case BF16:
		return numerics.BF16, true
	case F32:
		return numerics.FP32, true
	}
	return 0, false
}

// IsFloat reports whether d is a floating-point dtype.
func (d DType) IsFloat() bool {
	_, ok := d.Format()
	return ok || d == F64
}
