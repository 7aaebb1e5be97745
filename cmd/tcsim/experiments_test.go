package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcsim/tcsim/experiments"
)

func TestExperiments(t *testing.T) {
	var o, e bytes.Buffer
	if code := runExperiments(&o, &e, nil); code != 0 || e.Len() != 0 {
		t.Fatalf("list: %d %q", code, e.String())
	}
	for _, x := range experiments.All() {
		if !strings.Contains(o.String(), "\n"+x.Name+": ") || !strings.Contains(o.String(), "tcsim experiments run "+x.Name+"\n") {
			t.Errorf("list does not show %s:\n%s", x.Name, o.String())
		}
	}
	o.Reset()
	if code := runExperiments(&o, &e, []string{"--names"}); code != 0 || len(lines(o.String())) != len(experiments.All()) {
		t.Errorf("--names: %d %q", code, o.String())
	}
	o.Reset()
	if code := runExperiments(&o, &e, []string{"--help"}); code != 0 || !strings.HasPrefix(o.String(), "Usage: tcsim experiments") ||
		!strings.Contains(o.String(), "Examples:\n") || !strings.Contains(o.String(), "--names") {
		t.Errorf("--help: %d %q", code, o.String())
	}
	for _, args := range [][]string{{"--bogus"}, {"extra"}, {"run"}, {"run", "nosuch"}, {"run", "formats", "x"}, {"--short"}, {"run", "formats", "--names"},
		{"run", "formats", "--reduced"}, {"run", "formats", "--shard", "0/2"}, {"run", "training", "--shard", "3/3"},
		{"run", "training", "--short", "--reduced"}, {"--reduced"}, {"--shard", "0/2"}, {"merge", "training"},
		{"merge", "formats", "--out", "x", "d"}, {"merge", "training", "--out", "x", "d", "--short"}} {
		o.Reset()
		e.Reset()
		if code := runExperiments(&o, &e, args); code != 2 || !strings.HasPrefix(e.String(), "tcsim experiments: ") ||
			!strings.HasSuffix(e.String(), " (see 'tcsim experiments --help')\n") || strings.Count(e.String(), "\n") != 1 {
			t.Errorf("%v: %d %q", args, code, e.String())
		}
	}
}

// TestExperimentsRun runs one experiment from the binary's registry.
func TestExperimentsRun(t *testing.T) {
	var o, e bytes.Buffer
	dir := filepath.Join(t.TempDir(), "f")
	if code := runExperiments(&o, &e, []string{"run", "formats", "--short", "--out", dir}); code != 0 {
		t.Fatalf("run: %d %q", code, e.String())
	}
	if !strings.Contains(o.String(), "wrote "+filepath.Join(dir, "data.csv")+"\n") || !strings.Contains(o.String(), "\nverdict: ") {
		t.Errorf("stdout %q", o.String())
	}
	want, err := os.ReadFile(filepath.Join("..", "..", "experiments", "formats", "testdata", "golden.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "data.csv")); err != nil || !bytes.Equal(got, want) {
		t.Errorf("data.csv differs from the golden file (%v)", err)
	}
}

// TestExperimentsMergeErrors: merging what is not a complete set of shards
// is a one-line error and exit 2.
func TestExperimentsMergeErrors(t *testing.T) {
	var o, e bytes.Buffer
	tmp := t.TempDir()
	if code := runExperiments(&o, &e, []string{"merge", "training", "--out", filepath.Join(tmp, "m"), filepath.Join(tmp, "none")}); code != 2 ||
		!strings.HasPrefix(e.String(), "tcsim experiments: merge training: ") || strings.Count(e.String(), "\n") != 1 {
		t.Errorf("merge of a missing directory: %d %q", code, e.String())
	}
}
