package sweep

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tcsim/tcsim/sim/atomicfile"
)

// ProgressDir is where a sweep keeps finished groups inside its output
// directory.
const ProgressDir = ".tcsim-progress"

// ErrOtherSweep is returned by [OpenDirStore] when --resume finds the
// progress of another sweep (other flags or another build of the tool).
var ErrOtherSweep = errors.New("the progress saved there is of another sweep")

// DirStore keeps finished sweep groups as small CSV files in
// <dir>/.tcsim-progress, so a killed sweep can resume. Each file starts
// with the identity of its group (spec, group, seed and build of the
// tool); a file whose identity or rows do not match the group it is read
// for is discarded and the group recomputed. The store holds the output
// directory's lock (see [LockDir]) until [DirStore.Close].
type DirStore struct {
	dir   string
	spec  *Spec
	build string
	lock  *Lock
	start time.Time

	mu        sync.Mutex
	prior     float64 // wall seconds of earlier legs (the most any loaded group saw)
	discarded int
}

// OpenDirStore locks out and prepares the store for spec, written by the
// tool build (version and build of the tool, part of the identity). With
// resume, groups saved by an earlier run of the same spec and build are
// kept (another's are [ErrOtherSweep]); without, any earlier progress is
// discarded. Stale temporary files of killed writers are removed.
func OpenDirStore(out string, spec *Spec, build string, resume bool) (*DirStore, error) {
	lock, err := LockDir(out)
	if err != nil {
		return nil, err
	}
	st, err := openDirStore(out, spec, build, resume)
	if err != nil {
		lock.Unlock()
		return nil, err
	}
	st.lock = lock
	return st, nil
}

type storeHeader struct {
	ID    string `json:"spec_id"`
	Build string `json:"build"`
	Spec  *Spec  `json:"spec"`
}

func openDirStore(out string, spec *Spec, build string, resume bool) (*DirStore, error) {
	dir := filepath.Join(out, ProgressDir)
	specPath := filepath.Join(dir, "spec.json")
	if resume {
		b, err := os.ReadFile(specPath)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return nil, err
		default:
			var old storeHeader
			if json.Unmarshal(b, &old) != nil || old.ID != spec.ID() {
				return nil, fmt.Errorf("%w: %s holds a sweep with other flags; rerun without --resume, or with the same flags", ErrOtherSweep, out)
			}
			if old.Build != build {
				return nil, fmt.Errorf("%w: %s was started by tcsim %s, this is %s; rerun without --resume, or with that build", ErrOtherSweep, out, old.Build, build)
			}
		}
	} else if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := atomicfile.RemoveStale(dir); err != nil {
		return nil, err
	}
	b, _ := json.MarshalIndent(storeHeader{spec.ID(), build, spec}, "", "  ")
	if err := atomicfile.WriteFile(specPath, append(b, '\n')); err != nil {
		return nil, err
	}
	return &DirStore{dir: dir, spec: spec, build: build, start: time.Now()}, nil
}

// Close releases the output directory.
func (s *DirStore) Close() error { return s.lock.Unlock() }

func (s *DirStore) path(g Group) string {
	return filepath.Join(s.dir, "group-"+strconv.Itoa(g.Index)+".csv")
}

// identity is the first line of a group's file.
func (s *DirStore) identity(g Group) string {
	return fmt.Sprintf("# tcsim group %d %s F=%d %s %s K=%d spec %s seed %d build %q",
		g.Index, g.Preset.Name, g.Preset.F, g.Dist.Name, g.Scaling.Name, g.K, s.spec.ID(), s.spec.Seed, s.build)
}

const wallPrefix = "# wall_seconds "

// Load returns the saved rows of g. A file that is damaged, or is not of
// g (its identity line or its rows differ), is not used: g is recomputed.
func (s *DirStore) Load(g Group) ([]Row, bool, error) {
	b, err := os.ReadFile(s.path(g))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	rows, wall, ok := s.parse(g, b)
	if !ok {
		s.mu.Lock()
		s.discarded++
		s.mu.Unlock()
		return nil, false, nil
	}
	s.mu.Lock()
	s.prior = max(s.prior, wall)
	s.mu.Unlock()
	return rows, true, nil
}

func (s *DirStore) parse(g Group, b []byte) ([]Row, float64, bool) {
	r := bufio.NewReader(bytes.NewReader(b))
	id, err1 := r.ReadString('\n')
	wl, err2 := r.ReadString('\n')
	if err1 != nil || err2 != nil || id != s.identity(g)+"\n" || !strings.HasPrefix(wl, wallPrefix) {
		return nil, 0, false
	}
	wall, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimPrefix(wl, wallPrefix)), 64)
	if err != nil || !(wall >= 0) {
		return nil, 0, false
	}
	rows, err := ReadCSV(r, s.path(g))
	if err != nil || len(rows) != len(g.Nc) {
		return nil, 0, false
	}
	for i, row := range rows {
		if !s.spec.rowOf(g, g.Nc[i], row) {
			return nil, 0, false
		}
	}
	return rows, wall, true
}

// Save writes the rows of g atomically, with its identity and the wall
// time of the sweep so far (all legs).
func (s *DirStore) Save(g Group, rows []Row) error {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "%s\n%s%g\n", s.identity(g), wallPrefix, s.WallSeconds())
	if err := WriteCSV(&buf, rows); err != nil {
		return err
	}
	return atomicfile.WriteFile(s.path(g), buf.Bytes())
}

// WallSeconds is the wall time of the sweep so far: the earlier legs
// (as the groups loaded on resuming record it) plus this one.
func (s *DirStore) WallSeconds() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.prior + time.Since(s.start).Seconds()
}

// Discarded is the number of saved groups that did not match their
// identity and were recomputed.
func (s *DirStore) Discarded() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.discarded
}

// rowOf reports whether row is the point (g, nc) of s.
func (s *Spec) rowOf(g Group, nc int, row Row) bool {
	return row.Preset == g.Preset.Name && row.FBits == g.Preset.F && row.Dist == g.Dist.Name &&
		row.Scaling == g.Scaling.Name && row.K == g.K && row.Nc == nc && row.M == s.M && row.N == s.N &&
		row.Trials == s.Trials && row.Outputs == s.M*s.N*s.Trials && row.Promotions == promotions(g.K, nc)
}
