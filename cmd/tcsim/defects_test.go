package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tcsim/tcsim/sim/atomicfile"
	"github.com/tcsim/tcsim/sim/sweep"
)

// TestSweepResumeForeignGroupFile is the reported repro: a progress file
// copied over another group's gave the K = 256 rows twice, no K = 128
// rows, and exit 0.
func TestSweepResumeForeignGroupFile(t *testing.T) {
	dir := t.TempDir()
	flags := []string{"sweep", "--k", "128,256", "--dist", "normal", "--scaling", "tensor", "--trials", "1", "--m", "16", "--n", "16"}
	ref, out := filepath.Join(dir, "ref"), filepath.Join(dir, "x")
	if code, _, e := runArgs(append(flags, "--out", ref)...); code != 0 {
		t.Fatal(e)
	}
	if code, _, e := runArgs(append(flags, "--out", out)...); code != 0 {
		t.Fatal(e)
	}
	progress := filepath.Join(out, sweep.ProgressDir)
	os.WriteFile(filepath.Join(progress, "group-0.csv"), readFile(t, filepath.Join(progress, "group-1.csv")), 0o644)
	code, _, e := runArgs(append(flags, "--out", out, "--resume")...)
	if code != 0 || !strings.Contains(e, "1 saved groups did not match this sweep") {
		t.Fatalf("resume: exit %d, stderr %q", code, e)
	}
	if !bytes.Equal(readFile(t, filepath.Join(out, "results.csv")), readFile(t, filepath.Join(ref, "results.csv"))) {
		t.Fatal("resumed results.csv differs from a fresh run")
	}
	// Resuming with other flags is refused with status 2.
	code, _, e = runArgs(append(flags, "--out", out, "--resume", "--seed", "2")...)
	if code != 2 || len(lines(e)) != 1 || !strings.Contains(e, "holds a sweep with other flags") {
		t.Fatalf("resume with another seed: exit %d, stderr %q", code, e)
	}
}

// TestSweepOutInUse: a second sweep into an --out in use is refused.
func TestSweepOutInUse(t *testing.T) {
	out := t.TempDir()
	lock, err := sweep.LockDir(out)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Unlock()
	code, _, e := runArgs(append([]string{"sweep", "--out", out}, small...)...)
	if code != 1 || !strings.Contains(e, "in use by another tcsim run") || len(lines(e)) != 1 {
		t.Fatalf("exit %d, stderr %q", code, e)
	}
	if _, err := os.Stat(filepath.Join(out, "results.csv")); err == nil {
		t.Fatal("wrote results.csv into a locked directory")
	}
}

// TestSweepRefusesWhatDoesNotFit: the reported panics and runaway
// allocations are refused up front, in one line saying how much memory
// they need, with status 2.
func TestSweepRefusesWhatDoesNotFit(t *testing.T) {
	for _, args := range [][]string{
		{"sweep", "--k", "4611686018427387904"},
		{"sweep", "--k", "100000000"},
		{"sweep", "--m", "100000000", "--k", "128"},
		{"sweep", "--k", "128..9223372036854775807"},
		{"bench", "--m", "4611686018427387904", "--n", "1", "--k", "32"},
	} {
		out := filepath.Join(t.TempDir(), "out")
		if args[0] == "sweep" {
			args = append(args, "--out", out)
		}
		start := time.Now()
		code, o, e := runArgs(args...)
		if code != 2 || o != "" || len(lines(e)) != 1 || !strings.Contains(e, "needs about ") || !strings.Contains(e, "available") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, o, e)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%v: took %v to refuse", args, d)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v: created %s", args, out)
		}
	}
}

// TestSweepDryRun: --dry-run states the points, groups, time and memory
// and computes (and writes) nothing.
func TestSweepDryRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	code, o, e := runArgs(append([]string{"sweep", "--out", out, "--dry-run"}, small...)...)
	if code != 0 || e != "" {
		t.Fatalf("exit %d, stderr %q", code, e)
	}
	for _, want := range []string{"42 points in 12 groups\n", "estimated time: ", "estimated peak memory: ", "nothing computed"} {
		if !strings.Contains(o, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, o)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a dry run created --out")
	}
	code, o, _ = runArgs(append([]string{"sweep", "--out", out, "--dry-run", "--shard", "1/4"}, small...)...)
	if code != 0 || !strings.Contains(o, "shard 1/4: ") {
		t.Errorf("sharded dry run: %d %q", code, o)
	}
}

// TestSweepOutChecks: an empty or file --out is refused before anything
// runs.
func TestSweepOutChecks(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, []byte("x"), 0o644)
	for _, tc := range []struct{ out, want string }{
		{"", "--out: want an output directory"},
		{file, "is a file, not a directory"},
	} {
		start := time.Now()
		code, _, e := runArgs(append([]string{"sweep", "--out", tc.out}, small...)...)
		if code != 2 || len(lines(e)) != 1 || !strings.Contains(e, tc.want) || time.Since(start) > time.Second {
			t.Errorf("--out %q: exit %d, stderr %q", tc.out, code, e)
		}
	}
	code, _, e := runArgs("merge", "--out", file, "x")
	if code != 2 || !strings.Contains(e, "is a file, not a directory") {
		t.Errorf("merge --out FILE: exit %d, stderr %q", code, e)
	}
}

// TestSweepEveryPresetDefaults: the default N_c list works with presets
// whose instruction K is above 32 (the README example exited 2).
func TestSweepEveryPresetDefaults(t *testing.T) {
	out := t.TempDir()
	code, _, e := runArgs("sweep", "--out", out, "--preset", "b200-mxf8-e4m3-e4m3,b200-nvf4-e2m1", "--scaling", "tensor",
		"--k", "128,256", "--m", "8", "--n", "8", "--trials", "1", "--dist", "normal")
	if code != 0 || !strings.Contains(e, "note: N_c = 32 skipped for b200-nvf4-e2m1") {
		t.Fatalf("exit %d, stderr %q", code, e)
	}
}

// TestOutputsMode0644: every output is readable by others (the umask
// allowing): a sweep's, its progress files and an experiment's.
func TestOutputsMode0644(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	out := t.TempDir()
	doSweep(t, out)
	if code, _, e := runArgs("experiments", "run", "promotion", "--short", "--out", filepath.Join(out, "experiment")); code != 0 {
		t.Fatalf("experiments run: exit %d: %s", code, e)
	}
	n := 0
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		if st, _ := d.Info(); st.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v, want 0644", p, st.Mode().Perm())
		}
		return nil
	})
	if n < 10 {
		t.Fatalf("only %d files", n)
	}
}

// TestSweepClearsEarlierOutputs: a stale temporary file of a killed
// writer is removed, and figures of an earlier sweep do not stay next to
// the new ones.
func TestSweepClearsEarlierOutputs(t *testing.T) {
	out := t.TempDir()
	two := []string{"--preset", "h100-wgmma-e4m3-e4m3,h100-mma-e4m3-e4m3"}
	doSweep(t, out, two...)
	stale := filepath.Join(out, "plots", atomicfile.TempPrefix("heatmap.png")+"12345")
	os.WriteFile(stale, []byte("partial"), 0o644)
	doSweep(t, out)
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Error("the stale temporary file is still there")
	}
	ents, _ := os.ReadDir(filepath.Join(out, "plots"))
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if want := []string{"bias_vs_k.png", "error_vs_k.png", "heatmap.png"}; !slices.Equal(names, want) {
		t.Errorf("plots/ holds %q, want %q", names, want)
	}
}

// TestMergeRefusals: shards of another build, or a spec with a repeated
// value (which made merge panic), are refused with status 2.
func TestMergeRefusals(t *testing.T) {
	dir := t.TempDir()
	var shards []string
	for _, s := range []string{"0/2", "1/2"} {
		d := filepath.Join(dir, "s"+s[:1])
		doSweep(t, d, "--shard", s)
		shards = append(shards, d)
	}
	edit := func(d string, f func(m map[string]any)) {
		p := filepath.Join(d, "summary.json")
		var m map[string]any
		json.Unmarshal(readFile(t, p), &m)
		f(m)
		b, _ := json.Marshal(m)
		os.WriteFile(p, b, 0o644)
	}
	edit(shards[1], func(m map[string]any) { m["version"] = "v9.9.9" })
	code, _, e := runArgs(append([]string{"merge", "--out", filepath.Join(dir, "m")}, shards...)...)
	if code != 2 || len(lines(e)) != 1 || !strings.Contains(e, "by tcsim v9.9.9") || !strings.Contains(e, "one build") {
		t.Errorf("mixed versions: exit %d, stderr %q", code, e)
	}
	for _, d := range shards {
		edit(d, func(m map[string]any) {
			m["version"] = versionString()
			m["spec"].(map[string]any)["k"] = []int{128, 128}
		})
	}
	code, _, e = runArgs(append([]string{"merge", "--out", filepath.Join(dir, "m")}, shards...)...)
	if code != 2 || len(lines(e)) != 1 || !strings.Contains(e, "given twice") {
		t.Errorf("repeated K: exit %d, stderr %q", code, e)
	}
}

// TestSweepHelpDescribes: the help says what each distribution and
// scaling is, not only its name.
func TestSweepHelpDescribes(t *testing.T) {
	code, o, _ := runArgs("sweep", "--help")
	if code != 0 {
		t.Fatal(code)
	}
	for _, d := range sweep.Dists() {
		if !strings.Contains(o, "  "+d.Name+strings.Repeat(" ", 10-len(d.Name))+d.Description+"\n") {
			t.Errorf("help does not describe distribution %s", d.Name)
		}
	}
	for _, s := range sweep.Scalings() {
		if !strings.Contains(o, "  "+s.Name+strings.Repeat(" ", 10-len(s.Name))+s.Description+"\n") {
			t.Errorf("help does not describe scaling %s", s.Name)
		}
	}
}

// TestGitIgnoresDefaultOut: the default --out is not committed by
// accident.
func TestGitIgnoresDefaultOut(t *testing.T) {
	if !slices.Contains(lines(string(readFile(t, "../../.gitignore"))), "/tcsim-sweep/") {
		t.Error(".gitignore lacks /tcsim-sweep/")
	}
}

// TestHelpAndReadmeAgreeOnTime: the default sweep's time is stated the
// same way in the help and the README.
func TestHelpAndReadmeAgreeOnTime(t *testing.T) {
	re := regexp.MustCompile(`about (\d+) seconds on an idle 2-core machine`)
	_, help, _ := runArgs("sweep", "--help")
	h := re.FindStringSubmatch(help)
	r := re.FindStringSubmatch(string(readFile(t, "../../README.md")))
	if h == nil || r == nil || h[1] != r[1] {
		t.Errorf("help says %q, README %q", h, r)
	}
}

func TestHelpHelp(t *testing.T) {
	code, o, e := runArgs("help", "help")
	if code != 0 || e != "" || !strings.HasPrefix(o, "Usage: tcsim help [COMMAND]") || !strings.Contains(o, "Examples:") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, o, e)
	}
}

// TestSweepInterrupt sends SIGINT to a real tcsim process in the middle of
// a big point: it acknowledges at once, stops within a second and exits
// 130; a second SIGINT exits at once.
func TestSweepInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	for _, twice := range []bool{false, true} {
		out := t.TempDir()
		cmd := exec.Command(os.Args[0], "sweep", "--out", out, "--k", "65536", "--m", "256", "--n", "256", "--trials", "1",
			"--dist", "normal", "--scaling", "tensor", "--nc", "never")
		cmd.Env = append(os.Environ(), "TCSIM_RUN_MAIN=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1500 * time.Millisecond) // into the first GEMM
		start := time.Now()
		cmd.Process.Signal(os.Interrupt)
		if twice {
			time.Sleep(50 * time.Millisecond)
			cmd.Process.Signal(os.Interrupt)
		}
		err := cmd.Wait()
		took := time.Since(start)
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 130 {
			t.Errorf("twice=%v: %v, want exit 130; stderr %q", twice, err, stderr.String())
		}
		if took > 1500*time.Millisecond {
			t.Errorf("twice=%v: stopped %v after SIGINT", twice, took)
		}
		if !strings.Contains(stderr.String(), "interrupted; stopping") {
			t.Errorf("twice=%v: no acknowledgement: %q", twice, stderr.String())
		}
	}
}
