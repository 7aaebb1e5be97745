package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcsim/tcsim/sim/safetensors"
)

var updateTrain = flag.Bool("update-train", false, "rewrite the tcsim train golden files in testdata/")

func trainRun(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(&out, &errb, append([]string{"train"}, args...))
	return code, out.String(), errb.String()
}

// tinyTrain is a run of a few steps that takes about a second.
var tinyTrain = []string{"--short", "--steps", "4", "--log-every", "2", "--batch-tokens", "256", "--ctx", "16", "--eval-seqs", "4"}

func TestTrainBadFlags(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "empty.txt"), nil, 0o644)
	used := filepath.Join(dir, "used")
	os.MkdirAll(used, 0o755)
	os.WriteFile(filepath.Join(used, "log.csv"), []byte("x"), 0o644)
	for _, args := range [][]string{
		{"--layers", "0"},
		{"--heads", "3"},
		{"--recipe", "fp7"},
		{"--nc", "wgrad=x"},
		{"--recipe", "deepseek", "--nc", "never"},
		{"--batch-tokens", "100"},
		{"--data", filepath.Join(dir, "missing.txt")},
		{"--data", filepath.Join(dir, "empty.txt")},
		{"--save-batch", filepath.Join(dir, "b.st")},
		{"--lr", "-1"},
		{"--bogus"},
		{"extra"},
		{"--resume", "--out", filepath.Join(dir, "none")},
		{"--short", "--out", used},
	} {
		code, out, errs := trainRun(args...)
		if code != 2 || out != "" || !strings.HasPrefix(errs, "tcsim train: ") || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
}

func TestTrainListRecipes(t *testing.T) {
	code, out, _ := trainRun("--list-recipes")
	if code != 0 || strings.Count(out, "\n") != 7*4 || !strings.Contains(out, "wgrad h100-wgmma-e4m3-e4m3 (e4m3×e4m3, F=13) N_c=128 scaling=blocks") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// TestTrainGolden runs a tiny deepseek training and compares its logs with
// golden files, byte for byte; it also checks the figures exist.
func TestTrainGolden(t *testing.T) {
	dir := t.TempDir()
	code, _, errs := trainRun(append(tinyTrain, "--out", dir)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, name := range []string{"log.csv", "gemm_errors.csv"} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", "train_"+name)
		if *updateTrain {
			os.WriteFile(golden, got, 0o644)
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s", name, golden)
		}
	}
	for _, f := range []string{"plots/loss.png", "plots/gemm_errors.png", "summary.json", "ckpt.safetensors"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() < 100 {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// TestTrainSaveBatch checks the cross-check file: nanoGPT names, the tied
// head, I64 batches and F64 gradients of every parameter.
func TestTrainSaveBatch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "b.safetensors")
	code, _, errs := trainRun(append(tinyTrain[:1], "--steps", "0", "--recipe", "fp32", "--save-batch", path)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	f, err := safetensors.Open(path, safetensors.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]string{
		"transformer.wte.weight": "F32 [256 32]", "lm_head.weight": "F32 [256 32]",
		"transformer.h.0.attn.c_attn.weight": "F32 [96 32]", "transformer.h.0.mlp.c_proj.weight": "F32 [32 128]",
		"batch.x": "I64 [16 32]", "batch.y": "I64 [16 32]", "loss": "F64 [1]",
		"grad.transformer.h.0.mlp.c_fc.bias": "F64 [128]", "grad.transformer.wpe.weight": "F64 [32 32]",
	}
	for name, w := range want {
		info, ok := f.Info(name)
		if !ok {
			t.Errorf("%s missing", name)
			continue
		}
		if s := fmt.Sprint(info.DType, " ", info.Shape); s != w {
			t.Errorf("%s: %s, want %s", name, s, w)
		}
	}
	loss, _ := f.Tensor("loss")
	v, _ := loss.Float64s()
	if !(v[0] > 5 && v[0] < 6) { // about ln 256 at initialisation
		t.Errorf("initial loss %v", v)
	}
}

// TestTrainInitFrom: starting from the weights a run saved reproduces its
// saved batch, loss and gradients byte for byte.
func TestTrainInitFrom(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.safetensors"), filepath.Join(dir, "b.safetensors")
	if code, _, errs := trainRun("--short", "--steps", "0", "--seed", "3", "--save-batch", a); code != 0 {
		t.Fatal(errs)
	}
	if code, _, errs := trainRun("--short", "--steps", "0", "--seed", "3", "--init-from", a, "--save-batch", b); code != 0 {
		t.Fatal(errs)
	}
	ba, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	if !bytes.Equal(ba, bb) {
		t.Error("a run started from saved weights differs")
	}
	c := filepath.Join(dir, "c.safetensors")
	if code, _, errs := trainRun("--short", "--steps", "0", "--seed", "4", "--init-from", a, "--save-batch", c); code != 0 {
		t.Fatal(errs)
	}
	fa, _ := safetensors.Open(a, safetensors.Limits{})
	fc, _ := safetensors.Open(c, safetensors.Limits{})
	defer fa.Close()
	defer fc.Close()
	wa, _ := fa.Tensor("transformer.h.0.mlp.c_fc.weight")
	wc, _ := fc.Tensor("transformer.h.0.mlp.c_fc.weight")
	if !bytes.Equal(wa.Data, wc.Data) {
		t.Error("--init-from did not replace the seed's weights")
	}
}
