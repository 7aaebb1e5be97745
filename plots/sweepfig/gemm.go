package sweepfig

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/tcsim/tcsim/plots"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ErrorDist is the elementwise relative error of one GEMM configuration:
// the positive errors, and how many outputs were exact (zero error) or
// had no relative error (a zero reference).
type ErrorDist struct {
	Label   string
	Rel     []float64 // positive relative errors
	Exact   int
	ZeroRef int
}

// binsPerDecade is the histogram resolution of [GEMMErrorDistribution].
const binsPerDecade = 10

// GEMMErrorDistribution draws the distribution of elementwise relative
// error of each configuration as a histogram on a log axis (the fraction
// of outputs per tenth of a decade), one line per configuration, into the
// PNG file path.
func GEMMErrorDistribution(title, subtitle string, ds []ErrorDist, path string) error {
	return gemmErrorDistFigure(title, subtitle, ds).Save(path)
}

func gemmErrorDistFigure(title, subtitle string, ds []ErrorDist) *plots.Page {
	yr := newPosRange()
	for _, d := range ds {
		yr.add(d.Rel...)
	}
	lo, hi, empty := yr.decades()
	nb := (hi - lo) * binsPerDecade
	edge := func(b int) float64 { return math.Pow(10, float64(lo)+float64(b)/binsPerDecade) }
	p := plots.NewPanel("")
	p.X.Label.Text, p.Y.Label.Text = "relative error |D - exact| / |exact| (log scale)", "fraction of outputs per 0.1 decade"
	p.Add(plots.GridLines(true, true))
	legend := &plots.Legend{Title: "Configuration"}
	ymax := 0.0
	var notes []string
	for i, d := range ds {
		counts := make([]int, nb)
		for _, v := range d.Rel {
			if !positive(v) {
				continue
			}
			b := int(math.Floor((math.Log10(v) - float64(lo)) * binsPerDecade))
			counts[min(max(b, 0), nb-1)]++
		}
		total := len(d.Rel) + d.Exact
		var xys plotter.XYs
		for b, c := range counts {
			f := 0.0
			if total > 0 {
				f = float64(c) / float64(total)
			}
			ymax = max(ymax, f)
			xys = append(xys, plotter.XY{X: edge(b), Y: f}, plotter.XY{X: edge(b + 1), Y: f})
		}
		st := distStyle(i)
		ln := &plotter.Line{XYs: xys, LineStyle: draw.LineStyle{Color: st.color, Width: st.width, Dashes: st.dashes}}
		p.Add(ln)
		name := d.Label
		if d.Exact > 0 {
			name += fmt.Sprintf(" (%s exact)", plots.Plural(d.Exact, "output"))
		}
		legend.Entries = append(legend.Entries, plots.LegendEntry{Name: name, Thumbs: []plot.Thumbnailer{
			&plotter.Line{LineStyle: ln.LineStyle}}})
		if d.ZeroRef > 0 {
			notes = append(notes, fmt.Sprintf("%s: %s with an exact result of zero", d.Label, plots.Plural(d.ZeroRef, "output")))
		}
	}
	p.X.Scale = plot.LogScale{}
	p.X.Min, p.X.Max = edge(0), edge(nb)
	p.X.Tick.Marker = plots.DecadeTicks(lo, hi)
	p.Y.Min, p.Y.Max = 0, max(ymax*1.08, 0.01)
	if empty {
		p.Add(plots.NoResults())
	}
	caption := []string{"Each line is a histogram of the elementwise relative error of one configuration " +
		"against the exact product of its quantised operands, as a fraction of all measured outputs. " +
		"Outputs computed exactly (error zero) cannot be placed on a log axis: the legend counts them."}
	if len(notes) > 0 {
		caption = append(caption, "Left out (relative error undefined): "+strings.Join(notes, "; ")+".")
	}
	return &plots.Page{Title: title, Subtitle: subtitle, Panels: [][]*plot.Plot{{p}}, PanelW: 6 * vg.Inch,
		PanelH: 4 * vg.Inch, Side: legend, Caption: caption}
}

// distStyle is the style of the i-th configuration.
func distStyle(i int) ncStyle {
	st := ncStyle{color: ncPalette[i%len(ncPalette)], glyph: ncGlyphs[i%len(ncGlyphs)], width: vg.Points(1.6)}
	if i >= len(ncPalette) {
		st.dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
	return st
}

// KLine is the error of one configuration along K: at each prefix length
// K[i], the median and the 10th and 90th percentiles of the relative error.
type KLine struct {
	Label    string
	K        []int
	Median   []float64
	P10, P90 []float64
}

// GEMMErrorAlongK draws the relative error of each configuration against
// the number of products accumulated, into the PNG file path.
func GEMMErrorAlongK(title, subtitle string, ls []KLine, path string) error {
	return gemmErrorAlongKFigure(title, subtitle, ls).Save(path)
}

func gemmErrorAlongKFigure(title, subtitle string, ls []KLine) *plots.Page {
	yr := newPosRange()
	kmax := 1
	for _, l := range ls {
		for i := range l.K {
			kmax = max(kmax, l.K[i])
			yr.add(l.Median[i], l.P10[i], l.P90[i])
		}
	}
	lo, hi, empty := yr.decades()
	ymin := math.Pow(10, float64(lo))
	p := plots.NewPanel("")
	p.X.Label.Text, p.Y.Label.Text = "products accumulated (K prefix)", "relative error"
	p.Add(plots.GridLines(true, true))
	legend := &plots.Legend{Title: "Configuration"}
	dropped, clamped := 0, 0
	var lines []plot.Plotter
	for i, l := range ls {
		st := distStyle(i)
		var med, bandLo, bandHi plotter.XYs
		for j, k := range l.K {
			x := float64(k)
			if positive(l.Median[j]) {
				med = append(med, plotter.XY{X: x, Y: l.Median[j]})
			} else {
				dropped++
			}
			if positive(l.P90[j]) {
				lo := l.P10[j]
				if !positive(lo) {
					lo = ymin
					clamped++
				}
				bandLo = append(bandLo, plotter.XY{X: x, Y: lo})
				bandHi = append(bandHi, plotter.XY{X: x, Y: l.P90[j]})
			}
		}
		thumbs := []plot.Thumbnailer{}
		if poly := band(bandLo, bandHi, st); poly != nil && len(bandLo) > 1 {
			p.Add(poly)
			thumbs = append(thumbs, poly)
		}
		ln, sp := seriesLine(med, st)
		if len(med) > 0 {
			lines = append(lines, ln, sp)
		}
		ln0, sp0 := seriesLine(nil, st)
		legend.Entries = append(legend.Entries, plots.LegendEntry{Name: l.Label, Thumbs: append(thumbs, ln0, sp0)})
	}
	p.Add(lines...)
	p.X.Min, p.X.Max = 0, float64(kmax)*1.02
	p.X.Tick.Marker = intLabels{}
	p.Y.Scale = plot.LogScale{}
	p.Y.Min, p.Y.Max = ymin, math.Pow(10, float64(hi))
	p.Y.Tick.Marker = plots.DecadeTicks(lo, hi)
	if empty {
		p.Add(plots.NoResults())
	}
	caption := []string{"At each K, the GEMM truncated to its first K products on a sample of up to 16×16 outputs, " +
		"against the exact product of the same prefix. Line: median relative error; band: 10th to 90th percentile."}
	if dropped > 0 {
		caption = append(caption, fmt.Sprintf("%s with a median of zero (exact) not drawn.", plots.Plural(dropped, "point")))
	}
	if clamped > 0 {
		caption = append(caption, fmt.Sprintf("%s at zero drawn at the bottom of the axis (%s).", plots.Plural(clamped, "band lower edge"), plots.DecadeLabel(lo)))
	}
	return &plots.Page{Title: title, Subtitle: subtitle, Panels: [][]*plot.Plot{{p}}, PanelW: 6 * vg.Inch,
		PanelH: 4 * vg.Inch, Side: legend, Caption: caption}
}

// intLabels are gonum/plot's default ticks labelled as integers (K
// prefixes), dropping the labels of ticks that are not integers.
type intLabels struct{}

func (intLabels) Ticks(min, max float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ts {
		if ts[i].Label == "" {
			continue
		}
		if ts[i].Value != math.Trunc(ts[i].Value) {
			ts[i].Label = ""
			continue
		}
		ts[i].Label = strconv.FormatFloat(ts[i].Value, 'f', 0, 64)
	}
	return ts
}
