package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"unicode/utf8"

	"github.com/tcsim/tcsim/sim/tensorfile"
)

// DefaultMaxHeaderBytes is the largest header accepted by default, the
// reference implementation's limit (100 MB).
const DefaultMaxHeaderBytes = 100_000_000

// Limits bounds what a reader accepts; the zero value means the defaults.
type Limits struct {
	// MaxHeaderBytes bounds the JSON header (0: DefaultMaxHeaderBytes).
	MaxHeaderBytes int64
	// MaxDataBytes bounds the data section (0: no bound beyond the file's
	// own length).
	MaxDataBytes int64
}

func (l Limits) maxHeader() int64 {
	if l.MaxHeaderBytes > 0 {
		return l.MaxHeaderBytes
	}
	return DefaultMaxHeaderBytes
}

// Info describes one tensor of a file without its data.
type Info struct {
	Name  string
	DType DType
	Shape []int
	// Begin and End are the tensor's byte range in the data section.
	Begin, End int64
}

// File is a validated safetensors file. Tensor data is read on demand.
type File struct {
	meta      map[string]string
	infos     []Info // by offset
	index     map[string]int
	ra        io.ReaderAt
	dataStart int64
	closer    io.Closer
}

// Open opens and validates the safetensors file at path, reading only its
// header; Close releases it.
func Open(path string, lim Limits) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	sf, err := NewFile(f, st.Size(), lim)
	if err != nil {
		f.Close()
		return nil, err
	}
	sf.closer = f
	return sf, nil
}

// Decode validates a whole safetensors file held in memory; the File's
// tensors share b.
func Decode(b []byte, lim Limits) (*File, error) {
	return NewFile(bytes.NewReader(b), int64(len(b)), lim)
}

// NewFile validates the safetensors file of the given size readable through
// ra, reading only its header.
func NewFile(ra io.ReaderAt, size int64, lim Limits) (*File, error) {
	var nb [8]byte
	if size < 8 {
		return nil, fmt.Errorf("safetensors: %d bytes is too short for the 8-byte header length", size)
	}
	if k, err := ra.ReadAt(nb[:], 0); k != len(nb) {
		return nil, fmt.Errorf("safetensors: reading the header length: %w", err)
	}
	n, err := checkHeaderLen(binary.LittleEndian.Uint64(nb[:]), lim)
	if err != nil {
		return nil, err
	}
	if n > size-8 {
		return nil, fmt.Errorf("safetensors: header length %d runs past the end of the %d-byte file", n, size)
	}
	header := make([]byte, n)
	if k, err := ra.ReadAt(header, 8); k != len(header) {
		return nil, fmt.Errorf("safetensors: reading the header: %w", err)
	}
	f, err := parseHeader(header)
	if err != nil {
		return nil, err
	}
	if err := f.checkData(size-8-n, lim); err != nil {
		return nil, err
	}
	f.ra, f.dataStart = ra, 8+n
	return f, nil
}

// Read reads and validates a whole safetensors file from r, which must end
// right after the last tensor. Memory grows with the bytes actually read,
// never with the lengths the header claims.
func Read(r io.Reader, lim Limits) (*File, error) {
	var nb [8]byte
	if _, err := io.ReadFull(r, nb[:]); err != nil {
		return nil, fmt.Errorf("safetensors: reading the header length: %w", tensorfile.Truncated(err))
	}
	n, err := checkHeaderLen(binary.LittleEndian.Uint64(nb[:]), lim)
	if err != nil {
		return nil, err
	}
	header, err := tensorfile.ReadN(r, n)
	if err != nil {
		return nil, fmt.Errorf("safetensors: reading the %d-byte header: %w", n, err)
	}
	f, err := parseHeader(header)
	if err != nil {
		return nil, err
	}
	end := f.dataEnd()
	if lim.MaxDataBytes > 0 && end > lim.MaxDataBytes {
		return nil, fmt.Errorf("safetensors: %d bytes of tensor data exceed the limit of %d", end, lim.MaxDataBytes)
	}
	data, err := tensorfile.ReadN(r, end)
	if err != nil {
		return nil, fmt.Errorf("safetensors: reading %d bytes of tensor data: %w", end, err)
	}
	var extra [1]byte
	if k, _ := io.ReadFull(r, extra[:]); k != 0 {
		return nil, errors.New("safetensors: data continues past the last tensor")
	}
	if err := f.checkData(end, lim); err != nil {
		return nil, err
	}
	f.ra = bytes.NewReader(data)
	return f, nil
}

func checkHeaderLen(n uint64, lim Limits) (int64, error) {
	if max := lim.maxHeader(); n > uint64(max) {
		return 0, fmt.Errorf("safetensors: header length %d exceeds the limit of %d bytes", n, max)
	}
	if n < 2 {
		return 0, fmt.Errorf("safetensors: header length %d is too short for a JSON object", n)
	}
	return int64(n), nil
}

// rawInfo is one tensor entry of the header as JSON.
type rawInfo struct {
	DType   *string   `json:"dtype"`
	Shape   *[]uint64 `json:"shape"`
	Offsets *[]uint64 `json:"data_offsets"`
}

// parseHeader parses and validates the JSON header: entries, dtypes, shapes
// and byte ranges tiling [0, dataEnd) without gaps or overlaps.
func parseHeader(h []byte) (*File, error) {
	if !utf8.Valid(h) {
		return nil, errors.New("safetensors: header is not valid UTF-8")
	}
	if h[0] != '{' {
		return nil, fmt.Errorf("safetensors: header starts with %q, not '{'", h[0])
	}
	dec := json.NewDecoder(bytes.NewReader(h))
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("safetensors: header JSON: %v", err)
	}
	f := &File{index: map[string]int{}}
	seenMeta := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("safetensors: header JSON: %v", err)
		}
		name, _ := tok.(string)
		if _, dup := f.index[name]; dup || (name == MetadataKey && seenMeta) {
			return nil, fmt.Errorf("safetensors: header names %q twice", name)
		}
		if name == MetadataKey {
			seenMeta = true
			if err := dec.Decode(&f.meta); err != nil {
				return nil, fmt.Errorf("safetensors: %s must map strings to strings: %v", MetadataKey, err)
			}
			continue
		}
		var raw rawInfo
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("safetensors: tensor %q: %v", name, err)
		}
		info, err := raw.info(name)
		if err != nil {
			return nil, err
		}
		f.index[name] = -1
		f.infos = append(f.infos, info)
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("safetensors: header JSON: %v", err)
	}
	if tok, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("safetensors: header continues after its JSON object (%v%v)", tok, err)
	}
	slices.SortFunc(f.infos, func(a, b Info) int {
		if a.Begin != b.Begin {
			return cmpInt64(a.Begin, b.Begin)
		}
		return cmpInt64(a.End, b.End)
	})
	var next int64
	for i, in := range f.infos {
		if in.Begin != next {
			what := "overlaps the previous tensor"
			if in.Begin > next {
				what = fmt.Sprintf("leaves a gap after byte %d", next)
			}
			return nil, fmt.Errorf("safetensors: tensor %q: data_offsets [%d, %d] %s", in.Name, in.Begin, in.End, what)
		}
		next = in.End
		f.index[in.Name] = i
	}
	return f, nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (r *rawInfo) info(name string) (Info, error) {
	if r.DType == nil || r.Shape == nil || r.Offsets == nil {
		return Info{}, fmt.Errorf("safetensors: tensor %q lacks dtype, shape or data_offsets", name)
	}
	d, err := ParseDType(*r.DType)
	if err != nil {
		return Info{}, fmt.Errorf("safetensors: tensor %q: unsupported dtype %q", name, *r.DType)
	}
	shape := make([]int, len(*r.Shape))
	for i, s := range *r.Shape {
		if s > math.MaxInt {
			return Info{}, fmt.Errorf("safetensors: tensor %q: dimension %d is too large", name, s)
		}
		shape[i] = int(s)
	}
	size, err := byteSize(d, shape)
	if err != nil {
		return Info{}, fmt.Errorf("safetensors: tensor %q: %v", name, err)
	}
	off := *r.Offsets
	if len(off) != 2 {
		return Info{}, fmt.Errorf("safetensors: tensor %q: data_offsets has %d entries, want 2", name, len(off))
	}
	if off[0] > off[1] || off[1] > math.MaxInt64 {
		return Info{}, fmt.Errorf("safetensors: tensor %q: invalid data_offsets [%d, %d]", name, off[0], off[1])
	}
	if off[1]-off[0] != uint64(size) {
		return Info{}, fmt.Errorf("safetensors: tensor %q: %s%v needs %d bytes but data_offsets [%d, %d] hold %d", name, d, shape, size, off[0], off[1], off[1]-off[0])
	}
	return Info{Name: name, DType: d, Shape: shape, Begin: int64(off[0]), End: int64(off[1])}, nil
}

func (f *File) dataEnd() int64 {
	if len(f.infos) == 0 {
		return 0
	}
	return f.infos[len(f.infos)-1].End
}

func (f *File) checkData(have int64, lim Limits) error {
	end := f.dataEnd()
	if lim.MaxDataBytes > 0 && end > lim.MaxDataBytes {
		return fmt.Errorf("safetensors: %d bytes of tensor data exceed the limit of %d", end, lim.MaxDataBytes)
	}
	if have < end {
		return fmt.Errorf("safetensors: file truncated: the tensors need %d bytes of data, the file has %d", end, have)
	}
	if have > end {
		return fmt.Errorf("safetensors: %d bytes of data follow the last tensor", have-end)
	}
	return nil
}

// Close releases the file opened by [Open]; it is a no-op otherwise.
func (f *File) Close() error {
	if f.closer == nil {
		return nil
	}
	return f.closer.Close()
}

// Names lists the tensors in the order of their data.
func (f *File) Names() []string {
	out := make([]string, len(f.infos))
	for i, in := range f.infos {
		out[i] = in.Name
	}
	return out
}

// Info describes the named tensor; ok is false when there is none.
func (f *File) Info(name string) (info Info, ok bool) {
	i, ok := f.index[name]
	if !ok {
		return Info{}, false
	}
	in := f.infos[i]
	in.Shape = slices.Clone(in.Shape)
	return in, true
}

// Metadata returns a copy of the header's "__metadata__" strings (nil when
// absent).
func (f *File) Metadata() map[string]string {
	return maps.Clone(f.meta)
}

// Tensor reads the named tensor's data.
func (f *File) Tensor(name string) (Tensor, error) {
	in, ok := f.Info(name)
	if !ok {
		return Tensor{}, fmt.Errorf("safetensors: no tensor named %q (the file has %d tensors)", name, len(f.infos))
	}
	data := make([]byte, in.End-in.Begin)
	if k, err := f.ra.ReadAt(data, f.dataStart+in.Begin); k != len(data) {
		return Tensor{}, fmt.Errorf("safetensors: reading tensor %q: %w", name, tensorfile.Truncated(err))
	}
	return Tensor{Name: name, DType: in.DType, Shape: in.Shape, Data: data}, nil
}
