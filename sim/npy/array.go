package npy

import (
	"fmt"

	"github.com/tcsim/tcsim/sim/tensorfile"
)

// Array is an n-dimensional array: Data holds its elements in C order
// (last index fastest), each little-endian.
type Array struct {
	DType DType
	Shape []int
	Data  []byte
}

// NumElements is the product of shape (1 for a scalar), or an error when a
// dimension is negative or the product overflows.
func NumElements(shape []int) (int, error) { return tensorfile.NumElements(shape) }

func byteSize(d DType, shape []int) (int, error) { return tensorfile.ByteSize(shape, d.Size(), d) }

// Check reports whether a is well formed: a known type, a valid shape and
// exactly shape × element width bytes of data.
func (a Array) Check() error {
	if a.DType >= numDTypes {
		return fmt.Errorf("npy: invalid dtype %v", a.DType)
	}
	n, err := byteSize(a.DType, a.Shape)
	if err != nil {
		return fmt.Errorf("npy: %v", err)
	}
	if n != len(a.Data) {
		return fmt.Errorf("npy: %v%v needs %d bytes, has %d", a.DType, a.Shape, n, len(a.Data))
	}
	return nil
}

func mustCount(fn string, shape []int, n int) []int {
	if !tensorfile.CountMatches(shape, n) {
		panic(fmt.Sprintf("npy: %s: %d values for shape %v", fn, n, shape))
	}
	return append([]int{}, shape...)
}

// FromFloat32 returns a float32 array holding v; it panics when len(v) does
// not match the shape.
func FromFloat32(shape []int, v []float32) Array {
	return Array{DType: Float32, Shape: mustCount("FromFloat32", shape, len(v)), Data: tensorfile.Float32Bytes(v)}
}

// FromFloat64 returns a float64 array holding v; it panics when len(v) does
// not match the shape.
func FromFloat64(shape []int, v []float64) Array {
	return Array{DType: Float64, Shape: mustCount("FromFloat64", shape, len(v)), Data: tensorfile.Float64Bytes(v)}
}

// FromInt64 returns an int64 array holding v; it panics when len(v) does
// not match the shape.
func FromInt64(shape []int, v []int64) Array {
	return Array{DType: Int64, Shape: mustCount("FromInt64", shape, len(v)), Data: tensorfile.Int64Bytes(v)}
}

// FromCodes returns an array of raw codes of d (Float16, BFloat16, Float32
// or Void8 for FP8 codes); it panics when len(v) does not match the shape,
// d is another type or a code does not fit.
func FromCodes(d DType, shape []int, v []uint32) Array {
	switch d {
	case Float16, BFloat16, Float32, Void8:
	default:
		panic(fmt.Sprintf("npy: FromCodes: %v does not hold codes", d))
	}
	sh := mustCount("FromCodes", shape, len(v))
	b, bad := tensorfile.CodeBytes(v, d.Size())
	if bad >= 0 {
		panic(fmt.Sprintf("npy: FromCodes: code %#x does not fit %v", v[bad], d))
	}
	return Array{DType: d, Shape: sh, Data: b}
}

// Codes returns the raw codes of a Float16, BFloat16, Float32, Float8E5M2
// or Void8 array, to be decoded with the array's format ([DType.Format], or
// the one the caller knows for Void8).
func (a Array) Codes() ([]uint32, error) {
	if err := a.Check(); err != nil {
		return nil, err
	}
	switch a.DType {
	case Float16, BFloat16, Float32, Float8E5M2, Void8:
	default:
		return nil, fmt.Errorf("npy: %v elements are not floating-point codes", a.DType)
	}
	return tensorfile.Codes(a.Data, a.DType.Size()), nil
}

// Float64s returns the elements of a float array as float64 values; every
// conversion is exact. Void8 is an error: its format is not recorded.
func (a Array) Float64s() ([]float64, error) {
	if a.DType == Float64 {
		if err := a.Check(); err != nil {
			return nil, err
		}
		return tensorfile.Float64s(a.Data), nil
	}
	f, ok := a.DType.Format()
	if !ok {
		return nil, fmt.Errorf("npy: %v elements are not floating-point values of a known format", a.DType)
	}
	codes, err := a.Codes()
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(codes))
	for i, c := range codes {
		out[i] = f.Decode(c)
	}
	return out, nil
}

// Int64s returns the elements of an integer or bool array as int64 values;
// uint64 values above the int64 range are an error.
func (a Array) Int64s() ([]int64, error) {
	if err := a.Check(); err != nil {
		return nil, err
	}
	signed := false
	switch a.DType {
	case Int8, Int16, Int32, Int64:
		signed = true
	case Bool, Uint8, Uint16, Uint32, Uint64:
	default:
		return nil, fmt.Errorf("npy: %v elements are not integers", a.DType)
	}
	out, bad, big := tensorfile.Int64s(a.Data, a.DType.Size(), signed)
	if bad >= 0 {
		return nil, fmt.Errorf("npy: element %d = %d exceeds int64", bad, big)
	}
	return out, nil
}
