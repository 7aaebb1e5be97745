package experiments

import (
	"os"
	"path/filepath"
	"testing"
)

// TestIndex checks that every listed experiment has a directory with a
// main.go and a golden test, and that every such directory is listed.
func TestIndex(t *testing.T) {
	listed := map[string]bool{}
	for _, e := range All {
		if listed[e.Name] {
			t.Errorf("%s listed twice", e.Name)
		}
		listed[e.Name] = true
		if e.Title == "" || e.Claim == "" {
			t.Errorf("%s: empty title or claim", e.Name)
		}
		for _, f := range []string{"main.go", "main_test.go", filepath.Join("testdata", "golden.csv"), filepath.Join("testdata", "golden_verdict.txt")} {
			if _, err := os.Stat(filepath.Join(e.Name, f)); err != nil {
				t.Errorf("%s: %v", e.Name, err)
			}
		}
	}
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range entries {
		if !d.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(d.Name(), "main.go")); err == nil && !listed[d.Name()] {
			t.Errorf("experiments/%s has a main.go but is not listed in All", d.Name())
		}
	}
}
