package experiments

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestIndex checks that every listed experiment has a directory with a
// doc.go and a golden test, and that every such directory is listed.
func TestIndex(t *testing.T) {
	listed := map[string]bool{}
	for _, e := range All() {
		if listed[e.Name] {
			t.Errorf("%s listed twice", e.Name)
		}
		listed[e.Name] = true
		if e.Title == "" || e.Claim == "" {
			t.Errorf("%s: empty title or claim", e.Name)
		}
		for _, f := range []string{"doc.go", "golden_test.go", filepath.Join("testdata", "golden.csv"), filepath.Join("testdata", "golden_verdict.txt")} {
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
		if _, err := os.Stat(filepath.Join(d.Name(), "doc.go")); err == nil && !listed[d.Name()] {
			t.Errorf("experiments/%s has a doc.go but is not listed in All()", d.Name())
		}
	}
}

func TestLookup(t *testing.T) {
	for _, e := range All() {
		if got, err := Lookup(e.Name); err != nil || got.Name != e.Name || got.run == nil {
			t.Errorf("Lookup(%q) = %v, %v", e.Name, got.Name, err)
		}
	}
	if _, err := Lookup("nosuch"); err == nil || !strings.HasPrefix(err.Error(), `no experiment "nosuch" (want one of deepseek2pct, promotion,`) {
		t.Errorf("Lookup(nosuch): %v", err)
	}
}

// TestRunWrites runs the quickest experiment through the registry and
// checks what it wrote.
func TestRunWrites(t *testing.T) {
	e, err := Lookup("formats")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	o, err := e.Run(context.Background(), Options{Out: dir, Short: true})
	if err != nil {
		t.Fatal(err)
	}
	if o.Verdict == "" || len(o.Paths) < 2 {
		t.Fatalf("outcome %+v", o)
	}
	for _, p := range o.Paths {
		st, err := os.Stat(p)
		if err != nil || filepath.Dir(p) != dir || st.Size() == 0 {
			t.Errorf("%s: %v", p, err)
		}
	}
}

// TestAllIsACopy: changing what All returned changes neither a later call
// nor Lookup.
func TestAllIsACopy(t *testing.T) {
	a := All()
	want := All()
	for i := range a {
		a[i].Name, a[i].Claim = "x", "changed"
	}
	if got := All(); !slices.EqualFunc(got, want, func(x, y Info) bool { return x.Name == y.Name && x.Claim == y.Claim }) {
		t.Errorf("All() after changing an earlier result: %v", got)
	}
	if e, err := Lookup(want[0].Name); err != nil || e.Claim != want[0].Claim {
		t.Errorf("Lookup(%s) after changing All(): %+v, %v", want[0].Name, e, err)
	}
}
