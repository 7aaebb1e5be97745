package tensorgemm

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/tcsim/tcsim/numerics"
	"github.com/tcsim/tcsim/sim/npy"
	"github.com/tcsim/tcsim/sim/safetensors"
)

// InputError is a problem with an input file or tensor (as opposed to a
// failure of the machine): the command reports it as a usage error.
type InputError struct {
	Operand string // "A", "B", or "" for both
	Source  string
	Err     error
}

func (e *InputError) Error() string {
	var b strings.Builder
	if e.Operand != "" {
		b.WriteString(e.Operand + ": ")
	}
	if e.Source != "" {
		b.WriteString(e.Source + ": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *InputError) Unwrap() error { return e.Err }

// stored is one tensor of a file whose header has been read and checked:
// its dtype, shape and how to read its data.
type stored struct {
	source string // as given: PATH or PATH:TENSOR
	dtype  string // as the file spells it
	shape  []int
	width  int // bytes per element
	// format is what the elements are: codes of format (values when
	// wide is set, i.e. FP64).
	format numerics.Format
	f64    bool
	// codes: FP8 elements, used as codes and never re-quantised.
	codes bool
	read  func() ([]byte, error) // the data, C order, little-endian
	// st is the safetensors file the tensor came from (for its scales),
	// nil for .npy.
	st     *safetensors.File
	tensor string
	closer io.Closer
}

// rawFormats are the formats a raw container can be read as with
// --a-format / --b-format.
var rawFormats = map[string]numerics.Format{
	"e4m3": numerics.E4M3, "e5m2": numerics.E5M2, "bf16": numerics.BF16, "f16": numerics.FP16,
}

// splitSource splits "FILE.safetensors:TENSOR" (or "FILE:TENSOR" for an
// existing FILE of another name) into its parts; tensor is "" when there
// is no such suffix.
func splitSource(s string) (path, tensor string) {
	if i := strings.Index(s, ".safetensors:"); i >= 0 {
		return s[:i+len(".safetensors")], s[i+len(".safetensors:"):]
	}
	if _, err := os.Stat(s); err != nil {
		if j := strings.LastIndex(s, ":"); j > 0 {
			if st, err := os.Stat(s[:j]); err == nil && st.Mode().IsRegular() {
				return s[:j], s[j+1:]
			}
		}
	}
	return s, ""
}

// openStored reads and checks the header of the tensor named by source.
// format ("" or a name of rawFormats) says how to read a raw container.
func openStored(source, format string) (*stored, error) {
	path, tensor := splitSource(source)
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	var magic [6]byte
	n, _ := io.ReadFull(f, magic[:])
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	var s *stored
	if n == 6 && string(magic[:]) == "\x93NUMPY" {
		if tensor != "" {
			err = errors.New("a .npy file holds one array: drop the :TENSOR suffix")
		} else {
			s, err = openNpy(f, format)
		}
	} else {
		s, err = openSafetensors(f, tensor, format)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	s.source, s.closer = source, f
	return s, nil
}

func openNpy(f *os.File, format string) (*stored, error) {
	r := bufio.NewReader(f)
	h, err := npy.ReadHeader(r, npy.Limits{})
	if err != nil {
		return nil, err
	}
	order := "<"
	if h.BigEndian {
		order = ">"
	}
	s := &stored{dtype: fmt.Sprintf("%s%v", order, h.DType), shape: h.Shape, width: h.DType.Size()}
	s.read = func() ([]byte, error) {
		a, err := h.ReadData(r, npy.Limits{})
		if err != nil {
			return nil, err
		}
		var extra [1]byte
		if k, _ := io.ReadFull(r, extra[:]); k != 0 {
			return nil, errors.New("npy: data continues past the array")
		}
		return a.Data, nil
	}
	switch h.DType {
	case npy.Float16, npy.Float32, npy.BFloat16, npy.Float8E5M2:
		s.format, _ = h.DType.Format()
		s.codes = h.DType == npy.Float8E5M2
		return s, checkFormat(s, format)
	case npy.Float64:
		s.f64 = true
		return s, checkFormat(s, format)
	case npy.Void8, npy.Uint8, npy.Int8, npy.Uint16, npy.Int16: // raw containers
	default:
		return nil, fmt.Errorf("unsupported dtype %v for a GEMM operand (want float16, float32, float64, bfloat16 or an FP8 type)", h.DType)
	}
	fm, ok := rawFormats[format]
	if !ok || fm.Bits() != 8*s.width {
		want := "e4m3 or e5m2"
		if s.width == 2 {
			want = "bf16 or f16"
		}
		return nil, fmt.Errorf("dtype %v does not say which floating-point format it holds: name it (%s) with --a-format / --b-format", h.DType, want)
	}
	s.format, s.codes = fm, fm.Bits() == 8
	s.dtype += " read as " + fm.Name()
	return s, nil
}

// checkFormat accepts a --x-format flag on a float dtype only when it
// agrees.
func checkFormat(s *stored, format string) error {
	if format == "" {
		return nil
	}
	if fm, ok := rawFormats[format]; ok && !s.f64 && fm == s.format {
		return nil
	}
	return fmt.Errorf("dtype %s already says what its elements are: drop the format %q", s.dtype, format)
}

func openSafetensors(f *os.File, tensor, format string) (*stored, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	file, err := safetensors.NewFile(f, st.Size(), safetensors.Limits{})
	if err != nil {
		return nil, fmt.Errorf("neither a .npy nor a safetensors file: %v", err)
	}
	names := file.Names()
	if tensor == "" {
		if len(names) != 1 {
			return nil, fmt.Errorf("the file holds %d tensors: name one as FILE.safetensors:TENSOR (%s)", len(names), someNames(names))
		}
		tensor = names[0]
	}
	info, ok := file.Info(tensor)
	if !ok {
		return nil, fmt.Errorf("no tensor %q in the file (it has %s)", tensor, someNames(names))
	}
	s := &stored{dtype: info.DType.String(), shape: info.Shape, width: info.DType.Size(), st: file, tensor: tensor}
	s.read = func() ([]byte, error) {
		t, err := file.Tensor(tensor)
		return t.Data, err
	}
	switch info.DType {
	case safetensors.F64:
		s.f64 = true
	case safetensors.F8E4M3, safetensors.F8E5M2, safetensors.F16, safetensors.BF16, safetensors.F32:
		s.format, _ = info.DType.Format()
		s.codes = s.format.Bits() == 8
	default:
		return nil, fmt.Errorf("tensor %q: unsupported dtype %v for a GEMM operand (want F64, F32, F16, BF16, F8_E4M3 or F8_E5M2)", tensor, info.DType)
	}
	return s, checkFormat(s, format)
}

// someNames lists up to 8 names.
func someNames(names []string) string {
	if len(names) == 0 {
		return "no tensors"
	}
	s := slices.Clone(names)
	slices.Sort(s)
	if len(s) > 8 {
		return strings.Join(s[:8], ", ") + fmt.Sprintf(", … %d more", len(s)-8)
	}
	return strings.Join(s, ", ")
}

func (s *stored) close() {
	if s.closer != nil {
		s.closer.Close()
	}
}

// elements is the number of elements.
func (s *stored) elements() int {
	n := 1
	for _, d := range s.shape {
		n *= d // checked against overflow by the readers
	}
	return n
}

// load reads the data as float64 values (exact), or as codes when the
// tensor holds FP8 codes.
func (s *stored) load() (vals []float64, codes []uint32, err error) {
	data, err := s.read()
	if err != nil {
		return nil, nil, err
	}
	n := len(data) / s.width
	if s.codes {
		codes = make([]uint32, n)
		for i, b := range data {
			codes[i] = uint32(b)
		}
		return nil, codes, nil
	}
	vals = make([]float64, n)
	for i := range vals {
		var u uint64
		for j := range s.width {
			u |= uint64(data[i*s.width+j]) << (8 * j)
		}
		if s.f64 {
			vals[i] = math.Float64frombits(u)
		} else {
			vals[i] = s.format.Decode(uint32(u))
		}
	}
	return vals, nil, nil
}
