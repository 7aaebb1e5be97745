package recipe

import (
	"strings"
	"testing"
)

func TestNamed(t *testing.T) {
	for _, n := range Names() {
		r, err := Named(n)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Check(); err != nil {
			t.Errorf("%s: %v", n, err)
		}
		if lines := strings.Count(r.Describe(), "\n"); lines != 4 {
			t.Errorf("%s: %d description lines, want 4", n, lines)
		}
	}
	te, _ := Named("te")
	if te.GEMM[Fprop].Nc != 0 || te.GEMM[Dgrad].Nc != 128 || te.GEMM[Wgrad].Nc != 128 {
		t.Errorf("te promotes %v", te.GEMM)
	}
	ds, _ := Named("deepseek")
	if ds.GEMM[Wgrad].Scaling != Blocks || ds.GEMM[Wgrad].Preset.F != 13 {
		t.Errorf("deepseek wgrad %v", ds.GEMM[Wgrad])
	}
	if _, err := Named("fp8"); err == nil {
		t.Error("unknown recipe accepted")
	}
}

func TestKnobs(t *testing.T) {
	r, _ := Named("te")
	if err := r.Set(KnobNc, "fprop=128,wgrad=never"); err != nil {
		t.Fatal(err)
	}
	if r.GEMM[Fprop].Nc != 128 || r.GEMM[Dgrad].Nc != 128 || r.GEMM[Wgrad].Nc != 0 {
		t.Errorf("nc knob: %v", r.GEMM)
	}
	// --fbits then --preset keeps F; --fbits twice replaces it.
	if err := r.Set(KnobFbits, "25"); err != nil {
		t.Fatal(err)
	}
	if err := r.Set(KnobPreset, "dgrad=h100-wgmma-e5m2-e4m3"); err != nil {
		t.Fatal(err)
	}
	if err := r.Set(KnobFbits, "fprop=21"); err != nil {
		t.Fatal(err)
	}
	if r.GEMM[Fprop].Preset.F != 21 || r.GEMM[Dgrad].Preset.F != 25 || r.GEMM[Dgrad].Preset.A.Name() != "e5m2" {
		t.Errorf("presets %s %s", r.GEMM[Fprop].Preset.Name, r.GEMM[Dgrad].Preset.Name)
	}
	// --acc exact keeps the quantisation and drops the datapath; datapath
	// restores it.
	ds, _ := Named("deepseek")
	if err := ds.Set(KnobAcc, "wgrad=exact"); err != nil || ds.GEMM[Wgrad].Arith != QuantExact ||
		ds.GEMM[Wgrad].Scaling != Blocks || ds.GEMM[Fprop].Arith != TensorCore || ds.Check() != nil {
		t.Errorf("deepseek --acc wgrad=exact: %v %v", err, ds.GEMM)
	}
	if !strings.Contains(ds.GEMM[Wgrad].String(), "exact accumulation") {
		t.Errorf("QuantExact described as %q", ds.GEMM[Wgrad])
	}
	if err := ds.Set(KnobAcc, "datapath"); err != nil || ds.GEMM[Wgrad].Arith != TensorCore {
		t.Errorf("--acc datapath: %v %v", err, ds.GEMM[Wgrad])
	}
	f32, _ := Named("fp32")
	if err := f32.Set(KnobPreset, "wgrad=h100-wgmma-bf16"); err != nil || f32.GEMM[Wgrad].Scaling != NoScaling {
		t.Errorf("fp32 + bf16 wgrad: %v %v", err, f32.GEMM[Wgrad])
	}
	for _, c := range []struct {
		recipe string
		knob   Knob
		spec   string
	}{
		{"te", KnobNc, "33"}, // not a multiple of 32: Check fails below
		{"te", KnobNc, "x"},
		{"te", KnobNc, "fprop=1,fprop=2"},
		{"te", KnobScaling, "rows"},
		{"te", KnobFbits, "0"},
		{"te", KnobPreset, "h100-nope"},
		{"fp32", KnobNc, "128"},
		{"exact", KnobNc, "128"},
		{"deepseek", KnobNc, "never"}, // blocks need promotion
		{"te", KnobNc, "grad=128"},
		{"te", KnobNc, ""},
		{"fp32", KnobAcc, "exact"},
		{"te", KnobAcc, "ideal"},
	} {
		r, _ := Named(c.recipe)
		err := r.Set(c.knob, c.spec)
		if err == nil {
			err = r.Check()
		}
		if err == nil {
			t.Errorf("%s --%s %q accepted", c.recipe, c.knob, c.spec)
		}
	}
}
