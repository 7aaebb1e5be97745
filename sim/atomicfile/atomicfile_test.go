//go:build unix

package atomicfile

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestWriteFileModeAndContent(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := t.TempDir()
	path := filepath.Join(dir, "results.csv")
	for _, data := range []string{"first\n", "second, longer\n", ""} {
		if err := WriteFile(path, []byte(data)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != data {
			t.Fatalf("read %q, %v; want %q", got, err, data)
		}
		st, _ := os.Stat(path)
		if st.Mode().Perm() != 0o644 {
			t.Fatalf("mode %v, want 0644", st.Mode().Perm())
		}
	}
	syscall.Umask(0o077)
	if err := WriteFile(path, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v under umask 077, want 0600", st.Mode().Perm())
	}
	assertOnly(t, dir, "results.csv")
}

func TestWriteErrorKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "fig.png")
	if err := WriteFile(path, []byte("old")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(path, func(w io.Writer) error {
		io.WriteString(w, "partial")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, []byte("old")) {
		t.Fatalf("file = %q after failed write, want the old content", got)
	}
	assertOnly(t, dir, "fig.png")
}

func TestWriteFileMissingDir(t *testing.T) {
	err := WriteFile(filepath.Join(t.TempDir(), "no", "such", "f"), nil)
	if err == nil {
		t.Fatal("write into a missing directory succeeded")
	}
}

func TestTempPrefix(t *testing.T) {
	if p := TempPrefix("/a/b/results.csv"); p != ".results.csv.tmp-" || strings.Contains(p, "/") {
		t.Fatalf("TempPrefix = %q", p)
	}
}

// TestStaleTempRemoved: temporary files that killed writers left are
// removed; other files are not.
func TestStaleTempRemoved(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, TempPrefix("heatmap.png")+"123")
	keep := []string{"heatmap.png", ".x.tmp-", ".x.tmp-12a", "y.tmp-12", ".tcsim-lock"}
	for _, n := range append(keep, filepath.Base(stale)) {
		os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644)
	}
	if err := RemoveStale(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s not removed", stale)
	}
	for _, n := range keep {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s removed", n)
		}
	}
}

// assertOnly checks that dir holds exactly the named files (no temporaries).
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Fatalf("directory holds %v, want %v", got, names)
	}
}
