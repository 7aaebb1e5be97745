package main

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateFit = flag.Bool("update-fit", false, "rewrite the tcsim fit golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -update-fit.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *updateFit {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (rerun with -update-fit after checking):\n%s", name, got)
	}
}

func TestFitJSON(t *testing.T) {
	code, out, errOut := runArgs("fit", "--json", testdata+"/inst_mma.csv.gz")
	if code != 0 || errOut != "" {
		t.Fatalf("%d %q", code, errOut)
	}
	var v struct {
		Records    int `json:"records"`
		Candidates []struct {
			Params  map[string]any `json:"params"`
			Matched int            `json:"matched"`
			Presets []string       `json:"presets"`
		} `json:"candidates"`
		Undecided []string `json:"undecided"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	if v.Records != 4608 || len(v.Candidates) != 5 || strings.Join(v.Undecided, ",") != "zero_exp" {
		t.Errorf("records %d, %d candidates, undecided %v", v.Records, len(v.Candidates), v.Undecided)
	}
	for _, c := range v.Candidates {
		if c.Matched != 4608 || c.Params["L"] != 16.0 || c.Params["F"] != 25.0 || c.Params["c_join"] != "fp32-add" || c.Params["via"] != "f16" {
			t.Errorf("candidate %v", c)
		}
	}
	// The golden file leaves out the nearest presets, which every new
	// preset of these formats would change.
	var m map[string]any
	json.Unmarshal([]byte(out), &m)
	delete(m, "nearest_presets")
	b, _ := json.MarshalIndent(m, "", "  ")
	golden(t, "fit_inst_mma.json", string(b)+"\n")
}

func TestFitText(t *testing.T) {
	code, out, errOut := runArgs("fit", "../../testdata/km/Ada/E4M3", "../../testdata/km/V100")
	if code != 0 || errOut != "" {
		t.Fatalf("%d %q", code, errOut)
	}
	var keep []string
	for _, l := range lines(out) {
		if !strings.HasPrefix(l, "  nearest presets:") {
			keep = append(keep, l)
		}
	}
	golden(t, "fit_km.txt", strings.Join(keep, "\n")+"\n")
}

func TestFitSuggest(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new")
	code, out, errOut := runArgs("fit", "--suggest", "6", "--out", dir, "../../testdata/km/V100/fp16/d_V100_fp16.txt.gz")
	if code != 0 || errOut != "" || out != "wrote 6 input vectors to "+filepath.Join(dir, "fit_suggest.csv")+"\n" {
		t.Fatalf("%d %q %q", code, out, errOut)
	}
	data, err := os.ReadFile(filepath.Join(dir, "fit_suggest.csv"))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "fit_suggest_v100_f16acc.csv", string(data))
}

func TestFitErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	os.WriteFile(file, []byte("x"), 0o644)
	for _, tc := range []struct {
		args  []string
		code  int
		first string
	}{
		{[]string{"fit"}, 2, "tcsim fit: no PATH given"},
		{[]string{"fit", "--suggest", "3", testdata}, 2, "tcsim fit: --suggest needs --out DIR"},
		{[]string{"fit", "--suggest", "-1", "--out", dir, testdata}, 2, "tcsim fit: --suggest -1: must be in [1, 100000]"},
		{[]string{"fit", "--out", dir, testdata}, 2, "tcsim fit: --out is only for --suggest"},
		{[]string{"fit", "--suggest", "2", "--out", file, testdata}, 2, "tcsim fit: --out " + file + ": not a directory"},
		{[]string{"fit", filepath.Join(dir, "missing")}, 2, "tcsim fit: stat " + filepath.Join(dir, "missing")},
		{[]string{"fit", file}, 2, "tcsim fit: " + file + ": not an instruction record file"},
		{[]string{"fit", dir}, 2, "tcsim fit: no instruction or K–M records found"},
	} {
		code, out, errOut := runArgs(tc.args...)
		if code != tc.code || out != "" || !strings.HasPrefix(errOut, tc.first) || strings.Count(errOut, "\n") > 2 {
			t.Errorf("%v: %d %q %q", tc.args, code, out, errOut)
		}
	}
}

// TestFitNoMatch: a record no parameter set reproduces makes fit exit 1
// and report the closest set and where it misses.
func TestFitNoMatch(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "inst.csv")
	row := "wgmma_e4m3_e4m3_c0," + strings.Repeat("38", 32) + "," + strings.Repeat("38", 32) + ",00000000,"
	// 32 products of 1: D = 32 (0x42000000); record one of them as 33.
	os.WriteFile(bad, []byte("config,a_hex,b_hex,c_hex,d_hex,dist\n"+row+"42000000,ones\n"+row+"42040000,ones\n"), 0o644)
	code, out, errOut := runArgs("fit", bad)
	if code != 1 || errOut != "" || !strings.Contains(out, "no parameter set reproduces all 2 records") ||
		!strings.Contains(out, "1/2 (50.00%)") || !strings.Contains(out, "e4m3×e4m3 c0 dist=ones") {
		t.Errorf("%d %q %q", code, out, errOut)
	}
}
