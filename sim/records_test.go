package sim

import (
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/tcsim/tcsim/numerics"
)

// Two lines of the H100 recordings (inst_wgmma.csv.gz lines 2 and 3).
const (
	instHeaderLine = "config,a_hex,b_hex,c_hex,d_hex,dist,tile,row,col\n"
	instA          = "69db833e4d9065cca164033ee9e2e91f35795f320210e7cdcf73cec2faeba548"
	instB0         = "61625f66ec6fcb73be316b983df617b66c150e065716362e2059fb4d02ab7e20"
	instB1         = "9739f8e4365c8cf886b33376ecae35f608e445e122b4829b28fbabf684be055c"
	instGood       = instHeaderLine +
		"wgmma_e4m3_e4m3_c0," + instA + "," + instB0 + ",00000000,465f6c00,bits,0,0,0\n" +
		"wgmma_e4m3_e4m3_c0," + instA + "," + instB1 + ",00000000,c7816800,bits,0,0,1\n"
)

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// readAll drains a record reader, returning what it read before any error.
func readAll[T any](r interface{ Read() (T, error) }) ([]T, error) {
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

func readInst(name string, data []byte) ([]*InstRecord, error) {
	r, err := NewInstReader(name, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return readAll(r)
}

func TestDecodeHex(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
	}{
		{"", "", ""},
		{"00ff7A", "00ff7a", ""},
		{"abc", "", "x: odd length (3 hex digits)"},
		{"0g", "", `x: invalid hex digit 'g' at offset 1`},
		{"g0", "", `x: invalid hex digit 'g' at offset 0`},
		{"00 1", "", `x: invalid hex digit ' ' at offset 2`},
	} {
		b, err := decodeHex("x", tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("decodeHex(%q) error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || hex.EncodeToString(b) != tc.want {
			t.Errorf("decodeHex(%q) = %x, %v; want %s", tc.in, b, err, tc.want)
		}
	}
}

func TestDecodeCodes(t *testing.T) {
	for _, tc := range []struct {
		f    numerics.Format
		hex  string
		want []uint32
		err  string
	}{
		{numerics.E4M3, "0138ff", []uint32{0x01, 0x38, 0xff}, ""},
		{numerics.E5M2, "7c", []uint32{0x7c}, ""},
		// Little-endian 16-bit elements: 1.0 is 0x3c00 in FP16, 0x3f80 in BF16.
		{numerics.FP16, "003c01bc", []uint32{0x3c00, 0xbc01}, ""},
		{numerics.BF16, "803f", []uint32{0x3f80}, ""},
		// TF32 in an FP32 container: 1.0f = 0x3f800000, code = bits >> 13;
		// the low 13 bits are ignored.
		{numerics.TF32, "0000803fff1f80bf", []uint32{0x3f800000 >> 13, 0xbf801fff >> 13}, ""},
		{numerics.FP16, "003c01", nil, "x: 3 bytes is not a whole number of 2-byte f16 elements"},
		{numerics.TF32, "000080", nil, "x: 3 bytes is not a whole number of 4-byte tf32 elements"},
	} {
		b, _ := hex.DecodeString(tc.hex)
		got, err := decodeCodes("x", b, tc.f)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s %s: error %v, want %q", tc.f, tc.hex, err, tc.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s %s: %x, %v; want %x", tc.f, tc.hex, got, err, tc.want)
		}
	}
}

func TestDecodeWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		bits int
		want []uint32
		err  string
	}{
		{"3f80000000000001", 32, []uint32{0x3f800000, 1}, ""},
		{"3C00ffff", 16, []uint32{0x3c00, 0xffff}, ""},
		{"", 32, []uint32{}, ""},
		{"3f8000", 32, nil, "d: 6 hex digits is not a whole number of 8-digit values"},
		{"3f80000x", 32, nil, `d: invalid hex digit 'x' at offset 7`},
	} {
		got, err := decodeWords("d", tc.in, tc.bits)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("decodeWords(%q) error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("decodeWords(%q) = %x, %v; want %x", tc.in, got, err, tc.want)
		}
	}
}

func TestParseInstConfig(t *testing.T) {
	for _, tc := range []struct {
		name, preset string
		useC, f16    bool
		err          string
	}{
		{"wgmma_e4m3_e4m3_c0", "h100-wgmma-e4m3-e4m3", false, false, ""},
		{"wgmma_e4m3_e5m2_cR", "h100-wgmma-e4m3-e5m2", true, false, ""},
		{"wgmma_e5m2_e4m3_f16_cR", "h100-wgmma-e5m2-e4m3-f16acc", true, true, ""},
		{"mma_e5m2_e5m2_c0", "h100-mma-e5m2-e5m2", false, false, ""},
		{"wgmma_f16_f16_c0", "h100-wgmma-f16", false, false, ""},
		{"mma_bf16_bf16_cR", "h100-mma-bf16", true, false, ""},
		{"wgmma_f16_bf16_c0", "", false, false, "no preset h100-wgmma-f16-bf16 models it"},
		{"mma_e4m3_e4m3_f16_c0", "h100-mma-e4m3-e4m3-f16acc", false, true, ""},
		{"mma_f16_f16_f16_c0", "h100-mma-f16-f16acc", false, true, ""},
		{"wgmma_tf32_tf32_cR", "h100-wgmma-tf32", true, false, ""},
		{"wgmma_bf16_bf16_f16_c0", "", false, false, "no preset h100-wgmma-bf16-f16acc"},
		{"wgmma_e4m3_c0", "", false, false, "wrong number of parts"},
		{"hmma_e4m3_e4m3_c0", "", false, false, `unknown instruction "hmma"`},
		{"wgmma_e4m3_f32_c0", "", false, false, `unknown operand format "f32"`},
		{"wgmma_e4m3_e4m3_c1", "", false, false, "last part must be c0 or cR"},
		{"wgmma_e4m3_e4m3_f32_c0", "", false, false, `unknown accumulator "f32"`},
		{"", "", false, false, "wrong number of parts"},
	} {
		c, err := ParseInstConfig(tc.name)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseInstConfig(%q) error %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseInstConfig(%q): %v", tc.name, err)
			continue
		}
		if c.Preset.Name != tc.preset || c.UseC != tc.useC || c.F16Acc != tc.f16 || c.Name != tc.name {
			t.Errorf("ParseInstConfig(%q) = %s useC=%t f16=%t, want %s %t %t", tc.name, c.Preset.Name, c.UseC, c.F16Acc, tc.preset, tc.useC, tc.f16)
		}
	}
}

func TestInstReader(t *testing.T) {
	for _, data := range [][]byte{[]byte(instGood), gzipBytes([]byte(instGood)), []byte(strings.ReplaceAll(instGood, "\n", "\r\n"))} {
		r, err := NewInstReader("inst.csv", bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if got := r.LabelNames(); !slices.Equal(got, []string{"dist", "tile", "row", "col"}) {
			t.Errorf("LabelNames = %q", got)
		}
		recs, err := readInst("inst.csv", data)
		if err != nil || len(recs) != 2 {
			t.Fatalf("%d records, %v", len(recs), err)
		}
		r0 := recs[0]
		if r0.Line != 2 || r0.Config.Name != "wgmma_e4m3_e4m3_c0" || r0.A[0] != 0x69 || r0.B[31] != 0x20 ||
			r0.D != 0x465f6c00 || r0.C != 0 || !slices.Equal(r0.Labels, []string{"bits", "0", "0", "0"}) || r0.AHex != instA {
			t.Errorf("record 0 = %+v", r0)
		}
		if recs[1].Line != 3 || recs[1].D != 0xc7816800 || recs[0].Config != recs[1].Config {
			t.Errorf("record 1 = %+v", recs[1])
		}
	}
	// c0 takes C = +0 whatever c_hex says; cR reads it; FP16 accumulators
	// have 4-digit C and D.
	recs, err := readInst("x", []byte(instHeaderLine+
		"wgmma_e4m3_e4m3_c0,"+instA+","+instB0+",3f800000,465f6c00,bits,0,0,0\n"+
		"wgmma_e4m3_e4m3_cR,"+instA+","+instB0+",3f800000,465f6c00,bits,0,0,0\n"+
		"wgmma_e4m3_e4m3_f16_cR,"+instA+","+instB0+",3c00,7bff,bits,0,0,0\n"))
	if err != nil || recs[0].C != 0 || recs[1].C != 0x3f800000 || recs[2].C != 0x3c00 || recs[2].D != 0x7bff {
		t.Errorf("C handling: %v %+v", err, recs)
	}
}

func TestInstReaderErrors(t *testing.T) {
	line := func(cfg, a, b, c, d string) string {
		return fmt.Sprintf("%s,%s,%s,%s,%s,bits,0,0,0\n", cfg, a, b, c, d)
	}
	good := line("wgmma_e4m3_e4m3_c0", instA, instB0, "00000000", "465f6c00")
	for _, tc := range []struct {
		name, data, err string
	}{
		{"empty", "", "inst.csv:1: empty file: no header line"},
		{"header", "config,a,b\n", `inst.csv:1: header "config,a,b" does not begin with "config,a_hex,b_hex,c_hex,d_hex"`},
		{"odd", instHeaderLine + good + line("wgmma_e4m3_e4m3_c0", instA+"0", instB0, "00000000", "0"), "inst.csv:3: a_hex: odd length (65 hex digits)"},
		{"digit", instHeaderLine + line("wgmma_e4m3_e4m3_c0", instA, "zz"+instB0[2:], "00000000", "0"), "inst.csv:2: b_hex: invalid hex digit 'z' at offset 0"},
		{"K", instHeaderLine + line("wgmma_e4m3_e4m3_c0", instA[2:], instB0, "00000000", "00000000"), "inst.csv:2: a_hex: 31 e4m3 elements, the instruction takes K = 32"},
		{"cdigits", instHeaderLine + line("wgmma_e4m3_e4m3_c0", instA, instB0, "0000000", "00000000"), "inst.csv:2: c_hex: 7 hex digits is not a whole number of 8-digit values"},
		{"cwide", instHeaderLine + line("wgmma_e4m3_e4m3_c0", instA, instB0, "0000000000000000", "00000000"), "inst.csv:2: c_hex: 16 hex digits, want 8 for f32"},
		{"f16d", instHeaderLine + line("wgmma_e4m3_e4m3_f16_c0", instA, instB0, "0000", "00000000"), "inst.csv:2: d_hex: 8 hex digits, want 4 for f16"},
		{"dempty", instHeaderLine + line("wgmma_e4m3_e4m3_c0", instA, instB0, "00000000", ""), "inst.csv:2: d_hex: 0 hex digits, want 8 for f32"},
		{"nopreset", instHeaderLine + good + good + line("wgmma_f16_bf16_c0", instA, instB0, "00000000", "00000000"), "inst.csv:4: config wgmma_f16_bf16_c0: no preset h100-wgmma-f16-bf16 models it"},
		{"fields", instHeaderLine + good + "wgmma_e4m3_e4m3_c0,00\n", "inst.csv:3: wrong number of fields"},
		{"quote", instHeaderLine + good + `wgmma"x,` + instA + ",b,c,d,e,f,g,h\n", `inst.csv:3: bare " in non-quoted-field`},
	} {
		_, err := readInst("inst.csv", []byte(tc.data))
		if err == nil || err.Error() != tc.err {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
		}
		if _, ok := errors.AsType[*RecordError](err); !ok {
			t.Errorf("%s: %T is not a *RecordError", tc.name, err)
		}
	}
	// A gzip stream cut short fails at the line it reached.
	z := gzipBytes([]byte(instGood + strings.Repeat(good, 200)))
	_, err := readInst("inst.csv.gz", z[:len(z)-20])
	if err == nil || !strings.Contains(err.Error(), "unexpected EOF") || !strings.HasPrefix(err.Error(), "inst.csv.gz:") {
		t.Errorf("truncated gzip: %v", err)
	}
	_, err = readInst("inst.csv.gz", []byte("\x1f\x8bnot gzip at all"))
	if err == nil || !strings.HasPrefix(err.Error(), "inst.csv.gz: gzip: ") {
		t.Errorf("bad gzip header: %v", err)
	}
}

// caseLine builds a line of a chain_inputs-style file holding a synthetic
// case: M×K A, N×K B, optionally C and kb K blocks of scales.
func caseLine(id string, m, n, k int, withC bool, kb int) string {
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

const (
	caseHeaderLine   = "case,dist,fmt_a,fmt_b,K,a_hex,b_hex,c_hex\n"
	scaledHeaderLine = "case,dist,fmt_a,fmt_b,K,a_hex,b_hex,c_hex,sa_hex,sb_hex\n"
	outHeaderLine    = "case,kernel,K,N_c,use_c,serial,d_hex\n"
)

func readCases(name string, data []byte) ([]*CaseInput, error) {
	r, err := NewCaseInputReader(name, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return readAll(r)
}

func TestCaseInputReader(t *testing.T) {
	cs, err := readCases("in.csv", []byte(caseHeaderLine+caseLine("c0", 4, 2, 64, true, 0)+caseLine("c1", 1, 3, 32, false, 0)))
	if err != nil || len(cs) != 2 {
		t.Fatalf("%d cases, %v", len(cs), err)
	}
	c := cs[0]
	if c.Line != 2 || c.Case != "c0" || c.Dist != "normal" || c.M != 4 || c.N != 2 || c.K != 64 ||
		len(c.A) != 256 || len(c.B) != 128 || c.A[1] != 48 || c.B[1] != 60 || len(c.C) != 8 ||
		c.C[0] != math.Float32bits(-1.5) || c.SA != nil || c.FmtA != numerics.E4M3 || len(c.ARaw) != 256 {
		t.Errorf("case 0 = %+v", c)
	}
	if c := cs[1]; c.Line != 3 || c.M != 1 || c.N != 3 || c.C != nil {
		t.Errorf("case 1 = %+v", c)
	}
	cs, err = readCases("in.csv", []byte(scaledHeaderLine+caseLine("s", 2, 1, 256, false, 2)))
	if err != nil || cs[0].ScaleBlock != 128 || len(cs[0].SA) != 4 || len(cs[0].SB) != 2 || cs[0].SA[1] != 1.125 || cs[0].SB[1] != 0.5625 {
		t.Errorf("scaled: %v %+v", err, cs)
	}
}

func TestCaseInputReaderErrors(t *testing.T) {
	good := caseLine("c0", 2, 1, 32, true, 0)
	f := strings.Split(strings.TrimSuffix(good, "\n"), ",")
	with := func(i int, v string) string {
		g := slices.Clone(f)
		g[i] = v
		return strings.Join(g, ",") + "\n"
	}
	for _, tc := range []struct {
		name, data, err string
	}{
		{"header", "case,dist,fmt_a\n", `in.csv:1: header "case,dist,fmt_a" does not begin with "case,dist,fmt_a,fmt_b,K,a_hex,b_hex,c_hex"`},
		{"case", caseHeaderLine + with(0, ""), "in.csv:2: case: empty"},
		{"fmt", caseHeaderLine + with(2, "e3m4"), `in.csv:2: fmt_a: unknown operand format "e3m4" (want e4m3, e5m2, f16, bf16 or tf32)`},
		{"K", caseHeaderLine + with(4, "0"), `in.csv:2: K: "0" is not a size in [1, 16777216]`},
		{"Kx", caseHeaderLine + with(4, "3x"), `in.csv:2: K: "3x" is not a size in [1, 16777216]`},
		{"rows", caseHeaderLine + with(4, "48"), "in.csv:2: a_hex: 64 e4m3 elements is not a whole, non-zero number of rows of K = 48"},
		{"a", caseHeaderLine + good + with(5, f[5]+"0"), "in.csv:3: a_hex: odd length (129 hex digits)"},
		{"noA", caseHeaderLine + with(5, ""), "in.csv:2: a_hex: 0 e4m3 elements is not a whole, non-zero number of rows of K = 32"},
		{"c", caseHeaderLine + with(7, f[7][8:]), "in.csv:2: c_hex: 1 values, want M·N = 2·1"},
		// 64 bytes of f16 are one row of 32.
		{"f16", caseHeaderLine + with(2, "f16"), "in.csv:2: c_hex: 2 values, want M·N = 1·1"},
	} {
		_, err := readCases("in.csv", []byte(tc.data))
		if err == nil || err.Error() != tc.err {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
		}
	}
	sf := strings.Split(strings.TrimSuffix(caseLine("s", 2, 1, 256, false, 2), "\n"), ",")
	swith := func(i int, v string) string {
		g := slices.Clone(sf)
		g[i] = v
		return scaledHeaderLine + strings.Join(g, ",") + "\n"
	}
	for _, tc := range []struct {
		name, data, err string
	}{
		{"sa", swith(8, sf[8][:24]), "in.csv:2: sa_hex: 3 scales is not a whole, non-zero number per row for 2 rows"},
		{"sb", swith(9, sf[9][:8]), "in.csv:2: sb_hex: 1 scales, want N·KB = 1·2 as in sa_hex"},
		{"kb", swith(8, sf[8]+sf[8][:16]), "in.csv:2: sb_hex: 2 scales, want N·KB = 1·3 as in sa_hex"},
		{"empty", swith(8, ""), "in.csv:2: sa_hex: 0 scales is not a whole, non-zero number per row for 2 rows"},
	} {
		_, err := readCases("in.csv", []byte(tc.data))
		if err == nil || err.Error() != tc.err {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
		}
	}
	// K blocks must divide K.
	line := caseLine("s", 1, 1, 96, false, 0)
	line = strings.TrimSuffix(line, "\n") + ",3f80000040000000,3f80000040000000\n"
	if _, err := readCases("in.csv", []byte(scaledHeaderLine+line)); err != nil {
		t.Errorf("2 blocks of 48: %v", err)
	}
	five := strings.Repeat("3f800000", 5)
	line = strings.TrimSuffix(caseLine("s", 1, 1, 96, false, 0), "\n") + "," + five + "," + five + "\n"
	if _, err := readCases("in.csv", []byte(scaledHeaderLine+line)); err == nil || err.Error() != "in.csv:2: sa_hex: 5 K blocks do not divide K = 96" {
		t.Errorf("5 blocks of 96: %v", err)
	}
}

func readOutputs(name string, data []byte) ([]*CaseOutput, error) {
	r, err := NewCaseOutputReader(name, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return readAll(r)
}

func TestCaseOutputReader(t *testing.T) {
	os, err := readOutputs("out.csv", []byte(outHeaderLine+"c0,wgmma_chain,64,64,1,0,3f80000000000000\nc0,wgmma_promo,64,32,0,1,00000001\n"))
	if err != nil || len(os) != 2 {
		t.Fatalf("%d outputs, %v", len(os), err)
	}
	if o := os[0]; o.Line != 2 || o.Case != "c0" || o.Kernel != "wgmma_chain" || o.K != 64 || o.Nc != 64 || !o.UseC || o.Serial || !slices.Equal(o.D, []uint32{0x3f800000, 0}) {
		t.Errorf("output 0 = %+v", o)
	}
	if o := os[1]; o.Line != 3 || o.Nc != 32 || o.UseC || !o.Serial {
		t.Errorf("output 1 = %+v", o)
	}
	for _, tc := range []struct {
		line, err string
	}{
		{",wgmma_chain,64,64,0,0,00000000", "out.csv:2: case: empty"},
		{"c,,64,64,0,0,00000000", "out.csv:2: kernel: empty"},
		{"c,k,-1,64,0,0,00000000", `out.csv:2: K: "-1" is not a size in [1, 16777216]`},
		{"c,k,64,,0,0,00000000", `out.csv:2: N_c: "" is not a size in [1, 16777216]`},
		{"c,k,64,64,2,0,00000000", `out.csv:2: use_c: "2" is not 0 or 1`},
		{"c,k,64,64,0,yes,00000000", `out.csv:2: serial: "yes" is not 0 or 1`},
		{"c,k,64,64,0,0,0000000", "out.csv:2: d_hex: 7 hex digits is not a whole number of 8-digit values"},
		{"c,k,64,64,0,0,", "out.csv:2: d_hex: empty"},
	} {
		_, err := readOutputs("out.csv", []byte(outHeaderLine+tc.line+"\n"))
		if err == nil || err.Error() != tc.err {
			t.Errorf("%q: error %v, want %q", tc.line, err, tc.err)
		}
	}
}

const gemmHeaderLine = "case,dist,M,N,K,what,kernel,hex\n"

func gemmRows(id string, m, n, k int, whats ...string) string {
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

func readGEMM(name string, data []byte) ([]*GEMMCase, error) {
	r, err := NewGEMMReader(name, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return readAll(r)
}

func TestGEMMReader(t *testing.T) {
	cs, err := readGEMM("g.csv", []byte(gemmHeaderLine+gemmRows("g0", 2, 3, 32, "A", "B", "D_fast", "D_nofast")+gemmRows("g1", 1, 1, 64, "D_chunk128", "B", "A")))
	if err != nil || len(cs) != 2 {
		t.Fatalf("%d cases, %v", len(cs), err)
	}
	if c := cs[0]; c.Line != 2 || c.Case != "g0" || c.M != 2 || c.N != 3 || c.K != 32 || len(c.A) != 64 || len(c.B) != 96 ||
		len(c.Outputs) != 2 || c.Outputs[1].What != "D_nofast" || c.Outputs[1].Line != 5 || len(c.Outputs[0].D) != 6 || c.Outputs[0].Kernel != "x|nvjet_sm90_TNN" {
		t.Errorf("case 0 = %+v", c)
	}
	if c := cs[1]; c.Line != 6 || len(c.Outputs) != 1 || c.A[0] != 0x38 || c.B[0] != 0xb0 {
		t.Errorf("case 1 = %+v", c)
	}
	for _, tc := range []struct {
		name, data, err string
	}{
		{"noA", gemmRows("g", 1, 1, 32, "B", "D_fast"), "g.csv:2: case g: no A row"},
		{"noB", gemmRows("g", 1, 1, 32, "A", "D_fast"), "g.csv:2: case g: no B row"},
		{"noD", gemmRows("g", 1, 1, 32, "A", "B"), "g.csv:2: case g: no D_... row"},
		{"dup", gemmRows("g", 1, 1, 32, "A", "B", "A"), "g.csv:4: case g: second A row (first at line 2)"},
		{"what", gemmRows("g", 1, 1, 32, "A", "B", "C"), `g.csv:4: what: unknown row kind "C" (want A, B or D_...)`},
		{"split", gemmRows("g", 1, 1, 32, "A", "B", "D_fast") + gemmRows("h", 1, 1, 32, "A", "B", "D_fast") + gemmRows("g", 1, 1, 32, "D_nofast"),
			"g.csv:8: case g: rows not consecutive (first seen at line 2)"},
		{"size", gemmRows("g", 1, 1, 32, "A") + gemmRows("g", 1, 2, 32, "B"), "g.csv:3: case g: dist, M, N, K (normal,1,2,32) differ from its first row at line 2 (normal,1,1,32)"},
		{"hexlen", gemmRows("g", 1, 1, 32, "A", "B") + "g,normal,1,1,32,D_fast,,3f80\n", "g.csv:4: hex: 4 hex digits, want 8 for D_fast of a 1×1×32 GEMM"},
		{"hexdigit", "g,normal,1,1,1,A,,zz\n", `g.csv:2: hex: invalid hex digit 'z' at offset 0`},
		{"M", "g,normal,x,1,1,A,,00\n", `g.csv:2: M: "x" is not a size in [1, 16777216]`},
		{"huge", "g,normal,16777216,16777216,16777216,A,,00\n", "g.csv:2: hex: 2 hex digits, want 562949953421312 for A of a 16777216×16777216×16777216 GEMM"},
		{"case", ",normal,1,1,1,A,,00\n", "g.csv:2: case: empty"},
	} {
		_, err := readGEMM("g.csv", []byte(gemmHeaderLine+tc.data))
		if err == nil || err.Error() != tc.err {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
		}
	}
}

// ---------------------------------------------------------------------------
// Fuzz targets: no input makes a reader (or the verification behind it)
// panic, and whatever parses is consistent.

func FuzzDecodeHex(f *testing.F) {
	for _, s := range []string{"", "00", "0aF", "zz", instA} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := decodeHex("x", s)
		if err == nil && hex.EncodeToString(b) != strings.ToLower(s) {
			t.Errorf("decodeHex(%q) = %x", s, b)
		}
		if want, werr := hex.DecodeString(s); (werr == nil) != (err == nil) || err == nil && !bytes.Equal(b, want) {
			t.Errorf("decodeHex(%q) = %x, %v; encoding/hex %x, %v", s, b, err, want, werr)
		}
	})
}

func FuzzDecodeWords(f *testing.F) {
	f.Add("3f800000", true)
	f.Add("3c00", false)
	f.Add("3c0", false)
	f.Fuzz(func(t *testing.T, s string, wide bool) {
		bits := 16
		if wide {
			bits = 32
		}
		w, err := decodeWords("d", s, bits)
		if err != nil {
			return
		}
		var back strings.Builder
		for _, x := range w {
			fmt.Fprintf(&back, "%0*x", bits/4, x)
		}
		if back.String() != strings.ToLower(s) {
			t.Errorf("decodeWords(%q, %d) = %x", s, bits, w)
		}
	})
}

func FuzzDecodeCodes(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4}, uint8(4))
	f.Fuzz(func(t *testing.T, b []byte, fi uint8) {
		fs := []numerics.Format{numerics.E4M3, numerics.E5M2, numerics.FP16, numerics.BF16, numerics.TF32}
		fm := fs[int(fi)%len(fs)]
		c, err := decodeCodes("x", b, fm)
		if err != nil {
			return
		}
		for _, x := range c {
			if x >= uint32(fm.NumCodes()) {
				t.Errorf("%s code %x out of range", fm, x)
			}
		}
	})
}

func FuzzParseInstConfig(f *testing.F) {
	for _, s := range []string{"wgmma_e4m3_e4m3_c0", "wgmma_e5m2_e4m3_f16_cR", "mma_e4m3_e5m2_cR", "wgmma_f16_f16_c0", "__", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseInstConfig(s)
		if err != nil {
			return
		}
		// The preset found is the H100 datapath of that instruction with
		// those operand and accumulator formats.
		p := c.Preset
		acc := numerics.FP32
		if c.F16Acc {
			acc = numerics.FP16
		}
		if p == nil || p.A != c.A || p.B != c.B || p.Acc() != acc || c.Name != s ||
			!strings.HasPrefix(p.Name, "h100-"+c.Instr+"-") {
			t.Errorf("ParseInstConfig(%q) = %+v", s, c)
		}
	})
}

// fuzzSeeds adds small valid files, plain and compressed, and a few broken
// ones.
func fuzzSeeds(f *testing.F, files ...string) {
	for _, s := range files {
		f.Add([]byte(s))
		f.Add(gzipBytes([]byte(s)))
		if len(s) > 10 {
			f.Add([]byte(s[:len(s)/2]))
		}
	}
	f.Add([]byte{})
	f.Add([]byte("\x1f\x8b"))
}

func FuzzInstReader(f *testing.F) {
	fuzzSeeds(f, instGood, instHeaderLine+"wgmma_e4m3_e4m3_f16_cR,"+instA+","+instB0+",3c00,7bff,bits,0,0,0\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := readInst("inst.csv", data)
		if err != nil {
			checkRecordError(t, err, "inst.csv")
		}
		for _, r := range recs {
			if len(r.A) != r.Config.Preset.K || len(r.B) != r.Config.Preset.K {
				t.Errorf("record with %d and %d operands", len(r.A), len(r.B))
			}
		}
		// Verification of what parses must not panic either.
		v := memVerifier(map[string][]byte{"inst.csv": data})
		if _, err := v.verifyInst("inst.csv"); err != nil {
			checkRecordError(t, err, "inst.csv")
		}
	})
}

func FuzzCaseInputReader(f *testing.F) {
	fuzzSeeds(f, caseHeaderLine+caseLine("c0", 2, 1, 32, true, 0), scaledHeaderLine+caseLine("s", 1, 1, 64, false, 2))
	f.Fuzz(func(t *testing.T, data []byte) {
		cs, err := readCases("in.csv", data)
		if err != nil {
			checkRecordError(t, err, "in.csv")
		}
		for _, c := range cs {
			if len(c.A) != c.M*c.K || len(c.B) != c.N*c.K || c.C != nil && len(c.C) != c.M*c.N ||
				c.SA != nil && (c.ScaleBlock <= 0 || c.K%c.ScaleBlock != 0 || len(c.SA) != c.M*(c.K/c.ScaleBlock) || len(c.SB) != c.N*(c.K/c.ScaleBlock)) {
				t.Errorf("inconsistent case %+v", c)
			}
		}
	})
}

func FuzzCaseOutputReader(f *testing.F) {
	fuzzSeeds(f, outHeaderLine+"c0,wgmma_chain,64,64,1,0,3f80000000000000\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := readOutputs("out.csv", data); err != nil {
			checkRecordError(t, err, "out.csv")
		}
	})
}

// FuzzVerifyCases verifies arbitrary input and output files together.
func FuzzVerifyCases(f *testing.F) {
	in := caseHeaderLine + caseLine("c0", 2, 1, 64, true, 0)
	sin := scaledHeaderLine + caseLine("c0", 2, 1, 256, false, 2)
	f.Add([]byte(in), []byte(outHeaderLine+"c0,wgmma_chain,64,64,1,0,0000000000000000\n"))
	f.Add([]byte(in), []byte(outHeaderLine+"c0,wgmma_promo,64,32,0,0,0000000000000000\n"))
	f.Add([]byte(sin), []byte(outHeaderLine+"c0,wgmma_promo_scaled_fma,256,128,0,0,0000000000000000\n"))
	f.Add([]byte(sin), []byte(outHeaderLine+"c0,wgmma_promo_scaled_mulmul,256,64,0,0,0000000000000000\n"))
	f.Fuzz(func(t *testing.T, in, out []byte) {
		v := memVerifier(map[string][]byte{"in.csv": in, "out.csv": out})
		if _, err := v.verifyCases([]string{"in.csv"}, "out.csv"); err != nil {
			checkRecordError(t, err, "in.csv", "out.csv")
		}
	})
}

func FuzzGEMMReader(f *testing.F) {
	fuzzSeeds(f, gemmHeaderLine+gemmRows("g0", 2, 3, 32, "A", "B", "D_fast", "D_nofast"),
		gemmHeaderLine+strings.ReplaceAll(gemmRows("g0", 1, 2, 256, "A", "B", "D_fast"), "TNN", "splitK_TNN"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := readGEMM("g.csv", data); err != nil {
			checkRecordError(t, err, "g.csv")
		}
		v := memVerifier(map[string][]byte{"g.csv": data})
		if _, err := v.verifyGEMM("g.csv"); err != nil {
			checkRecordError(t, err, "g.csv")
		}
	})
}

// checkRecordError requires err to be a *RecordError naming one of files.
func checkRecordError(t *testing.T, err error, files ...string) {
	t.Helper()
	re, ok := errors.AsType[*RecordError](err)
	if !ok {
		t.Fatalf("%T %v is not a *RecordError", err, err)
	}
	if !slices.Contains(files, re.File) {
		t.Fatalf("error names %q: %v", re.File, err)
	}
}

// memVerifier is a verifier over in-memory files.
func memVerifier(files map[string][]byte) *verifier {
	return &verifier{opts: VerifyOptions{MaxListed: 2, Workers: 2}, open: func(name string) (io.ReadCloser, error) {
		b, ok := files[name]
		if !ok {
			return nil, &RecordError{File: name, Err: errors.New("no such file")}
		}
		return io.NopCloser(bytes.NewReader(b)), nil
	}}
}
