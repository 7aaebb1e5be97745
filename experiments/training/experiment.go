package training

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/tcsim/tcsim/experiments/internal/lab"
	"github.com/tcsim/tcsim/sim/parallel"
	"github.com/tcsim/tcsim/sim/train"
	"github.com/tcsim/tcsim/sim/train/data"
	"github.com/tcsim/tcsim/sim/train/recipe"
)

const name = "training"

// arm is one recipe of the study.
type arm struct {
	name, what string
	base       string
	knobs      [][2]string // knob, spec
}

var arms = []arm{
	{"fp32", "FP32 GEMMs, CUDA-core accumulation (the baseline)", "fp32", nil},
	{"bf16", "BF16 operands, Hopper BF16 wgmma (F = 25), no promotion", "bf16", nil},
	{"deepseek", "E4M3, 1×128 / 128×128 scales, promotion every 128 (DeepSeek-V3)", "deepseek", nil},
	{"deepseek-f25", "deepseek's quantisation with a 25-bit (Blackwell) accumulator", "deepseek", [][2]string{{"fbits", "25"}}},
	{"promoted", "E4M3 per-tensor, promotion every 128 in all three GEMMs", "te", [][2]string{{"nc", "fprop=128"}}},
	{"te", "promoted, but fast accumulation in fprop (Transformer Engine default)", "te", nil},
	{"fast-wgrad", "promoted, but fast accumulation in wgrad only", "te", [][2]string{{"nc", "fprop=128,wgrad=never"}}},
	{"fast", "fast accumulation (no promotion) in all three GEMMs", "fast", nil},
	{"fast-f25", "fast with a 25-bit (Blackwell) accumulator", "fast", [][2]string{{"fbits", "25"}}},
}

func (a arm) recipe() (recipe.Recipe, error) {
	r, err := recipe.Named(a.base)
	if err != nil {
		return r, err
	}
	for _, k := range a.knobs {
		knob := map[string]recipe.Knob{"nc": recipe.KnobNc, "fbits": recipe.KnobFbits}[k[0]]
		if err := r.Set(knob, k[1]); err != nil {
			return r, err
		}
	}
	r.Name = a.name
	return r, r.Check()
}

// size is the scale of the study.
type size struct {
	layers, d, heads, ctx, batchTokens, steps, seeds, logEvery, evalSeqs int
	lr                                                                   float64
}

var (
	full  = size{layers: 1, d: 64, heads: 4, ctx: 64, batchTokens: 4096, steps: 120, seeds: 3, logEvery: 20, evalSeqs: 32, lr: 3e-3}
	short = size{layers: 1, d: 32, heads: 2, ctx: 16, batchTokens: 256, steps: 4, seeds: 2, logEvery: 2, evalSeqs: 4, lr: 3e-3}
)

// job is one (arm, seed) training run's outcome.
type job struct {
	arm  int
	seed uint64
	log  []train.LogRow
	errs []train.ErrorRow
}

// Run runs the study.
func Run(ctx context.Context, cfg lab.Config) (*lab.Result, error) {
	sz := full
	if cfg.Short {
		sz = short
	}
	corpus, err := data.Load(data.DefaultPath(), sz.ctx)
	if err != nil {
		return nil, err
	}
	jobs := make([]job, 0, len(arms)*sz.seeds)
	for a := range arms {
		for s := range sz.seeds {
			jobs = append(jobs, job{arm: a, seed: uint64(s + 1)})
		}
	}
	err = parallel.For(ctx, len(jobs), 0, func(i int) error {
		j := &jobs[i]
		r, err := arms[j.arm].recipe()
		if err != nil {
			return err
		}
		tr, err := train.NewTrainer(train.Options{
			Model:  train.Config{Layers: sz.layers, D: sz.d, Heads: sz.heads, Ctx: sz.ctx, Vocab: data.Vocab, Bias: true},
			Recipe: r,
			Hyper: train.Hyper{LR: sz.lr, MinLR: sz.lr / 10, Warmup: sz.steps / 10, Steps: sz.steps, Beta1: 0.9, Beta2: 0.99,
				Eps: 1e-8, WeightDecay: 0.1, Clip: 1},
			BatchTokens: sz.batchTokens, Seed: j.seed, LogEvery: sz.logEvery, EvalSeqs: sz.evalSeqs, Corpus: corpus,
		})
		if err != nil {
			return err
		}
		if err := tr.Run(ctx); err != nil {
			return fmt.Errorf("%s seed %d: %v", arms[j.arm].name, j.seed, err)
		}
		j.log, j.errs = tr.Log, tr.Errors
		return nil
	})
	if err != nil {
		return nil, err
	}
	return result(sz, jobs, data.UnigramEntropy(corpus.Val)), nil
}

// kindMeans returns, for one log step of a job, the mean over layers of
// the accumulation error and the variance ratio per GEMM kind, and each
// kind's K.
func kindMeans(errs []train.ErrorRow, step int) (acc, vrr [recipe.NumKinds]float64, k [recipe.NumKinds]int) {
	var n [recipe.NumKinds]int
	for _, e := range errs {
		if e.Step != step {
			continue
		}
		acc[e.Kind] += e.Acc.NormRel
		vrr[e.Kind] += e.VarRatio
		k[e.Kind] = max(k[e.Kind], e.K)
		n[e.Kind]++
	}
	for i := range n {
		if n[i] == 0 {
			acc[i], vrr[i] = math.NaN(), math.NaN()
			continue
		}
		acc[i] /= float64(n[i])
		vrr[i] /= float64(n[i])
	}
	return acc, vrr, k
}

// PredictedVRR is the first-order variance retention of n i.i.d.
// zero-mean products summed in an accumulator with m fraction bits,
// ignoring truncation bias: 1 − (1/n)·Σ_{i=2..n} (2/π)·arctan(2^−m·√(i−1)).
func PredictedVRR(n, m int) float64 {
	s := 0.0
	for i := 2; i <= n; i++ {
		s += 2 / math.Pi * math.Atan(math.Ldexp(math.Sqrt(float64(i-1)), -m))
	}
	return 1 - s/float64(n)
}

type stats struct{ mean, min, max, sd float64 }

func describe(v []float64) stats {
	s := stats{min: math.Inf(1), max: math.Inf(-1)}
	for _, x := range v {
		s.mean += x / float64(len(v))
		s.min, s.max = min(s.min, x), max(s.max, x)
	}
	for _, x := range v {
		s.sd += (x - s.mean) * (x - s.mean)
	}
	if len(v) > 1 {
		s.sd = math.Sqrt(s.sd / float64(len(v)-1))
	}
	return s
}

func result(sz size, jobs []job, entropy float64) *lab.Result {
	tab := lab.NewTable("arm", "seed", "step", "tokens", "train_loss", "val_loss",
		"fprop_acc_err", "dgrad_acc_err", "wgrad_acc_err", "fprop_var_ratio", "dgrad_var_ratio", "wgrad_var_ratio")
	final := map[string]map[uint64]float64{}
	for _, j := range jobs {
		a := arms[j.arm].name
		if final[a] == nil {
			final[a] = map[uint64]float64{}
		}
		for _, l := range j.log {
			acc, vrr, _ := kindMeans(j.errs, l.Step)
			tab.Add(a, int(j.seed), l.Step, l.Tokens, l.TrainLoss, l.ValLoss, acc[0], acc[1], acc[2], vrr[0], vrr[1], vrr[2])
		}
		final[a][j.seed] = j.log[len(j.log)-1].ValLoss
	}
	seeds := make([]uint64, sz.seeds)
	for i := range seeds {
		seeds[i] = uint64(i + 1)
	}
	// paired relative difference of arm a to arm b, per seed, in percent.
	paired := func(a, b string) []float64 {
		var d []float64
		for _, s := range seeds {
			d = append(d, 100*(final[a][s]-final[b][s])/final[b][s])
		}
		return d
	}
	fp := describe(func() []float64 {
		var v []float64
		for _, s := range seeds {
			v = append(v, final["fp32"][s])
		}
		return v
	}())
	noise := 100 * fp.sd / fp.mean // seed noise of the fp32 arm, % of its loss
	var body strings.Builder
	fmt.Fprintf(&body, "Final validation loss (nats per byte; unigram entropy of the validation text %.4f), paired "+
		"relative differences over %d seeds (same seed = same initial weights and batches in every arm). "+
		"Seed noise: the standard deviation of the fp32 arm's final loss across seeds, %.3f%% of it.\n\n", entropy, sz.seeds, noise)
	body.WriteString("| arm | what | final val loss (mean) | vs fp32 (paired, %) | vs bf16 (paired, %) |\n| --- | --- | --- | --- | --- |\n")
	for _, a := range arms {
		var v []float64
		for _, s := range seeds {
			v = append(v, final[a.name][s])
		}
		d32, d16 := describe(paired(a.name, "fp32")), describe(paired(a.name, "bf16"))
		fmt.Fprintf(&body, "| %s | %s | %.4f | %+.3f [%+.3f, %+.3f] | %+.3f [%+.3f, %+.3f] |\n", a.name, a.what, describe(v).mean,
			d32.mean, d32.min, d32.max, d16.mean, d16.min, d16.max)
	}
	// Verdicts.
	ds := describe(paired("deepseek", "bf16"))
	va := "holds"
	if math.Abs(ds.mean) >= 0.25 {
		va = "does not hold"
	}
	cost := func(a string) float64 { return describe(paired(a, "promoted")).mean }
	within := func(x float64) string {
		if math.Abs(x) <= 2*noise {
			return "within noise"
		}
		return "beyond noise"
	}
	q := describe(paired("deepseek-f25", "fp32")).mean
	acc := describe(paired("deepseek", "deepseek-f25")).mean
	verdict := fmt.Sprintf("(a) DeepSeek's <0.25%% vs BF16 %s here (%+.3f%%); (b) fast accumulation costs %+.3f%% in fprop, %+.3f%% in wgrad, "+
		"%+.3f%% in all GEMMs vs promotion (%s; seed noise %.3f%%); (c) of deepseek's gap to fp32, quantisation %+.3f%%, accumulation %+.3f%%",
		va, ds.mean, cost("te"), cost("fast-wgrad"), cost("fast"), within(cost("fast")), noise, q, acc)
	fmt.Fprintf(&body, "\n(a) deepseek vs bf16: %+.3f%% (seeds: %s).\n\n", ds.mean, pct(paired("deepseek", "bf16")))
	fmt.Fprintf(&body, "(b) Cost of fast accumulation against the same quantisation with promotion every 128 (arm promoted): "+
		"fprop only (te) %+.3f%%, wgrad only %+.3f%%, everywhere (fast) %+.3f%%; with a 25-bit accumulator (fast-f25) %+.3f%%.\n\n",
		cost("te"), cost("fast-wgrad"), cost("fast"), cost("fast-f25"))
	fmt.Fprintf(&body, "(c) deepseek − fp32 = %+.3f%%: quantisation (deepseek-f25 − fp32) %+.3f%%, accumulation (deepseek − deepseek-f25) %+.3f%%.\n\n",
		describe(paired("deepseek", "fp32")).mean, q, acc)
	body.WriteString(vrrText(jobs))
	return &lab.Result{
		Name:  name,
		Title: "Accumulation ablation: does fast accumulation hurt training?",
		Claim: "DeepSeek-V3's FP8 recipe stays within 0.25% relative loss of BF16; fast accumulation (no promotion), " +
			"used by Transformer Engine's forward GEMM and cuBLAS use_fast_accum, costs training quality.",
		Verdict: verdict,
		Setup: []string{
			fmt.Sprintf("Model: nanoGPT GPT, %d layer(s), d = %d, %d heads, context %d, byte-level Opticks text (90/10 split).", sz.layers, sz.d, sz.heads, sz.ctx),
			fmt.Sprintf("%d steps of %d tokens (wgrad K = %d), AdamW (lr %g, cosine to lr/10, warmup %d), clip 1, weight decay 0.1.", sz.steps, sz.batchTokens, sz.batchTokens, sz.lr, sz.steps/10),
			fmt.Sprintf("%d arms × %d paired seeds; validation on %d fixed sequences every %d steps, with the arm's own forward arithmetic.", len(arms), sz.seeds, sz.evalSeqs, sz.logEvery),
			"Every Linear GEMM runs on the simulated datapath (bit-exact Hopper wgmma models); attention, norms and the LM head in FP32.",
			"GEMM errors and variance ratios are measured on the first 128 rows of every GEMM at each log step.",
			"Not done yet: the phase diagram over wgrad K × N_c × F, and sharding (--shard i/n); this is the reduced study.",
		},
		Body:    body.String(),
		Data:    tab,
		Figures: []*lab.Figure{lossFigure(sz, jobs, entropy), diffFigure(sz, paired, noise), vrrFigure(jobs)},
	}
}

func pct(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprintf("%+.3f%%", x)
	}
	return strings.Join(s, ", ")
}

// vrrText compares the measured variance ratio of the fast arm's GEMMs
// with the first-order prediction.
func vrrText(jobs []job) string {
	var b strings.Builder
	b.WriteString("Variance retention Var(simulated)/Var(exact) of the fast arm (no promotion, Hopper F = 13), mean over layers, " +
		"seeds and log steps, against the first-order prediction for n = K i.i.d. zero-mean products and m = 13 fraction bits:\n\n" +
		"| kind | K | measured | predicted |\n| --- | --- | --- | --- |\n")
	for _, kind := range recipe.Kinds() {
		m, k := measuredVRR(jobs, "fast", kind)
		fmt.Fprintf(&b, "| %s | %d | %.6f | %.6f |\n", kind, k, m, PredictedVRR(k, 13))
	}
	b.WriteString("\nThe prediction ignores the truncation bias and the exponent alignment to the largest term of each 32-product step, " +
		"so it is a first-order guide only (Sakr et al., \"Accumulation bit-width scaling for ultra-low precision training of " +
		"deep networks\", ICLR 2019, arXiv 1901.06588, define the variance retention ratio and derive the minimum accumulator width from it).\n")
	return b.String()
}

func measuredVRR(jobs []job, armName string, kind recipe.Kind) (float64, int) {
	var v []float64
	k := 0
	for _, j := range jobs {
		if arms[j.arm].name != armName {
			continue
		}
		for _, e := range j.errs {
			if e.Kind == kind && !math.IsNaN(e.VarRatio) {
				v = append(v, e.VarRatio)
				k = max(k, e.K)
			}
		}
	}
	if len(v) == 0 {
		return math.NaN(), k
	}
	return describe(v).mean, k
}

func lossFigure(sz size, jobs []job, entropy float64) *lab.Figure {
	p := &lab.Panel{XLabel: "step", YLabel: "validation loss (nats per byte), mean over seeds", XScale: lab.Linear, YScale: lab.Linear}
	var legend []lab.LegendEntry
	for ai, a := range arms {
		var xs, ys []float64
		byStep := map[int][]float64{}
		var steps []int
		for _, j := range jobs {
			if j.arm != ai {
				continue
			}
			for _, l := range j.log {
				if byStep[l.Step] == nil {
					steps = append(steps, l.Step)
				}
				byStep[l.Step] = append(byStep[l.Step], l.ValLoss)
			}
		}
		slices.Sort(steps)
		for _, s := range steps {
			xs, ys = append(xs, float64(s)), append(ys, describe(byStep[s]).mean)
		}
		st := lab.S(ai)
		p.Add(xs, ys, st)
		legend = append(legend, lab.LegendEntry{Name: a.name, Style: st})
	}
	p.Refs = []lab.Ref{{Y: entropy, Label: "unigram entropy"}}
	return &lab.Figure{File: "loss_curves.png", Title: "Validation loss of every arm (mean over paired seeds)",
		Subtitle: fmt.Sprintf("%d layer(s), d = %d, %d tokens/step, %d seeds", sz.layers, sz.d, sz.batchTokens, sz.seeds),
		Panels:   [][]*lab.Panel{{p}}, Legend: legend, LegendTitle: "Arm", PanelW: 6 * vg.Inch, PanelH: 4 * vg.Inch,
		Caption: "The arms' curves lie on top of each other where accumulation does not matter; the final-loss differences are in the next figure."}
}

func diffFigure(sz size, paired func(a, b string) []float64, noise float64) *lab.Figure {
	p := &lab.Panel{XLabel: "arm", YLabel: "final val loss vs fp32 (paired, %)", XScale: lab.Linear, YScale: lab.Linear,
		XMin: -0.5, XMax: float64(len(arms)) - 0.5}
	seedStyle, meanStyle := lab.S(0).Points(), lab.S(1).Points().Big()
	for ai, a := range arms {
		d := paired(a.name, "fp32")
		xs := make([]float64, len(d))
		for i := range xs {
			xs[i] = float64(ai)
		}
		p.Add(xs, d, seedStyle)
		p.Add([]float64{float64(ai)}, []float64{describe(d).mean}, meanStyle)
		p.XTicks = append(p.XTicks, lab.Tick{Value: float64(ai), Label: a.name})
	}
	p.Refs = []lab.Ref{{Y: 2 * noise, Label: "+2σ seed noise"}, {Y: -2 * noise, Label: "−2σ"}, {Y: 0, Label: "fp32"}}
	return &lab.Figure{File: "paired_differences.png", Title: "Final validation loss relative to fp32, paired by seed",
		Subtitle: fmt.Sprintf("%d seeds; σ = seed-to-seed spread of the fp32 arm (%.3f%%)", sz.seeds, noise),
		Panels:   [][]*lab.Panel{{p}}, Legend: []lab.LegendEntry{{Name: "one seed", Style: seedStyle}, {Name: "mean", Style: meanStyle}},
		PanelW: 7.5 * vg.Inch, PanelH: 3.6 * vg.Inch,
		Caption: "A point is (arm − fp32)/fp32 of one seed's final validation loss; arms share initial weights and batches per seed."}
}

func vrrFigure(jobs []job) *lab.Figure {
	p := &lab.Panel{XLabel: "accumulation length n (products)", YLabel: "1 − variance retention ratio", XScale: lab.Log2, YScale: lab.Log10}
	var ns []float64
	for n := 16; n <= 1<<14; n *= 2 {
		ns = append(ns, float64(n))
	}
	pred := func(m int) []float64 {
		v := make([]float64, len(ns))
		for i, n := range ns {
			v[i] = 1 - PredictedVRR(int(n), m)
		}
		return v
	}
	s13, s25 := lab.S(0).Dashed(), lab.S(2).Dashed()
	s13.Glyph, s25.Glyph = nil, nil
	p.Add(ns, pred(13), s13)
	p.Add(ns, pred(25), s25)
	legend := []lab.LegendEntry{{Name: "predicted, m = 13", Style: s13}, {Name: "predicted, m = 25", Style: s25}}
	for i, a := range []string{"fast", "fast-f25", "deepseek"} {
		var xs, ys []float64
		for _, kind := range recipe.Kinds() {
			m, k := measuredVRR(jobs, a, kind)
			xs, ys = append(xs, float64(k)), append(ys, 1-m)
		}
		st := lab.S(3 + i).Points().Big()
		p.Add(xs, ys, st)
		legend = append(legend, lab.LegendEntry{Name: "measured, " + a, Style: st})
	}
	return &lab.Figure{File: "variance_retention.png", Title: "Variance retention of the training GEMMs against the first-order prediction",
		Subtitle: "measured: Var(D)/Var(exact) per GEMM kind (x = its K), mean over layers, seeds and log steps",
		Panels:   [][]*lab.Panel{{p}}, Legend: legend, LegendTitle: "Series", PanelW: 6 * vg.Inch, PanelH: 4 * vg.Inch,
		Caption: "Ratios at or above 1 (no variance lost) cannot be drawn on the log axis. deepseek promotes every 128, so its effective n is 128, not K."}
}
