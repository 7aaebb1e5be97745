package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strconv"
	"strings"
)

const (
	magic = "\x93NUMPY"
	// align is the multiple numpy pads magic, length and header to.
	align = 64
	// growthDigits: numpy leaves room after the header for the growth axis
	// to reach this many digits.
	growthDigits = 21
)

// Write writes a as a .npy file: C order, little-endian, format 1.0 unless
// the header needs 2.0, with the bytes numpy.save writes for it.
func Write(w io.Writer, a Array) error {
	b, err := Encode(a)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Encode returns the bytes [Write] writes.
func Encode(a Array) ([]byte, error) {
	if err := a.Check(); err != nil {
		return nil, err
	}
	if a.DType == Float8E5M2 {
		return nil, errors.New("npy: numpy cannot load '<f1'; write FP8 codes as Void8, as ml_dtypes does")
	}
	var h strings.Builder
	h.WriteString("{'descr': '")
	h.WriteString(a.DType.descr())
	h.WriteString("', 'fortran_order': False, 'shape': (")
	for i, d := range a.Shape {
		if i > 0 {
			h.WriteString(", ")
		}
		h.WriteString(strconv.Itoa(d))
	}
	if len(a.Shape) == 1 {
		h.WriteByte(',')
	}
	h.WriteString("), }")
	if len(a.Shape) > 0 {
		h.WriteString(strings.Repeat(" ", max(0, growthDigits-len(strconv.Itoa(a.Shape[0])))))
	}
	hlen := h.Len() + 1
	var out bytes.Buffer
	out.WriteString(magic)
	if pad := align - (len(magic)+2+2+hlen)%align; hlen+pad <= 0xffff {
		out.Write([]byte{1, 0})
		binary.Write(&out, binary.LittleEndian, uint16(hlen+pad))
		out.WriteString(h.String())
		out.WriteString(strings.Repeat(" ", pad))
	} else {
		pad = align - (len(magic)+2+4+hlen)%align
		out.Write([]byte{2, 0})
		binary.Write(&out, binary.LittleEndian, uint32(hlen+pad))
		out.WriteString(h.String())
		out.WriteString(strings.Repeat(" ", pad))
	}
	out.WriteByte('\n')
	out.Write(a.Data)
	return out.Bytes(), nil
}
