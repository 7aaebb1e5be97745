package sweep

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tcsim/tcsim/sim"
)

func openStore(t *testing.T, out string, s *Spec, build string, resume bool) *DirStore {
	t.Helper()
	st, err := OpenDirStore(out, s, build, resume)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func groupFile(out string, i int) string {
	return filepath.Join(out, ProgressDir, "group-"+string(rune('0'+i))+".csv")
}

// TestResumeRejectsAnotherGroupsFile is the reported repro: a progress
// file copied over another group's must not be taken for it (it gave the
// K = 256 rows twice and no K = 128 rows, exit 0).
func TestResumeRejectsAnotherGroupsFile(t *testing.T) {
	s := Spec{Presets: []string{"h100-wgmma-e4m3-e4m3"}, K: []int{128, 256}, Nc: []int{32, NcNever},
		Dists: []string{"normal"}, Scalings: []string{"tensor"}, M: 8, N: 8, Trials: 1, Seed: 1, Baseline: true}
	want := csvBytes(t, runSpec(t, s, 0, 1, 1, nil))
	out := t.TempDir()
	st := openStore(t, out, &s, "v1", false)
	runSpec(t, s, 0, 1, 1, st)
	st.Close()
	b, err := os.ReadFile(groupFile(out, 1))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(groupFile(out, 0), b, 0o644); err != nil {
		t.Fatal(err)
	}
	st = openStore(t, out, &s, "v1", true)
	if got := csvBytes(t, runSpec(t, s, 0, 1, 1, st)); !bytes.Equal(got, want) {
		t.Fatalf("resumed with a foreign group file:\n%s\nwant\n%s", got, want)
	}
	if st.Discarded() != 1 {
		t.Fatalf("%d saved groups discarded, want 1", st.Discarded())
	}
}

// TestResumeRejectsAnotherSweepsGroups: the groups of a seed-1 sweep in
// the progress folder of a seed-2 sweep are all recomputed (the reported
// case gave 124 of 132 rows from seed 1).
func TestResumeRejectsAnotherSweepsGroups(t *testing.T) {
	s1 := smallSpec()
	s2 := s1
	s2.Seed++
	want := csvBytes(t, runSpec(t, s2, 0, 1, 1, nil))
	dir1, dir2 := t.TempDir(), t.TempDir()
	st := openStore(t, dir1, &s1, "v1", false)
	runSpec(t, s1, 0, 1, 2, st)
	st.Close()
	openStore(t, dir2, &s2, "v1", false).Close()
	files, _ := filepath.Glob(filepath.Join(dir1, ProgressDir, "group-*.csv"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		os.WriteFile(filepath.Join(dir2, ProgressDir, filepath.Base(f)), b, 0o644)
	}
	st = openStore(t, dir2, &s2, "v1", true)
	if got := csvBytes(t, runSpec(t, s2, 0, 1, 2, st)); !bytes.Equal(got, want) {
		t.Fatal("seed-2 sweep resumed over seed-1 groups differs from a fresh seed-2 sweep")
	}
	if gs, _ := s2.Groups(); st.Discarded() != len(gs) || len(files) != len(gs) {
		t.Fatalf("%d of %d foreign groups discarded", st.Discarded(), len(files))
	}
}

// TestResumeRefusesAnotherBuild: the build of the tool is part of the
// identity; a group file that only differs in its build line is
// recomputed too.
func TestResumeRefusesAnotherBuild(t *testing.T) {
	s := smallSpec()
	out := t.TempDir()
	st := openStore(t, out, &s, "v1 (abc)", false)
	runSpec(t, s, 0, 1, 2, st)
	st.Close()
	if _, err := OpenDirStore(out, &s, "v2 (def)", true); !errors.Is(err, ErrOtherSweep) || !strings.Contains(err.Error(), "v1 (abc)") {
		t.Fatalf("resume by another build: %v", err)
	}
	b, _ := os.ReadFile(groupFile(out, 0))
	os.WriteFile(groupFile(out, 0), bytes.Replace(b, []byte(`"v1 (abc)"`), []byte(`"v2 (def)"`), 1), 0o644)
	st = openStore(t, out, &s, "v1 (abc)", true)
	runSpec(t, s, 0, 1, 2, st)
	if st.Discarded() != 1 {
		t.Fatalf("%d groups discarded, want the 1 of another build", st.Discarded())
	}
}

// TestDirLock: a second store (as a second sweep would open) on the same
// output directory is refused while the first holds it.
func TestDirLock(t *testing.T) {
	s := smallSpec()
	out := t.TempDir()
	st := openStore(t, out, &s, "v1", false)
	_, err := OpenDirStore(out, &s, "v1", true)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "pid ") {
		t.Fatalf("second store on a locked directory: %v", err)
	}
	if _, err := LockDir(out); !errors.Is(err, ErrLocked) {
		t.Fatalf("LockDir on a locked directory: %v", err)
	}
	st.Close()
	openStore(t, out, &s, "v1", true)
	file := filepath.Join(out, "afile")
	os.WriteFile(file, nil, 0o644)
	if _, err := LockDir(file); err == nil || !strings.Contains(err.Error(), "is a file, not a directory") {
		t.Fatalf("LockDir on a file: %v", err)
	}
	if _, err := LockDir(""); err == nil {
		t.Fatal("LockDir(\"\") succeeded")
	}
}

// TestWallSecondsCoverAllLegs: the wall time a resumed store reports
// includes the earlier legs, as its saved groups record them.
func TestWallSecondsCoverAllLegs(t *testing.T) {
	s := smallSpec()
	out := t.TempDir()
	st := openStore(t, out, &s, "v1", false)
	ctx, cancel := context.WithCancel(context.Background())
	s.Run(ctx, 0, 1, 1, st, func(_, _ float64, done, _ int) {
		if done >= 2 {
			cancel()
		}
	})
	st.Close()
	// Pretend the first leg took an hour.
	files, _ := filepath.Glob(filepath.Join(out, ProgressDir, "group-*.csv"))
	if len(files) < 2 {
		t.Fatalf("%d groups saved", len(files))
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		lines := strings.SplitN(string(b), "\n", 3)
		lines[1] = wallPrefix + "3600"
		os.WriteFile(f, []byte(strings.Join(lines, "\n")), 0o644)
	}
	st = openStore(t, out, &s, "v1", true)
	runSpec(t, s, 0, 1, 1, st)
	if w := st.WallSeconds(); w < 3600 || w > 3700 {
		t.Fatalf("wall seconds %g after resuming a 3600 s leg", w)
	}
}

// TestShardsBalanced: on the default sweep, 8 shards each get close to
// 1/8 of the work, and together every group exactly once.
func TestShardsBalanced(t *testing.T) {
	s := Spec{Presets: []string{"h100-wgmma-e4m3-e4m3"}, K: []int{128, 256, 512, 1024, 2048, 4096, 8192, 16384},
		Nc: []int{32, 64, 128, 256, 512, NcNever}, Dists: []string{"normal", "pos", "outlier"},
		Scalings: []string{"deepseek", "tensor"}, M: 64, N: 64, Trials: 2, Seed: 1, Baseline: true}
	gs, err := s.Groups()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{2, 3, 8} {
		var all []int
		var most, sum float64
		for i := range n {
			var w float64
			for _, g := range s.Shard(gs, i, n) {
				all = append(all, g.Index)
				w += s.Work(g)
			}
			most, sum = max(most, w), sum+w
		}
		slices.Sort(all)
		if len(all) != len(gs) || all[0] != 0 || all[len(all)-1] != len(gs)-1 || len(slices.Compact(all)) != len(gs) {
			t.Fatalf("n = %d: shards do not cover every group once", n)
		}
		if r := most / (sum / float64(n)); r > 1.05 {
			t.Errorf("n = %d: the largest shard has %.2f× the mean work", n, r)
		}
	}
}

// TestSkippedNc: the default N_c list works on presets whose instruction
// K is above 32: inapplicable values are skipped with a note.
func TestSkippedNc(t *testing.T) {
	s := Spec{Presets: []string{"b200-mxf8-e4m3-e4m3", "b200-nvf4-e2m1"}, K: []int{128, 256},
		Nc: []int{32, 64, 128, 256, 512, NcNever}, Dists: []string{"normal"}, Scalings: []string{"tensor"},
		M: 4, N: 4, Trials: 1, Seed: 1}
	gs, err := s.Groups()
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gs {
		for _, nc := range g.Nc {
			if nc%g.Preset.K != 0 {
				t.Errorf("%s K=%d runs N_c = %d", g.Preset.Name, g.K, nc)
			}
		}
	}
	notes := s.Skipped()
	if len(notes) != 1 || !strings.HasPrefix(notes[0], "N_c = 32 skipped for b200-nvf4-e2m1 (not a multiple of its instruction K = 64)") {
		t.Errorf("notes %q", notes)
	}
}

// TestFloat64ProductInBlocks: the row-blocked, cancellable float64
// reference gives the bits of sim.Float64Product.
func TestFloat64ProductInBlocks(t *testing.T) {
	m, n, k := 19, 5, 300
	x, w := make([]float64, m*k), make([]float64, n*k)
	r := stream(1, "normal", k, 0, RoleA)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	for i := range w {
		w[i] = r.NormFloat64() * 1e-3
	}
	got, err := float64Product(context.Background(), x, w, m, n, k)
	if err != nil {
		t.Fatal(err)
	}
	want := sim.Float64Product(x, w, m, n, k)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("output %d: %v, want %v", i, got[i], want[i])
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := float64Product(ctx, x, w, m, n, k); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

// TestProgressInsideGroups: a run of one big group reports progress
// before the group is finished (after each reference and GEMM).
func TestProgressInsideGroups(t *testing.T) {
	s := Spec{Presets: []string{"h100-wgmma-e4m3-e4m3"}, K: []int{256}, Nc: []int{32, 128, NcNever},
		Dists: []string{"normal"}, Scalings: []string{"tensor"}, M: 8, N: 8, Trials: 2, Seed: 1, Baseline: true}
	gs, _ := s.Groups()
	var partial []float64
	_, err := s.Run(context.Background(), 0, 1, 1, nil, func(done, total float64, groupsDone, _ int) {
		if groupsDone == 0 && done > 0 {
			partial = append(partial, done/total)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	// 2 trials × (2 references + 4 GEMMs) steps, the last reaching all the work.
	if len(gs) != 1 || len(partial) != 12 || !slices.IsSorted(partial) || partial[11] != 1 {
		t.Fatalf("progress inside the group: %v", partial)
	}
}
