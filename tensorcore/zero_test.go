package tensorcore

import (
	"reflect"
	"strings"
	"testing"

	"github.com/tcsim/tcsim/numerics"
)

// TestHopperPlusZero checks the Hopper rule that every zero result is +0:
// a negative sum of products too small for the output format gives +0 on
// the wgmma presets (every input type, both output formats) and on
// mma.sync TF32 and FP16 with an FP16 accumulator (H200 records), and
// keeps its sign on a datapath without the rule: Blackwell, and the Hopper
// mma.sync BF16, which the records do not decide.
func TestHopperPlusZero(t *testing.T) {
	for _, c := range []struct {
		preset string
		a, b   float64 // one product a·b, the rest zero
		want   uint32
	}{
		{"h100-wgmma-bf16", -0x1p-90, 0x1p-60, 0},
		{"h100-wgmma-tf32", -0x1p-90, 0x1p-60, 0},
		{"h100-wgmma-e5m2-e5m2-f16acc", -0x1p-16, 0x1p-16, 0},
		{"h100-wgmma-e4m3-e5m2-f16acc", -0x1p-9, 0x1p-16, 0},
		{"h100-mma-tf32", -0x1p-90, 0x1p-60, 0},
		{"h100-mma-f16-f16acc", -0x1p-16, 0x1p-16, 0},
		{"h100-mma-bf16", -0x1p-90, 0x1p-60, 0x80000000},
		{"b200-mma-tf32", -0x1p-90, 0x1p-60, 0x80000000},
		{"b200-mma-f16-f16acc", -0x1p-16, 0x1p-16, 0x80000000},
		{"b200-tcgen05-bf16", -0x1p-90, 0x1p-60, 0x80000000},
	} {
		p, err := Lookup(c.preset)
		if err != nil {
			t.Fatal(err)
		}
		a, b := make([]uint32, p.K), make([]uint32, p.K)
		a[0] = p.A.Encode(c.a, numerics.NearestEven, numerics.ToInf)
		b[0] = p.B.Encode(c.b, numerics.NearestEven, numerics.ToInf)
		if p.A.Decode(a[0])*p.B.Decode(b[0]) != c.a*c.b {
			t.Fatalf("%s: operands %g, %g not exact", c.preset, c.a, c.b)
		}
		for _, m := range allModes() {
			var got uint32
			withMode(m, func() { got = p.MMA(a, b, 0) })
			if want := c.want >> (32 - p.Acc().Bits()); got != want {
				t.Errorf("%s %s: %g·%g = %#x, want %#x", c.preset, m.name, c.a, c.b, got, want)
			}
		}
	}
}

// TestGPUAliases: an alias GPU's preset names give the very presets of the
// GPU it stands for; other prefixes stay unknown.
func TestGPUAliases(t *testing.T) {
	for _, a := range Aliases() {
		if CanonicalGPU(a.GPU) != a.Of || CanonicalGPU(strings.ToLower(a.GPU)) != a.Of {
			t.Errorf("CanonicalGPU(%s) = %s, want %s", a.GPU, CanonicalGPU(a.GPU), a.Of)
		}
		n := 0
		for _, p := range Presets() {
			if p.GPU != a.Of {
				continue
			}
			n++
			name := strings.ToLower(a.GPU) + strings.TrimPrefix(p.Name, strings.ToLower(a.Of))
			if q, err := Lookup(name); err != nil || !reflect.DeepEqual(q, p) {
				t.Errorf("Lookup(%s) = %v, %v; want %s itself", name, q, err, p.Name)
			}
		}
		if n == 0 {
			t.Errorf("%s: alias of %s, which has no presets", a.GPU, a.Of)
		}
	}
	if len(Aliases()) != 2 || CanonicalGPU("A100") != "A100" {
		t.Errorf("aliases %v", Aliases())
	}
	for _, name := range []string{"h300-wgmma-e4m3-e4m3", "h200", "h200-nope"} {
		if _, err := Lookup(name); err == nil {
			t.Errorf("Lookup(%s): no error", name)
		}
	}
}

// TestChainRefusesForeignVectors: a vector carries its decoder; Chain
// refuses one decoded for other operand formats (whose Sig and Exp mean
// other values) and accepts one of a datapath with the same formats.
func TestChainRefusesForeignVectors(t *testing.T) {
	e4, _ := Lookup("h100-wgmma-e4m3-e4m3")
	e5, _ := Lookup("h100-wgmma-e5m2-e5m2")
	wide, err := e4.WithF(20)
	if err != nil {
		t.Fatal(err)
	}
	codes := make([]uint32, 32)
	for k := range codes {
		codes[k] = uint32(0x30 + k)
	}
	var a4, b4, b5 Vector
	e4.DecodeA(codes, &a4)
	e4.DecodeB(codes, &b4)
	e5.DecodeB(codes, &b5)
	panics := func(f func()) (p bool) {
		defer func() { p = recover() != nil }()
		f()
		return false
	}
	if !panics(func() { e4.Chain(&a4, &b5, 0, 32, 0) }) {
		t.Error("Chain took a vector decoded as E5M2 for an E4M3 operand")
	}
	if !panics(func() { e4.Chain(&a4, &Vector{Sig: make([]int32, 32), Exp: make([]int16, 32)}, 0, 32, 0) }) {
		t.Error("Chain took a vector no decoder filled")
	}
	if panics(func() { wide.Chain(&a4, &b4, 0, 32, 0) }) {
		t.Error("Chain refused a vector of the same formats")
	}
}
