package accwidth

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tcsim/tcsim/experiments/internal/lab"
	"github.com/tcsim/tcsim/sim"
	"github.com/tcsim/tcsim/sim/sweep"
	"github.com/tcsim/tcsim/tensorcore"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

const (
	name   = "accwidth"
	seed   = 20250103
	hopper = 13
	bw     = 25 // Blackwell
)

var dists = []struct{ name, title string }{{"normal", "N(0,1) inputs"}, {"pos", "U(0,2) inputs (all positive)"}}

// whatIf is the Hopper wgmma step with F fraction bits and an FP32
// register: the exact sum of the truncated terms is truncated to FP32
// (RZ), so the accumulator keeps up to 24 significant bits. At F = 25 this
// is the published Blackwell FP8 model (L = 32, F = 25, RZ-FP32).
func whatIf(f int) (*tensorcore.Preset, error) {
	q := *lab.MustPreset("h100-wgmma-e4m3-e4m3")
	q.Out = tensorcore.RZFP32
	p, err := q.WithF(f)
	if err != nil {
		return nil, err
	}
	p.Name = "what-if-fp32reg-f" + strconv.Itoa(f)
	return p, nil
}

// narrow is F fraction bits in the adder, with the register still
// truncated to Hopper's 14 significant bits.
func narrow(f int) (*tensorcore.Preset, error) {
	q := *lab.MustPreset("h100-wgmma-e4m3-e4m3")
	q.RegBits = 14
	return q.WithF(f)
}

type key struct {
	family, dist string
	f, k, nc     int
}

// Run runs the experiment.
func Run(ctx context.Context, cfg lab.Config) (*lab.Result, error) {
	mn, trials, ks := 64, 1, []int{4096, 16384}
	fs := make([]int, 0, 16)
	for f := 10; f <= 25; f++ {
		fs = append(fs, f)
	}
	narrowFs := []int{15, 17, 20, 25}
	if cfg.Short {
		mn, ks, fs, narrowFs = 8, []int{1024, 4096}, []int{10, 13, 16, 19, 22, 25}, []int{17, 25}
	}
	var wide, nar []*tensorcore.Preset
	for _, f := range fs {
		p, err := whatIf(f)
		if err != nil {
			return nil, err
		}
		wide = append(wide, p)
	}
	for _, f := range narrowFs {
		p, err := narrow(f)
		if err != nil {
			return nil, err
		}
		nar = append(nar, p)
	}
	hop := lab.MustPreset("h100-wgmma-e4m3-e4m3")
	got := map[key]sim.Metrics{}
	families := []struct {
		name    string
		presets []*tensorcore.Preset
		nc      []int
	}{
		{"hopper", []*tensorcore.Preset{hop}, []int{sweep.NcNever, 128, sweep.NcFP32}},
		{"fp32reg", wide, []int{sweep.NcNever, 128}},
		{"14bitreg", nar, []int{sweep.NcNever}},
	}
	for _, k := range ks {
		for _, d := range dists {
			for _, fam := range families {
				c := sweep.Trials{Presets: fam.presets, Nc: fam.nc, Dist: lab.MustDist(d.name), Scaling: sweep.Scaling{A: sim.PerTensor, B: sim.PerTensor},
					Unscaled: true, M: mn, N: mn, K: k, Trials: trials, Seed: seed}
				o, err := c.Run(ctx)
				if err != nil {
					return nil, err
				}
				for pi, p := range fam.presets {
					for i, nc := range fam.nc {
						got[key{fam.name, d.name, p.F, k, nc}] = o.Acc(pi, i)
					}
				}
			}
		}
	}

	t := lab.NewTable("register", "fbits", "dist", "k", "nc", "norm_rel", "median_rel", "max_err_absdot", "max_rel", "mean_signed_rel")
	add := func(fam string, f int, d string, k, nc int) {
		m := got[key{fam, d, f, k, nc}]
		t.Add(fam, f, d, k, sweep.NcLabel(nc), m.NormRel, m.MedianRel, m.MaxErrAbsDot, m.MaxRel, m.MeanSignedRel)
	}
	for _, k := range ks {
		for _, d := range dists {
			for _, nc := range []int{sweep.NcNever, 128, sweep.NcFP32} {
				add("hopper", hopper, d.name, k, nc)
			}
			for _, f := range fs {
				add("fp32reg", f, d.name, k, sweep.NcNever)
				add("fp32reg", f, d.name, k, 128)
			}
			for _, f := range narrowFs {
				add("14bitreg", f, d.name, k, sweep.NcNever)
			}
		}
	}

	// The smallest F whose unpromoted error matches Hopper with N_c = 128,
	// and the FP32 baseline within 2×, on the normwise error and on the
	// worst |error|/Σ|a·b| (both must hold).
	kmax := ks[len(ks)-1]
	metric := func(m sim.Metrics) [2]float64 { return [2]float64{m.NormRel, m.MaxErrAbsDot} }
	leq := func(a, b [2]float64, factor float64) bool { return a[0] <= factor*b[0] && a[1] <= factor*b[1] }
	need := func(d string, ref [2]float64, factor float64) int {
		for _, f := range fs {
			ok := true
			for _, g := range fs {
				if g >= f && !leq(metric(got[key{"fp32reg", d, g, kmax, sweep.NcNever}]), ref, factor) {
					ok = false // need every wider F to qualify too
				}
			}
			if ok {
				return f
			}
		}
		return -1
	}
	type needRow struct {
		dist          string
		vsPromo, vs32 int
	}
	var needs []needRow
	fNeed, fNeed32 := 0, 0
	for _, d := range dists {
		r := needRow{d.name,
			need(d.name, metric(got[key{"hopper", d.name, hopper, kmax, 128}]), 1),
			need(d.name, metric(got[key{"hopper", d.name, hopper, kmax, sweep.NcFP32}]), 2)}
		needs = append(needs, r)
		if r.vsPromo < 0 || fNeed < 0 {
			fNeed = -1
		} else {
			fNeed = max(fNeed, r.vsPromo)
		}
		if r.vs32 < 0 || fNeed32 < 0 {
			fNeed32 = -1
		} else {
			fNeed32 = max(fNeed32, r.vs32)
		}
	}
	nr := func(fam, d string, f, nc int) float64 { return got[key{fam, d, f, kmax, nc}].NormRel }
	narrowBest := nr("14bitreg", "pos", narrowFs[len(narrowFs)-1], sweep.NcNever)
	if !slices.Contains(fs, hopper) || !slices.Contains(fs, bw) {
		return nil, fmt.Errorf("the F range must include %d and %d", hopper, bw)
	}
	var verdict string
	fmtF := func(f int) string {
		if f < 0 {
			return fmt.Sprintf("F > %d", fs[len(fs)-1])
		}
		return "F = " + strconv.Itoa(f)
	}
	if fNeed > 0 {
		verdict = fmt.Sprintf("holds: F ≥ %d fraction bits (with an FP32-wide register) make promotion unnecessary at K = %d: "+
			"unpromoted error ≤ Hopper's with N_c = 128 (U(0,2): %s vs %s); matching the FP32 CUDA-core baseline within 2× takes %s "+
			"(Blackwell's 25 gives %s vs %s); widening F alone with Hopper's 14-bit register does not suffice (F = %d: %s)",
			fNeed, kmax, lab.Sci(nr("fp32reg", "pos", fNeed, sweep.NcNever)), lab.Sci(nr("hopper", "pos", hopper, 128)),
			fmtF(fNeed32), lab.Sci(nr("fp32reg", "pos", bw, sweep.NcNever)), lab.Sci(nr("hopper", "pos", hopper, sweep.NcFP32)),
			narrowFs[len(narrowFs)-1], lab.Sci(narrowBest))
	} else {
		verdict = fmt.Sprintf("does not hold: no F up to %d makes promotion unnecessary at K = %d", fs[len(fs)-1], kmax)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "Normwise relative accumulation error at K = %d without promotion, against the F of a what-if datapath "+
		"(FP32-wide register), next to Hopper with and without promotion:\n\n", kmax)
	var rows [][]string
	for _, f := range fs {
		r := []string{strconv.Itoa(f)}
		for _, d := range dists {
			r = append(r, lab.Sci(nr("fp32reg", d.name, f, sweep.NcNever)), lab.Sci(nr("fp32reg", d.name, f, 128)))
		}
		rows = append(rows, r)
	}
	for _, f := range narrowFs {
		r := []string{strconv.Itoa(f) + ", 14-bit register"}
		for _, d := range dists {
			r = append(r, lab.Sci(nr("14bitreg", d.name, f, sweep.NcNever)), "")
		}
		rows = append(rows, r)
	}
	r := []string{"Hopper (13, 14-bit register)"}
	r2 := []string{"FP32 CUDA-core baseline"}
	for _, d := range dists {
		r = append(r, lab.Sci(nr("hopper", d.name, hopper, sweep.NcNever)), lab.Sci(nr("hopper", d.name, hopper, 128)))
		r2 = append(r2, lab.Sci(nr("hopper", d.name, hopper, sweep.NcFP32)), "")
	}
	rows = append(rows, r, r2)
	b.WriteString(lab.Markdown([]string{"F", "N(0,1) never", "N(0,1) N_c=128", "U(0,2) never", "U(0,2) N_c=128"}, rows))
	b.WriteString("\nSmallest F whose unpromoted error (normwise and worst |error|/Σ|a·b|, for that F and every wider one) is at most Hopper's with N_c = 128, and at most twice the FP32 baseline:\n\n")
	rows = nil
	for _, n := range needs {
		rows = append(rows, []string{n.dist, fmtF(n.vsPromo), fmtF(n.vs32)})
	}
	b.WriteString(lab.Markdown([]string{"inputs", "no worse than Hopper + N_c = 128", "within 2× of FP32"}, rows))
	fF := narrowFs[len(narrowFs)-1]
	fBest := fs[0]
	for _, f := range fs {
		if nr("fp32reg", "normal", f, sweep.NcNever) < nr("fp32reg", "normal", fBest, sweep.NcNever) {
			fBest = f
		}
	}
	turn := fmt.Sprintf("; up to F = %d it keeps falling", fBest)
	if fBest < fs[len(fs)-1] {
		turn = fmt.Sprintf(" until the FP32 register's own truncation takes over (the N(0,1) error is smallest at F = %d)", fBest)
	}
	fmt.Fprintf(&b, "\nEach extra fraction bit roughly halves the unpromoted error%s. Widening only the adder while keeping Hopper's 14-bit register does not work: at F = %d the "+
		"unpromoted error is %s for U(0,2) (Hopper: %s) and %s for N(0,1) — worse than Hopper's %s, because with F > 13 "+
		"every step's sum has more bits than the register and its truncation toward zero shrinks the accumulator "+
		"systematically; with F = 13 a sum without carry fits the register exactly. F = 13 with an FP32 register differs "+
		"from the real Hopper datapath only in the last step's rounding (%.4g vs %.4g for U(0,2)).\n",
		turn, fF, lab.Sci(nr("14bitreg", "pos", fF, sweep.NcNever)), lab.Sci(nr("hopper", "pos", hopper, sweep.NcNever)),
		lab.Sci(nr("14bitreg", "normal", fF, sweep.NcNever)), lab.Sci(nr("hopper", "normal", hopper, sweep.NcNever)),
		nr("fp32reg", "pos", hopper, sweep.NcNever), nr("hopper", "pos", hopper, sweep.NcNever))

	return &lab.Result{
		Name:  name,
		Title: "Accumulator width what-if: how many bits make promotion unnecessary?",
		Claim: "Hopper's FP8 tensor cores keep F = 13 fraction bits after alignment (a 14-bit accumulator), which is why " +
			"promotion to FP32 is needed; a wider accumulator (Blackwell: F = 25) would make promotion unnecessary. " +
			fmt.Sprintf("Question: how many bits suffice at K = %d?", kmax),
		Verdict: verdict,
		Setup: []string{
			"What-if datapath: the Hopper wgmma step (32 products and C fused, truncation toward zero, no guard bits) with F " +
				"fraction bits and the result truncated to FP32 (an FP32-wide register). F = 25 is the published Blackwell model. " +
				"Also shown: F widened with the register still truncated to 14 bits (`Step.RegBits = 14`).",
			fmt.Sprintf("F = %s; K = %s; promotion never or every N_c = 128.", lab.JoinInts(fs), lab.JoinInts(ks)),
			fmt.Sprintf("Inputs N(0,1) and U(0,2), per-tensor amax 448, E4M3, scales 1.0; %d×%d outputs × %d trial(s) per point; "+
				"seed %d; error against the exact product of the FP8 inputs.", mn, mn, trials, seed),
		},
		Body:    b.String(),
		Data:    t,
		Figures: []*lab.Figure{figure(got, ks, fs, narrowFs, mn, trials)},
	}, nil
}

var (
	styleNever  = lab.S(1)
	style128    = lab.S(0)
	styleNarrow = lab.S(3).Points().Big()
	styleFP32   = lab.Style{Color: lab.Colour(lab.Black), Width: vg.Points(1)}.Dashed()
	styleHopper = lab.Style{Color: lab.Colour(2), Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(1), vg.Points(2.5)}}
)

func figure(got map[key]sim.Metrics, ks, fs, narrowFs []int, mn, trials int) *lab.Figure {
	var panels [][]*lab.Panel
	var fticks []lab.Tick
	for f := fs[0]; f <= fs[len(fs)-1]; f++ {
		l := ""
		if f%3 == 1 || f == hopper || f == bw {
			l = strconv.Itoa(f)
		}
		fticks = append(fticks, lab.Tick{Value: float64(f), Label: l})
	}
	for _, d := range dists {
		var row []*lab.Panel
		for _, k := range ks {
			p := &lab.Panel{Title: fmt.Sprintf("%s, K = %d", d.title, k), XLabel: "fraction bits F kept after alignment",
				YLabel: "normwise relative error", XScale: lab.Linear, YScale: lab.Log10, XTicks: fticks,
				XMin: float64(fs[0]) - 0.5, XMax: float64(fs[len(fs)-1]) + 0.5}
			series := func(fam string, ff []int, nc int) ([]float64, []float64) {
				var x, y []float64
				for _, f := range ff {
					x, y = append(x, float64(f)), append(y, got[key{fam, d.name, f, k, nc}].NormRel)
				}
				return x, y
			}
			x, y := series("fp32reg", fs, sweep.NcNever)
			p.Add(x, y, styleNever)
			x, y = series("fp32reg", fs, 128)
			p.Add(x, y, style128)
			x, y = series("14bitreg", narrowFs, sweep.NcNever)
			p.Add(x, y, styleNarrow)
			lo, hi := float64(fs[0]), float64(fs[len(fs)-1])
			h := got[key{"hopper", d.name, hopper, k, 128}].NormRel
			p.Add([]float64{lo, hi}, []float64{h, h}, styleHopper)
			f32 := got[key{"hopper", d.name, hopper, k, sweep.NcFP32}].NormRel
			p.Add([]float64{lo, hi}, []float64{f32, f32}, styleFP32)
			hn := got[key{"hopper", d.name, hopper, k, sweep.NcNever}].NormRel
			p.Add([]float64{hopper}, []float64{hn}, lab.Style{Color: lab.Colour(lab.Black), Glyph: draw.CrossGlyph{}, Radius: vg.Points(5)}.Points())
			p.Extra = []plot.Plotter{lab.Note{X: hopper, Y: hn, DX: vg.Points(7), DY: vg.Points(7), Text: "Hopper", XAlign: draw.XLeft},
				lab.Note{X: bw, Y: got[key{"fp32reg", d.name, bw, k, sweep.NcNever}].NormRel, DY: vg.Points(10), Text: "Blackwell", XAlign: draw.XRight}}
			row = append(row, p)
		}
		panels = append(panels, row)
	}
	return &lab.Figure{
		File:     "error_vs_fbits.png",
		Title:    "Accumulation error against the accumulator's fraction bits F (E4M3 × E4M3, L = 32, truncation)",
		Subtitle: fmt.Sprintf("what-if datapath with an FP32-wide register; %d×%d outputs × %d trial(s) per point", mn, mn, trials),
		Panels:   panels,
		Legend: []lab.LegendEntry{
			{Name: "no promotion", Style: styleNever},
			{Name: "Nc = 128", Style: style128},
			{Name: "no promotion, 14-bit register", Style: styleNarrow},
			{Name: "Hopper (F = 13), no promotion", Style: lab.Style{Color: lab.Colour(lab.Black), Glyph: draw.CrossGlyph{}, Radius: vg.Points(5)}.Points()},
			{Name: "Hopper with Nc = 128", Style: styleHopper},
			{Name: "FP32 CUDA-core baseline", Style: styleFP32},
		},
		LegendTitle: "accumulation",
		Caption: "Where the no-promotion line falls below the dotted green line, that accumulator needs no promotion to be " +
			"as accurate as Hopper with Nc = 128. The purple markers keep Hopper's 14-bit register and widen only the adder.",
		PanelW: 4 * vg.Inch,
		PanelH: 2.9 * vg.Inch,
	}
}
