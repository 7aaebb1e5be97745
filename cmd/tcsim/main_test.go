package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcsim/tcsim/sim/records/recordtest"
)

const testdata = "../../testdata/h100"

// runArgs runs the command core with buffers.
func runArgs(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(&o, &e, args)
	return code, o.String(), e.String()
}

func lines(s string) []string { return strings.Split(strings.TrimSuffix(s, "\n"), "\n") }

func TestHelp(t *testing.T) {
	code, out, errOut := runArgs()
	if code != 2 || out != "" || !strings.Contains(errOut, "Commands:") || !strings.Contains(errOut, "verify ") {
		t.Errorf("no args: %d %q %q", code, out, errOut)
	}
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		code, out, errOut := runArgs(args...)
		if code != 0 || errOut != "" || !strings.Contains(out, "  verify     check the model bit for bit") {
			t.Errorf("%v: %d %q %q", args, code, out, errOut)
		}
	}
	for _, args := range [][]string{{"help", "verify"}, {"verify", "--help"}, {"verify", "-h"}} {
		code, out, errOut := runArgs(args...)
		if code != 0 || errOut != "" || !strings.HasPrefix(out, "Usage: tcsim verify [flags] PATH...") ||
			!strings.Contains(out, "--max-mismatches N") || !strings.Contains(out, "(default 5)") || !strings.Contains(out, "Examples:\n  # ") {
			t.Errorf("%v: %d %q %q", args, code, out, errOut)
		}
	}
	code, out, _ = runArgs("version")
	if code != 0 || !strings.HasPrefix(out, "tcsim v") {
		t.Errorf("version: %d %q", code, out)
	}
	if code, out2, _ := runArgs("--version"); code != 0 || out2 != out {
		t.Errorf("--version: %d %q", code, out2)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		first string
	}{
		{[]string{"frobnicate"}, `tcsim: unknown command "frobnicate"`},
		{[]string{"help", "frobnicate"}, `tcsim help: unknown command "frobnicate"`},
		{[]string{"verify"}, "tcsim verify: no PATH given"},
		{[]string{"verify", "--bogus", testdata}, "tcsim verify: unknown flag: --bogus"},
		{[]string{"verify", "--max-mismatches", "x", testdata}, `tcsim verify: invalid argument "x" for "--max-mismatches" flag`},
		{[]string{"verify", "--max-mismatches=-1", testdata}, "tcsim verify: --max-mismatches -1: must be at least 0"},
		{[]string{"version", "extra"}, "tcsim version: takes no arguments"},
	} {
		code, out, errOut := runArgs(tc.args...)
		l := lines(errOut)
		if code != 2 || out != "" || len(l) != 1 || !strings.HasPrefix(l[0], tc.first) || !strings.HasSuffix(l[0], "--help')") && !strings.HasSuffix(l[0], "(see 'tcsim help')") {
			t.Errorf("%v: %d %q %q", tc.args, code, out, errOut)
		}
	}
}

func TestVerifyInputErrors(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runArgs("verify", filepath.Join(dir, "missing"))
	if code != 2 || out != "" || !strings.Contains(errOut, filepath.Join(dir, "missing")) || len(lines(errOut)) != 1 {
		t.Errorf("nonexistent: %d %q %q", code, out, errOut)
	}
	bad := filepath.Join(dir, "inst.csv")
	os.WriteFile(bad, []byte("config,a_hex,b_hex,c_hex,d_hex\n"+
		"wgmma_e4m3_e4m3_c0,"+strings.Repeat("00", 32)+","+strings.Repeat("00", 32)+",00000000,00000000\n"+
		"wgmma_e4m3_e4m3_c0,"+strings.Repeat("00", 32)+"0,"+strings.Repeat("00", 32)+",00000000,00000000\n"), 0o644)
	code, out, errOut = runArgs("verify", dir)
	if code != 2 || out != "" || errOut != "tcsim verify: "+bad+":3: a_hex: odd length (65 hex digits)\n" {
		t.Errorf("malformed: %d %q %q", code, out, errOut)
	}
	// A directory without record files verifies nothing: a failure.
	empty := t.TempDir()
	os.WriteFile(filepath.Join(empty, "README.md"), []byte("x"), 0o644)
	code, out, errOut = runArgs("verify", empty)
	if code != 1 || out != "verified 0 records, 0 mismatches\n" || !strings.Contains(errOut, "no records found") {
		t.Errorf("no records: %d %q %q", code, out, errOut)
	}
}

// firstLines returns the header and the first n records of a gzip file.
func firstLines(t *testing.T, path string, n int) []string {
	t.Helper()
	return strings.SplitN(recordtest.GunzipFile(t, path), "\n", n+2)[:n+1]
}

func TestVerifyMismatch(t *testing.T) {
	l := firstLines(t, filepath.Join(testdata, "inst_wgmma.csv.gz"), 20)
	// Line 8 (row 0, col 6): flip the last bit of d_hex.
	f := strings.Split(l[7], ",")
	d := []byte(f[4])
	const digits = "0123456789abcdef"
	d[7] = digits[strings.IndexByte(digits, d[7])^1]
	want := f[4]
	f[4] = string(d)
	l[7] = strings.Join(f, ",")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "corrupt.csv"), []byte(strings.Join(l, "\n")+"\n"), 0o644)
	code, out, errOut := runArgs("verify", dir)
	got := lines(out)
	if code != 1 || errOut != "" || len(got) != 4 ||
		got[0] != filepath.Join(dir, "corrupt.csv") ||
		got[1] != "  wgmma_e4m3_e4m3_c0        20 records       1 mismatches" ||
		!strings.HasPrefix(got[2], "    corrupt.csv:8 dist=bits tile=0 row=0 col=6: a=") ||
		!strings.HasSuffix(got[2], ": expected "+string(d)+", got "+want) ||
		got[3] != "verified 20 records, 1 mismatches" {
		t.Errorf("corrupt D: %d\n%s\n%q", code, out, errOut)
	}
	code, out, _ = runArgs("verify", "--max-mismatches", "0", dir)
	if code != 1 || len(lines(out)) != 3 {
		t.Errorf("--max-mismatches 0: %d\n%s", code, out)
	}
}

func TestVerifyTestdata(t *testing.T) {
	code, out, errOut := runArgs("verify", testdata)
	l := lines(out)
	if code != 0 || errOut != "" || l[len(l)-1] != "verified 231168 records, 0 mismatches" ||
		!strings.Contains(out, "cuBLAS D_fast (split-K n=6)") {
		t.Errorf("testdata: %d\n%s\n%q", code, out, errOut)
	}
}
