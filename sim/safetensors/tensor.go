package safetensors

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
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
func NumElements(shape []int) (int, error) {
	n := uint64(1)
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension %d in shape %v", d, shape)
		}
		hi, lo := bits.Mul64(n, uint64(d))
		if hi != 0 || lo > math.MaxInt {
			return 0, fmt.Errorf("shape %v has more elements than an int holds", shape)
		}
		n = lo
	}
	return int(n), nil
}

// byteSize is NumElements(shape) × d.Size(), checked for overflow.
func byteSize(d DType, shape []int) (int, error) {
	n, err := NumElements(shape)
	if err != nil {
		return 0, err
	}
	hi, lo := bits.Mul64(uint64(n), uint64(d.Size()))
	if hi != 0 || lo > math.MaxInt {
		return 0, fmt.Errorf("shape %v of %s has more bytes than an int holds", shape, d)
	}
	return int(lo), nil
}

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
	m, err := NumElements(shape)
	if err != nil || m != n {
		panic(fmt.Sprintf("safetensors: %s(%q): %d values for shape %v", fn, name, n, shape))
	}
}

// FromFloat32 returns an F32 tensor holding v with the given shape; it
// panics when len(v) does not match the shape.
func FromFloat32(name string, shape []int, v []float32) Tensor {
	mustCount("FromFloat32", name, shape, len(v))
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return Tensor{Name: name, DType: F32, Shape: append([]int(nil), shape...), Data: b}
}

// FromFloat64 returns an F64 tensor holding v with the given shape; it
// panics when len(v) does not match the shape.
func FromFloat64(name string, shape []int, v []float64) Tensor {
	mustCount("FromFloat64", name, shape, len(v))
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	return Tensor{Name: name, DType: F64, Shape: append([]int(nil), shape...), Data: b}
}

// FromInt64 returns an I64 tensor holding v with the given shape; it panics
// when len(v) does not match the shape.
func FromInt64(name string, shape []int, v []int64) Tensor {
	mustCount("FromInt64", name, shape, len(v))
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(x))
	}
	return Tensor{Name: name, DType: I64, Shape: append([]int(nil), shape...), Data: b}
}

// FromCodes returns a tensor of a float dtype narrower than 64 bits (F8_E4M3,
// F8_E5M2, F16, BF16, F32) holding the raw codes v; it panics when len(v)
// does not match the shape, d is not such a dtype or a code does not fit.
func FromCodes(name string, d DType, shape []int, v []uint32) Tensor {
	mustCount("FromCodes", name, shape, len(v))
	if _, ok := d.Format(); !ok {
		panic(fmt.Sprintf("safetensors: FromCodes(%q): %v is not a float dtype of 32 bits or fewer", name, d))
	}
	w := d.Size()
	b := make([]byte, w*len(v))
	for i, c := range v {
		if w < 4 && c>>(8*w) != 0 {
			panic(fmt.Sprintf("safetensors: FromCodes(%q): code %#x does not fit %v", name, c, d))
		}
		putUint(b[w*i:], w, uint64(c))
	}
	return Tensor{Name: name, DType: d, Shape: append([]int(nil), shape...), Data: b}
}

func putUint(b []byte, w int, v uint64) {
	for i := range w {
		b[i] = byte(v >> (8 * i))
	}
}

func getUint(b []byte, w int) uint64 {
	var v uint64
	for i := range w {
		v |= uint64(b[i]) << (8 * i)
	}
	return v
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
	w := t.DType.Size()
	out := make([]uint32, len(t.Data)/w)
	for i := range out {
		out[i] = uint32(getUint(t.Data[w*i:], w))
	}
	return out, nil
}

// Float64s returns the elements of a float tensor (any float dtype) as
// float64 values; every conversion is exact.
func (t Tensor) Float64s() ([]float64, error) {
	if t.DType == F64 {
		if err := t.Check(); err != nil {
			return nil, err
		}
		out := make([]float64, len(t.Data)/8)
		for i := range out {
			out[i] = math.Float64frombits(binary.LittleEndian.Uint64(t.Data[8*i:]))
		}
		return out, nil
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
	w := t.DType.Size()
	out := make([]int64, len(t.Data)/w)
	for i := range out {
		u := getUint(t.Data[w*i:], w)
		if signed {
			sh := 64 - 8*w
			out[i] = int64(u<<sh) >> sh
			continue
		}
		if u > math.MaxInt64 {
			return nil, fmt.Errorf("safetensors: tensor %q: element %d = %d exceeds int64", t.Name, i, u)
		}
		out[i] = int64(u)
	}
	return out, nil
}
