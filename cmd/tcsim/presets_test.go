package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tcsim/tcsim/tensorcore"
)

func TestPresetsTable(t *testing.T) {
	code, out, errOut := runArgs("presets")
	if code != 0 || errOut != "" {
		t.Fatalf("%d %q", code, errOut)
	}
	l := lines(out)
	all := tensorcore.Presets()
	na := len(tensorcore.Aliases())
	if len(l) != len(all)+2+na || !strings.HasPrefix(l[0], "NAME ") || !strings.Contains(l[0], "STATUS") ||
		!strings.HasPrefix(l[len(l)-1-na], fmt.Sprintf("%d presets, ", len(all))) {
		t.Fatalf("%d lines:\n%s", len(l), out)
	}
	for i, p := range all {
		if f := strings.Fields(l[i+1]); f[0] != p.Name || f[1] != p.GPU {
			t.Errorf("line %d: %q, want %s", i+1, l[i+1], p.Name)
		}
	}
	if !slices.ContainsFunc(l, func(s string) bool {
		return strings.Join(strings.Fields(s), " ") == "a100-mma-f16 A100 f16×f16 f32 16 8 24 rz-fp32 5000/5000 km A100/fp16 d_fp32 mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32"
	}) {
		t.Errorf("table lacks the a100-mma-f16 row")
	}
	for _, want := range []string{
		"204800/204800 h100 inst_wgmma; 5000/5000 km H100/E4M3 d_fp32",
		"H200: alias of H100 (h200-<rest> names the preset h100-<rest>)\n",
		"b200-nvf4-e2m1", "published, unverified",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q", want)
		}
	}
}

func TestPresetsFilterDetailsJSON(t *testing.T) {
	code, out, _ := runArgs("presets", "--gpu", "v100")
	if l := lines(out); code != 0 || len(l) != 4 || !strings.HasPrefix(l[1], "v100-mma-f16 ") {
		t.Errorf("--gpu v100: %d %q", code, out)
	}
	code, out, _ = runArgs("presets", "b200-mma-e4m3-e4m3-f16acc")
	for _, want := range []string{"b200-mma-e4m3-e4m3-f16acc\n", "  instruction: mma.sync.aligned.m16n8k32.row.col.f16.e4m3.e4m3.f16\n",
		"  inputs:      e4m3×e4m3 as f16\n", "  steps:       2 chained steps over k interleaved by 2; steps from +0, then C added in f16",
		"  verified:    5000/5000 km B200/E4M3 d_fp16\n"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("details lack %q:\n%s", want, out)
		}
	}
	code, out, _ = runArgs("presets", "--json")
	var js []presetJSON
	if err := json.Unmarshal([]byte(out), &js); code != 0 || err != nil || len(js) != len(tensorcore.Presets()) {
		t.Fatalf("--json: %d %v %d", code, err, len(js))
	}
	for _, j := range js {
		p, _ := tensorcore.Lookup(j.Name)
		if j.K != p.K || j.L != p.L || j.F != p.F || j.Status != p.Status.String() || len(j.Verified) != len(p.Verified) ||
			(j.Scale != nil) != p.BlockScaled() || j.Acc != p.Acc().Name() {
			t.Errorf("%s: %+v", j.Name, j)
		}
	}
	if !strings.Contains(out, `"records": "km A100/fp16 d_fp32"`) || strings.Contains(out, `\u0026`) {
		t.Errorf("--json output:\n%.600s", out)
	}
}

func TestPresetsErrors(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		first string
	}{
		{[]string{"presets", "--bogus"}, "tcsim presets: unknown flag: --bogus"},
		{[]string{"presets", "x100-mma-f16"}, `tcsim presets: unknown preset "x100-mma-f16"`},
		{[]string{"presets", "--gpu", "X100"}, "tcsim presets: --gpu X100: no preset (GPUs: "},
	} {
		code, out, errOut := runArgs(tc.args...)
		l := lines(errOut)
		if code != 2 || out != "" || len(l) != 1 || !strings.HasPrefix(l[0], tc.first) || !strings.HasSuffix(l[0], "')") || strings.Count(l[0], "(see 'tcsim presets") != 1 {
			t.Errorf("%v: %d %q %q", tc.args, code, out, errOut)
		}
	}
	for _, args := range [][]string{{"presets", "--help"}, {"help", "presets"}} {
		code, out, errOut := runArgs(args...)
		if code != 0 || errOut != "" || !strings.HasPrefix(out, "Usage: tcsim presets [flags] [NAME...]") ||
			!strings.Contains(out, "--gpu GPU") || !strings.Contains(out, "Examples:\n  # ") {
			t.Errorf("%v: %d %q", args, code, out)
		}
	}
}

// TestVerifyKMTestdata: tcsim verify reads the committed K–M subset.
func TestVerifyKMTestdata(t *testing.T) {
	code, out, errOut := runArgs("verify", "../../testdata/km")
	if code != 0 || errOut != "" || !strings.HasSuffix(out, "verified 5120 records, 0 mismatches\n") ||
		!strings.Contains(out, "  h100-mma-e4m3-e4m3-f16acc (C rounded to FP16) ") {
		t.Errorf("%d %q\n%s", code, errOut, out)
	}
}
