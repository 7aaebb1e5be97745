package sweep

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// LockFile is the name of the lock file in an output directory.
const LockFile = ".tcsim-lock"

// ErrLocked is returned by [LockDir] when another process holds the lock.
var ErrLocked = errors.New("in use by another tcsim run")

// Lock is a held output-directory lock.
type Lock struct{ f *os.File }

// LockDir creates dir if needed and takes its lock, so that two runs
// never write into one output directory. The lock is an advisory lock on
// the file dir/.tcsim-lock (flock on Unix): the kernel releases it when
// the holder exits, however it dies, so a killed run leaves no stale lock
// to detect or remove. The file itself stays; it holds the holder's pid,
// for the message another run gets.
func LockDir(dir string) (*Lock, error) {
	if dir == "" {
		return nil, errors.New("no output directory given")
	}
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return nil, fmt.Errorf("%s is a file, not a directory", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := lockFile(f); err != nil {
		b, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, ErrLocked) {
			if pid := strings.TrimSpace(string(b)); pid != "" {
				return nil, fmt.Errorf("%s is %w (pid %s)", dir, ErrLocked, pid)
			}
			return nil, fmt.Errorf("%s is %w", dir, ErrLocked)
		}
		return nil, fmt.Errorf("locking %s: %v", path, err)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &Lock{f}, nil
}

// Unlock releases the lock.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the descriptor releases the lock
	l.f = nil
	return err
}
