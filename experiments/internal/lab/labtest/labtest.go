package labtest

import (
	"bytes"
	"context"
	"flag"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tcsim/tcsim/experiments/internal/lab"
)

var update = flag.Bool("update", false, "rewrite the golden files from this run")

// Golden runs the experiment at reduced size and checks its outputs.
func Golden(t *testing.T, name string, run func(context.Context, lab.Config) (*lab.Result, error)) {
	t.Helper()
	res, err := run(context.Background(), lab.Config{Short: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Name != name {
		t.Errorf("result name %q, want %q", res.Name, name)
	}
	if res.Verdict == "" || strings.Contains(res.Verdict, "\n") {
		t.Errorf("verdict must be one non-empty line: %q", res.Verdict)
	}
	dir := t.TempDir()
	paths, err := res.Write(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if want := 2 + len(res.Figures); len(paths) != want {
		t.Errorf("wrote %d files, want %d", len(paths), want)
	}
	for _, f := range res.Figures {
		checkPNG(t, filepath.Join(dir, f.File))
	}
	data, err := os.ReadFile(filepath.Join(dir, "data.csv"))
	if err != nil {
		t.Fatal(err)
	}
	summary, err := os.ReadFile(filepath.Join(dir, "summary.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(summary, []byte("**Verdict: "+res.Verdict+"**")) {
		t.Errorf("summary.md does not state the verdict")
	}
	for _, f := range res.Figures {
		if !bytes.Contains(summary, []byte("]("+f.File+")")) {
			t.Errorf("summary.md does not show %s", f.File)
		}
	}
	golden := filepath.Join("testdata", "golden.csv")
	goldenVerdict := filepath.Join("testdata", "golden_verdict.txt")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenVerdict, []byte(res.Verdict+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("updated %s and %s", golden, goldenVerdict)
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(data, want) {
		t.Errorf("data.csv differs from %s:\n%s", golden, firstDiff(string(want), string(data)))
	}
	wantV, err := os.ReadFile(goldenVerdict)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got := res.Verdict + "\n"; got != string(wantV) {
		t.Errorf("verdict changed:\n got: %s\nwant: %s", got, wantV)
	}
}

// checkPNG checks that a figure decodes and is a plausible size.
func checkPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Error(err)
		return
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Errorf("%s: %v", path, err)
		return
	}
	if b := img.Bounds(); b.Dx() < 600 || b.Dy() < 400 || b.Dx() > 4000 || b.Dy() > 4000 {
		t.Errorf("%s: implausible size %v", path, b.Size())
	}
}

// firstDiff describes the first differing line.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(wl), len(gl)) {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + "\n want: " + w + "\n  got: " + g
		}
	}
	return "(no line differs)"
}
