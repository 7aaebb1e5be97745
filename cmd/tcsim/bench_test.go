package main

import (
	"strings"
	"testing"

	"github.com/tcsim/tcsim/tensorcore"
)

func TestBenchShapes(t *testing.T) {
	s, err := parseShapes("training")
	if err != nil || len(s) != 12 || s[0] != [3]int{4096, 64, 64} || s[8] != [3]int{4096, 1024, 1024} || s[10] != [3]int{256, 256, 8192} || s[11] != [3]int{256, 256, 16384} {
		t.Errorf("training: %v %v", s, err)
	}
	if s, err := parseShapes("2x3x4,5x6x7"); err != nil || len(s) != 2 || s[1] != [3]int{5, 6, 7} {
		t.Errorf("list: %v %v", s, err)
	}
	for _, bad := range []string{"", "2x3", "2x3x0", "axbxc", "2x3x4,"} {
		if _, err := parseShapes(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	code, out, _ := runArgs("bench", "--shapes", "16x16x64", "--cores", "1", "--reps", "1", "--json")
	if code != 0 || !strings.Contains(out, `"shape":"16x16x64","cores":1`) || !strings.Contains(out, `"kernel":"`+tensorcore.Kernel()+`"`) {
		t.Errorf("bench --json: %d %q", code, out)
	}
	if code, _, _ := runArgs("bench", "--cores", "3"); code != 2 {
		t.Errorf("--cores 3: exit %d", code)
	}
	// Block-wise scales: applied at each promotion, so N_c must divide
	// 128, and shapes whose K is not a multiple of 128 are skipped.
	code, out, errOut := runArgs("bench", "--shapes", "16x16x64,16x16x256", "--nc", "128", "--scaling", "deepseek", "--cores", "1", "--reps", "1", "--json")
	if code != 0 || strings.Count(out, "\n") != 1 || !strings.Contains(out, `"shape":"16x16x256","cores":1,"preset":"h100-wgmma-e4m3-e4m3","nc":128,"scaling":"deepseek"`) ||
		!strings.Contains(errOut, "16x16x64 skipped") {
		t.Errorf("bench --scaling deepseek: %d %q %q", code, out, errOut)
	}
	for _, bad := range [][]string{
		{"--scaling", "deepseek"}, // N_c never straddles the blocks
		{"--scaling", "deepseek", "--nc", "128", "--shapes", "16x16x64"},
		{"--scaling", "nope"},
		{"--preset", "b200-mxf8-e4m3-e4m3", "--scaling", "deepseek", "--nc", "32"},
	} {
		if code, out, errOut := runArgs(append([]string{"bench"}, bad...)...); code != 2 || out != "" || strings.Count(errOut, "\n") > 2 {
			t.Errorf("bench %v: exit %d, %q %q", bad, code, out, errOut)
		}
	}
}
