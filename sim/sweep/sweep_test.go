package sweep

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tcsim/tcsim/sim"
	"github.com/tcsim/tcsim/tensorcore"
)

// smallSpec is a sweep small enough for unit tests that still has every
// kind of row: promoted, never, the FP32 baseline, block-wise and
// per-tensor scaling.
func smallSpec() Spec {
	return Spec{Presets: []string{"h100-wgmma-e4m3-e4m3"}, K: []int{128, 256, 512}, Nc: []int{32, 128, NcNever},
		Dists: []string{"normal", "pos"}, Scalings: []string{"deepseek", "tensor"}, M: 16, N: 8, Trials: 2, Seed: 7, Baseline: true}
}

func csvBytes(t *testing.T, rows []Row) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteCSV(&b, rows); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func runSpec(t *testing.T, s Spec, shard, shards, jobs int, store Store) []Row {
	t.Helper()
	rows, err := s.Run(context.Background(), shard, shards, jobs, store, nil)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestSweepDeterministicAcrossGOMAXPROCSAndJobs(t *testing.T) {
	s := smallSpec()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	want := csvBytes(t, runSpec(t, s, 0, 1, 1, nil))
	runtime.GOMAXPROCS(2)
	for _, jobs := range []int{1, 2, 5} {
		if got := csvBytes(t, runSpec(t, s, 0, 1, jobs, nil)); !bytes.Equal(got, want) {
			t.Fatalf("GOMAXPROCS=2 jobs=%d: results differ from GOMAXPROCS=1", jobs)
		}
	}
	// Every point is present: groups × applicable N_c (+ baseline).
	rows := runSpec(t, s, 0, 1, 2, nil)
	// deepseek: N_c 32, 128 (never is not applicable) + fp32; tensor: 32, 128, never + fp32.
	if want := 2 * 3 * (3 + 4); len(rows) != want {
		t.Fatalf("%d rows, want %d", len(rows), want)
	}
}

func TestSweepShardsMergeToSingleRun(t *testing.T) {
	s := smallSpec()
	want := csvBytes(t, runSpec(t, s, 0, 1, 2, nil))
	dir := t.TempDir()
	var dirs []string
	for i := range 3 {
		d := filepath.Join(dir, "shard"+string(rune('0'+i)))
		rows := runSpec(t, s, i, 3, 2, nil)
		if err := WriteResults(d, rows, &Summary{Tool: "tcsim", SpecID: s.ID(), Spec: s, Shard: string(rune('0'+i)) + "/3"}); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, d)
	}
	// Any order of the shard directories.
	rows, sum, err := Merge([]string{dirs[2], dirs[0], dirs[1]})
	if err != nil {
		t.Fatal(err)
	}
	if got := csvBytes(t, rows); !bytes.Equal(got, want) {
		t.Fatal("merged shards differ from a single run")
	}
	if sum.Shard != "" || sum.SpecID != s.ID() {
		t.Fatalf("merged summary: shard %q spec %q", sum.Shard, sum.SpecID)
	}
	if _, _, err := Merge(dirs[:2]); err == nil || !strings.Contains(err.Error(), "missing shards: 2/3") {
		t.Fatalf("merging 2 of 3 shards: err = %v", err)
	}
	if _, _, err := Merge([]string{dirs[0], dirs[0], dirs[1], dirs[2]}); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Fatalf("merging a shard twice: err = %v", err)
	}
}

// countingStore wraps a DirStore and counts saves (which run concurrently).
type countingStore struct {
	*DirStore
	saves atomic.Int64
}

func (c *countingStore) Save(g Group, rows []Row) error {
	c.saves.Add(1)
	return c.DirStore.Save(g, rows)
}

func TestSweepResumeAfterInterruption(t *testing.T) {
	s := smallSpec()
	want := csvBytes(t, runSpec(t, s, 0, 1, 1, nil))
	groups, _ := s.Groups()
	out := t.TempDir()

	st, err := OpenDirStore(out, &s, "test", false)
	if err != nil {
		t.Fatal(err)
	}
	// Interrupt once 5 groups are saved, as Ctrl-C would.
	ctx, cancel := context.WithCancel(context.Background())
	first := &countingStore{DirStore: st}
	_, err = s.Run(ctx, 0, 1, 1, first, func(_, _ float64, done, _ int) {
		if done >= 5 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: err = %v, want context.Canceled", err)
	}
	st.Close()
	// A kill during a write leaves at most a temporary file behind.
	os.WriteFile(filepath.Join(out, ProgressDir, ".group-6.csv.tmp123"), []byte("partial"), 0o644)

	st, err = OpenDirStore(out, &s, "test", true)
	if err != nil {
		t.Fatal(err)
	}
	second := &countingStore{DirStore: st}
	rows := runSpec(t, s, 0, 1, 2, second)
	if got := csvBytes(t, rows); !bytes.Equal(got, want) {
		t.Fatal("resumed sweep differs from an uninterrupted one")
	}
	if n := first.saves.Load() + second.saves.Load(); n != int64(len(groups)) {
		t.Fatalf("groups computed %d + %d, want %d in all (finished work was recomputed)", first.saves.Load(), second.saves.Load(), len(groups))
	}

	st.Close()
	// Resuming with other flags is refused.
	other := s
	other.Seed++
	if _, err := OpenDirStore(out, &other, "test", true); err == nil {
		t.Fatal("resume with a different spec was accepted")
	}
}

func TestSweepSpecErrors(t *testing.T) {
	for _, tc := range []struct {
		edit func(*Spec)
		want string
	}{
		{func(s *Spec) { s.K = []int{100} }, "K = 100 is not a positive multiple"},
		{func(s *Spec) { s.Nc = []int{48} }, "N_c = 48"},
		{func(s *Spec) { s.K = []int{128, 128} }, "--k: 128 is given twice"},
		{func(s *Spec) { s.Nc = []int{NcNever, 32, NcNever} }, "--nc: never is given twice"},
		{func(s *Spec) { s.Dists = []string{"pos", "pos"} }, "--dist: pos is given twice"},
		{func(s *Spec) { s.Presets = []string{"h100-wgmma-e4m3-e4m3", "h100-wgmma-e4m3-e4m3"} }, "--preset: h100-wgmma-e4m3-e4m3 is given twice"},
		{func(s *Spec) { s.Presets = []string{"h100-nope"} }, "unknown preset"},
		{func(s *Spec) { s.Dists = []string{"cauchy"} }, "unknown distribution"},
		{func(s *Spec) { s.Scalings = []string{"per-atom"} }, "unknown scaling"},
		{func(s *Spec) { s.K = []int{160} }, "multiple of 128"},
		{func(s *Spec) { s.Nc = []int{256}; s.Scalings = []string{"deepseek"}; s.Baseline = false }, "no applicable point"},
		{func(s *Spec) { s.M = 0 }, "must be positive"},
		{func(s *Spec) { s.FBits = []int{3} }, "--fbits 3"},
	} {
		s := smallSpec()
		tc.edit(&s)
		if _, err := s.Groups(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("err = %v, want it to contain %q", err, tc.want)
		}
	}
}

// TestSweepHardwareNumbers checks the sweep against the H100 promotion
// measurements (../shared/hw/h100/README.md): all-positive inputs at
// K = 4096 lose about 7.4% without promotion and about 5.6e-4 with
// promotion every 128.
func TestSweepHardwareNumbers(t *testing.T) {
	s := Spec{Presets: []string{"h100-wgmma-e4m3-e4m3"}, K: []int{4096}, Nc: []int{128, NcNever},
		Dists: []string{"pos"}, Scalings: []string{"tensor"}, M: 32, N: 32, Trials: 1, Seed: 1}
	rows := runSpec(t, s, 0, 1, 2, nil)
	for _, r := range rows {
		got := r.Acc.MeanSignedRel
		lo, hi := -0.077, -0.071
		if r.Nc == 128 {
			lo, hi = -6.0e-4, -5.2e-4
		}
		if got < lo || got > hi || r.Acc.FracBelow != 1 {
			t.Errorf("N_c=%s: mean signed error %.4g (want in [%g, %g]), fraction below %.3f (want 1)", NcLabel(r.Nc), got, lo, hi, r.Acc.FracBelow)
		}
	}
}

// TestEveryPresetSweeps runs a tiny sweep on every preset, block-scaled
// ones included: no output may overflow (Headroom), and the accumulation
// error must be small.
func TestEveryPresetSweeps(t *testing.T) {
	for _, p := range tensorcore.Presets() {
		k := 4 * p.K
		s := Spec{Presets: []string{p.Name}, K: []int{k}, Nc: []int{p.K, NcNever}, Dists: []string{"normal", "pos"},
			Scalings: []string{"tensor"}, M: 8, N: 8, Trials: 1, Seed: 1, Baseline: true}
		rows, err := s.Run(context.Background(), 0, 1, 1, nil, nil)
		if err != nil {
			t.Errorf("%s: %v", p.Name, err)
			continue
		}
		for _, r := range rows {
			if r.Acc.NonFinite != 0 || !(r.Acc.NormRel < 1e-2) {
				t.Errorf("%s %s N_c=%s: %d non-finite outputs, normwise error %v", p.Name, r.Dist, NcLabel(r.Nc), r.Acc.NonFinite, r.Acc.NormRel)
			}
		}
	}
}

// TestDistsAndScalingsAreCopies: a caller changing what Dists or Scalings
// returned (a name, a Fill function, a granularity) changes neither a later
// call nor LookupDist/LookupScaling, so it cannot alter other sweeps.
func TestDistsAndScalingsAreCopies(t *testing.T) {
	ds, ss := Dists(), Scalings()
	wantD, wantS := distNames(Dists()), scalingNames(Scalings())
	for i := range ds {
		ds[i].Name, ds[i].Fill = "x", func(*rand.Rand, []float64, int, int, Role) {}
	}
	for i := range ss {
		ss[i].Name, ss[i].A = "x", sim.PerRow
	}
	if got := distNames(Dists()); !slices.Equal(got, wantD) {
		t.Errorf("Dists() after changing an earlier result: %v, want %v", got, wantD)
	}
	if got := scalingNames(Scalings()); !slices.Equal(got, wantS) {
		t.Errorf("Scalings() after changing an earlier result: %v, want %v", got, wantS)
	}
	d, err := LookupDist("pos")
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float64, 64)
	d.Fill(rand.New(rand.NewPCG(1, 2)), x, 1, 64, RoleA)
	if slices.Max(x) <= 0 {
		t.Errorf("LookupDist(pos) after changing Dists(): Fill wrote %v", x[:4])
	}
	if s, err := LookupScaling("tensor"); err != nil || s.A != sim.PerTensor || !s.PerTensor() {
		t.Errorf("LookupScaling(tensor) after changing Scalings(): %+v, %v", s, err)
	}
}

// TestApplicableBlockScaledByGranularity: block-scaled presets run with
// the scaling of one scale per tensor, decided by its granularities (not
// by its name), and with no other.
func TestApplicableBlockScaledByGranularity(t *testing.T) {
	p, err := tensorcore.Lookup("b200-mxf8-e4m3-e4m3")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, sc := range Scalings() {
		if got := Applicable(p, sc, 128); got != (sc.Name == "tensor") {
			t.Errorf("Applicable(%s, %s) = %v", p.Name, sc.Name, got)
		}
		if sc.PerTensor() {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d scalings are per tensor, want 1 (tensor)", n)
	}
	renamed := Scaling{Name: "whole", A: sim.PerTensor, B: sim.PerTensor}
	if !Applicable(p, renamed, 128) {
		t.Errorf("a per-tensor scaling named %q is not applicable to %s", renamed.Name, p.Name)
	}
}

func distNames(ds []Dist) []string {
	var s []string
	for _, d := range ds {
		s = append(s, d.Name)
	}
	return s
}

func scalingNames(ss []Scaling) []string {
	var s []string
	for _, d := range ss {
		s = append(s, d.Name)
	}
	return s
}
