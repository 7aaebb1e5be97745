package records

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/tcsim/tcsim/numerics"
	"github.com/tcsim/tcsim/sim/records/recordtest"
)

func readInst(name string, data []byte) ([]*InstRecord, error) {
	r, err := NewInstReader(name, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return recordtest.ReadAll(r)
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
		name      string
		instr     string
		a, b      numerics.Format
		useC, f16 bool
		err       string
	}{
		{"wgmma_e4m3_e4m3_c0", "wgmma", numerics.E4M3, numerics.E4M3, false, false, ""},
		{"wgmma_e4m3_e5m2_cR", "wgmma", numerics.E4M3, numerics.E5M2, true, false, ""},
		{"wgmma_e5m2_e4m3_f16_cR", "wgmma", numerics.E5M2, numerics.E4M3, true, true, ""},
		{"mma_e5m2_e5m2_c0", "mma", numerics.E5M2, numerics.E5M2, false, false, ""},
		{"wgmma_f16_bf16_c0", "wgmma", numerics.FP16, numerics.BF16, false, false, ""},
		{"mma_f16_f16_f16_c0", "mma", numerics.FP16, numerics.FP16, false, true, ""},
		{"wgmma_tf32_tf32_cR", "wgmma", numerics.TF32, numerics.TF32, true, false, ""},
		{"wgmma_e4m3_c0", "", 0, 0, false, false, "wrong number of parts"},
		{"hmma_e4m3_e4m3_c0", "", 0, 0, false, false, `unknown instruction "hmma"`},
		{"wgmma_e4m3_f32_c0", "", 0, 0, false, false, `unknown operand format "f32"`},
		{"wgmma_e4m3_e4m3_c1", "", 0, 0, false, false, "last part must be c0 or cR"},
		{"wgmma_e4m3_e4m3_f32_c0", "", 0, 0, false, false, `unknown accumulator "f32"`},
		{"", "", 0, 0, false, false, "wrong number of parts"},
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
		if c.Instr != tc.instr || c.A != tc.a || c.B != tc.b || c.UseC != tc.useC || c.F16Acc != tc.f16 || c.Name != tc.name {
			t.Errorf("ParseInstConfig(%q) = %+v", tc.name, c)
		}
	}
}

func TestInstReader(t *testing.T) {
	for _, data := range [][]byte{[]byte(recordtest.InstGood), recordtest.GzipBytes([]byte(recordtest.InstGood)), []byte(strings.ReplaceAll(recordtest.InstGood, "\n", "\r\n"))} {
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
			r0.D != 0x465f6c00 || r0.C != 0 || !slices.Equal(r0.Labels, []string{"bits", "0", "0", "0"}) || r0.AHex != recordtest.InstA {
			t.Errorf("record 0 = %+v", r0)
		}
		if recs[1].Line != 3 || recs[1].D != 0xc7816800 || recs[0].Config != recs[1].Config {
			t.Errorf("record 1 = %+v", recs[1])
		}
	}
	// c0 takes C = +0 whatever c_hex says; cR reads it; FP16 accumulators
	// have 4-digit C and D.
	recs, err := readInst("x", []byte(recordtest.InstHeaderLine+
		"wgmma_e4m3_e4m3_c0,"+recordtest.InstA+","+recordtest.InstB0+",3f800000,465f6c00,bits,0,0,0\n"+
		"wgmma_e4m3_e4m3_cR,"+recordtest.InstA+","+recordtest.InstB0+",3f800000,465f6c00,bits,0,0,0\n"+
		"wgmma_e4m3_e4m3_f16_cR,"+recordtest.InstA+","+recordtest.InstB0+",3c00,7bff,bits,0,0,0\n"))
	if err != nil || recs[0].C != 0 || recs[1].C != 0x3f800000 || recs[2].C != 0x3c00 || recs[2].D != 0x7bff {
		t.Errorf("C handling: %v %+v", err, recs)
	}
}

func TestInstReaderErrors(t *testing.T) {
	line := func(cfg, a, b, c, d string) string {
		return fmt.Sprintf("%s,%s,%s,%s,%s,bits,0,0,0\n", cfg, a, b, c, d)
	}
	good := line("wgmma_e4m3_e4m3_c0", recordtest.InstA, recordtest.InstB0, "00000000", "465f6c00")
	for _, tc := range []struct {
		name, data, err string
	}{
		{"empty", "", "inst.csv:1: empty file: no header line"},
		{"header", "config,a,b\n", `inst.csv:1: header "config,a,b" does not begin with "config,a_hex,b_hex,c_hex,d_hex"`},
		{"odd", recordtest.InstHeaderLine + good + line("wgmma_e4m3_e4m3_c0", recordtest.InstA+"0", recordtest.InstB0, "00000000", "0"), "inst.csv:3: a_hex: odd length (65 hex digits)"},
		{"digit", recordtest.InstHeaderLine + line("wgmma_e4m3_e4m3_c0", recordtest.InstA, "zz"+recordtest.InstB0[2:], "00000000", "0"), "inst.csv:2: b_hex: invalid hex digit 'z' at offset 0"},
		{"K", recordtest.InstHeaderLine + line("wgmma_e4m3_e4m3_c0", recordtest.InstA[2:], recordtest.InstB0, "00000000", "00000000"), "inst.csv:2: b_hex: 32 e4m3 elements, a_hex has 31"},
		{"cdigits", recordtest.InstHeaderLine + line("wgmma_e4m3_e4m3_c0", recordtest.InstA, recordtest.InstB0, "0000000", "00000000"), "inst.csv:2: c_hex: 7 hex digits is not a whole number of 8-digit values"},
		{"cwide", recordtest.InstHeaderLine + line("wgmma_e4m3_e4m3_c0", recordtest.InstA, recordtest.InstB0, "0000000000000000", "00000000"), "inst.csv:2: c_hex: 16 hex digits, want 8 for f32"},
		{"f16d", recordtest.InstHeaderLine + line("wgmma_e4m3_e4m3_f16_c0", recordtest.InstA, recordtest.InstB0, "0000", "00000000"), "inst.csv:2: d_hex: 8 hex digits, want 4 for f16"},
		{"dempty", recordtest.InstHeaderLine + line("wgmma_e4m3_e4m3_c0", recordtest.InstA, recordtest.InstB0, "00000000", ""), "inst.csv:2: d_hex: 0 hex digits, want 8 for f32"},
		{"fields", recordtest.InstHeaderLine + good + "wgmma_e4m3_e4m3_c0,00\n", "inst.csv:3: wrong number of fields"},
		{"quote", recordtest.InstHeaderLine + good + `wgmma"x,` + recordtest.InstA + ",b,c,d,e,f,g,h\n", `inst.csv:3: bare " in non-quoted-field`},
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
	z := recordtest.GzipBytes([]byte(recordtest.InstGood + strings.Repeat(good, 200)))
	_, err := readInst("inst.csv.gz", z[:len(z)-20])
	if err == nil || !strings.Contains(err.Error(), "unexpected EOF") || !strings.HasPrefix(err.Error(), "inst.csv.gz:") {
		t.Errorf("truncated gzip: %v", err)
	}
	_, err = readInst("inst.csv.gz", []byte("\x1f\x8bnot gzip at all"))
	if err == nil || !strings.HasPrefix(err.Error(), "inst.csv.gz: gzip: ") {
		t.Errorf("bad gzip header: %v", err)
	}
}

func readCases(name string, data []byte) ([]*CaseInput, error) {
	r, err := NewCaseInputReader(name, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return recordtest.ReadAll(r)
}

func TestCaseInputReader(t *testing.T) {
	cs, err := readCases("in.csv", []byte(recordtest.CaseHeaderLine+recordtest.CaseLine("c0", 4, 2, 64, true, 0)+recordtest.CaseLine("c1", 1, 3, 32, false, 0)))
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
	cs, err = readCases("in.csv", []byte(recordtest.ScaledHeaderLine+recordtest.CaseLine("s", 2, 1, 256, false, 2)))
	if err != nil || cs[0].ScaleBlock != 128 || len(cs[0].SA) != 4 || len(cs[0].SB) != 2 || cs[0].SA[1] != 1.125 || cs[0].SB[1] != 0.5625 {
		t.Errorf("scaled: %v %+v", err, cs)
	}
}

func TestCaseInputReaderErrors(t *testing.T) {
	good := recordtest.CaseLine("c0", 2, 1, 32, true, 0)
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
		{"case", recordtest.CaseHeaderLine + with(0, ""), "in.csv:2: case: empty"},
		{"fmt", recordtest.CaseHeaderLine + with(2, "e3m4"), `in.csv:2: fmt_a: unknown operand format "e3m4" (want e4m3, e5m2, f16, bf16 or tf32)`},
		{"K", recordtest.CaseHeaderLine + with(4, "0"), `in.csv:2: K: "0" is not a size in [1, 16777216]`},
		{"Kx", recordtest.CaseHeaderLine + with(4, "3x"), `in.csv:2: K: "3x" is not a size in [1, 16777216]`},
		{"rows", recordtest.CaseHeaderLine + with(4, "48"), "in.csv:2: a_hex: 64 e4m3 elements is not a whole, non-zero number of rows of K = 48"},
		{"a", recordtest.CaseHeaderLine + good + with(5, f[5]+"0"), "in.csv:3: a_hex: odd length (129 hex digits)"},
		{"noA", recordtest.CaseHeaderLine + with(5, ""), "in.csv:2: a_hex: 0 e4m3 elements is not a whole, non-zero number of rows of K = 32"},
		{"c", recordtest.CaseHeaderLine + with(7, f[7][8:]), "in.csv:2: c_hex: 1 values, want M·N = 2·1"},
		// 64 bytes of f16 are one row of 32.
		{"f16", recordtest.CaseHeaderLine + with(2, "f16"), "in.csv:2: c_hex: 2 values, want M·N = 1·1"},
	} {
		_, err := readCases("in.csv", []byte(tc.data))
		if err == nil || err.Error() != tc.err {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
		}
	}
	sf := strings.Split(strings.TrimSuffix(recordtest.CaseLine("s", 2, 1, 256, false, 2), "\n"), ",")
	swith := func(i int, v string) string {
		g := slices.Clone(sf)
		g[i] = v
		return recordtest.ScaledHeaderLine + strings.Join(g, ",") + "\n"
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
	line := recordtest.CaseLine("s", 1, 1, 96, false, 0)
	line = strings.TrimSuffix(line, "\n") + ",3f80000040000000,3f80000040000000\n"
	if _, err := readCases("in.csv", []byte(recordtest.ScaledHeaderLine+line)); err != nil {
		t.Errorf("2 blocks of 48: %v", err)
	}
	five := strings.Repeat("3f800000", 5)
	line = strings.TrimSuffix(recordtest.CaseLine("s", 1, 1, 96, false, 0), "\n") + "," + five + "," + five + "\n"
	if _, err := readCases("in.csv", []byte(recordtest.ScaledHeaderLine+line)); err == nil || err.Error() != "in.csv:2: sa_hex: 5 K blocks do not divide K = 96" {
		t.Errorf("5 blocks of 96: %v", err)
	}
}

func readOutputs(name string, data []byte) ([]*CaseOutput, error) {
	r, err := NewCaseOutputReader(name, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return recordtest.ReadAll(r)
}

func TestCaseOutputReader(t *testing.T) {
	os, err := readOutputs("out.csv", []byte(recordtest.OutHeaderLine+"c0,wgmma_chain,64,64,1,0,3f80000000000000\nc0,wgmma_promo,64,32,0,1,00000001\n"))
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
		_, err := readOutputs("out.csv", []byte(recordtest.OutHeaderLine+tc.line+"\n"))
		if err == nil || err.Error() != tc.err {
			t.Errorf("%q: error %v, want %q", tc.line, err, tc.err)
		}
	}
}

func readGEMM(name string, data []byte) ([]*GEMMCase, error) {
	r, err := NewGEMMReader(name, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return recordtest.ReadAll(r)
}

func TestGEMMReader(t *testing.T) {
	cs, err := readGEMM("g.csv", []byte(recordtest.GEMMHeaderLine+recordtest.GEMMRows("g0", 2, 3, 32, "A", "B", "D_fast", "D_nofast")+recordtest.GEMMRows("g1", 1, 1, 64, "D_chunk128", "B", "A")))
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
		{"noA", recordtest.GEMMRows("g", 1, 1, 32, "B", "D_fast"), "g.csv:2: case g: no A row"},
		{"noB", recordtest.GEMMRows("g", 1, 1, 32, "A", "D_fast"), "g.csv:2: case g: no B row"},
		{"noD", recordtest.GEMMRows("g", 1, 1, 32, "A", "B"), "g.csv:2: case g: no D_... row"},
		{"dup", recordtest.GEMMRows("g", 1, 1, 32, "A", "B", "A"), "g.csv:4: case g: second A row (first at line 2)"},
		{"what", recordtest.GEMMRows("g", 1, 1, 32, "A", "B", "C"), `g.csv:4: what: unknown row kind "C" (want A, B or D_...)`},
		{"split", recordtest.GEMMRows("g", 1, 1, 32, "A", "B", "D_fast") + recordtest.GEMMRows("h", 1, 1, 32, "A", "B", "D_fast") + recordtest.GEMMRows("g", 1, 1, 32, "D_nofast"),
			"g.csv:8: case g: rows not consecutive (first seen at line 2)"},
		{"size", recordtest.GEMMRows("g", 1, 1, 32, "A") + recordtest.GEMMRows("g", 1, 2, 32, "B"), "g.csv:3: case g: dist, M, N, K (normal,1,2,32) differ from its first row at line 2 (normal,1,1,32)"},
		{"hexlen", recordtest.GEMMRows("g", 1, 1, 32, "A", "B") + "g,normal,1,1,32,D_fast,,3f80\n", "g.csv:4: hex: 4 hex digits, want 8 for D_fast of a 1×1×32 GEMM"},
		{"hexdigit", "g,normal,1,1,1,A,,zz\n", `g.csv:2: hex: invalid hex digit 'z' at offset 0`},
		{"M", "g,normal,x,1,1,A,,00\n", `g.csv:2: M: "x" is not a size in [1, 16777216]`},
		{"huge", "g,normal,16777216,16777216,16777216,A,,00\n", "g.csv:2: hex: 2 hex digits, want 562949953421312 for A of a 16777216×16777216×16777216 GEMM"},
		{"case", ",normal,1,1,1,A,,00\n", "g.csv:2: case: empty"},
	} {
		_, err := readGEMM("g.csv", []byte(recordtest.GEMMHeaderLine+tc.data))
		if err == nil || err.Error() != tc.err {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
		}
	}
}

// ---------------------------------------------------------------------------
// Fuzz targets: no input makes a reader (or the verification behind it)
// panic, and whatever parses is consistent.

func FuzzDecodeHex(f *testing.F) {
	for _, s := range []string{"", "00", "0aF", "zz", recordtest.InstA} {
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

// FuzzDecodeCodes compares decodeCodes with encoding/binary: little-endian
// containers of 1, 2 or 4 bytes, the element in the container's top bits.
func FuzzDecodeCodes(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4}, uint8(4))
	f.Add([]byte{0xff, 0x7f, 0x80}, uint8(2))
	f.Fuzz(func(t *testing.T, b []byte, fi uint8) {
		fs := []numerics.Format{numerics.E4M3, numerics.E5M2, numerics.FP16, numerics.BF16, numerics.TF32}
		fm := fs[int(fi)%len(fs)]
		w := map[int]int{8: 1, 16: 2, 19: 4}[fm.Bits()]
		c, err := decodeCodes("x", b, fm)
		if (err == nil) != (len(b)%w == 0) {
			t.Fatalf("%s, %d bytes: error %v", fm, len(b), err)
		}
		if err != nil {
			return
		}
		if len(c) != len(b)/w {
			t.Fatalf("%d codes from %d bytes of %s", len(c), len(b), fm)
		}
		for k := range c {
			var want uint32
			switch w {
			case 1:
				want = uint32(b[k])
			case 2:
				want = uint32(binary.LittleEndian.Uint16(b[2*k:]))
			case 4:
				want = binary.LittleEndian.Uint32(b[4*k:]) >> 13 // TF32: the top 19 of 32 bits
			}
			if c[k] != want {
				t.Fatalf("%s element %d: code %x, want %x", fm, k, c[k], want)
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
		// What parses is exactly the name its fields spell.
		name := fmt.Sprintf("%s_%s_%s", c.Instr, c.A, c.B)
		if c.F16Acc {
			name += "_f16"
		}
		if c.UseC {
			name += "_cR"
		} else {
			name += "_c0"
		}
		if name != s || c.Name != s {
			t.Errorf("ParseInstConfig(%q) = %+v, which spells %q", s, c, name)
		}
	})
}

func FuzzInstReader(f *testing.F) {
	recordtest.FuzzSeeds(f, recordtest.InstGood, recordtest.InstHeaderLine+"wgmma_e4m3_e4m3_f16_cR,"+recordtest.InstA+","+recordtest.InstB0+",3c00,7bff,bits,0,0,0\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := readInst("inst.csv", data)
		if err != nil {
			checkRecordError(t, err, "inst.csv")
		}
		for _, r := range recs {
			if len(r.A) == 0 || len(r.A) != len(r.B) {
				t.Errorf("record with %d and %d operands", len(r.A), len(r.B))
			}
		}
	})
}

func FuzzCaseInputReader(f *testing.F) {
	recordtest.FuzzSeeds(f, recordtest.CaseHeaderLine+recordtest.CaseLine("c0", 2, 1, 32, true, 0), recordtest.ScaledHeaderLine+recordtest.CaseLine("s", 1, 1, 64, false, 2))
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
	recordtest.FuzzSeeds(f, recordtest.OutHeaderLine+"c0,wgmma_chain,64,64,1,0,3f80000000000000\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := readOutputs("out.csv", data); err != nil {
			checkRecordError(t, err, "out.csv")
		}
	})
}

func FuzzGEMMReader(f *testing.F) {
	recordtest.FuzzSeeds(f, recordtest.GEMMHeaderLine+recordtest.GEMMRows("g0", 2, 3, 32, "A", "B", "D_fast", "D_nofast"),
		recordtest.GEMMHeaderLine+strings.ReplaceAll(recordtest.GEMMRows("g0", 1, 2, 256, "A", "B", "D_fast"), "TNN", "splitK_TNN"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := readGEMM("g.csv", data); err != nil {
			checkRecordError(t, err, "g.csv")
		}
	})
}

// checkRecordError requires err to be a *RecordError naming one of files.
func checkRecordError(t *testing.T, err error, files ...string) {
	t.Helper()
	recordtest.CheckFileError(t, err, func(e *RecordError) string { return e.File }, files...)
}
