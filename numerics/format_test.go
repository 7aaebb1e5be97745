package numerics

import (
	"math"
	"slices"
	"testing"
)

// TestFormatProperties checks every format's properties against the
// standard definitions (OCP 8-bit floating point and microscaling specs,
// IEEE 754 binary16/binary32, bfloat16, NVIDIA TF32, AMD CDNA3 FNUZ),
// written here independently of the table in format.go. The largest
// finite value is each standard's quoted number; code1 is the value of
// code 1 (the smallest subnormal, or 2^-126 in E8M0).
func TestFormatProperties(t *testing.T) {
	type props struct {
		f                  Format
		name               string
		exp, man, bias     int
		signed, inf, noSub bool
		nan                NaNStyle
		bits               int
		maxFinite, code1   float64
	}
	want := []props{
		{E4M3, "e4m3", 4, 3, 7, true, false, false, NaNAllOnes, 8, 448, 0x1p-9},
		{E5M2, "e5m2", 5, 2, 15, true, true, false, NaNIEEE, 8, 57344, 0x1p-16},
		{FP16, "f16", 5, 10, 15, true, true, false, NaNIEEE, 16, 65504, 0x1p-24},
		{BF16, "bf16", 8, 7, 127, true, true, false, NaNIEEE, 16, 3.3895313892515355e38, 0x1p-133},
		{TF32, "tf32", 8, 10, 127, true, true, false, NaNIEEE, 19, 0x1.ffcp127, 0x1p-136},
		{FP32, "f32", 8, 23, 127, true, true, false, NaNIEEE, 32, math.MaxFloat32, 0x1p-149},
		{E2M1, "e2m1", 2, 1, 1, true, false, false, NaNNone, 4, 6, 0.5},
		{UE4M3, "ue4m3", 4, 3, 7, false, false, false, NaNAllOnes, 7, 448, 0x1p-9},
		{E8M0, "e8m0", 8, 0, 127, false, false, true, NaNAllOnes, 8, 0x1p127, 0x1p-126},
		{E4M3FNUZ, "e4m3fnuz", 4, 3, 8, true, false, false, NaNNegZero, 8, 240, 0x1p-10},
		{E5M2FNUZ, "e5m2fnuz", 5, 2, 16, true, false, false, NaNNegZero, 8, 57344, 0x1p-17},
	}
	if got := Formats(); len(got) != len(want) {
		t.Fatalf("Formats() has %d formats, the table here %d", len(got), len(want))
	}
	for i, w := range want {
		f := w.f
		if g := Formats()[i]; g != f {
			t.Errorf("Formats()[%d] = %v, want %v", i, g, f)
		}
		if !f.Valid() || f.Name() != w.name || f.String() != w.name {
			t.Errorf("%v: Valid %v, Name %q, String %q, want true, %q", f, f.Valid(), f.Name(), f.String(), w.name)
		}
		if f.ExpBits() != w.exp || f.ManBits() != w.man || f.Bias() != w.bias {
			t.Errorf("%s: ExpBits %d ManBits %d Bias %d, want %d %d %d", f, f.ExpBits(), f.ManBits(), f.Bias(), w.exp, w.man, w.bias)
		}
		if f.Signed() != w.signed || f.HasInf() != w.inf || f.NoSubnormals() != w.noSub || f.NaN() != w.nan {
			t.Errorf("%s: Signed %v HasInf %v NoSubnormals %v NaN %d, want %v %v %v %d", f,
				f.Signed(), f.HasInf(), f.NoSubnormals(), f.NaN(), w.signed, w.inf, w.noSub, w.nan)
		}
		if f.Bits() != w.bits {
			t.Errorf("%s: Bits %d, want %d", f, f.Bits(), w.bits)
		}
		if got := f.Decode(f.MaxFinite()); got != w.maxFinite {
			t.Errorf("%s: largest finite value %g, want %g", f, got, w.maxFinite)
		}
		if got := f.Decode(1); got != w.code1 {
			t.Errorf("%s: value of code 1 %g, want %g", f, got, w.code1)
		}
	}
}

// TestFormatsIsACopy checks that a caller changing the slice Formats
// returns changes neither a later call nor ByName.
func TestFormatsIsACopy(t *testing.T) {
	fs := Formats()
	orig := slices.Clone(fs)
	for i := range fs {
		fs[i] = FP32
	}
	_ = append(fs[:0], E2M1)
	if got := Formats(); !slices.Equal(got, orig) {
		t.Errorf("Formats() after changing an earlier result = %v, want %v", got, orig)
	}
	if f, err := ByName("e4m3"); err != nil || f != E4M3 {
		t.Errorf(`ByName("e4m3") = %v, %v after changing Formats()`, f, err)
	}
}

// TestFormatNames checks that every format round-trips through Name and
// ByName, that names are distinct, and that exactly the formats Formats
// lists are Valid.
func TestFormatNames(t *testing.T) {
	seen := map[string]Format{}
	listed := map[Format]bool{}
	for _, f := range Formats() {
		listed[f] = true
		if f.Name() == "" {
			t.Errorf("Format(%d) has no name", uint8(f))
		}
		if g, ok := seen[f.Name()]; ok {
			t.Errorf("%d and %d share the name %q", uint8(g), uint8(f), f.Name())
		}
		seen[f.Name()] = f
		if g, err := ByName(f.Name()); err != nil || g != f {
			t.Errorf("ByName(%q) = %v, %v, want %v", f.Name(), g, err, f)
		}
	}
	for i := range 256 {
		f := Format(i)
		if f.Valid() != listed[f] {
			t.Errorf("Format(%d).Valid() = %v, listed in Formats(): %v", i, f.Valid(), listed[f])
		}
	}
}

// TestInvalidFormat checks that the zero Format and values beyond the
// constants are reported invalid, are never returned by ByName, print
// recognisably, and read as zero properties without panicking.
func TestInvalidFormat(t *testing.T) {
	var zero Format
	for _, name := range []string{"", "none", "Format(0)", "E4M3", "fp32"} {
		if f, err := ByName(name); err == nil {
			t.Errorf("ByName(%q) = %v, want an error", name, f)
		} else if f != zero {
			t.Errorf("ByName(%q) = %v with error %v, want the zero Format", name, f, err)
		}
	}
	if got := zero.String(); got != "none" {
		t.Errorf("zero Format String() = %q, want none", got)
	}
	if got := Format(200).String(); got != "Format(200)" {
		t.Errorf("Format(200).String() = %q", got)
	}
	for _, f := range []Format{zero, E5M2FNUZ + 1, 255} {
		if f.Valid() {
			t.Errorf("Format(%d).Valid() = true", uint8(f))
		}
		if f.Name() != "" || f.ExpBits() != 0 || f.ManBits() != 0 || f.Bias() != 0 || f.Bits() != 0 ||
			f.Signed() || f.HasInf() || f.NoSubnormals() || f.NaN() != NaNNone {
			t.Errorf("Format(%d) has non-zero properties", uint8(f))
		}
		if v := f.Decode(1); v != 0 {
			t.Errorf("Format(%d).Decode(1) = %g, want 0", uint8(f), v)
		}
	}
}
