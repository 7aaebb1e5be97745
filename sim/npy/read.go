package npy

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/tcsim/tcsim/sim/tensorfile"
)

// DefaultMaxHeaderBytes is the largest header accepted by default, numpy's
// own default limit.
const DefaultMaxHeaderBytes = 10000

// Limits bounds what a reader accepts; the zero value means the defaults.
type Limits struct {
	// MaxHeaderBytes bounds the header (0: DefaultMaxHeaderBytes).
	MaxHeaderBytes int
	// MaxDataBytes bounds the array data (0: no bound beyond the bytes
	// actually present).
	MaxDataBytes int64
}

// Header is what a .npy file says about its array.
type Header struct {
	Major, Minor byte
	DType        DType
	Shape        []int
	FortranOrder bool
	BigEndian    bool
	// DataBytes is the size of the array data.
	DataBytes int
}

// ReadFile reads the .npy file at path.
func ReadFile(path string, lim Limits) (Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return Array{}, err
	}
	defer f.Close()
	return Read(bufio.NewReader(f), lim)
}

// Read reads a whole .npy file from r, which must end right after the
// array, and returns its array in C order, little-endian.
func Read(r io.Reader, lim Limits) (Array, error) {
	h, err := ReadHeader(r, lim)
	if err != nil {
		return Array{}, err
	}
	a, err := h.ReadData(r, lim)
	if err != nil {
		return Array{}, err
	}
	var extra [1]byte
	if k, _ := io.ReadFull(r, extra[:]); k != 0 {
		return Array{}, errors.New("npy: data continues past the array")
	}
	return a, nil
}

// ReadHeader reads and validates the magic, version and header of a .npy
// file, leaving r at the start of the data.
func ReadHeader(r io.Reader, lim Limits) (*Header, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, fmt.Errorf("npy: reading the magic: %w", tensorfile.Truncated(err))
	}
	if string(pre[:6]) != magic {
		return nil, errors.New("npy: not a .npy file (no \\x93NUMPY magic)")
	}
	h := &Header{Major: pre[6], Minor: pre[7]}
	var n int
	switch h.Major {
	case 1:
		var l [2]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return nil, fmt.Errorf("npy: reading the header length: %w", tensorfile.Truncated(err))
		}
		n = int(binary.LittleEndian.Uint16(l[:]))
	case 2, 3:
		var l [4]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return nil, fmt.Errorf("npy: reading the header length: %w", tensorfile.Truncated(err))
		}
		n64 := binary.LittleEndian.Uint32(l[:])
		n = int(min(n64, 1<<31))
	default:
		return nil, fmt.Errorf("npy: unsupported format version %d.%d", h.Major, h.Minor)
	}
	if h.Minor != 0 {
		return nil, fmt.Errorf("npy: unsupported format version %d.%d", h.Major, h.Minor)
	}
	maxH := lim.MaxHeaderBytes
	if maxH <= 0 {
		maxH = DefaultMaxHeaderBytes
	}
	if n > maxH {
		return nil, fmt.Errorf("npy: header length %d exceeds the limit of %d bytes", n, maxH)
	}
	text, err := tensorfile.ReadN(r, int64(n))
	if err != nil {
		return nil, fmt.Errorf("npy: reading the %d-byte header: %w", n, err)
	}
	// Versions 1 and 2 are Latin-1, where every byte is a character.
	if h.Major == 3 && !utf8.Valid(text) {
		return nil, errors.New("npy: version 3 header is not valid UTF-8")
	}
	if err := h.parse(text); err != nil {
		return nil, err
	}
	return h, nil
}

func (h *Header) parse(text []byte) error {
	d, err := parseDict(text)
	if err != nil {
		return fmt.Errorf("npy: header: %v", err)
	}
	if len(d) != 3 || d["descr"] == nil || d["fortran_order"] == nil || d["shape"] == nil {
		return fmt.Errorf("npy: header must have exactly the keys descr, fortran_order and shape")
	}
	descr, ok := d["descr"].(string)
	if !ok {
		return errors.New("npy: header: descr is not a type string")
	}
	if h.DType, h.BigEndian, err = parseDescr(descr); err != nil {
		return fmt.Errorf("npy: %v", err)
	}
	if h.FortranOrder, ok = d["fortran_order"].(bool); !ok {
		return errors.New("npy: header: fortran_order is not True or False")
	}
	if h.Shape, ok = d["shape"].([]int); !ok {
		return errors.New("npy: header: shape is not a tuple of integers")
	}
	if h.DataBytes, err = byteSize(h.DType, h.Shape); err != nil {
		return fmt.Errorf("npy: %v", err)
	}
	return nil
}

// ReadData reads the array data that follows the header, converting it to
// C order and little-endian elements.
func (h *Header) ReadData(r io.Reader, lim Limits) (Array, error) {
	if lim.MaxDataBytes > 0 && int64(h.DataBytes) > lim.MaxDataBytes {
		return Array{}, fmt.Errorf("npy: %v%v is %d bytes, over the limit of %d", h.DType, h.Shape, h.DataBytes, lim.MaxDataBytes)
	}
	data, err := tensorfile.ReadN(r, int64(h.DataBytes))
	if err != nil {
		return Array{}, fmt.Errorf("npy: %v%v needs %d bytes of data: %w", h.DType, h.Shape, h.DataBytes, err)
	}
	w := h.DType.Size()
	if h.BigEndian {
		for i := 0; i < len(data); i += w {
			slices.Reverse(data[i : i+w])
		}
	}
	if h.FortranOrder && len(h.Shape) > 1 {
		data = fortranToC(data, h.Shape, w)
	}
	return Array{DType: h.DType, Shape: slices.Clone(h.Shape), Data: data}, nil
}

// fortranToC reorders elements of width w from Fortran (first index
// fastest) to C order (last index fastest).
func fortranToC(src []byte, shape []int, w int) []byte {
	dst := make([]byte, len(src))
	if len(src) == 0 {
		return dst
	}
	n := len(shape)
	fstride := make([]int, n) // Fortran stride of each axis, in elements
	s := 1
	for k := range n {
		fstride[k] = s
		s *= shape[k]
	}
	idx := make([]int, n)
	off := 0 // Fortran element offset of idx
	for o := 0; o < len(dst); o += w {
		copy(dst[o:o+w], src[off*w:off*w+w])
		for k := n - 1; k >= 0; k-- { // odometer over C order
			idx[k]++
			off += fstride[k]
			if idx[k] < shape[k] {
				break
			}
			off -= idx[k] * fstride[k]
			idx[k] = 0
		}
	}
	return dst
}

// parseDict parses the Python literal dict of a .npy header: string keys;
// values that are strings, True/False, tuples of non-negative integers
// (shape), or lists (structured descrs, reported as such). Only whitespace
// may follow the closing brace.
func parseDict(b []byte) (map[string]any, error) {
	p := &pyParser{b: b}
	if !p.eat('{') {
		return nil, errors.New("not a Python dict literal")
	}
	d := map[string]any{}
	for {
		if p.eat('}') {
			break
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		if _, dup := d[k]; dup {
			return nil, fmt.Errorf("key %q appears twice", k)
		}
		if !p.eat(':') {
			return nil, fmt.Errorf("no ':' after key %q", k)
		}
		if d[k], err = p.value(); err != nil {
			return nil, fmt.Errorf("key %q: %v", k, err)
		}
		if !p.eat(',') {
			if !p.eat('}') {
				return nil, fmt.Errorf("expected ',' or '}' at byte %d", p.i)
			}
			break
		}
	}
	p.space()
	if p.i != len(p.b) {
		return nil, fmt.Errorf("unexpected %q after the dict", p.b[p.i])
	}
	return d, nil
}

type pyParser struct {
	b []byte
	i int
}

func (p *pyParser) space() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\n' || p.b[p.i] == '\t' || p.b[p.i] == '\r') {
		p.i++
	}
}

// eat skips whitespace and consumes c if it comes next.
func (p *pyParser) eat(c byte) bool {
	p.space()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *pyParser) str() (string, error) {
	p.space()
	if p.i >= len(p.b) || (p.b[p.i] != '\'' && p.b[p.i] != '"') {
		return "", fmt.Errorf("expected a string at byte %d", p.i)
	}
	q := p.b[p.i]
	p.i++
	var s []byte
	for p.i < len(p.b) {
		c := p.b[p.i]
		p.i++
		switch {
		case c == q:
			return string(s), nil
		case c == '\\' && p.i < len(p.b):
			s = append(s, p.b[p.i])
			p.i++
		case c == '\n':
			return "", errors.New("unterminated string")
		default:
			s = append(s, c)
		}
	}
	return "", errors.New("unterminated string")
}

func (p *pyParser) value() (any, error) {
	p.space()
	if p.i >= len(p.b) {
		return nil, errors.New("missing value")
	}
	switch c := p.b[p.i]; {
	case c == '\'' || c == '"':
		return p.str()
	case c == '(':
		p.i++
		return p.tuple()
	case c == '[':
		return nil, errors.New("unsupported dtype: a structured array (a list descr)")
	}
	for _, w := range []struct {
		word string
		v    bool
	}{{"True", true}, {"False", false}} {
		if len(p.b)-p.i >= len(w.word) && string(p.b[p.i:p.i+len(w.word)]) == w.word {
			p.i += len(w.word)
			return w.v, nil
		}
	}
	return nil, fmt.Errorf("unsupported value at byte %d", p.i)
}

// tuple parses the rest of a tuple of non-negative integers (Python 2's
// long suffix L allowed).
func (p *pyParser) tuple() ([]int, error) {
	dims := []int{}
	for {
		if p.eat(')') {
			return dims, nil
		}
		p.space()
		j := p.i
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
		}
		v, err := strconv.ParseUint(string(p.b[j:p.i]), 10, bits.UintSize-1)
		if err != nil {
			return nil, fmt.Errorf("shape entry %q is not a non-negative integer that fits", p.b[j:p.i])
		}
		dims = append(dims, int(v))
		if p.i < len(p.b) && p.b[p.i] == 'L' {
			p.i++
		}
		if !p.eat(',') {
			if !p.eat(')') {
				return nil, fmt.Errorf("expected ',' or ')' at byte %d", p.i)
			}
			return dims, nil
		}
	}
}
