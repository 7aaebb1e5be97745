package main

import (
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary act as tcsim in a child process (for the
// kill-and-resume test).
func TestMain(m *testing.M) {
	if os.Getenv("TCSIM_RUN_MAIN") == "1" {
		os.Exit(run(os.Stdout, os.Stderr, os.Args[1:]))
	}
	os.Exit(m.Run())
}

// small is a sweep that runs in well under a second but has every kind of
// row.
var small = []string{"--k", "128,256,512", "--nc", "32,128,never", "--dist", "normal,pos",
	"--scaling", "deepseek,tensor", "--m", "16", "--n", "8", "--trials", "1", "--seed", "3"}

func doSweep(t *testing.T, out string, extra ...string) (string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	args := append(append([]string{"sweep", "--out", out}, small...), extra...)
	if code := run(&stdout, &stderr, args); code != 0 {
		t.Fatalf("tcsim %s: exit %d\n%s", strings.Join(args, " "), code, stderr.String())
	}
	return stdout.String(), stderr.String()
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// summaryNumbers is summary.json without what may differ between runs of
// the same sweep (wall time, machine).
func summaryNumbers(t *testing.T, dir string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(readFile(t, filepath.Join(dir, "summary.json")), &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "wall_seconds")
	delete(m, "machine")
	b, _ := json.Marshal(m)
	return string(b)
}

func TestSweepOutputs(t *testing.T) {
	out := filepath.Join(t.TempDir(), "s")
	stdout, _ := doSweep(t, out)
	if !strings.Contains(stdout, "points (12 groups)") {
		t.Errorf("stdout does not report the groups:\n%s", stdout)
	}
	csv := string(readFile(t, filepath.Join(out, "results.csv")))
	if lines := strings.Count(csv, "\n"); lines != 1+2*3*(3+4) {
		t.Errorf("results.csv has %d lines, want header + 42 rows", lines)
	}
	for _, name := range []string{"error_vs_k.png", "heatmap.png", "bias_vs_k.png"} {
		f, err := os.Open(filepath.Join(out, "plots", name))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b := img.Bounds(); b.Dx() < 800 || b.Dy() < 500 {
			t.Errorf("%s is only %dx%d", name, b.Dx(), b.Dy())
		}
	}
	// tcsim plot redraws the same figures from the CSV alone.
	var o, e bytes.Buffer
	if code := run(&o, &e, []string{"plot", "--out", filepath.Join(out, "again"), filepath.Join(out, "results.csv")}); code != 0 {
		t.Fatalf("tcsim plot: exit %d: %s", code, e.String())
	}
	if _, err := os.Stat(filepath.Join(out, "again", "heatmap.png")); err != nil {
		t.Fatal(err)
	}
}

func TestSweepSameBytesForAnyGOMAXPROCSAndShards(t *testing.T) {
	dir := t.TempDir()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	doSweep(t, filepath.Join(dir, "p1"), "--jobs", "1")
	runtime.GOMAXPROCS(2)
	doSweep(t, filepath.Join(dir, "p2"), "--jobs", "2")
	want := readFile(t, filepath.Join(dir, "p1", "results.csv"))
	if !bytes.Equal(readFile(t, filepath.Join(dir, "p2", "results.csv")), want) {
		t.Fatal("results.csv differs between GOMAXPROCS=1 and 2")
	}
	if summaryNumbers(t, filepath.Join(dir, "p1")) != summaryNumbers(t, filepath.Join(dir, "p2")) {
		t.Fatal("summary.json numbers differ between GOMAXPROCS=1 and 2")
	}
	var shards []string
	for _, s := range []string{"0/3", "1/3", "2/3"} {
		d := filepath.Join(dir, "shard"+s[:1])
		doSweep(t, d, "--shard", s)
		shards = append(shards, d)
	}
	var o, e bytes.Buffer
	merged := filepath.Join(dir, "merged")
	if code := run(&o, &e, append([]string{"merge", "--out", merged}, shards...)); code != 0 {
		t.Fatalf("tcsim merge: exit %d: %s", code, e.String())
	}
	if !bytes.Equal(readFile(t, filepath.Join(merged, "results.csv")), want) {
		t.Fatal("3 merged shards differ from a single run")
	}
	if summaryNumbers(t, merged) != summaryNumbers(t, filepath.Join(dir, "p1")) {
		t.Fatal("merged summary.json numbers differ from a single run")
	}
	if code := run(&o, &e, []string{"merge", "--out", filepath.Join(dir, "m2"), shards[0], shards[2]}); code != 2 {
		t.Fatalf("merging 2 of 3 shards: exit %d, want 2", code)
	}
}

// TestSweepKilledThenResumed kills a real tcsim process (SIGKILL) in the
// middle of a sweep and checks that --resume finishes it to the same bytes
// as an uninterrupted run, without recomputing finished groups.
func TestSweepKilledThenResumed(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	ref := filepath.Join(dir, "ref")
	big := []string{"--k", "128..4096", "--m", "32", "--n", "32", "--jobs", "1"}
	doSweep(t, ref, big...)

	out := filepath.Join(dir, "killed")
	args := append(append([]string{"sweep", "--out", out}, small...), big...)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "TCSIM_RUN_MAIN=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	progress := filepath.Join(out, ".tcsim-progress")
	deadline := time.Now().Add(60 * time.Second)
	for {
		saved, _ := filepath.Glob(filepath.Join(progress, "group-*.csv"))
		if len(saved) >= 3 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no group saved within a minute")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	saved, _ := filepath.Glob(filepath.Join(progress, "group-*.csv"))
	if _, err := os.Stat(filepath.Join(out, "results.csv")); err == nil {
		t.Skip("the sweep finished before it could be killed")
	}
	before := map[string]time.Time{}
	for _, p := range saved {
		st, _ := os.Stat(p)
		before[p] = st.ModTime()
	}

	_, stderr := doSweep(t, out, append(big, "--resume")...)
	if !strings.Contains(stderr, "resuming:") {
		t.Errorf("no resume message on stderr:\n%s", stderr)
	}
	if !bytes.Equal(readFile(t, filepath.Join(out, "results.csv")), readFile(t, filepath.Join(ref, "results.csv"))) {
		t.Fatal("resumed results.csv differs from an uninterrupted run")
	}
	for p, mt := range before {
		if st, err := os.Stat(p); err != nil || !st.ModTime().Equal(mt) {
			t.Errorf("%s was recomputed", filepath.Base(p))
		}
	}
}

func TestSweepBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"--k", "100"},
		{"--k", "128..x"},
		{"--nc", "48"},
		{"--nc", "fp32"},
		{"--nc", "0"},
		{"--preset", "h100-nope"},
		{"--preset", "b200-mxf8-e4m3-e4m3", "--scaling", "deepseek"},
		{"--dist", "cauchy"},
		{"--scaling", "per-atom"},
		{"--shard", "3/3"},
		{"--shard", "x"},
		{"--m", "0"},
		{"--jobs", "0"},
		{"--fbits", "2"},
		{"--bogus"},
		{"stray"},
	} {
		out := filepath.Join(t.TempDir(), "never-created")
		var o, e bytes.Buffer
		code := run(&o, &e, append([]string{"sweep", "--out", out}, args...))
		lines := strings.Split(strings.TrimSpace(e.String()), "\n")
		if code != 2 || len(lines) != 1 || !strings.HasPrefix(lines[0], "tcsim sweep: ") {
			t.Errorf("sweep %v: exit %d, stderr %q; want 2 and a one-line error", args, code, e.String())
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("sweep %v: created %s despite bad input", args, out)
		}
	}
}
