package safetensors

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/tcsim/tcsim/numerics"
)

// le8 is the little-endian header length prefix.
func le8(n int) string {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(n))
	return string(b[:])
}

func f32bytes(v ...float32) []byte {
	return FromFloat32("x", []int{len(v)}, v).Data
}

// The byte layouts the reference implementation's own tests pin down.
func TestWriteMatchesReference(t *testing.T) {
	data := f32bytes(0, 1, 2, 3, 4, 5)
	cases := []struct {
		name    string
		tensors []Tensor
		meta    map[string]string
		header  string
	}{
		{"one tensor", []Tensor{{Name: "attn.0", DType: F32, Shape: []int{1, 2, 3}, Data: data}}, nil,
			`{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}`},
		{"padded to 8", []Tensor{{Name: "attn0", DType: F32, Shape: []int{1, 1, 2, 3}, Data: data}}, nil,
			`{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       `},
		{"empty", nil, nil, `{}      `},
		{"metadata only", nil, map[string]string{"framework": "pt"}, `{"__metadata__":{"framework":"pt"}}     `},
	}
	for _, c := range cases {
		got, err := Encode(c.tensors, c.meta)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		want := le8(len(c.header)) + c.header
		for _, tn := range c.tensors {
			want += string(tn.Data)
		}
		if string(got) != want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, want)
		}
	}
}

// Tensors are laid out by descending dtype width, then name, whatever the
// order given; metadata keys are sorted; names are escaped as serde_json does.
func TestWriteOrderAndEscaping(t *testing.T) {
	ts := []Tensor{
		FromCodes("b", F8E4M3, []int{2}, []uint32{1, 2}),
		FromFloat64("z", []int{1}, []float64{1}),
		FromCodes("a", F8E4M3, []int{1}, []uint32{3}),
		FromFloat32("q\"\n\x01<é", []int{}, []float32{2}),
	}
	got, err := Encode(ts, map[string]string{"b": "2", "a": "1"})
	if err != nil {
		t.Fatal(err)
	}
	h := `{"__metadata__":{"a":"1","b":"2"},"z":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},` +
		`"q\"\n\u0001<é":{"dtype":"F32","shape":[],"data_offsets":[8,12]},` +
		`"a":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[12,13]},"b":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[13,15]}}`
	for len(h)%8 != 0 {
		h += " "
	}
	want := le8(len(h)) + h + string(ts[1].Data) + string(ts[3].Data) + "\x03\x01\x02"
	if string(got) != want {
		t.Errorf("\n got %q\nwant %q", got, want)
	}
	rev := []Tensor{ts[3], ts[2], ts[1], ts[0]}
	if again, _ := Encode(rev, map[string]string{"a": "1", "b": "2"}); !bytes.Equal(again, got) {
		t.Error("bytes depend on the order of the tensors")
	}
}

func TestWriteRejects(t *testing.T) {
	ok := FromFloat32("a", []int{2}, []float32{1, 2})
	cases := map[string][]Tensor{
		"reserved":  {{Name: MetadataKey, DType: F32, Shape: []int{}, Data: make([]byte, 4)}},
		"twice":     {ok, ok},
		"size":      {{Name: "a", DType: F32, Shape: []int{3}, Data: make([]byte, 8)}},
		"dtype":     {{Name: "a", DType: numDTypes, Shape: []int{}, Data: nil}},
		"negative":  {{Name: "a", DType: U8, Shape: []int{-1}, Data: nil}},
		"overflow":  {{Name: "a", DType: U8, Shape: []int{1 << 40, 1 << 40}, Data: nil}},
		"bad utf-8": {{Name: "a\xff", DType: U8, Shape: []int{}, Data: []byte{1}}},
	}
	for name, ts := range cases {
		if _, err := Encode(ts, nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// file builds a file with a hand-written header and n data bytes.
func file(header string, n int) []byte {
	return []byte(le8(len(header)) + header + strings.Repeat("\x00", n))
}

func TestReadRejectsMalformed(t *testing.T) {
	cases := []struct {
		name string
		b    []byte
		want string
	}{
		{"short", []byte("abc"), "too short"},
		{"header too big", []byte(le8(DefaultMaxHeaderBytes+1) + "{}"), "exceeds the limit"},
		{"header past end", []byte(le8(1000) + "{}"), "past the end"},
		{"not json", file("nonsense", 0), "not '{'"},
		{"bad json", file(`{"a":}`, 0), "tensor \"a\""},
		{"trailing", file(`{} x`, 0), "continues after"},
		{"not utf-8", file("{\"\xff\":1}", 0), "UTF-8"},
		{"dtype", file(`{"a":{"dtype":"F4","shape":[1],"data_offsets":[0,1]}}`, 1), `unsupported dtype "F4"`},
		{"missing", file(`{"a":{"dtype":"F32","shape":[1]}}`, 4), "lacks"},
		{"null", file(`{"a":{"dtype":"F32","shape":null,"data_offsets":[0,4]}}`, 4), "lacks"},
		{"negative", file(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, 4), "tensor \"a\""},
		{"fraction", file(`{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}`, 4), "tensor \"a\""},
		{"overflow", file(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}`, 4), "more elements"},
		{"byte overflow", file(`{"a":{"dtype":"F64","shape":[4294967296,1073741824],"data_offsets":[0,4]}}`, 4), "more bytes"},
		{"size mismatch", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, 4), "needs 8 bytes"},
		{"three offsets", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}`, 4), "3 entries"},
		{"reversed", file(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}}`, 4), "invalid data_offsets"},
		{"overlap", file(`{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}`, 6), "overlaps"},
		{"gap", file(`{"a":{"dtype":"U8","shape":[4],"data_offsets":[1,5]}}`, 5), "gap"},
		{"truncated", file(`{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}`, 3), "truncated"},
		{"huge claim", file(`{"a":{"dtype":"F32","shape":[1000000000],"data_offsets":[0,4000000000]}}`, 3), "truncated"},
		{"extra data", file(`{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}`, 5), "follow the last tensor"},
		{"duplicate", file(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}`, 2), "twice"},
		{"metadata not strings", file(`{"__metadata__":{"a":1}}`, 0), MetadataKey},
	}
	for _, c := range cases {
		_, err := Decode(c.b, Limits{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Decode error %v, want one containing %q", c.name, err, c.want)
		}
		if _, err := Read(bytes.NewReader(c.b), Limits{}); err == nil {
			t.Errorf("%s: Read accepted it", c.name)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error spans lines: %q", c.name, err)
		}
	}
}

func TestLimits(t *testing.T) {
	b, _ := Encode([]Tensor{FromFloat32("a", []int{4}, make([]float32, 4))}, nil)
	if _, err := Decode(b, Limits{MaxHeaderBytes: 16}); err == nil {
		t.Error("header limit not applied")
	}
	if _, err := Decode(b, Limits{MaxDataBytes: 15}); err == nil {
		t.Error("data limit not applied (Decode)")
	}
	if _, err := Read(bytes.NewReader(b), Limits{MaxDataBytes: 15}); err == nil {
		t.Error("data limit not applied (Read)")
	}
	if _, err := Decode(b, Limits{MaxHeaderBytes: 1000, MaxDataBytes: 16}); err != nil {
		t.Error(err)
	}
}

// A stream whose header claims far more than it holds costs memory in
// proportion to what it holds, not to the claim.
func TestReadAllocatesWhatTheStreamHolds(t *testing.T) {
	claims := [][]byte{
		[]byte(le8(DefaultMaxHeaderBytes) + "{}"),
		file(`{"a":{"dtype":"F32","shape":[20000000],"data_offsets":[0,80000000]}}`, 10),
	}
	for i, b := range claims {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if _, err := Read(bytes.NewReader(b), Limits{}); err == nil {
			t.Fatalf("claim %d accepted", i)
		}
		runtime.ReadMemStats(&after)
		if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
			t.Errorf("claim %d: allocated %d bytes for a %d-byte stream", i, d, len(b))
		}
	}
}

func TestOpenAndAccessors(t *testing.T) {
	e4 := make([]uint32, 256)
	for i := range e4 {
		e4[i] = uint32(i)
	}
	ts := []Tensor{
		FromCodes("w", F8E4M3, []int{16, 16}, e4),
		FromCodes("h", BF16, []int{3}, []uint32{0x3f80, 0xc000, 0x7f80}),
		FromFloat32("s", []int{1, 2}, []float32{0.5, -3}),
		FromInt64("i", []int{2}, []int64{-7, 1 << 40}),
		{Name: "n", DType: I16, Shape: []int{2}, Data: []byte{0xff, 0xff, 2, 0}},
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	var buf bytes.Buffer
	if err := Write(&buf, ts, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.Names(); !reflect.DeepEqual(got, []string{"i", "s", "h", "n", "w"}) {
		t.Errorf("Names = %v", got)
	}
	if m := f.Metadata(); m["format"] != "pt" || len(m) != 1 {
		t.Errorf("Metadata = %v", m)
	}
	w, _ := f.Tensor("w")
	got, err := w.Float64s()
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range got {
		if want := numerics.E4M3.Decode(uint32(i)); math.Float64bits(v) != math.Float64bits(want) && !(math.IsNaN(v) && math.IsNaN(want)) {
			t.Fatalf("e4m3 code %#x: %v, want %v", i, v, want)
		}
	}
	h, _ := f.Tensor("h")
	if v, err := h.Float32s(); err != nil || v[0] != 1 || v[1] != -2 || !math.IsInf(float64(v[2]), 1) {
		t.Errorf("bf16 Float32s = %v, %v", v, err)
	}
	s, _ := f.Tensor("s")
	if v, err := s.Float32s(); err != nil || !reflect.DeepEqual(v, []float32{0.5, -3}) || !reflect.DeepEqual(s.Shape, []int{1, 2}) {
		t.Errorf("f32 = %v %v, %v", v, s.Shape, err)
	}
	i, _ := f.Tensor("i")
	if v, err := i.Int64s(); err != nil || !reflect.DeepEqual(v, []int64{-7, 1 << 40}) {
		t.Errorf("i64 = %v, %v", v, err)
	}
	n, _ := f.Tensor("n")
	if v, err := n.Int64s(); err != nil || !reflect.DeepEqual(v, []int64{-1, 2}) {
		t.Errorf("i16 = %v, %v", v, err)
	}
	if _, err := i.Float64s(); err == nil {
		t.Error("Float64s of an integer tensor")
	}
	if _, err := f.Tensor("nope"); err == nil {
		t.Error("missing tensor found")
	}
	if _, err := FromFloat64("d", []int{1}, []float64{1}).Float32s(); err == nil {
		t.Error("Float32s of F64")
	}
}

// randomTensors draws a small random set of tensors from seed.
func randomTensors(seed uint64) ([]Tensor, map[string]string) {
	r := rand.New(rand.NewPCG(seed, 7))
	var ts []Tensor
	names := map[string]bool{}
	for range r.IntN(6) {
		name := string(rune('a'+r.IntN(4))) + string(rune(r.IntN(0x2ff)))
		if names[name] || name == MetadataKey {
			continue
		}
		names[name] = true
		d := DType(r.IntN(int(numDTypes)))
		shape := make([]int, r.IntN(4))
		n := 1
		for i := range shape {
			shape[i] = r.IntN(4)
			n *= shape[i]
		}
		data := make([]byte, n*d.Size())
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		ts = append(ts, Tensor{Name: name, DType: d, Shape: shape, Data: data})
	}
	var meta map[string]string
	if r.IntN(2) == 0 {
		meta = map[string]string{"k\x02": string(rune(r.IntN(0x2ff))), "": "\\"}
	}
	return ts, meta
}

// checkSame asserts that f holds exactly ts and meta.
func checkSame(t *testing.T, f *File, ts []Tensor, meta map[string]string) {
	t.Helper()
	if len(f.Names()) != len(ts) {
		t.Fatalf("%d tensors, want %d", len(f.Names()), len(ts))
	}
	for _, want := range ts {
		got, err := f.Tensor(want.Name)
		if err != nil {
			t.Fatal(err)
		}
		if got.DType != want.DType || !reflect.DeepEqual(got.Shape, append([]int{}, want.Shape...)) || !bytes.Equal(got.Data, want.Data) {
			t.Fatalf("tensor %q: got %v%v %x, want %v%v %x", want.Name, got.DType, got.Shape, got.Data, want.DType, want.Shape, want.Data)
		}
	}
	if !reflect.DeepEqual(f.Metadata(), meta) {
		t.Fatalf("metadata %v, want %v", f.Metadata(), meta)
	}
}

// Oracle: whatever is written reads back identical, through every reader.
func FuzzRoundTrip(f *testing.F) {
	for s := range uint64(8) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, seed uint64) {
		ts, meta := randomTensors(seed)
		b, err := Encode(ts, meta)
		if err != nil {
			t.Fatal(err)
		}
		if binary.LittleEndian.Uint64(b)%8 != 0 {
			t.Fatal("header not padded to 8 bytes")
		}
		d, err := Decode(b, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		checkSame(t, d, ts, meta)
		r, err := Read(bytes.NewReader(b), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		checkSame(t, r, ts, meta)
	})
}

// Oracle for arbitrary bytes: the in-memory and streaming readers agree;
// an accepted file's tensors exactly fill it; and writing them again and
// reading that back gives the same tensors. Never a panic.
func FuzzDecode(f *testing.F) {
	for s := range uint64(4) {
		ts, meta := randomTensors(s)
		b, _ := Encode(ts, meta)
		f.Add(b)
	}
	f.Add(file(`{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}`, 6))
	f.Add(file(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}`, 4))
	f.Fuzz(func(t *testing.T, b []byte) {
		lim := Limits{MaxHeaderBytes: 1 << 16}
		d, err := Decode(b, lim)
		r, rerr := Read(bytes.NewReader(b), lim)
		if (err == nil) != (rerr == nil) {
			t.Fatalf("Decode error %v, Read error %v", err, rerr)
		}
		if err != nil {
			return
		}
		var ts []Tensor
		total := 8 + int64(binary.LittleEndian.Uint64(b))
		for _, name := range d.Names() {
			tn, err := d.Tensor(name)
			if err != nil {
				t.Fatal(err)
			}
			total += int64(len(tn.Data))
			ts = append(ts, tn)
		}
		if total != int64(len(b)) {
			t.Fatalf("tensors cover %d of %d bytes", total, len(b))
		}
		checkSame(t, r, ts, d.Metadata())
		again, err := Encode(ts, d.Metadata())
		if err != nil {
			t.Fatal(err)
		}
		d2, err := Decode(again, lim)
		if err != nil {
			t.Fatal(err)
		}
		checkSame(t, d2, ts, d.Metadata())
	})
}
