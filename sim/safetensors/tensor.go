package safetensors

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/tcsim/tcsim/sim/tensorfile"
)

// Tensor is one named tensor: Data holds its elements in C order, each
// little-endian, exactly as stored in the file.
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	Data  []byte
}

// NumElements is the product of shape (1 for a scalar), or an error when a
// dimension is negative or the product overflows.
func NumElements(shape []int) (int, error) { return tensorfile.NumElements(shape) }

// byteSize is NumElements(shape) × d.Size(), checked for overflow.
func byteSize(d DType, shape []int) (int, error) { return tensorfile.ByteSize(shape, d.Size(), d) }

// Check reports whether t is well formed: a known dtype, a valid shape and
// exactly shape × dtype width bytes of data.
func (t Tensor) Check() error {
	if t.DType >= numDTypes {
		return fmt.Errorf("safetensors: tensor %q: invalid dtype %v", t.Name, t.DType)
	}
	n, err := byteSize(t.DType, t.Shape)
	if err != nil {
		return fmt.Errorf("safetensors: tensor %q: %v", t.Name, err)
	}
	if n != len(t.Data) {
		return fmt.Errorf("safetensors: tensor %q: %s%v needs %d bytes, has %d", t.Name, t.DType, t.Shape, n, len(t.Data))
	}
	return nil
}

func mustCount(fn, name string, shape []int, n int) {
	if !tensorfile.CountMatches(shape, n) {
		panic(fmt.Sprintf("safetensors: %s(%q): %d values for shape %v", fn, name, n, shape))
	}
}

// FromFloat32 returns an F32 tensor holding v with the given shape; it
// panics when len(v) does not match the shape.
func FromFloat32(name string, shape []int, v []float32) Tensor {
	mustCount("FromFloat32", name, shape, len(v))
	return Tensor{Name: name, DType: F32, Shape: append([]int(nil), shape...), Data: tensorfile.Float32Bytes(v)}
}

// FromFloat64 returns an F64 tensor holding v with the given shape; it
// panics when len(v) does not match the shape.
func FromFloat64(name string, shape []int, v []float64) Tensor {
	mustCount("FromFloat64", name, shape, len(v))
	return Tensor{Name: name, DType: F64, Shape: append([]int(nil), shape...), Data: tensorfile.Float64Bytes(v)}
}

// FromInt64 returns an I64 tensor holding v with the given shape; it panics
// when len(v) does not match the shape.
func FromInt64(name string, shape []int, v []int64) Tensor {
	mustCount("FromInt64", name, shape, len(v))
	return Tensor{Name: name, DType: I64, Shape: append([]int(nil), shape...), Data: tensorfile.Int64Bytes(v)}
}

// FromCodes returns a tensor of a float dtype narrower than 64 bits (F8_E4M3,
// F8_E5M2, F16, BF16, F32) holding the raw codes v; it panics when len(v)
// does not match the shape, d is not such a dtype or a code does not fit.
func FromCodes(name string, d DType, shape []int, v []uint32) Tensor {
	mustCount("FromCodes", name, shape, len(v))
	if _, ok := d.Format(); !ok {
		panic(fmt.Sprintf("safetensors: FromCodes(%q): %v is not a float dtype of 32 bits or fewer", name, d))
	}
	b, bad := tensorfile.CodeBytes(v, d.Size())
	if bad >= 0 {
		panic(fmt.Sprintf("safetensors: FromCodes(%q): code %#x does not fit %v", name, v[bad], d))
	}
	return Tensor{Name: name, DType: d, Shape: append([]int(nil), shape...), Data: b}
}

// Codes returns the raw codes of a float tensor of 32 bits or fewer
// (F8_E4M3, F8_E5M2, F16, BF16, F32), to be decoded with [DType.Format].
func (t Tensor) Codes() ([]uint32, error) {
	if err := t.Check(); err != nil {
		return nil, err
	}
	if _, ok := t.DType.Format(); !ok {
		return nil, fmt.Errorf("safetensors: tensor %q is %v, not a float of 32 bits or fewer", t.Name, t.DType)
	}
	return tensorfile.Codes(t.Data, t.DType.Size()), nil
}

// Float64s returns the elements of a float tensor (any float dtype) as
// float64 values; every conversion is exact.
func (t Tensor) Float64s() ([]float64, error) {
	if t.DType == F64 {
		if err := t.Check(); err != nil {
			return nil, err
		}
		return tensorfile.Float64s(t.Data), nil
	}
	codes, err := t.Codes()
	if err != nil {
		return nil, err
	}
	f, _ := t.DType.Format()
	out := make([]float64, len(codes))
	for i, c := range codes {
		out[i] = f.Decode(c)
	}
	return out, nil
}

// Float32s returns the elements of a float tensor of 32 bits or fewer as
// float32 values; every conversion is exact (NaN payloads aside).
func (t Tensor) Float32s() ([]float32, error) {
	switch t.DType {
	case F64:
		return nil, fmt.Errorf("safetensors: tensor %q is F64, which float32 cannot hold exactly", t.Name)
	case F32:
		if err := t.Check(); err != nil {
			return nil, err
		}
		out := make([]float32, len(t.Data)/4)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
		}
		return out, nil
	}
	v, err := t.Float64s()
	if err != nil {
		return nil, err
	}
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out, nil
}

// Int64s returns the elements of an integer or boolean tensor as int64
// values; U64 values above the int64 range are an error.
func (t Tensor) Int64s() ([]int64, error) {
	if err := t.Check(); err != nil {
		return nil, err
	}
	signed := false
	switch t.DType {
	case I8, I16, I32, I64:
		signed = true
	case Bool, U8, U16, U32, U64:
	default:
		return nil, fmt.Errorf("safetensors: tensor %q is %v, not an integer", t.Name, t.DType)
	}
	out, bad, big := tensorfile.Int64s(t.Data, t.DType.Size(), signed)
	if bad >= 0 {
		return nil, fmt.Errorf("safetensors: tensor %q: element %d = %d exceeds int64", t.Name, bad, big)
	}
	return out, nil
}
