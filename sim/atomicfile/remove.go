package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// RemoveStale removes the temporary files that killed writers left in dir.
// Call it only while no live writer uses dir (under the caller's lock).
func RemoveStale(dir string) error {
	return RemoveMatching(dir, isTemp)
}

// RemoveMatching removes the regular files in dir whose names match; a
// missing dir has none.
func RemoveMatching(dir string, match func(name string) bool) error {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range ents {
		if e.Type().IsRegular() && match(e.Name()) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	return nil
}

// isTemp reports whether name is a temporary file name of this package:
// "." + base + ".tmp-" + digits.
func isTemp(name string) bool {
	i := strings.LastIndex(name, ".tmp-")
	if !strings.HasPrefix(name, ".") || i < 1 {
		return false
	}
	base, digits := name[1:i], name[i+len(".tmp-"):]
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return false
	}
	return TempPrefix(base) == name[:i+len(".tmp-")]
}
