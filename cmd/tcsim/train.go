package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/tcsim/tcsim/plots/trainplots"
	"github.com/tcsim/tcsim/sim/atomicfile"
	"github.com/tcsim/tcsim/sim/safetensors"
	"github.com/tcsim/tcsim/sim/train"
	"github.com/tcsim/tcsim/sim/train/backend"
	"github.com/tcsim/tcsim/sim/train/data"
	"github.com/tcsim/tcsim/sim/train/recipe"
)

const trainHelp = `tcsim train: train a small GPT in Go with every Linear GEMM on a simulated datapath.

The model is nanoGPT's GPT (learned positions, pre-LayerNorm blocks of causal
self-attention and a GELU MLP, tied LM head) on byte-level tokens of a text
(default: the Opticks text shipped with Go, 90%% train / 10%% validation).
Each Linear layer's three GEMMs (fprop, dgrad, wgrad; wgrad's K is the
tokens per step) run as the recipe says; attention, norms, softmax,
embeddings and the LM head stay in FP32. Master weights are FP32 and the
optimiser is AdamW with gradient clipping and warmup + cosine decay.

The default model (2 layers, d = 64, 4 heads, context 64, 120,576
parameters) trains 200 steps of 4096 tokens; --short trains a tiny one for
20 steps in seconds.

Usage:

  tcsim train [--recipe R] [knobs] [model and optimiser flags] [--out DIR]
  tcsim train --list-recipes

Recipes (--list-recipes prints each one line per GEMM kind):
  exact      float64 everywhere (gradient checks)
  fp32       FP32 GEMMs, CUDA-core FP32 accumulation (the baseline)
  bf16       BF16 operands on Hopper's BF16 wgmma datapath
  deepseek   E4M3, 1x128 activation tiles and 128x128 weight blocks, promotion every 128
  te         E4M3 per-tensor scaling; fast accumulation in fprop, promotion every 128 in dgrad/wgrad
  te-e5m2    te with E5M2 gradients (dgrad and wgrad A operands)
  fast       te with fast accumulation (no promotion) in all three GEMMs

Knobs change one GEMM kind or all: a value for all three, or kind=value,...
  --nc wgrad=never         fast accumulation only in wgrad
  --fbits 25               a wider (Blackwell-like) accumulator everywhere
  --acc exact              the recipe's quantisation with an exact accumulator
  --preset fprop=h100-wgmma-bf16 --scaling fprop=none

Outputs in --out: log.csv (step, tokens, lr, train_loss, val_loss,
grad_norm; byte-identical for the same flags on any machine), timing.csv
(wall seconds), gemm_errors.csv (every --log-every steps, per GEMM kind and
layer: error against the exact product of the quantised operands and
against the float64 product of the unquantised ones, variance ratio, and
the cosine of each weight gradient with an fp32 computation of the same
step), summary.json, ckpt.safetensors (nanoGPT names, PyTorch layout),
state.safetensors (for --resume) and plots/{loss.png,gemm_errors.png}.
Ctrl-C saves the state; --resume continues bit for bit.

Flags:
%s
Examples:

  tcsim train --recipe deepseek --out /tmp/ds
  tcsim train --recipe te --nc wgrad=never --out /tmp/te-fast-wgrad
  tcsim train --short --recipe fast
  tcsim train --recipe fp32 --steps 0 --save-batch /tmp/batch.safetensors
  tcsim train --export-batches /tmp/order.safetensors
  tcsim train --recipe bf16 --init-from /tmp/ds/ckpt.safetensors --out /tmp/bf16
`

func runTrain(stdout, stderr io.Writer, args []string) int {
	fs := pflag.NewFlagSet("train", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	recipeName := fs.String("recipe", "deepseek", "training `recipe` (see --list-recipes)")
	list := fs.Bool("list-recipes", false, "print every recipe, one line per GEMM kind, and exit")
	knobs := map[recipe.Knob]*string{}
	for _, k := range []struct {
		knob recipe.Knob
		help string
	}{
		{recipe.KnobPreset, "datapath `preset` (or fp32, float64), for all kinds or kind=preset,..."},
		{recipe.KnobNc, "promotion interval `N_c` (a multiple of the instruction K, or never)"},
		{recipe.KnobScaling, "quantisation `scaling`: none, tensor or blocks (1x128 / 128x128)"},
		{recipe.KnobFbits, "what-if accumulator fraction `bits` F (13 is Hopper FP8, 25 Blackwell)"},
		{recipe.KnobAcc, "`accumulation` of quantised GEMMs: datapath, or exact (same quantisation, ideal accumulator)"},
	} {
		knobs[k.knob] = fs.String(k.knob.String(), "", k.help)
	}
	layers := fs.Int("layers", 2, "transformer blocks")
	d := fs.Int("d", 64, "model width")
	heads := fs.Int("heads", 4, "attention heads")
	ctxLen := fs.Int("ctx", 64, "context length (tokens per sequence)")
	batchTokens := fs.Int("batch-tokens", 4096, "tokens per step (a multiple of --ctx): wgrad's K")
	bias := fs.Bool("bias", true, "biases in Linear layers and LayerNorms")
	steps := fs.Int("steps", 200, "optimiser steps")
	lr := fs.Float64("lr", 3e-3, "peak learning rate")
	minLR := fs.Float64("min-lr", -1, "final learning rate (default --lr/10)")
	warmup := fs.Int("warmup", -1, "warmup steps (default --steps/10)")
	wd := fs.Float64("weight-decay", 0.1, "AdamW decoupled weight decay (matrices and embeddings)")
	beta1 := fs.Float64("beta1", 0.9, "AdamW beta1")
	beta2 := fs.Float64("beta2", 0.99, "AdamW beta2")
	clip := fs.Float64("clip", 1, "gradient-norm clip (0: none)")
	seed := fs.Uint64("seed", 1, "seed of the initial weights and the batch order")
	logEvery := fs.Int("log-every", 20, "log, evaluate and probe GEMM errors every this many steps")
	evalSeqs := fs.Int("eval-seqs", 64, "validation sequences of --ctx tokens")
	dataPath := fs.String("data", "", "text `file` (default $(go env GOROOT)/src/testdata/Isaac.Newton-Opticks.txt)")
	out := fs.String("out", "tcsim-train", "output `directory`")
	initFrom := fs.String("init-from", "", "start from the weights of a safetensors `checkpoint`")
	resume := fs.Bool("resume", false, "continue the interrupted run in --out")
	short := fs.Bool("short", false, "a tiny model and 20 steps, for a test in seconds")
	saveBatch := fs.String("save-batch", "", "with --steps 0: write weights, first batch, loss and gradients to this `file`")
	exportBatches := fs.String("export-batches", "", "write every step's batch offsets and the validation offsets to this `file`, and exit")
	noShadow := fs.Bool("no-shadow", false, "skip the fp32 shadow gradients at log steps")
	if code, ok := parseFlags(fs, args, stdout, stderr, func() string { return fmt.Sprintf(trainHelp, fs.FlagUsages()) }); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(stderr, "train", "unexpected argument "+strconv.Quote(fs.Arg(0)))
	}
	if *list {
		io.WriteString(stdout, recipe.List())
		return 0
	}
	if *short {
		for name, v := range map[string]any{"layers": layers, "d": d, "heads": heads, "ctx": ctxLen, "batch-tokens": batchTokens,
			"steps": steps, "log-every": logEvery, "eval-seqs": evalSeqs} {
			if fs.Changed(name) {
				continue
			}
			p := v.(*int)
			*p = map[string]int{"layers": 1, "d": 32, "heads": 2, "ctx": 32, "batch-tokens": 512, "steps": 20,
				"log-every": 5, "eval-seqs": 16}[name]
		}
	}
	rc, err := recipe.Named(*recipeName)
	if err != nil {
		return usageError(stderr, "train", err.Error())
	}
	for _, k := range recipe.Knobs() {
		if fs.Changed(k.String()) {
			if err := rc.Set(k, *knobs[k]); err != nil {
				return usageError(stderr, "train", err.Error())
			}
		}
	}
	if *minLR < 0 {
		*minLR = *lr / 10
	}
	if *warmup < 0 {
		*warmup = *steps / 10
	}
	if *dataPath == "" {
		*dataPath = data.DefaultPath()
	}
	if *saveBatch != "" && *steps != 0 {
		return usageError(stderr, "train", "--save-batch needs --steps 0")
	}
	if *exportBatches != "" && (*saveBatch != "" || *resume) {
		return usageError(stderr, "train", "--export-batches runs alone")
	}
	o := train.Options{
		Model:  train.Config{Layers: *layers, D: *d, Heads: *heads, Ctx: *ctxLen, Vocab: data.Vocab, Bias: *bias},
		Recipe: rc,
		Hyper: train.Hyper{LR: *lr, MinLR: *minLR, Warmup: *warmup, Steps: *steps, Beta1: *beta1, Beta2: *beta2,
			Eps: 1e-8, WeightDecay: *wd, Clip: *clip},
		BatchTokens: *batchTokens, Seed: *seed, LogEvery: *logEvery, EvalSeqs: *evalSeqs,
		Out: *out, InitFrom: *initFrom, Resume: *resume, Shadow: !*noShadow,
	}
	corpus, err := data.Load(*dataPath, *ctxLen)
	if err != nil {
		return usageError(stderr, "train", err.Error())
	}
	o.Corpus = corpus
	if err := o.Check(); err != nil {
		return usageError(stderr, "train", err.Error())
	}
	if *exportBatches != "" {
		return exportOrder(stdout, stderr, o, *exportBatches)
	}
	if *saveBatch != "" {
		return saveFirstBatch(stdout, stderr, o, *saveBatch)
	}
	if *resume && !train.HasState(*out) {
		return usageError(stderr, "train", fmt.Sprintf("nothing to resume in %s", *out))
	}
	if !*resume {
		for _, f := range []string{train.LogFile, "state.safetensors", "ckpt.safetensors"} {
			if _, err := os.Stat(filepath.Join(*out, f)); err == nil {
				return usageError(stderr, "train", fmt.Sprintf("%s holds a previous run: use --resume or another --out", *out))
			}
		}
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintf(stderr, "tcsim train: %v\n", err)
		return 1
	}
	start := time.Now()
	o.Progress = trainProgress(stderr, start)
	tr, err := train.NewTrainer(o)
	if err != nil {
		if errors.Is(err, train.ErrState) {
			return usageError(stderr, "train", err.Error())
		}
		fmt.Fprintf(stderr, "tcsim train: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "tcsim train: %d parameters, %d tokens/step, %d steps\n%s", tr.Model.NumParams(), *batchTokens, *steps, rc.Describe())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = tr.Run(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "\ntcsim train: %v\n", err)
		return 1
	}
	sum := tr.Summary(data.UnigramEntropy(corpus.Val), time.Since(start).Seconds(), runtime.GOMAXPROCS(0))
	if err := tr.WriteSummary(sum); err != nil {
		fmt.Fprintf(stderr, "tcsim train: %v\n", err)
		return 1
	}
	figs, err := trainplots.Figures(filepath.Join(*out, "plots"), tr.Model.NumParams(), o, tr.Log, tr.Errors, sum.UnigramEntropy)
	if err != nil {
		fmt.Fprintf(stderr, "tcsim train: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "final train loss %.4f, validation loss %.4f nats (unigram entropy of the validation text %.4f)\n",
		sum.FinalTrainLoss, sum.FinalValLoss, sum.UnigramEntropy)
	fmt.Fprintf(stdout, "wrote %s: %s, %s, %s, summary.json, ckpt.safetensors", *out, train.LogFile, train.ErrorsFile, train.TimingFile)
	for _, f := range figs {
		fmt.Fprintf(stdout, ", %s", f)
	}
	fmt.Fprintln(stdout)
	return 0
}

// trainProgress prints a step's progress and ETA on stderr: redrawn in
// place on a terminal, a line every 10 seconds otherwise.
func trainProgress(w io.Writer, start time.Time) func(train.Progress) {
	tty := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	last := start
	return func(p train.Progress) {
		now := time.Now()
		per := p.Elapsed / time.Duration(p.Done)
		line := fmt.Sprintf("step %d/%d  loss %.4f  %.2f s/step  ETA %s", p.Step, p.Steps, p.Loss, per.Seconds(),
			(per * time.Duration(p.Steps-p.Step)).Round(time.Second))
		switch {
		case tty:
			fmt.Fprintf(w, "\r%-70s", line)
			if p.Step == p.Steps {
				fmt.Fprintln(w)
			}
		case now.Sub(last) >= plainEvery || p.Step == p.Steps:
			fmt.Fprintln(w, line)
			last = now
		}
	}
}

// saveFirstBatch writes, for external cross-checks, the initial weights,
// the first batch, its loss and every parameter's gradient computed with
// the recipe's arithmetic.
func saveFirstBatch(stdout, stderr io.Writer, o train.Options, path string) int {
	tr, err := train.NewTrainer(o)
	if err != nil {
		fmt.Fprintf(stderr, "tcsim train: %v\n", err)
		return 1
	}
	tok, tgt := tr.Batch(0)
	loss, grads, err := tr.LossAndGrads(&backend.Backend{Recipe: o.Recipe}, tok, tgt)
	if err != nil {
		fmt.Fprintf(stderr, "tcsim train: %v\n", err)
		return 1
	}
	ts := tr.Model.WeightTensors(o.Recipe.Exact64)
	bsz := tr.BatchSize()
	x, y := make([]int64, len(tok)), make([]int64, len(tgt))
	for i := range tok {
		x[i], y[i] = int64(tok[i]), int64(tgt[i])
	}
	ts = append(ts, safetensors.FromInt64("batch.x", []int{bsz, o.Model.Ctx}, x),
		safetensors.FromInt64("batch.y", []int{bsz, o.Model.Ctx}, y),
		safetensors.FromFloat64("loss", []int{1}, []float64{loss}))
	for i, p := range tr.Model.Params {
		ts = append(ts, safetensors.FromFloat64("grad."+p.Name, p.Shape, grads[i]))
	}
	b, err := safetensors.Encode(ts, map[string]string{"recipe": o.Recipe.Name, "seed": strconv.FormatUint(o.Seed, 10)})
	if err == nil {
		err = atomicfile.WriteFile(path, b)
	}
	if err != nil {
		fmt.Fprintf(stderr, "tcsim train: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s: weights, batch.x, batch.y (%d×%d), loss %.6f, %d gradients (%s)\n", path, bsz, o.Model.Ctx, loss, len(grads), o.Recipe.Name)
	return 0
}

// exportOrder writes the data order: batch.offsets (steps × batch) into
// the training split and val.offsets into the validation split.
func exportOrder(stdout, stderr io.Writer, o train.Options, path string) int {
	c := o.Corpus
	bsz := o.BatchTokens / o.Model.Ctx
	offs := make([]int64, 0, o.Hyper.Steps*bsz)
	for s := range o.Hyper.Steps {
		for _, v := range c.Offsets(o.Seed, s, bsz, o.Model.Ctx) {
			offs = append(offs, int64(v))
		}
	}
	var val []int64
	for _, v := range c.ValOffsets(o.EvalSeqs, o.Model.Ctx) {
		val = append(val, int64(v))
	}
	meta := map[string]string{"data": filepath.Base(c.Path), "data_bytes": strconv.Itoa(len(c.Train) + len(c.Val)),
		"split": strconv.Itoa(c.Split()), "ctx": strconv.Itoa(o.Model.Ctx), "seed": strconv.FormatUint(o.Seed, 10),
		"usage": "x = data[o:o+ctx], y = data[o+1:o+ctx+1]; batch offsets index data[:split], val offsets data[split:]"}
	b, err := safetensors.Encode([]safetensors.Tensor{
		safetensors.FromInt64("batch.offsets", []int{o.Hyper.Steps, bsz}, offs),
		safetensors.FromInt64("val.offsets", []int{len(val)}, val),
	}, meta)
	if err == nil {
		err = atomicfile.WriteFile(path, b)
	}
	if err != nil {
		fmt.Fprintf(stderr, "tcsim train: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s: batch.offsets (%d×%d), val.offsets (%d)\n", path, o.Hyper.Steps, bsz, len(val))
	return 0
}
