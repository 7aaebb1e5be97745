package deepseek2pct

import (
	"fmt"
	"image/color"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/tcsim/tcsim/experiments/internal/lab"
)

var (
	styleNever = lab.S(1)                                                                // vermillion circles
	styleNc128 = lab.S(0)                                                                // blue boxes
	styleFP32  = lab.Style{Color: lab.Colour(lab.Black), Width: vg.Points(1.1)}.Dashed() // black dashed
)

// hwStyle is the H100 marker of a simulated style: big and hollow.
func hwStyle(s lab.Style) lab.Style { return s.Hollow().Big().Points() }

// errorVsK draws the simulated and H100 error against K, per input
// distribution (rows) and metric (columns).
func errorVsK(got map[key]vals, hw *hwData, ks []int, mn int) *lab.Figure {
	cols := []int{0, 1, 3} // max_rel, median_rel, max_err_over_absdot
	dists := []struct{ name, title string }{{"normal", "N(0,1) inputs"}, {"pos", "U(0,2) inputs (all positive)"}}
	styles := []lab.Style{styleNever, styleNc128, styleFP32}
	var panels [][]*lab.Panel
	for _, d := range dists {
		var row []*lab.Panel
		for _, mi := range cols {
			p := &lab.Panel{Title: d.title, XLabel: "K", YLabel: metricTitles[metricNames[mi]],
				XScale: lab.Log2, YScale: lab.Log10}
			for j, md := range modes {
				var x, y, hx, hy []float64
				for _, k := range ks {
					x = append(x, float64(k))
					y = append(y, got[key{"sim", d.name, k, md.name}][mi])
					if h, ok := hw.v[hwKey{d.name, k, md.name}]; ok {
						hx, hy = append(hx, float64(k)), append(hy, h[mi])
					}
				}
				p.Add(x, y, styles[j])
				if md.nc != -1 { // the FP32 rows are not comparable (another summation order)
					p.Add(hx, hy, hwStyle(styles[j]))
				}
			}
			p.Refs = []lab.Ref{{Y: target, Label: "2%"}}
			row = append(row, p)
		}
		panels = append(panels, row)
	}
	return &lab.Figure{
		File:  "error_vs_k.png",
		Title: "Accumulation error of an H100 FP8 GEMM vs K: simulator (lines) and H100 table (hollow markers)",
		Subtitle: fmt.Sprintf("E4M3 × E4M3, per-tensor amax 448, scales 1.0; simulator %d×%d outputs per point, H100 512×512; "+
			"the dotted line is DeepSeek's 2%%", mn, mn),
		Panels:      panels,
		LegendTitle: "accumulation",
		Legend: []lab.LegendEntry{
			{Name: "no promotion (sim)", Style: styleNever},
			{Name: "no promotion (H100 fast)", Style: hwStyle(styleNever)},
			{Name: "Nc = 128 (sim)", Style: styleNc128},
			{Name: "Nc = 128 (H100 nofast)", Style: hwStyle(styleNc128)},
			{Name: "FP32 baseline (sim)", Style: styleFP32},
		},
		Caption: "Columns: the elementwise maximum and median of |D − ref|/|ref|, and the maximum of |D − ref| divided by " +
			"the sum of |a·b| (an error measure that near-zero outputs cannot inflate). For zero-mean inputs the elementwise " +
			"maximum is set by outputs that nearly cancel, so it varies with the sample.",
		PanelW: 3.6 * vg.Inch,
		PanelH: 2.8 * vg.Inch,
	}
}

// meanFigure draws the error at K = 4096 without promotion against the
// mean of the inputs.
func meanFigure(got map[key]vals, dists []string) *lab.Figure {
	p := &lab.Panel{Title: fmt.Sprintf("K = %d, no promotion", kClaim), XLabel: "inputs (both operands)",
		YLabel: "accumulation error", XScale: lab.Linear, YScale: lab.Log10}
	var ticks []lab.Tick
	for i, d := range dists {
		l := strings.Replace(d, "normal+", "N(", 1)
		switch {
		case d == "normal":
			l = "N(0,1)"
		case d == "pos":
			l = "U(0,2)"
		default:
			l += ",1)"
		}
		ticks = append(ticks, lab.Tick{Value: float64(i), Label: l})
	}
	p.XTicks = ticks
	p.XMin, p.XMax = -0.5, float64(len(dists))-0.5
	var legend []lab.LegendEntry
	for mi, m := range metricNames {
		var x, y []float64
		for i, d := range dists {
			x, y = append(x, float64(i)), append(y, got[key{"sim", d, kClaim, "scaled_mm_fast"}][mi])
		}
		s := lab.S(mi)
		p.Add(x, y, s)
		legend = append(legend, lab.LegendEntry{Name: m, Style: s})
	}
	p.Refs = []lab.Ref{{Y: target, Label: "2%"}}
	p.Under = []plot.Plotter{band{lo: target / 1.4142135623730951, hi: target * 1.4142135623730951}}
	return &lab.Figure{
		File:        "input_mean.png",
		Title:       "Which inputs give \"nearly 2%\" at K = 4096 without promotion?",
		Subtitle:    "simulated H100 wgmma E4M3 × E4M3, error metric by colour; the shaded band is 2% within a factor √2",
		Panels:      [][]*lab.Panel{{p}},
		LegendTitle: "metric",
		Legend:      legend,
		Caption: "Zero-mean inputs: truncation errors of opposite signs cancel, so the error stays near 0.1% (but the " +
			"elementwise maximum is set by outputs that nearly cancel). As the mean grows, more products share one sign, " +
			"truncation toward zero adds up, and the error approaches the all-positive case.",
		PanelW: 7.2 * vg.Inch,
		PanelH: 3.6 * vg.Inch,
	}
}

// band shades the y range [lo, hi] across the panel.
type band struct{ lo, hi float64 }

func (b band) Plot(c draw.Canvas, p *plot.Plot) {
	_, trY := p.Transforms(&c)
	r := vg.Rectangle{Min: vg.Point{X: c.Min.X, Y: trY(b.lo)}, Max: vg.Point{X: c.Max.X, Y: trY(b.hi)}}
	c.SetColor(color.NRGBA{A: 20})
	c.Fill(r.Path())
}
