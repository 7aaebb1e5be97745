package training

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcsim/tcsim/experiments/internal/lab"
	"github.com/tcsim/tcsim/experiments/internal/lab/labtest"
)

// store is where TestGolden's run keeps its jobs: TestShardsMerge resumes
// it as the unsharded run instead of training every job again.
var store string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tcsim-training-test")
	if err != nil {
		panic(err)
	}
	store = filepath.Join(dir, "whole")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runStored runs the study with its jobs in store.
func runStored(ctx context.Context, cfg lab.Config) (*lab.Result, error) {
	cfg.Store, cfg.Build = store, "test"
	return Run(ctx, cfg)
}

func TestGolden(t *testing.T) { labtest.Golden(t, name, runStored) }

// TestDeepseekClaim checks that the 0.25% claim is decided only by a
// noise band that lies wholly on one side of it.
func TestDeepseekClaim(t *testing.T) {
	for _, c := range []struct {
		d, noise float64
		want     string
	}{
		{0.1, 0.05, "holds"},
		{-0.1, 0.05, "holds"},
		{0.1, 0.1, "is undecided at this noise"},
		{-0.58, 1.43, "is undecided at this noise"},
		{0.6, 0.1, "does not hold"},
		{-0.6, 0.1, "does not hold"},
		{-0.3, 0.1, "is undecided at this noise"},
	} {
		if got := deepseekClaim(c.d, c.noise); got != c.want {
			t.Errorf("deepseekClaim(%v, %v) = %q, want %q", c.d, c.noise, got, c.want)
		}
	}
}

// TestPredictedVRR checks the first-order formula's limits: no loss for
// one product, more loss for longer sums and narrower accumulators.
func TestPredictedVRR(t *testing.T) {
	if v := PredictedVRR(1, 13); v != 1 {
		t.Errorf("n = 1: %v", v)
	}
	if !(PredictedVRR(4096, 13) < PredictedVRR(128, 13)) || !(PredictedVRR(4096, 13) < PredictedVRR(4096, 25)) {
		t.Error("not monotone")
	}
}

// TestAtan compares the portable arctangent with the standard library's
// over the range of arguments (within 1e-14 relative; the argument
// halvings cost a few ulps), exact at 0.
func TestAtan(t *testing.T) {
	if atan(0) != 0 {
		t.Errorf("atan(0) = %v", atan(0))
	}
	for x := 1e-9; x < 1e4; x *= 1.0137 {
		if got, want := atan(x), math.Atan(x); math.Abs(got-want) > 1e-14*want {
			t.Fatalf("atan(%g) = %v, math.Atan %v", x, got, want)
		}
	}
}

// write runs the result's outputs into dir and returns data.csv and
// summary.md.
func write(t *testing.T, res *lab.Result, dir string) (csv, summary []byte) {
	t.Helper()
	if _, err := res.Write(dir, true); err != nil {
		t.Fatal(err)
	}
	csv, err1 := os.ReadFile(filepath.Join(dir, "data.csv"))
	summary, err2 := os.ReadFile(filepath.Join(dir, "summary.md"))
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	return csv, summary
}

// TestShardsMerge runs the study whole and as three shards, merges the
// shards, and checks that the outputs are the same bytes; that a rerun
// computes nothing; and that merging refuses missing jobs and jobs of
// another build.
func TestShardsMerge(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	res, err := runStored(ctx, lab.Config{Short: true})
	if err != nil {
		t.Fatal(err)
	}
	wantCSV, wantSum := write(t, res, filepath.Join(tmp, "whole"))

	var progress bytes.Buffer
	if _, err := runStored(ctx, lab.Config{Short: true, Progress: &progress}); err != nil {
		t.Fatal(err)
	}
	if progress.Len() != 0 {
		t.Errorf("a rerun recomputed jobs:\n%s", progress.String())
	}

	var dirs []string
	jobs := 0
	for i := range 3 {
		d := filepath.Join(tmp, "shard", string(rune('0'+i)))
		dirs = append(dirs, d)
		progress.Reset()
		r, err := Run(ctx, lab.Config{Short: true, Shard: i, Shards: 3, Store: d, Build: "test", Progress: &progress})
		if err != nil || r != nil {
			t.Fatalf("shard %d/3: %v, %v", i, r, err)
		}
		n := strings.Count(progress.String(), "\n")
		if n == 0 {
			t.Errorf("shard %d/3 ran no jobs", i)
		}
		jobs += n
	}
	if want := len(plan(short)); jobs != want {
		t.Errorf("the shards ran %d jobs, the study has %d", jobs, want)
	}
	if _, err := Merge(ctx, lab.Config{}, dirs[:2]); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("merging two of three shards: %v", err)
	}
	res, err = Merge(ctx, lab.Config{}, dirs)
	if err != nil {
		t.Fatal(err)
	}
	gotCSV, gotSum := write(t, res, filepath.Join(tmp, "merged"))
	if !bytes.Equal(gotCSV, wantCSV) || !bytes.Equal(gotSum, wantSum) {
		t.Errorf("merged shards differ from the whole run (data.csv equal: %v, summary.md equal: %v)",
			bytes.Equal(gotCSV, wantCSV), bytes.Equal(gotSum, wantSum))
	}

	// A shard of another build does not merge, and does not resume.
	other := filepath.Join(tmp, "other")
	if err := os.CopyFS(other, os.DirFS(dirs[0])); err != nil {
		t.Fatal(err)
	}
	paths, _ := filepath.Glob(filepath.Join(other, jobsDir, "*.json"))
	for _, p := range paths {
		b, _ := os.ReadFile(p)
		if err := os.WriteFile(p, bytes.Replace(b, []byte(`"build":"test"`), []byte(`"build":"other"`), 1), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Merge(ctx, lab.Config{}, []string{other, dirs[1], dirs[2]}); err == nil || !strings.Contains(err.Error(), "different runs") {
		t.Errorf("merging shards of two builds: %v", err)
	}
	if _, err := Run(ctx, lab.Config{Short: true, Shard: 0, Shards: 3, Store: other, Build: "test"}); !errors.Is(err, ErrOtherRun) {
		t.Errorf("resuming another build's store: %v", err)
	}
}
