package training

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/tcsim/tcsim/experiments/internal/lab"
	"github.com/tcsim/tcsim/sim/train/recipe"
)

// study is the decoded jobs of a study.
type study struct {
	sz   size
	rows map[string][]row // by job key
}

// final is the final validation loss of a job.
func (s *study) final(j job) float64 {
	r := s.rows[j.key()]
	return r[len(r)-1].val
}

func (s *study) seeds() []uint64 {
	v := make([]uint64, s.sz.arms.seeds)
	for i := range v {
		v[i] = uint64(i + 1)
	}
	return v
}

func armIndex(a string) int { return slices.IndexFunc(arms, func(x arm) bool { return x.name == a }) }

// armFinal is the final validation loss of arm a with seed s.
func (s *study) armFinal(a string, seed uint64) float64 {
	return s.final(job{part: armsPart, arm: armIndex(a), seed: seed})
}

// paired is the relative difference of arm a to arm b, per seed, in
// percent.
func (s *study) paired(a, b string) []float64 {
	var d []float64
	for _, seed := range s.seeds() {
		fa, fb := s.armFinal(a, seed), s.armFinal(b, seed)
		d = append(d, float64(100*(fa-fb))/fb)
	}
	return d
}

type stats struct{ mean, min, max, sd float64 }

// describe returns the mean, range and sample standard deviation of v,
// every rounding explicit (no fused multiply-adds on any CPU).
func describe(v []float64) stats {
	s := stats{min: math.Inf(1), max: math.Inf(-1)}
	for _, x := range v {
		s.mean += x / float64(len(v))
		s.min, s.max = min(s.min, x), max(s.max, x)
	}
	for _, x := range v {
		d := x - s.mean
		s.sd += float64(d * d)
	}
	if len(v) > 1 {
		s.sd = math.Sqrt(s.sd / float64(len(v)-1))
	}
	return s
}

// deepseekClaim judges DeepSeek-V3's "relative loss error below 0.25%"
// from the paired difference d (%) and the seed noise σ (%): the claim is
// decided only where the band d ± 2σ lies wholly on one side of ±0.25%.
func deepseekClaim(d, noise float64) string {
	switch {
	case math.Abs(d)+2*noise < 0.25:
		return "holds"
	case math.Abs(d)-2*noise >= 0.25:
		return "does not hold"
	}
	return "is undecided at this noise"
}

func result(sz size, done map[string]*jobFile, entropy float64) (*lab.Result, error) {
	st := &study{sz: sz, rows: map[string][]row{}}
	tab := lab.NewTable("part", "arm", "tokens_per_step", "nc", "fbits", "seed", "step", "tokens", "train_loss", "val_loss",
		"fprop_acc_err", "dgrad_acc_err", "wgrad_acc_err", "fprop_var_ratio", "dgrad_var_ratio", "wgrad_var_ratio")
	for _, j := range plan(sz) {
		f := done[j.key()]
		if f == nil {
			return nil, fmt.Errorf("job %s did not run", j.key())
		}
		rows, err := decode(f.Rows)
		if err != nil {
			return nil, fmt.Errorf("job %s: %v", j.key(), err)
		}
		st.rows[j.key()] = rows
		partName, armName, nc, fb := "arms", "", "", ""
		k := sz.arms.batchTokens
		if j.part == armsPart {
			armName = arms[j.arm].name
		} else {
			partName, k = "phase", j.k
			armName = [...]string{phaseFP32: "fp32", phaseExactAcc: "exact-acc", phaseDatapath: "datapath"}[j.arith]
			if j.arith == phaseDatapath {
				nc, fb = recipe.NcLabel(j.nc), fmt.Sprint(j.f)
			}
		}
		for _, r := range rows {
			tab.Add(partName, armName, k, nc, fb, int(j.seed), r.step, r.tokens, r.train, r.val,
				r.acc[0], r.acc[1], r.acc[2], r.vrr[0], r.vrr[1], r.vrr[2])
		}
	}

	fp := describe(st.armFinals("fp32"))
	noise := float64(100*fp.sd) / fp.mean // seed noise of the fp32 arm, % of its loss
	var body strings.Builder
	fmt.Fprintf(&body, "Final validation loss (nats per byte; unigram entropy of the validation text %.4f), paired "+
		"relative differences over %d seeds (same seed = same initial weights and batches in every arm). "+
		"Seed noise σ: the standard deviation of the fp32 arm's final loss across seeds, %.3f%% of it; "+
		"\"within noise\" means within ±2σ.\n\n", entropy, sz.arms.seeds, noise)
	body.WriteString("| arm | what | final val loss (mean) | vs fp32 (paired, %) | vs bf16 (paired, %) |\n| --- | --- | --- | --- | --- |\n")
	for _, a := range arms {
		d32, d16 := describe(st.paired(a.name, "fp32")), describe(st.paired(a.name, "bf16"))
		fmt.Fprintf(&body, "| %s | %s | %.4f | %+.3f [%+.3f, %+.3f] | %+.3f [%+.3f, %+.3f] |\n", a.name, a.what,
			describe(st.armFinals(a.name)).mean, d32.mean, d32.min, d32.max, d16.mean, d16.min, d16.max)
	}
	within := func(x float64) string {
		if math.Abs(x) <= 2*noise {
			return "within noise"
		}
		return "beyond noise"
	}
	ds := describe(st.paired("deepseek", "bf16"))
	va := deepseekClaim(ds.mean, noise)
	cost := func(a string) float64 { return describe(st.paired(a, "promoted")).mean }
	q := describe(st.paired("deepseek-exact", "fp32")).mean
	acc := describe(st.paired("deepseek", "deepseek-exact")).mean
	fmt.Fprintf(&body, "\n(a) deepseek vs bf16: %+.3f%% (seeds: %s); DeepSeek-V3 reports a relative loss error below 0.25%%.\n\n",
		ds.mean, pct(st.paired("deepseek", "bf16")))
	fmt.Fprintf(&body, "(b) Cost of fast accumulation against the same quantisation with promotion every 128 (arm promoted): "+
		"fprop only (te) %+.3f%%, wgrad only (fast-wgrad) %+.3f%%, everywhere (fast) %+.3f%% (%s); with a 25-bit accumulator (fast-f25) %+.3f%%.\n\n",
		cost("te"), cost("fast-wgrad"), cost("fast"), within(cost("fast")), cost("fast-f25"))
	fmt.Fprintf(&body, "(c) deepseek − fp32 = %+.3f%%: quantisation (deepseek-exact − fp32: the same quantisation with exact "+
		"accumulation) %+.3f%% (%s), accumulation (deepseek − deepseek-exact, paired) %+.3f%% (%s).\n\n",
		describe(st.paired("deepseek", "fp32")).mean, q, within(q), acc, within(acc))

	ph := st.phase()
	body.WriteString(ph.text())
	body.WriteString(st.vrrText())

	verdict := fmt.Sprintf("(a) DeepSeek's <0.25%% vs BF16 %s here (%+.3f%%, ±2σ = ±%.3f%%); (b) fast accumulation costs %+.3f%% in fprop, %+.3f%% in wgrad, "+
		"%+.3f%% in all GEMMs vs promotion (%s; seed noise σ %.3f%%); (c) of deepseek's %+.3f%% gap to fp32, quantisation %+.3f%%, accumulation %+.3f%%; "+
		"(d) phase diagram: %s",
		va, ds.mean, 2*noise, cost("te"), cost("fast-wgrad"), cost("fast"), within(cost("fast")), noise,
		describe(st.paired("deepseek", "fp32")).mean, q, acc, ph.verdict())
	a, p := sz.arms, sz.phase
	res := &lab.Result{
		Name:  name,
		Title: "Accumulation ablation: does fast accumulation hurt training?",
		Claim: "DeepSeek-V3's FP8 recipe stays within 0.25% relative loss of BF16; fast accumulation (no promotion), " +
			"used by Transformer Engine's forward GEMM and cuBLAS use_fast_accum, costs training quality.",
		Verdict: verdict,
		Setup: []string{
			fmt.Sprintf("Arms: nanoGPT GPT, %d layer(s), d = %d, %d heads, context %d, byte-level Opticks text (90/10 split); "+
				"%d steps of %d tokens (wgrad K = %d), AdamW (lr %g, cosine to lr/10, warmup %d), clip 1, weight decay 0.1.",
				a.layers, a.d, a.heads, a.ctx, a.steps, a.batchTokens, a.batchTokens, a.lr, a.steps/10),
			fmt.Sprintf("%d arms × %d paired seeds; validation on %d fixed sequences every %d steps, with the arm's own forward arithmetic.",
				len(arms), a.seeds, a.evalSeqs, a.logEvery),
			fmt.Sprintf("Phase diagram: %d layer(s), d = %d, %d heads, context %d; every point trains %d tokens in steps of K tokens "+
				"(K = %s, so %s steps); E4M3 per-tensor quantisation in all three GEMMs with the point's N_c (%s) and accumulator F (%s); "+
				"references at each K: fp32 over %d seeds (the noise band) and the same quantisation with exact accumulation; "+
				"the points and the exact reference run seed 1, paired with fp32's seed 1.",
				p.layers, p.d, p.heads, p.ctx, p.tokens, lab.JoinInts(p.ks), stepsList(p), ncList(p.ncs), lab.JoinInts(p.fs), p.seeds),
			"Every Linear GEMM runs on the simulated datapath (bit-exact Hopper wgmma models) or, for the exact-accumulation arms, " +
				"sums the quantised products exactly and rounds once to FP32; attention, norms and the LM head in FP32.",
			"GEMM errors and variance ratios are measured on the first 128 rows of every GEMM at each log step.",
			fmt.Sprintf("%d independent jobs (arm × seed, phase point × seed); `--shard i/n` runs a cost-balanced share of them and "+
				"`tcsim experiments merge training` joins the shards into these same bytes.", len(plan(sz))),
		},
		Body:    body.String(),
		Data:    tab,
		Figures: []*lab.Figure{st.lossFigure(entropy), st.diffFigure(noise), ph.figure(), st.vrrStepsFigure(), st.vrrFigure()},
	}
	switch sz.name {
	case "reduced":
		res.Size = "REDUCED study, `--reduced`: a smaller model, fewer steps and a coarser phase diagram; the numbers are noisier"
	case "short":
		res.Size = "REDUCED size (--short, the golden test's size; the numbers are noisier)"
	}
	return res, nil
}

func (s *study) armFinals(a string) []float64 {
	var v []float64
	for _, seed := range s.seeds() {
		v = append(v, s.armFinal(a, seed))
	}
	return v
}

func pct(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprintf("%+.3f%%", x)
	}
	return strings.Join(s, ", ")
}

func ncList(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = recipe.NcLabel(x)
	}
	return strings.Join(s, ", ")
}

func stepsList(p phaseSize) string {
	s := make([]string, len(p.ks))
	for i, k := range p.ks {
		s[i] = fmt.Sprint(p.tokens / k)
	}
	return strings.Join(s, ", ")
}

func (s *study) lossFigure(entropy float64) *lab.Figure {
	p := &lab.Panel{XLabel: "step", YLabel: "validation loss (nats per byte), mean over seeds", XScale: lab.Linear, YScale: lab.Linear}
	var legend []lab.LegendEntry
	for ai, a := range arms {
		var xs, ys []float64
		rows := s.rows[job{part: armsPart, arm: ai, seed: 1}.key()]
		for i, r := range rows {
			var v []float64
			for _, seed := range s.seeds() {
				v = append(v, s.rows[job{part: armsPart, arm: ai, seed: seed}.key()][i].val)
			}
			xs, ys = append(xs, float64(r.step)), append(ys, describe(v).mean)
		}
		st := lab.S(ai)
		p.Add(xs, ys, st)
		legend = append(legend, lab.LegendEntry{Name: a.name, Style: st})
	}
	p.Refs = []lab.Ref{{Y: entropy, Label: "unigram entropy"}}
	a := s.sz.arms
	return &lab.Figure{File: "loss_curves.png", Title: "Validation loss of every arm (mean over paired seeds)",
		Subtitle: fmt.Sprintf("%d layer(s), d = %d, %d tokens/step, %d seeds", a.layers, a.d, a.batchTokens, a.seeds),
		Panels:   [][]*lab.Panel{{p}}, Legend: legend, LegendTitle: "Arm", PanelW: 6 * vg.Inch, PanelH: 4 * vg.Inch,
		Caption: "The arms' curves lie on top of each other where accumulation does not matter; the final-loss differences are in the next figure."}
}

func (s *study) diffFigure(noise float64) *lab.Figure {
	p := &lab.Panel{XLabel: "arm", YLabel: "final val loss vs fp32 (paired, %)", XScale: lab.Linear, YScale: lab.Linear,
		XMin: -0.5, XMax: float64(len(arms)) - 0.5}
	seedStyle, meanStyle := lab.S(0).Points(), lab.S(1).Points().Big()
	for ai, a := range arms {
		d := s.paired(a.name, "fp32")
		xs := make([]float64, len(d))
		for i := range xs {
			xs[i] = float64(ai)
		}
		p.Add(xs, d, seedStyle)
		p.Add([]float64{float64(ai)}, []float64{describe(d).mean}, meanStyle)
		p.XTicks = append(p.XTicks, lab.Tick{Value: float64(ai), Label: a.name})
	}
	p.Refs = []lab.Ref{{Y: 2 * noise, Label: "+2σ seed noise"}, {Y: -2 * noise, Label: "−2σ"}, {Y: 0, Label: "fp32"}}
	// The y range fits the differences; the ±2σ lines are drawn when they
	// are within 3× of them (else the band would flatten every point).
	lim := 0.0
	for _, a := range arms {
		for _, d := range s.paired(a.name, "fp32") {
			lim = max(lim, math.Abs(d))
		}
	}
	lim = max(lim*1.15, 1e-3)
	band := "inside the plot"
	if 2*noise <= 3*lim {
		lim = max(lim, 2.2*noise)
	} else {
		band = "outside the plot: the seed noise dwarfs the differences"
	}
	p.YMin, p.YMax = -lim, lim
	return &lab.Figure{File: "paired_differences.png", Title: "Final validation loss relative to fp32, paired by seed",
		Subtitle: fmt.Sprintf("%d seeds; σ = seed-to-seed spread of the fp32 arm (%.3f%%); ±2σ lines %s", s.sz.arms.seeds, noise, band),
		Panels:   [][]*lab.Panel{{p}}, Legend: []lab.LegendEntry{{Name: "one seed", Style: seedStyle}, {Name: "mean", Style: meanStyle}},
		PanelW: 8.5 * vg.Inch, PanelH: 3.6 * vg.Inch,
		Caption: "A point is (arm − fp32)/fp32 of one seed's final validation loss; arms share initial weights and batches per seed."}
}
