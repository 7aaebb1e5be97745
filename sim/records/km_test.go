package records

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tcsim/tcsim/numerics"
)

func TestParseKMName(t *testing.T) {
	for name, want := range map[string]KMFile{
		"a_A100_fp16.txt.gz": {KMA, "A100", "fp16"},
		"d_B200_fp16.txt":    {KMD, "B200", "fp16"},
		"c_L40S_fp32.txt.gz": {KMC, "L40S", "fp32"},
		"b_Ada_E4M3.txt":     {KMB, "Ada", "E4M3"},
	} {
		if got, ok := ParseKMName(name); !ok || got != want {
			t.Errorf("%s: %+v %v", name, got, ok)
		}
	}
	for _, name := range []string{"", "a_A100_fp16", "a_A100_fp16.csv.gz", "e_A100_fp16.txt", "a_A100.txt",
		"a_A100_fp16_x.txt", "ab_A100_fp16.txt", "a__fp16.txt", "a_A-1_fp16.txt", "README.md", "LICENCE"} {
		if got, ok := ParseKMName(name); ok {
			t.Errorf("%q: recognised as %+v", name, got)
		}
	}
}

func TestParseKMOperands(t *testing.T) {
	for _, tc := range []struct {
		line string
		f    numerics.Format
		want []uint32
		err  string
	}{
		{"3f800000 bf800000", numerics.FP16, []uint32{0x3C00, 0xBC00}, ""},
		{"  3f800000\t00000000 80000000 ", numerics.FP16, []uint32{0x3C00, 0, 0x8000}, ""},
		{"33800000", numerics.FP16, []uint32{0x0001}, ""}, // 2^-24, the smallest FP16 subnormal
		{"3f800000 3f810000", numerics.BF16, []uint32{0x3F80, 0x3F81}, ""},
		{"3f802000", numerics.TF32, []uint32{0x3F802000 >> 13}, ""},
		{"43e00000", numerics.E4M3, []uint32{0x7E}, ""}, // 448
		{"7fc00000", numerics.E4M3, []uint32{0x7F}, ""}, // NaN
		{"7f800000", numerics.E5M2, []uint32{0x7C}, ""}, // Inf
		{"3f800001", numerics.FP16, nil, "not exact in f16"},
		{"3f801000", numerics.TF32, nil, "low 13 bits"},
		{"3f800001", numerics.BF16, nil, "low 16 bits"},
		{"7f800000", numerics.E4M3, nil, "not exact in e4m3"},
		{"47800000", numerics.FP16, nil, "not exact"}, // 65536
		{"3f80000", numerics.FP16, nil, "want 8 hex digits"},
		{"3f8000000", numerics.FP16, nil, "want 8 hex digits"},
		{"3f80000g", numerics.FP16, nil, "not hex"},
		{"", numerics.FP16, nil, "no operands"},
		{"   ", numerics.FP16, nil, "no operands"},
	} {
		got, err := ParseKMOperands(tc.line, tc.f, nil)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q %s: %v, want error %q", tc.line, tc.f, err, tc.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%q %s: %x %v, want %x", tc.line, tc.f, got, err, tc.want)
		}
	}
}

func TestParseKMBits(t *testing.T) {
	for s, want := range map[string]uint32{
		"00111111100000000000000000000000":   0x3F800000,
		"11111111111111111111111111111111":   0xFFFFFFFF,
		" 00000000000000000000000000000001 ": 1,
	} {
		if got, err := ParseKMBits(s); err != nil || got != want {
			t.Errorf("%q: %x %v", s, got, err)
		}
	}
	for _, s := range []string{"", "0", "0011111110000000000000000000000", "001111111000000000000000000000000",
		"0011111110000000000000000000000x", "3f800000", strings.Repeat("1", 100)} {
		if _, err := ParseKMBits(s); err == nil {
			t.Errorf("%q: no error", s)
		}
	}
}

// TestFP16ToFP32Bits: every FP16 code widens to the FP32 bits of its value.
func TestFP16ToFP32Bits(t *testing.T) {
	for h := range uint32(1 << 16) {
		got := FP16ToFP32Bits(h)
		v := numerics.FP16.Decode(h)
		if math.IsNaN(v) {
			if want := (h>>15)<<31 | 0x7F800000 | (h&0x3FF)<<13; got != want {
				t.Fatalf("%04x: %08x, want %08x", h, got, want)
			}
			continue
		}
		if want := math.Float32bits(float32(v)); got != want {
			t.Fatalf("%04x: %08x, want %08x", h, got, want)
		}
	}
}

// exactCodes maps the float64 bits of every value of f to its code (NaN
// codes left out): the oracle of which FP32 values f holds exactly.
func exactCodes(f numerics.Format) map[uint64]uint32 {
	m := map[uint64]uint32{}
	for c := range uint32(f.NumCodes()) {
		if v := f.Decode(c); !math.IsNaN(v) {
			m[math.Float64bits(v)] = c
		}
	}
	return m
}

// FuzzParseKMOperands: a line parses exactly when each field is 8 hex
// digits of an FP32 value the format holds (found by enumerating its
// codes), and each code decodes to that FP32 value.
func FuzzParseKMOperands(f *testing.F) {
	f.Add("3f800000 bf800000", uint8(2))
	f.Add("3f802000", uint8(4))
	f.Add("43e00000 7fc00000", uint8(0))
	f.Add("80000000 00000001", uint8(1))
	f.Add("zz", uint8(1))
	formats := []numerics.Format{numerics.E4M3, numerics.E5M2, numerics.FP16, numerics.BF16, numerics.TF32}
	exact := make([]map[uint64]uint32, len(formats))
	for i, fm := range formats {
		exact[i] = exactCodes(fm)
	}
	f.Fuzz(func(t *testing.T, line string, fi uint8) {
		i := int(fi) % len(formats)
		fm := formats[i]
		fields := strings.Fields(line)
		want := len(fields) > 0
		for _, tok := range fields {
			x, err := strconv.ParseUint(tok, 16, 32)
			v := float64(math.Float32frombits(uint32(x)))
			_, isCode := exact[i][math.Float64bits(v)]
			_, hasNaN := fm.NaNCode()
			if len(tok) != 8 || err != nil || strings.HasPrefix(tok, "+") || !isCode && !(math.IsNaN(v) && hasNaN) {
				want = false
			}
		}
		codes, err := ParseKMOperands(line, fm, nil)
		if (err == nil) != want {
			t.Fatalf("ParseKMOperands(%q, %s): %v, want success %v", line, fm, err, want)
		}
		for k, c := range codes {
			x, _ := strconv.ParseUint(fields[k], 16, 32)
			v := float64(math.Float32frombits(uint32(x)))
			if d := fm.Decode(c); math.Float64bits(d) != math.Float64bits(v) && !(math.IsNaN(d) && math.IsNaN(v)) {
				t.Fatalf("%s operand %d (%s): code %x decodes to %g", fm, k, fields[k], c, d)
			}
		}
	})
}

func FuzzParseKMBits(f *testing.F) {
	f.Add("00111111100000000000000000000000")
	f.Add("0101")
	f.Fuzz(func(t *testing.T, s string) {
		x, err := ParseKMBits(s)
		if err == nil && fmt.Sprintf("%032b", x) != strings.TrimSpace(s) {
			t.Fatalf("%q parsed as %032b", s, x)
		}
	})
}

// TestKMRole checks the roles' letters, which roles hold accumulator
// values, and that ParseKMName gives each role for its letter.
func TestKMRole(t *testing.T) {
	for _, tc := range []struct {
		r      KMRole
		letter string
		acc    bool
	}{{KMA, "a", false}, {KMB, "b", false}, {KMC, "c", true}, {KMD, "d", true}, {0, "", false}, {KMD + 1, "", false}} {
		if tc.r.String() != tc.letter || tc.r.Accumulator() != tc.acc {
			t.Errorf("KMRole(%d): String %q Accumulator %v, want %q %v", uint8(tc.r), tc.r, tc.r.Accumulator(), tc.letter, tc.acc)
		}
		if tc.letter == "" {
			continue
		}
		if k, ok := ParseKMName(tc.letter + "_H100_fp32.txt"); !ok || k.Role != tc.r {
			t.Errorf("ParseKMName(%s_H100_fp32.txt) role %v, %v; want %v", tc.letter, k.Role, ok, tc.r)
		}
	}
}

// kmNameRE is the oracle of FuzzParseKMName.
var kmNameRE = regexp.MustCompile(`^([abcd])_([A-Za-z0-9]+)_([A-Za-z0-9]+)\.txt(\.gz)?$`)

// FuzzParseKMName compares ParseKMName with a regular expression.
func FuzzParseKMName(f *testing.F) {
	f.Add("a_A100_fp16.txt.gz")
	f.Add("d_B200_fp16.txt")
	f.Add("x__.txt")
	f.Add("c_H100_fp32.txt.gz.gz")
	f.Fuzz(func(t *testing.T, name string) {
		k, ok := ParseKMName(name)
		m := kmNameRE.FindStringSubmatch(name)
		if ok != (m != nil) || ok && (k.Role.String() != m[1] || k.GPU != m[2] || k.Format != m[3]) {
			t.Fatalf("ParseKMName(%q) = %+v, %v; the pattern gives %q", name, k, ok, m)
		}
	})
}
