package tensorfile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
)

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

// ByteSize is NumElements(shape) × width, checked for overflow; dtype names
// the element type in the error.
func ByteSize(shape []int, width int, dtype fmt.Stringer) (int, error) {
	n, err := NumElements(shape)
	if err != nil {
		return 0, err
	}
	hi, lo := bits.Mul64(uint64(n), uint64(width))
	if hi != 0 || lo > math.MaxInt {
		return 0, fmt.Errorf("shape %v of %v has more bytes than an int holds", shape, dtype)
	}
	return int(lo), nil
}

// CountMatches reports whether shape is valid and holds exactly n elements.
func CountMatches(shape []int, n int) bool {
	m, err := NumElements(shape)
	return err == nil && m == n
}

// Truncated turns an early end of file into the error "file truncated".
func Truncated(err error) error {
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		return errors.New("file truncated")
	}
	return err
}

// ReadN reads exactly n bytes, growing the buffer only as bytes arrive.
func ReadN(r io.Reader, n int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, n))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) != n {
		return nil, fmt.Errorf("file truncated after %d of %d bytes", len(b), n)
	}
	return b, nil
}

// Float32Bytes is v as little-endian float32 elements.
func Float32Bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// Float64Bytes is v as little-endian float64 elements.
func Float64Bytes(v []float64) []byte {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	return b
}

// Int64Bytes is v as little-endian int64 elements.
func Int64Bytes(v []int64) []byte {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(x))
	}
	return b
}

// Float64s decodes little-endian float64 elements.
func Float64s(b []byte) []float64 {
	out := make([]float64, len(b)/8)
	for i := range out {
		out[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return out
}

// CodeBytes is the codes v as little-endian elements of width bytes (1 to
// 4); bad is the index of the first code that does not fit, or -1.
func CodeBytes(v []uint32, width int) (b []byte, bad int) {
	b = make([]byte, width*len(v))
	for i, c := range v {
		if width < 4 && c>>(8*width) != 0 {
			return nil, i
		}
		putUint(b[width*i:], width, uint64(c))
	}
	return b, -1
}

// Codes decodes little-endian elements of width bytes (1 to 4) as codes.
func Codes(b []byte, width int) []uint32 {
	out := make([]uint32, len(b)/width)
	for i := range out {
		out[i] = uint32(getUint(b[width*i:], width))
	}
	return out
}

// Int64s decodes little-endian integer elements of width bytes (1 to 8),
// sign-extending when signed. An unsigned element above the int64 range
// stops it: bad is that element's index (-1 when all fit) and big its
// value.
func Int64s(b []byte, width int, signed bool) (out []int64, bad int, big uint64) {
	out = make([]int64, len(b)/width)
	for i := range out {
		u := getUint(b[width*i:], width)
		if signed {
			sh := 64 - 8*width
			out[i] = int64(u<<sh) >> sh
			continue
		}
		if u > math.MaxInt64 {
			return nil, i, u
		}
		out[i] = int64(u)
	}
	return out, -1, 0
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
