package records

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/tcsim/tcsim/numerics"
)

func TestParseKMName(t *testing.T) {
	for name, want := range map[string]KMFile{
		"a_A100_fp16.txt.gz": {"a", "A100", "fp16"},
		"d_B200_fp16.txt":    {"d", "B200", "fp16"},
		"c_L40S_fp32.txt.gz": {"c", "L40S", "fp32"},
		"b_Ada_E4M3.txt":     {"b", "Ada", "E4M3"},
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

func FuzzParseKMOperands(f *testing.F) {
	f.Add("3f800000 bf800000", uint8(2))
	f.Add("3f802000", uint8(4))
	f.Add("43e00000 7fc00000", uint8(0))
	f.Add("zz", uint8(1))
	f.Fuzz(func(t *testing.T, line string, fi uint8) {
		formats := []numerics.Format{numerics.E4M3, numerics.E5M2, numerics.FP16, numerics.BF16, numerics.TF32}
		fm := formats[int(fi)%len(formats)]
		codes, err := ParseKMOperands(line, fm, nil)
		if err != nil {
			return
		}
		for i, c := range codes {
			if c >= uint32(fm.NumCodes()) {
				t.Fatalf("code %d = %x out of %s", i, c, fm)
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

func FuzzParseKMName(f *testing.F) {
	f.Add("a_A100_fp16.txt.gz")
	f.Add("d_B200_fp16.txt")
	f.Add("x__.txt")
	f.Fuzz(func(t *testing.T, name string) {
		k, ok := ParseKMName(name)
		if ok && (k.GPU == "" || k.Format == "" || len(k.Role) != 1) {
			t.Fatalf("%q: %+v", name, k)
		}
	})
}
