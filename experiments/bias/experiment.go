package bias

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/tcsim/tcsim/experiments/internal/lab"
	"github.com/tcsim/tcsim/sim"
	"github.com/tcsim/tcsim/sim/sweep"
	"github.com/tcsim/tcsim/tensorcore"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

const (
	name = "bias"
	seed = 20250107
	// kHist is the K of the histograms.
	kHist = 4096
)

// The H100 measurements quoted in docs/datapath.md §2 (mean signed error of
// all-positive inputs without promotion).
var hw = map[int]float64{4096: -0.074, 16384: -0.25}

// softmax fills A with rows of softmax(N(0, 2²)) over K: attention
// probabilities, all positive, each row summing to 1.
func softmax(r *rand.Rand, x []float64, rows, k int) {
	for i := range rows {
		row := x[i*k : (i+1)*k]
		m := math.Inf(-1)
		for j := range row {
			row[j] = 2 * sweep.Normal(r)
			m = max(m, row[j])
		}
		s := 0.0
		for j := range row {
			row[j] = lab.Exp(row[j] - m)
			s += row[j]
		}
		for j := range row {
			row[j] /= s
		}
	}
}

var dists = []struct {
	dist  sweep.Dist
	title string
}{
	{lab.MustDist("pos"), "U(0,2) × U(0,2)"},
	{sweep.Dist{Name: "attn-posv", Description: "softmax probabilities × U(0,2) values",
		Fill: func(r *rand.Rand, x []float64, rows, k int, role sweep.Role) {
			if role == sweep.RoleA {
				softmax(r, x, rows, k)
				return
			}
			for i := range x {
				x[i] = 2 * r.Float64()
			}
		}}, "softmax × positive values"},
	{sweep.Dist{Name: "attn", Description: "softmax probabilities × N(0,1) values",
		Fill: func(r *rand.Rand, x []float64, rows, k int, role sweep.Role) {
			if role == sweep.RoleA {
				softmax(r, x, rows, k)
				return
			}
			for i := range x {
				x[i] = sweep.Normal(r)
			}
		}}, "softmax × N(0,1) values"},
	{lab.MustDist("normal"), "N(0,1) × N(0,1)"},
}

type key struct {
	dist  string
	k, nc int
}

type stats struct {
	m             sim.Metrics
	p01, p50, p99 float64
	signed        []float64 // e/|ref| of every output with ref ≠ 0 (only at kHist)
}

// signedRel returns (D − ref)/|ref| for the outputs with ref ≠ 0, sorted.
func signedRel(d []float32, ref []float64) []float64 {
	var s []float64
	for i, v := range d {
		if ref[i] != 0 {
			s = append(s, (float64(v)-ref[i])/math.Abs(ref[i]))
		}
	}
	slices.Sort(s)
	return s
}

func q(sorted []float64, p float64) float64 { return sorted[int(p*float64(len(sorted)-1))] }

// Run runs the experiment.
func Run(ctx context.Context, cfg lab.Config) (*lab.Result, error) {
	mn, trials, ks := 48, 4, lab.Pow2s(128, 16384)
	if cfg.Short {
		mn, trials, ks = 8, 1, lab.Pow2s(128, 4096)
	}
	ncs := []int{sweep.NcNever, 128}
	wgmma := lab.MustPreset("h100-wgmma-e4m3-e4m3")
	got := map[key]*stats{}
	for _, d := range dists {
		for _, k := range ks {
			c := sweep.Trials{Presets: []*tensorcore.Preset{wgmma}, Nc: ncs, Dist: d.dist, Scaling: sweep.Scaling{A: sim.PerTensor, B: sim.PerTensor},
				Unscaled: true, M: mn, N: mn, K: k, Trials: trials, Seed: seed}
			o, err := c.Run(ctx)
			if err != nil {
				return nil, err
			}
			for i, nc := range ncs {
				s := signedRel(o.D[0][i], o.Exact)
				st := &stats{m: o.Acc(0, i), p01: q(s, 0.01), p50: q(s, 0.5), p99: q(s, 0.99)}
				if k == kHist {
					st.signed = s
				}
				got[key{d.dist.Name, k, nc}] = st
			}
		}
	}
	t := lab.NewTable("dist", "k", "nc", "frac_below", "mean_signed_rel", "signed_p01", "signed_p50", "signed_p99", "median_rel", "zero_ref")
	for _, d := range dists {
		for _, k := range ks {
			for _, nc := range ncs {
				s := got[key{d.dist.Name, k, nc}]
				t.Add(d.dist.Name, k, sweep.NcLabel(nc), s.m.FracBelow, s.m.MeanSignedRel, s.p01, s.p50, s.p99, s.m.MedianRel, s.m.ZeroRef)
			}
		}
	}

	// The claim: all-positive inputs drift low, every output below the
	// exact value, by the H100's amounts.
	allLow := func(d string, nc int) int { // smallest K from which every output is low (0: never)
		from := 0
		for i := len(ks) - 1; i >= 0; i-- {
			if got[key{d, ks[i], nc}].m.FracBelow < 1 {
				break
			}
			from = ks[i]
		}
		return from
	}
	pos, attn := dists[0].dist.Name, dists[2].dist.Name
	fromPos := allLow(pos, sweep.NcNever)
	kmax := ks[len(ks)-1]
	var hwNote []string
	hwOK := true
	for _, k := range []int{4096, 16384} {
		s, ok := got[key{pos, k, sweep.NcNever}]
		if !ok {
			continue
		}
		hwNote = append(hwNote, fmt.Sprintf("%s at K = %d (H100 %s)", lab.Pct(s.m.MeanSignedRel), k, lab.Pct(hw[k])))
		if math.Abs(s.m.MeanSignedRel/hw[k]-1) > 0.1 {
			hwOK = false
		}
	}
	a := got[key{attn, kmax, sweep.NcNever}]
	p128 := got[key{pos, kmax, 128}]
	var verdict string
	switch {
	case fromPos == 0:
		verdict = fmt.Sprintf("does not hold: all-positive inputs do not give outputs that are all low at K = %d (%s below)",
			kmax, lab.Pct(got[key{pos, kmax, sweep.NcNever}].m.FracBelow))
	default:
		match := "matching"
		if !hwOK {
			match = "not matching (10%)"
		}
		verdict = fmt.Sprintf("holds for all-positive inputs, not for attention with zero-mean values: without promotion every "+
			"U(0,2) output is below the exact value from K = %d on, by %s, %s the H100; N_c = 128 leaves %s of them low but "+
			"only by %s; softmax × N(0,1) values: %s below, mean %s at K = %d",
			fromPos, strings.Join(hwNote, " and "), match, lab.Pct(p128.m.FracBelow), lab.Pct(p128.m.MeanSignedRel),
			lab.Pct(a.m.FracBelow), lab.Sci(a.m.MeanSignedRel), kmax)
	}

	var b strings.Builder
	b.WriteString("Fraction of all outputs below the exact value / mean signed relative error (D − exact)/|exact| over the " +
		"outputs whose exact value is not zero, without promotion and with N_c = 128:\n\n")
	var rows [][]string
	for _, d := range dists {
		for _, nc := range ncs {
			r := []string{d.title, sweep.NcLabel(nc)}
			for _, k := range ks {
				s := got[key{d.dist.Name, k, nc}]
				r = append(r, lab.Pct(s.m.FracBelow)+" / "+lab.Sci(s.m.MeanSignedRel))
			}
			rows = append(rows, r)
		}
	}
	hdr := []string{"inputs", "N_c"}
	for _, k := range ks {
		hdr = append(hdr, "K = "+strconv.Itoa(k))
	}
	b.WriteString(lab.Markdown(hdr, rows))
	fmt.Fprintf(&b, "\nWhy: truncation toward zero removes a positive amount from every positive term, and the error of "+
		"each step is proportional to the running sum, so with all-positive products the loss compounds with K. With "+
		"signed products the truncation errors of positive and negative terms cancel on average: softmax probabilities "+
		"are positive, but multiplied by zero-mean values the products are not, and the output does not drift. Promotion "+
		"every 128 does not remove the bias (each interval still truncates toward zero) but bounds it to one interval's worth.\n")
	return &lab.Result{
		Name:  name,
		Title: "Truncation bias: all-positive sums drift low",
		Claim: "Hopper's FP8 accumulation truncates toward zero, so with all-positive inputs (such as attention probabilities " +
			"times values) and no promotion every output is below the exact value: −7.4% at K = 4096 and −25% at K = 16384 " +
			"(measured on an H100, docs/datapath.md §2). The fraction of outputs below the exact value grows with K.",
		Verdict: verdict,
		Setup: []string{
			"Datapath `h100-wgmma-e4m3-e4m3`, no promotion and promotion every N_c = 128; error against the exact product of the FP8 inputs.",
			"Inputs: " + strings.Join(titles(), "; ") + ". Softmax rows are softmax(N(0, 2²)) over K (each sums to 1). Per-tensor amax 448, E4M3, scales 1.0.",
			fmt.Sprintf("K = %s; %d×%d outputs × %d trial(s) per point; seed %d.", lab.JoinInts(ks), mn, mn, trials, seed),
		},
		Body:    b.String(),
		Data:    t,
		Figures: []*lab.Figure{fracFigure(got, ks, mn, trials), histFigure(got, mn, trials)},
	}, nil
}

func titles() []string {
	var s []string
	for _, d := range dists {
		s = append(s, fmt.Sprintf("%s (`%s`)", d.title, d.dist.Name))
	}
	return s
}

var ncStyle = map[int]func(lab.Style) lab.Style{
	sweep.NcNever: func(s lab.Style) lab.Style { return s },
	128:           func(s lab.Style) lab.Style { return s.Dashed().Hollow() },
}

// fracFigure draws the fraction of low outputs and the downward drift
// against K.
func fracFigure(got map[key]*stats, ks []int, mn, trials int) *lab.Figure {
	left := &lab.Panel{Title: "outputs below the exact value", XLabel: "K", YLabel: "fraction of outputs",
		XScale: lab.Log2, YScale: lab.Linear, YMin: -0.03, YMax: 1.03,
		YTicks: []lab.Tick{{Value: 0, Label: "0"}, {Value: 0.25, Label: "0.25"}, {Value: 0.5, Label: "0.5"},
			{Value: 0.75, Label: "0.75"}, {Value: 1, Label: "1"}}}
	right := &lab.Panel{Title: "downward drift of positive sums", XLabel: "K", YLabel: "- mean of (D - exact) / |exact|",
		XScale: lab.Log2, YScale: lab.Log10}
	var legend []lab.LegendEntry
	for i, d := range dists {
		for _, nc := range []int{sweep.NcNever, 128} {
			st := ncStyle[nc](lab.S(i))
			var x, f, m []float64
			for _, k := range ks {
				s := got[key{d.dist.Name, k, nc}]
				x, f, m = append(x, float64(k)), append(f, s.m.FracBelow), append(m, -s.m.MeanSignedRel)
			}
			left.Add(x, f, st)
			if i < 2 { // the all-positive inputs, whose mean error is negative
				right.Add(x, m, st)
			}
			n := d.title + ", no promotion"
			if nc != sweep.NcNever {
				n = d.title + ", Nc = 128"
			}
			legend = append(legend, lab.LegendEntry{Name: n, Style: st})
		}
	}
	var hx, hy []float64
	for _, k := range ks {
		if v, ok := hw[k]; ok {
			hx, hy = append(hx, float64(k)), append(hy, -v)
		}
	}
	hs := lab.Style{Color: lab.Colour(lab.Black), Glyph: lab.S(6).Glyph, Radius: vg.Points(4.5)}.Points()
	if len(hx) > 0 {
		right.Add(hx, hy, hs)
		legend = append(legend, lab.LegendEntry{Name: "H100, U(0,2), no promotion", Style: hs})
	}
	return &lab.Figure{
		File:        "below_vs_k.png",
		Title:       "Truncation bias of the H100 FP8 datapath: how many outputs are low, and by how much",
		Subtitle:    fmt.Sprintf("wgmma E4M3 × E4M3; %d×%d outputs × %d trial(s) per point", mn, mn, trials),
		Panels:      [][]*lab.Panel{{left, right}},
		LegendTitle: "inputs",
		Legend:      legend,
		Caption: "Right: the mean signed relative error, negated, for the two all-positive inputs (for the zero-mean ones " +
			"it is tiny and of either sign: see data.csv). Unbiased rounding would keep the left curves near 0.5.",
		PanelW: 4 * vg.Inch,
		PanelH: 3.1 * vg.Inch,
	}
}

// histFigure draws the distribution of the signed relative error at kHist:
// a row without promotion, a row with N_c = 128, each panel on its own
// range.
func histFigure(got map[key]*stats, mn, trials int) *lab.Figure {
	const bins = 30
	var panels [][]*lab.Panel
	for _, nc := range []int{sweep.NcNever, 128} {
		var row []*lab.Panel
		for i, d := range dists {
			st := got[key{d.dist.Name, kHist, nc}]
			if st == nil || st.signed == nil {
				continue
			}
			lo, hi := min(q(st.signed, 0.02), 0), max(q(st.signed, 0.98), 0)
			if hi == lo {
				hi = lo + 1e-9
			}
			title := d.title + ", no promotion"
			if nc != sweep.NcNever {
				title = d.title + ", Nc = 128"
			}
			p := &lab.Panel{Title: title, XLabel: "(D - exact) / |exact|, %", YLabel: "fraction of outputs",
				XScale: lab.Linear, YScale: lab.Linear, XMin: 100 * lo, XMax: 100 * hi}
			x, y := histogram(st.signed, lo, hi, bins)
			s := lab.S(i)
			s.Glyph = nil
			p.Add(x, y, s)
			p.Extra = []plot.Plotter{lab.VLine{X: 0}}
			row = append(row, p)
		}
		panels = append(panels, row)
	}
	return &lab.Figure{
		File:  "signed_error_hist.png",
		Title: fmt.Sprintf("Signed accumulation error at K = %d, without promotion (top) and with Nc = 128 (bottom)", kHist),
		Subtitle: fmt.Sprintf("wgmma E4M3 × E4M3; %d×%d outputs × %d trial(s); each panel shows the central 96%% "+
			"(outputs beyond it are counted in the end bins); dotted: zero", mn, mn, trials),
		Panels:  panels,
		Caption: "All-positive inputs sit entirely left of zero, with or without promotion; promotion only shrinks the offset. Products of either sign spread around zero.",
		PanelW:  3.2 * vg.Inch,
		PanelH:  2.5 * vg.Inch,
	}
}

// histogram bins v (clamped to [lo, hi]) into n bins and returns the bin
// centres (in %) and the fraction of values in each.
func histogram(v []float64, lo, hi float64, n int) ([]float64, []float64) {
	x, y := make([]float64, n), make([]float64, n)
	w := (hi - lo) / float64(n)
	for i := range x {
		x[i] = 100 * (lo + (float64(i)+0.5)*w)
	}
	for _, e := range v {
		i := int((e - lo) / w)
		i = max(0, min(n-1, i))
		y[i]++
	}
	for i := range y {
		y[i] /= float64(len(v))
	}
	return x, y
}
