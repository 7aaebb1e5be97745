package train

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/tcsim/tcsim/sim/train/data"
	"github.com/tcsim/tcsim/sim/train/recipe"
)

func testCorpus(t *testing.T) *data.Corpus {
	t.Helper()
	c, err := data.Load(data.DefaultPath(), 16)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// tinyOptions is a run of a few steps of a tiny model.
func tinyOptions(t *testing.T, name string, steps int) Options {
	t.Helper()
	r, err := recipe.Named(name)
	if err != nil {
		t.Fatal(err)
	}
	return Options{
		Model:  Config{Layers: 1, D: 32, Heads: 2, Ctx: 16, Vocab: 256, Bias: true},
		Recipe: r,
		Hyper: Hyper{LR: 3e-3, MinLR: 3e-4, Warmup: 2, Steps: steps, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8,
			WeightDecay: 0.1, Clip: 1},
		BatchTokens: 256, Seed: 1, LogEvery: 2, EvalSeqs: 8, Corpus: testCorpus(t), Out: t.TempDir(), Shadow: true,
	}
}

func runTo(t *testing.T, o Options) {
	t.Helper()
	tr, err := NewTrainer(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func readOut(t *testing.T, dir string, names ...string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		out[n] = b
	}
	return out
}

var products = []string{LogFile, ErrorsFile, "ckpt.safetensors", "state.safetensors"}

// TestEveryRecipe trains every named recipe for a few steps: losses fall
// and are logged, GEMM errors are probed for every Linear GEMM.
func TestEveryRecipe(t *testing.T) {
	for _, name := range recipe.Names() {
		t.Run(name, func(t *testing.T) {
			o := tinyOptions(t, name, 6)
			tr, err := NewTrainer(o)
			if err != nil {
				t.Fatal(err)
			}
			if err := tr.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			if len(tr.Log) != 3 {
				t.Fatalf("%d log rows, want 3", len(tr.Log))
			}
			first, last := tr.Log[0], tr.Log[len(tr.Log)-1]
			if !(last.ValLoss < first.ValLoss) || !(first.ValLoss < 5.6) {
				t.Errorf("val loss %v → %v: not learning", first.ValLoss, last.ValLoss)
			}
			// 4 Linear layers × 3 kinds per probed step, none for exact.
			want := 3 * 4 * 3
			if name == "exact" {
				want = 0
			}
			if len(tr.Errors) != want {
				t.Errorf("%d GEMM error rows, want %d", len(tr.Errors), want)
			}
			for _, e := range tr.Errors {
				if !(e.Tot.NormRel >= 0 && e.Tot.NormRel < 0.2) {
					t.Errorf("%s %s: normwise error %v", e.Kind, e.Layer, e.Tot.NormRel)
				}
				if e.Kind == recipe.Wgrad && !(e.GradCos > 0.9) {
					t.Errorf("%s: gradient cosine with fp32 %v", e.Layer, e.GradCos)
				}
			}
		})
	}
}

// TestDeterministic runs the same flags with GOMAXPROCS 1 and 3: logs and
// checkpoints are byte-identical.
func TestDeterministic(t *testing.T) {
	var want map[string][]byte
	for _, procs := range []int{1, 3} {
		old := runtime.GOMAXPROCS(procs)
		o := tinyOptions(t, "deepseek", 4)
		runTo(t, o)
		runtime.GOMAXPROCS(old)
		got := readOut(t, o.Out, products...)
		if want == nil {
			want = got
			continue
		}
		for n, b := range got {
			if !bytes.Equal(b, want[n]) {
				t.Errorf("GOMAXPROCS=%d: %s differs", procs, n)
			}
		}
	}
}

// TestResume interrupts a run after each step and resumes it: the outputs
// are the bytes of an uninterrupted run.
func TestResume(t *testing.T) {
	whole := tinyOptions(t, "te", 5)
	runTo(t, whole)
	want := readOut(t, whole.Out, products...)
	o := tinyOptions(t, "te", 5)
	for i := 0; ; i++ {
		if i > 10 {
			t.Fatal("no progress")
		}
		ctx, cancel := context.WithCancel(context.Background())
		o.Progress = func(Progress) { cancel() }
		o.Resume = i > 0
		tr, err := NewTrainer(o)
		if err != nil {
			t.Fatal(err)
		}
		err = tr.Run(ctx)
		cancel()
		if err == nil {
			break
		}
		if err != ErrInterrupted {
			t.Fatal(err)
		}
	}
	got := readOut(t, o.Out, products...)
	for n, b := range got {
		if !bytes.Equal(b, want[n]) {
			t.Errorf("%s differs after resuming", n)
		}
	}
}
