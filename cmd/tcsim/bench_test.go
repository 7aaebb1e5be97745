package main

import (
	"strings"
	"testing"

	"github.com/tcsim/tcsim/tensorcore"
)

func TestBenchShapes(t *testing.T) {
	s, err := parseShapes("training")
	if err != nil || len(s) != 11 || s[0] != [3]int{4096, 64, 64} || s[8] != [3]int{4096, 1024, 1024} || s[10] != [3]int{256, 256, 16384} {
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
}
