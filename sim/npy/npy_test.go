package npy

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// The files in testdata were written by numpy 1.24 (testdata/make_golden.py).
func TestReadNumpyFiles(t *testing.T) {
	x := []float64{1.5, -2.0, 0.1, 3.0, 65504.0, math.Copysign(0, -1)}
	x32 := make([]float64, len(x))
	x16 := make([]float64, len(x))
	for i, v := range x {
		x32[i] = float64(float32(v))
	}
	x16 = []float64{1.5, -2, 0.0999755859375, 3, 65504, math.Copysign(0, -1)}
	iota := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = float64(i)
		}
		return v
	}
	// C order of a Fortran-stored arange(12).reshape(2,3,2) is the arange itself.
	cases := []struct {
		file  string
		dtype DType
		shape []int
		want  []float64
	}{
		{"f4_c.npy", Float32, []int{2, 3}, x32},
		{"f4_v2.npy", Float32, []int{2, 3}, x32},
		{"f4_v3.npy", Float32, []int{2, 3}, x32},
		{"f8_scalar.npy", Float64, []int{}, []float64{2.5}},
		{"f2_be.npy", Float16, []int{2, 3}, x16},
		{"f4_be_fortran.npy", Float32, []int{2, 3, 2}, iota(12)},
		{"f8_fortran.npy", Float64, []int{2, 3}, x},
		{"bf16.npy", BFloat16, []int{2, 2}, []float64{1, -2, 0.5, math.Inf(1)}},
		{"e5m2_old.npy", Float8E5M2, []int{2}, []float64{1, -2}},
	}
	for _, c := range cases {
		a, err := ReadFile(filepath.Join("testdata", c.file), Limits{})
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		got, err := a.Float64s()
		if err != nil || a.DType != c.dtype || !reflect.DeepEqual(a.Shape, c.shape) {
			t.Fatalf("%s: %v%v, %v", c.file, a.DType, a.Shape, err)
		}
		for i := range got {
			if math.Float64bits(got[i]) != math.Float64bits(c.want[i]) {
				t.Errorf("%s[%d] = %v, want %v", c.file, i, got[i], c.want[i])
			}
		}
	}
	ints := map[string][]int64{"i8.npy": {-3, 1 << 40}, "u1.npy": {0, 1, 2, 3, 4}, "b1.npy": {1, 0}}
	for file, want := range ints {
		a, err := ReadFile(filepath.Join("testdata", file), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := a.Int64s(); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %v, %v; want %v", file, got, err, want)
		}
	}
	a, err := ReadFile(filepath.Join("testdata", "e4m3.npy"), Limits{})
	if err != nil || a.DType != Void8 {
		t.Fatalf("e4m3.npy: %v, %v", a.DType, err)
	}
	if codes, err := a.Codes(); err != nil || !reflect.DeepEqual(codes, []uint32{0x38, 0xc0, 0x7e}) {
		t.Errorf("e4m3 codes %x, %v", codes, err)
	}
	if _, err := a.Float64s(); err == nil {
		t.Error("Void8 decoded without a format")
	}
}

// Write produces numpy's bytes (and ml_dtypes' descrs) exactly.
func TestWriteMatchesNumpy(t *testing.T) {
	x32 := []float32{1.5, -2.0, 0.1, 3.0, 65504.0, float32(math.Copysign(0, -1))}
	cases := map[string]Array{
		"f4_c.npy":      FromFloat32([]int{2, 3}, x32),
		"f8_scalar.npy": FromFloat64(nil, []float64{2.5}),
		"i8.npy":        FromInt64([]int{2}, []int64{-3, 1 << 40}),
		"u1.npy":        {DType: Uint8, Shape: []int{5}, Data: []byte{0, 1, 2, 3, 4}},
		"b1.npy":        {DType: Bool, Shape: []int{2}, Data: []byte{1, 0}},
		"bf16.npy":      FromCodes(BFloat16, []int{2, 2}, []uint32{0x3f80, 0xc000, 0x3f00, 0x7f80}),
		"e4m3.npy":      FromCodes(Void8, []int{3}, []uint32{0x38, 0xc0, 0x7e}),
	}
	for file, a := range cases {
		want, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		got, err := Encode(a)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %q\nwant %q", file, got, want)
		}
	}
	if _, err := Encode(Array{DType: Float8E5M2, Shape: []int{1}, Data: []byte{1}}); err == nil {
		t.Error("wrote '<f1', which numpy cannot load")
	}
}

// A header too long for version 1.0 is written as 2.0, aligned to 64.
func TestWriteVersion2(t *testing.T) {
	shape := make([]int, 30000)
	for i := range shape {
		shape[i] = 1
	}
	b, err := Encode(Array{DType: Uint8, Shape: shape, Data: []byte{7}})
	if err != nil {
		t.Fatal(err)
	}
	if b[6] != 2 || (12+int(binary.LittleEndian.Uint32(b[8:])))%64 != 0 {
		t.Fatalf("version %d, header length %d", b[6], binary.LittleEndian.Uint32(b[8:]))
	}
	a, err := Read(bytes.NewReader(b), Limits{MaxHeaderBytes: 1 << 20})
	if err != nil || len(a.Shape) != 30000 || a.Data[0] != 7 {
		t.Fatalf("%v %v", len(a.Shape), err)
	}
}

// hdr builds a version 1.0 file from a header dict text and data.
func hdr(dict string, data string) []byte {
	var b bytes.Buffer
	b.WriteString(magic + "\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(len(dict)))
	b.WriteString(dict + data)
	return b.Bytes()
}

func TestReadRejectsMalformed(t *testing.T) {
	ok := "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n"
	cases := []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "truncated"},
		{"not npy", []byte("PK\x03\x04 a zip file"), "not a .npy file"},
		{"version", []byte(magic + "\x04\x00\x00\x00"), "version 4.0"},
		{"minor", []byte(magic + "\x01\x01\x00\x00"), "version 1.1"},
		{"header too long", []byte(magic + "\x02\x00\xff\xff\xff\xff"), "exceeds the limit"},
		{"header truncated", []byte(magic + "\x01\x00\x40\x00{'descr'"), "truncated"},
		{"data truncated", hdr(ok, "abcd"), "needs 8 bytes"},
		{"trailing data", hdr(ok, "abcdefgh!"), "continues past"},
		{"not a dict", hdr("['descr']", ""), "not a Python dict"},
		{"missing key", hdr("{'descr': '<f4', 'shape': (2,)}", "abcdefgh"), "exactly the keys"},
		{"extra key", hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 'y'}", "abcdefgh"), "exactly the keys"},
		{"duplicate key", hdr("{'descr': '<f4', 'descr': '<f4', 'shape': (2,)}", ""), "twice"},
		{"dtype", hdr("{'descr': '<c8', 'fortran_order': False, 'shape': (1,)}", "abcdefgh"), `unsupported dtype "<c8"`},
		{"object", hdr("{'descr': '|O', 'fortran_order': False, 'shape': (1,)}", "abcdefgh"), "unsupported dtype"},
		{"structured", hdr("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}", "abcd"), "structured"},
		{"order", hdr("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}", "abcd"), "unsupported value"},
		{"shape", hdr("{'descr': '<f4', 'fortran_order': False, 'shape': '1'}", "abcd"), "not a tuple"},
		{"negative", hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}", "abcd"), "non-negative"},
		{"overflow", hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296)}", "abcd"), "more elements"},
		{"huge", hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,)}", ""), "fits"},
		{"after dict", hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} x", "abcd"), "after the dict"},
		{"unterminated", hdr("{'descr': '<f4", ""), "unterminated"},
		{"v3 utf-8", append([]byte(magic+"\x03\x00\x04\x00\x00\x00"), "{'\xff'"...), "UTF-8"},
	}
	for _, c := range cases {
		_, err := Read(bytes.NewReader(c.b), Limits{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error spans lines: %q", c.name, err)
		}
	}
}

// A header that claims a huge array costs memory in proportion to the bytes
// that actually follow, and the data limit applies before any reading.
func TestReadAllocatesWhatTheStreamHolds(t *testing.T) {
	b := hdr("{'descr': '<f8', 'fortran_order': False, 'shape': (100000000,)}", "abcd")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := Read(bytes.NewReader(b), Limits{}); err == nil {
		t.Fatal("accepted")
	}
	runtime.ReadMemStats(&after)
	if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
		t.Errorf("allocated %d bytes for a %d-byte stream", d, len(b))
	}
	h, err := ReadHeader(bytes.NewReader(b), Limits{})
	if err != nil || h.DataBytes != 800000000 {
		t.Fatalf("header %+v, %v", h, err)
	}
	if _, err := h.ReadData(bytes.NewReader(nil), Limits{MaxDataBytes: 1000}); err == nil || !strings.Contains(err.Error(), "over the limit") {
		t.Errorf("data limit: %v", err)
	}
}

// encodeAs is an independent writer of the variants Write never produces:
// big-endian elements and Fortran order, the data permuted by the explicit
// index formula.
func encodeAs(a Array, bigEndian, fortran bool) []byte {
	order := "<"
	if a.DType.Size() == 1 {
		order = "|"
	}
	if bigEndian {
		order = ">"
	}
	var dims []string
	for _, d := range a.Shape {
		dims = append(dims, fmt.Sprint(d))
	}
	shape := "(" + strings.Join(dims, ",") + ",)"
	if len(dims) == 0 {
		shape = "()"
	}
	fo := map[bool]string{true: "True", false: "False"}[fortran]
	dict := fmt.Sprintf(`{"descr":"%s%c%d","shape":%s,"fortran_order":%s}`+"\n", order, dtypes[a.DType].kind, a.DType.Size(), shape, fo)
	w := a.DType.Size()
	data := make([]byte, len(a.Data))
	n := len(a.Data) / w
	for c := range n { // C index c → multi-index → Fortran index
		rem, f, stride := c, 0, 1
		idx := make([]int, len(a.Shape))
		for k := len(a.Shape) - 1; k >= 0; k-- {
			idx[k] = rem % a.Shape[k]
			rem /= a.Shape[k]
		}
		for k := range a.Shape {
			f += idx[k] * stride
			stride *= a.Shape[k]
		}
		dst := c
		if fortran {
			dst = f
		}
		for j := range w {
			src := a.Data[c*w+j]
			if bigEndian {
				data[dst*w+w-1-j] = src
			} else {
				data[dst*w+j] = src
			}
		}
	}
	return hdr(dict, string(data))
}

func randomArray(seed uint64) Array {
	r := rand.New(rand.NewPCG(seed, 3))
	d := DType(r.IntN(int(Void8) + 1))
	shape := make([]int, r.IntN(5))
	for i := range shape {
		shape[i] = 1 + r.IntN(4)
	}
	if len(shape) > 0 && r.IntN(8) == 0 {
		shape[r.IntN(len(shape))] = 0
	}
	n, _ := byteSize(d, shape)
	a := Array{DType: d, Shape: shape, Data: make([]byte, n)}
	for i := range a.Data {
		a.Data[i] = byte(r.Uint32())
	}
	return a
}

// Oracle: an array written by Write, or by the independent big-endian /
// Fortran writer, reads back as the same C-order little-endian array.
func FuzzRoundTrip(f *testing.F) {
	for s := range uint64(8) {
		f.Add(s, false, false)
		f.Add(s, true, true)
	}
	f.Fuzz(func(t *testing.T, seed uint64, bigEndian, fortran bool) {
		a := randomArray(seed)
		b, err := Encode(a)
		if err != nil {
			t.Fatal(err)
		}
		if (bytes.IndexByte(b, '\n')+1)%64 != 0 {
			t.Fatal("data not aligned to 64 bytes")
		}
		for _, b := range [][]byte{b, encodeAs(a, bigEndian, fortran)} {
			got, err := Read(bytes.NewReader(b), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if got.DType != a.DType || !reflect.DeepEqual(got.Shape, append([]int{}, a.Shape...)) || !bytes.Equal(got.Data, a.Data) {
				t.Fatalf("read %v%v %x, wrote %v%v %x", got.DType, got.Shape, got.Data, a.DType, a.Shape, a.Data)
			}
		}
	})
}

// Oracle for arbitrary bytes: never a panic; an accepted file's header and
// data exactly fill it, and writing the array again reads back the same.
func FuzzRead(f *testing.F) {
	for s := range uint64(4) {
		a := randomArray(s)
		f.Add(encodeAs(a, s%2 == 0, s > 1))
	}
	entries, _ := os.ReadDir("testdata")
	for _, e := range entries {
		if b, err := os.ReadFile(filepath.Join("testdata", e.Name())); err == nil && strings.HasSuffix(e.Name(), ".npy") {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ReadHeader(bytes.NewReader(b), Limits{})
		a, rerr := Read(bytes.NewReader(b), Limits{})
		if rerr != nil {
			return
		}
		if err != nil {
			t.Fatalf("Read accepted what ReadHeader rejected: %v", err)
		}
		hl := 10 + int(binary.LittleEndian.Uint16(b[8:]))
		if h.Major > 1 {
			hl = 12 + int(binary.LittleEndian.Uint32(b[8:]))
		}
		if hl+h.DataBytes != len(b) || len(a.Data) != h.DataBytes {
			t.Fatalf("header %d + data %d bytes, file %d", hl, h.DataBytes, len(b))
		}
		if a.DType == Float8E5M2 {
			a.DType = Void8
		}
		again, err := Encode(a)
		if err != nil {
			t.Fatal(err)
		}
		a2, err := Read(bytes.NewReader(again), Limits{MaxHeaderBytes: 1 << 20})
		if err != nil || a2.DType != a.DType || !reflect.DeepEqual(a2.Shape, a.Shape) || !bytes.Equal(a2.Data, a.Data) {
			t.Fatalf("rewritten array differs: %v", err)
		}
	})
}
