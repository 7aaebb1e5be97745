package recordtest

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
)

// Two lines of the H100 recordings (inst_wgmma.csv.gz lines 2 and 3).
const (
	InstHeaderLine = "config,a_hex,b_hex,c_hex,d_hex,dist,tile,row,col\n"
	InstA          = "69db833e4d9065cca164033ee9e2e91f35795f320210e7cdcf73cec2faeba548"
	InstB0         = "61625f66ec6fcb73be316b983df617b66c150e065716362e2059fb4d02ab7e20"
	InstB1         = "9739f8e4365c8cf886b33376ecae35f608e445e122b4829b28fbabf684be055c"
	InstGood       = InstHeaderLine +
		"wgmma_e4m3_e4m3_c0," + InstA + "," + InstB0 + ",00000000,465f6c00,bits,0,0,0\n" +
		"wgmma_e4m3_e4m3_c0," + InstA + "," + InstB1 + ",00000000,c7816800,bits,0,0,1\n"
)

// Headers of the case input, scaled case input and case output files.
const (
	CaseHeaderLine   = "case,dist,fmt_a,fmt_b,K,a_hex,b_hex,c_hex\n"
	ScaledHeaderLine = "case,dist,fmt_a,fmt_b,K,a_hex,b_hex,c_hex,sa_hex,sb_hex\n"
	OutHeaderLine    = "case,kernel,K,N_c,use_c,serial,d_hex\n"
	GEMMHeaderLine   = "case,dist,M,N,K,what,kernel,hex\n"
)

// GzipBytes compresses b.
func GzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// ReadAll drains a record reader, returning what it read before any error.
func ReadAll[T any](r interface{ Read() (T, error) }) ([]T, error) {
	var recs []T
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return recs, nil
		}
		if err != nil {
			return recs, err
		}
		recs = append(recs, rec)
	}
}

// CaseLine builds a line of a chain_inputs-style file holding a synthetic
// case: M×K A, N×K B, optionally C and kb K blocks of scales.
func CaseLine(id string, m, n, k int, withC bool, kb int) string {
	a := make([]byte, m*k)
	b := make([]byte, n*k)
	for i := range a {
		a[i] = byte(i*37 + 11)
	}
	for i := range b {
		b[i] = byte(i*53 + 7)
	}
	var c string
	if withC {
		for e := range m * n {
			c += fmt.Sprintf("%08x", math.Float32bits(float32(e)-1.5))
		}
	}
	s := fmt.Sprintf("%s,normal,e4m3,e4m3,%d,%x,%x,%s", id, k, a, b, c)
	if kb > 0 {
		var sa, sb string
		for i := range m * kb {
			sa += fmt.Sprintf("%08x", math.Float32bits(1+float32(i)/8))
		}
		for i := range n * kb {
			sb += fmt.Sprintf("%08x", math.Float32bits(0.5+float32(i)/16))
		}
		s += "," + sa + "," + sb
	}
	return s + "\n"
}

// GEMMRows builds the rows of a synthetic cuBLAS GEMM record, one per what
// (A, B or an output).
func GEMMRows(id string, m, n, k int, whats ...string) string {
	var s string
	for _, w := range whats {
		var h string
		switch w {
		case "A":
			h = strings.Repeat("38", m*k)
		case "B":
			h = strings.Repeat("b0", n*k)
		default:
			h = strings.Repeat("3f800000", m*n)
		}
		s += fmt.Sprintf("%s,normal,%d,%d,%d,%s,x|nvjet_sm90_TNN,%s\n", id, m, n, k, w, h)
	}
	return s
}

// FuzzSeeds adds small valid files, plain and compressed, and a few broken
// ones.
func FuzzSeeds(f *testing.F, files ...string) {
	for _, s := range files {
		f.Add([]byte(s))
		f.Add(GzipBytes([]byte(s)))
		if len(s) > 10 {
			f.Add([]byte(s[:len(s)/2]))
		}
	}
	f.Add([]byte{})
	f.Add([]byte("\x1f\x8b"))
}

// CheckFileError requires err to be an E whose file (as fileOf reads it)
// is one of files.
func CheckFileError[E error](t testing.TB, err error, fileOf func(E) string, files ...string) {
	t.Helper()
	e, ok := errors.AsType[E](err)
	if !ok {
		t.Fatalf("%T %v is not a %T", err, err, e)
	}
	if !slices.Contains(files, fileOf(e)) {
		t.Fatalf("error names %q: %v", fileOf(e), err)
	}
}

// GunzipFile returns the decompressed contents of a gzip file.
func GunzipFile(t testing.TB, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
