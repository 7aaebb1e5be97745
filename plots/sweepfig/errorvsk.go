package sweepfig

import (
	"fmt"
	"math"
	"strings"

	"github.com/tcsim/tcsim/plots"
	"github.com/tcsim/tcsim/sim/sweep"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ErrorVsK draws the median relative accumulation error (Acc.MedianRel)
// against K for rows of one (Preset, FBits) into the PNG file path: one
// panel per (Dist, Scaling), one line per N_c with a band from Acc.RelP10
// to Acc.RelP90, and the FP32 baseline dashed. Values a log axis cannot
// show (zero, negative, NaN) are left out and counted in the caption.
//
// The directory of path must exist; the file is written atomically.
func ErrorVsK(rows []sweep.Row, path string) error {
	return saveOne(rows, path, errorVsKFigure)
}

// dropNote collects the points a figure could not draw.
type dropNote struct {
	count map[string]int // reason → count
	where []string       // the first few points, for the caption
	total int
}

func (d *dropNote) add(reason string, r *sweep.Row) {
	if d.count == nil {
		d.count = make(map[string]int)
	}
	d.count[reason]++
	d.total++
	if len(d.where) < 4 {
		d.where = append(d.where, fmt.Sprintf("%s, K=%d, Nc=%s", panelTitle(r.Dist, r.Scaling), r.K,
			sweep.NcLabel(r.Nc)))
	}
}

// text describes the dropped values of kind what ("median"), listing the
// reasons in order.
func (d *dropNote) text(what string, reasons []string) string {
	if d.total == 0 {
		return ""
	}
	var parts []string
	for _, r := range reasons {
		if n := d.count[r]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, r))
		}
	}
	where := strings.Join(d.where, "; ")
	if d.total > len(d.where) {
		where += "; ..."
	}
	return fmt.Sprintf("Not drawn (log axis): %s (%s) at %s.", plots.Plural(d.total, what), strings.Join(parts, ", "),
		where)
}

func errorVsKFigure(s *presetRows) *plots.Page {
	styles := ncStyles(s.ncs)
	legend := ncLegend(s.ncs, styles)
	pg := &plots.Page{
		Title: s.preset + ": median relative error vs K (band: 10th–90th percentile)",
		Subtitle: fmt.Sprintf("Tensor-core accumulator with F = %d fraction bits · rows: input distribution "+
			"· columns: scaling granularity", s.fbits),
		Side: legend,
	}
	dataW, _ := pg.DataSize(len(s.scalings))

	// One y range for all panels, so they compare at a glance.
	yr := newPosRange()
	for _, r := range s.scale {
		yr.add(r.Acc.MedianRel, r.Acc.RelP10, r.Acc.RelP90)
	}
	lo, hi, _ := yr.decades()
	ymin := math.Pow(10, float64(lo))

	var dropped dropNote
	clamped := 0
	polys := map[int]*plotter.Polygon{}

	panels := lineGrid(s.dists, s.scalings, "K (products per output, log scale)", "median relative error", func(p *plot.Plot, d, sc string) bool {
		var lines []plot.Plotter
		for _, nc := range s.ncs {
			st := styles[nc]
			pts := s.series(d, sc, nc)
			var med plotter.XYs
			var bandLo, bandHi plotter.XYs
			for _, pt := range pts {
				a := pt.row.Acc
				x := float64(pt.k)
				switch {
				case !finite(a.MedianRel):
					dropped.add("NaN or infinite", pt.row)
				case !positive(a.MedianRel):
					dropped.add("zero or negative", pt.row)
				default:
					med = append(med, plotter.XY{X: x, Y: a.MedianRel})
				}
				if positive(a.RelP90) {
					l := a.RelP10
					if !positive(l) {
						l = ymin
						clamped++
					}
					bandLo = append(bandLo, plotter.XY{X: x, Y: l})
					bandHi = append(bandHi, plotter.XY{X: x, Y: a.RelP90})
				}
			}
			if poly := band(bandLo, bandHi, st); poly != nil {
				p.Add(poly)
				polys[nc] = poly
			}
			if len(med) == 0 {
				continue
			}
			ln, sp := seriesLine(med, st)
			lines = append(lines, ln, sp)
		}
		p.Add(lines...)
		plots.Log2Axis(&p.X, s.ks, dataW)
		logYAxis(&p.Y, lo, hi)
		return s.has(d, sc)
	})

	for i, nc := range s.ncs {
		if poly, ok := polys[nc]; ok {
			e := &legend.Entries[i]
			e.Thumbs = append([]plot.Thumbnailer{poly}, e.Thumbs...)
		}
	}

	caption := []string{
		"Accumulation error only: relative error |D - ref| / |ref| of each output against the exact product " +
			"of the FP8-quantised inputs, pooled over all outputs and trials. Line: median; " +
			"shaded band: 10th to 90th percentile.",
		"Nc: products accumulated in the tensor core between promotions into an FP32 sum; never: one " +
			"tensor-core accumulation over all of K; FP32 baseline: CUDA-core FP32 accumulation.",
	}
	if t := dropped.text("median", []string{"zero or negative", "NaN or infinite"}); t != "" {
		caption = append(caption, t)
	}
	if clamped > 0 {
		caption = append(caption, fmt.Sprintf("%s at zero (or undefined) drawn at the bottom of the axis (%s).",
			plots.Plural(clamped, "band lower edge"), plots.DecadeLabel(lo)))
	}
	if m := s.missingPanels(); len(m) > 0 {
		caption = append(caption, "No rows for: "+strings.Join(m, "; ")+".")
	}
	pg.Panels, pg.Caption = panels, caption
	return pg
}

// band returns the translucent polygon between lo and hi (same x, in
// order), or nil when there is nothing to fill. A single point becomes a
// narrow bar so it stays visible on the log2 K axis.
func band(lo, hi plotter.XYs, st ncStyle) *plotter.Polygon {
	if len(lo) == 0 {
		return nil
	}
	if len(lo) == 1 {
		w := math.Pow(2, 0.12)
		x, l, h := lo[0].X, lo[0].Y, hi[0].Y
		lo = plotter.XYs{{X: x / w, Y: l}, {X: x * w, Y: l}}
		hi = plotter.XYs{{X: x / w, Y: h}, {X: x * w, Y: h}}
	}
	ring := make(plotter.XYs, 0, 2*len(lo))
	ring = append(ring, lo...)
	for i := len(hi) - 1; i >= 0; i-- {
		ring = append(ring, hi[i])
	}
	poly, err := plotter.NewPolygon(ring)
	if err != nil {
		return nil
	}
	poly.Color = plots.WithAlpha(st.color, 0.14)
	poly.LineStyle = draw.LineStyle{}
	return poly
}

// seriesLine returns the line and markers of one series.
func seriesLine(xys plotter.XYs, st ncStyle) (*plotter.Line, *plotter.Scatter) {
	ln := &plotter.Line{XYs: xys, LineStyle: draw.LineStyle{Color: st.color, Width: st.width, Dashes: st.dashes}}
	sp := &plotter.Scatter{XYs: xys, GlyphStyle: draw.GlyphStyle{Color: st.color, Radius: vg.Points(2.6),
		Shape: st.glyph}}
	return ln, sp
}
