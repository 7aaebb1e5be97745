package training

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/tcsim/tcsim/experiments/internal/lab"
	"github.com/tcsim/tcsim/sim/train/recipe"
)

// PredictedVRR is the first-order variance retention of n i.i.d.
// zero-mean products summed in an accumulator with m fraction bits,
// ignoring truncation bias: 1 − (1/n)·Σ_{i=2..n} (2/π)·arctan(2^−m·√(i−1)).
func PredictedVRR(n, m int) float64 {
	s := 0.0
	for i := 2; i <= n; i++ {
		s += float64(2/math.Pi) * atan(math.Ldexp(math.Sqrt(float64(i-1)), -m))
	}
	return 1 - s/float64(n)
}

// atan is arctan x for x ≥ 0 with every rounding explicit, so that it
// gives the same bits on every CPU (math.Atan's polynomial may be fused
// into multiply-adds on some): the argument is halved by
// atan x = 2·atan(x / (1 + √(1+x²))) until it is below 1/8, then the
// Taylor series is summed to float64 precision.
func atan(x float64) float64 {
	scale := 1.0
	for x > 0.125 {
		x = x / (1 + math.Sqrt(1+float64(x*x)))
		scale *= 2
	}
	x2 := float64(x * x)
	term, sum := x, x
	for k := 1; k < 40; k++ {
		term = float64(-term * x2)
		next := sum + term/float64(2*k+1)
		if next == sum {
			break
		}
		sum = next
	}
	return scale * sum
}

// vrrArms are the arms whose variance retention the figures show.
var vrrArms = []string{"fast", "te", "promoted", "deepseek", "fast-f25", "bf16"}

// meanVRR is the arm's variance ratio of a GEMM kind at log row i, mean
// over seeds (each already a mean over layers), and the kind's K.
func (s *study) meanVRR(a string, kind recipe.Kind, i int) (float64, int) {
	var v []float64
	k := 0
	for _, seed := range s.seeds() {
		r := s.rows[job{part: armsPart, arm: armIndex(a), seed: seed}.key()][i]
		if !math.IsNaN(r.vrr[kind]) {
			v = append(v, r.vrr[kind])
		}
		k = r.k[kind]
	}
	if len(v) == 0 {
		return math.NaN(), k
	}
	return describe(v).mean, k
}

// overallVRR is the arm's variance ratio of a kind, mean over log rows.
func (s *study) overallVRR(a string, kind recipe.Kind) (float64, int) {
	var v []float64
	k := 0
	for i := range s.rows[job{part: armsPart, arm: armIndex(a), seed: 1}.key()] {
		m, kk := s.meanVRR(a, kind, i)
		if !math.IsNaN(m) {
			v = append(v, m)
		}
		k = kk
	}
	if len(v) == 0 {
		return math.NaN(), k
	}
	return describe(v).mean, k
}

// vrrText compares the measured variance ratios with the first-order
// prediction and says what of Sakr et al. could be used.
func (s *study) vrrText() string {
	var b strings.Builder
	b.WriteString("**Variance retention.** Var(simulated GEMM output)/Var(exact output of the same operands), per GEMM kind, " +
		"mean over layers, seeds and log steps, against the first-order estimate for n i.i.d. zero-mean products in an " +
		"accumulator with m = 13 fraction bits, 1 − (1/n)·Σ_{i=2..n} (2/π)·arctan(2^−m·√(i−1)), " +
		"with n = K for fast accumulation and n = 128 for promotion every 128:\n\n" +
		"| kind | K | fast: measured | first-order (n = K) | promoted: measured | deepseek: measured | first-order (n = 128) |\n" +
		"| --- | --- | --- | --- | --- | --- | --- |\n")
	for _, kind := range recipe.Kinds() {
		f, k := s.overallVRR("fast", kind)
		pr, _ := s.overallVRR("promoted", kind)
		ds, _ := s.overallVRR("deepseek", kind)
		fmt.Fprintf(&b, "| %s | %d | %.6f | %.6f | %.6f | %.6f | %.6f |\n", kind, k, f, PredictedVRR(k, 13), pr, ds, PredictedVRR(min(k, 128), 13))
	}
	b.WriteString("\nThe estimate ignores the truncation bias and the alignment of each 32-product step to its largest term, so it " +
		"is a first-order guide only. Sakr et al., \"Accumulation bit-width scaling for ultra-low precision training of deep " +
		"networks\" (ICLR 2019, arXiv 1901.06588), define the variance retention ratio of a reduced-precision accumulation " +
		"and derive from it the minimum accumulator width for a given accumulation length. Their theorem (its statement and " +
		"constants) was not available to this study: only the paper's abstract and third-party summaries of it could be read, " +
		"so no prediction from their equations is computed or plotted here; the estimate above is this study's own, not theirs.\n\n")
	return b.String()
}

// vrrStepsFigure draws 1 − VRR over training steps, one panel per GEMM
// kind, with the first-order estimates as reference lines.
func (s *study) vrrStepsFigure() *lab.Figure {
	var row []*lab.Panel
	var legend []lab.LegendEntry
	for _, kind := range recipe.Kinds() {
		p := &lab.Panel{Title: kind.String(), XLabel: "step", YLabel: "1 − Var(sim)/Var(exact)", XScale: lab.Linear, YScale: lab.Log10}
		k := 0
		for ai, a := range vrrArms {
			var xs, ys []float64
			for i, r := range s.rows[job{part: armsPart, arm: armIndex(a), seed: 1}.key()] {
				m, kk := s.meanVRR(a, kind, i)
				k = kk
				xs, ys = append(xs, float64(r.step)), append(ys, 1-m)
			}
			st := lab.S(ai)
			p.Add(xs, ys, st)
			if kind == recipe.Fprop {
				legend = append(legend, lab.LegendEntry{Name: a, Style: st})
			}
		}
		p.Refs = []lab.Ref{{Y: 1 - PredictedVRR(k, 13), Label: fmt.Sprintf("first-order, n = K = %d", k)}}
		if k > 2*128 {
			p.Refs = append(p.Refs, lab.Ref{Y: 1 - PredictedVRR(128, 13), Label: "first-order, n = 128"})
		}
		row = append(row, p)
	}
	return &lab.Figure{File: "variance_over_steps.png", Title: "Variance retention of the training GEMMs over training",
		Subtitle: "1 − Var(D)/Var(exact) per GEMM kind, mean over layers and seeds, at every log step",
		Panels:   [][]*lab.Panel{row}, Legend: legend, LegendTitle: "Arm", PanelW: 3.4 * vg.Inch, PanelH: 3 * vg.Inch,
		Caption: "Dotted: the first-order estimate (m = 13 fraction bits) for fast accumulation over K products and, where K > 256, " +
			"for promotion every 128. " +
			"Ratios at or above 1 (no variance lost) have no place on the log axis. Sakr et al.'s own prediction is not drawn: " +
			"their theorem was not available to this study (see summary.md)."}
}

// vrrFigure draws the measured ratios against accumulation length beside
// the first-order estimate.
func (s *study) vrrFigure() *lab.Figure {
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
	legend := []lab.LegendEntry{{Name: "first-order, m = 13", Style: s13}, {Name: "first-order, m = 25", Style: s25}}
	for i, a := range []string{"fast", "fast-f25", "deepseek"} {
		var xs, ys []float64
		for _, kind := range recipe.Kinds() {
			m, k := s.overallVRR(a, kind)
			xs, ys = append(xs, float64(k)), append(ys, 1-m)
		}
		st := lab.S(3 + i).Points().Big()
		p.Add(xs, ys, st)
		legend = append(legend, lab.LegendEntry{Name: "measured, " + a, Style: st})
	}
	return &lab.Figure{File: "variance_retention.png", Title: "Variance retention of the training GEMMs against the first-order estimate",
		Subtitle: "measured: Var(D)/Var(exact) per GEMM kind (x = its K), mean over layers, seeds and log steps",
		Panels:   [][]*lab.Panel{{p}}, Legend: legend, LegendTitle: "Series", PanelW: 6 * vg.Inch, PanelH: 4 * vg.Inch,
		Caption: "Ratios at or above 1 (no variance lost) cannot be drawn on the log axis. deepseek promotes every 128, so its effective n is 128, not K."}
}
