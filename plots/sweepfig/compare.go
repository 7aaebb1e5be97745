package sweepfig

import (
	"fmt"
	"image/color"
	"slices"
	"strconv"

	"github.com/tcsim/tcsim/plots"
	"github.com/tcsim/tcsim/sim/sweep"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// A comparison figure puts the datapaths of a sweep (presets, or one
// preset at several accumulator widths F) side by side on one axis, where
// the per-preset figures show each on its own page.

// variant is one (Preset, FBits) of a sweep, with its label.
type variant struct {
	preset string
	fbits  int
	label  string
}

// variants lists the (Preset, FBits) of rows in order of first
// appearance; a label carries F where a preset appears with several.
func variants(rows []sweep.Row) []variant {
	var vs []variant
	widths := map[string]int{}
	for _, r := range rows {
		if !slices.ContainsFunc(vs, func(v variant) bool { return v.preset == r.Preset && v.fbits == r.FBits }) {
			vs = append(vs, variant{preset: r.Preset, fbits: r.FBits})
			widths[r.Preset]++
		}
	}
	for i := range vs {
		vs[i].label = vs[i].preset
		if widths[vs[i].preset] > 1 {
			vs[i].label += " F=" + strconv.Itoa(vs[i].fbits)
		}
	}
	return vs
}

// compareNcs picks the promotion intervals a comparison draws: never and
// 128 where every variant has them, else the largest interval they share.
func compareNcs(rows []sweep.Row, vs []variant) []int {
	has := map[variant]map[int]bool{}
	for _, r := range rows {
		v := variant{preset: r.Preset, fbits: r.FBits}
		if has[v] == nil {
			has[v] = map[int]bool{}
		}
		has[v][r.Nc] = true
	}
	shared := func(nc int) bool {
		for _, v := range vs {
			if !has[variant{preset: v.preset, fbits: v.fbits}][nc] {
				return false
			}
		}
		return true
	}
	var ncs []int
	for _, nc := range []int{sweep.NcNever, 128} {
		if shared(nc) {
			ncs = append(ncs, nc)
		}
	}
	if len(ncs) > 0 {
		return ncs
	}
	best := -2
	for _, r := range rows {
		if r.Nc > 0 && r.Nc > best && shared(r.Nc) {
			best = r.Nc
		}
	}
	if best > 0 {
		return []int{best}
	}
	return nil
}

// panelsOf lists the distributions and scalings of rows in order of first
// appearance.
func panelsOf(rows []sweep.Row) (dists, scalings []string) {
	for _, r := range rows {
		if !slices.Contains(dists, r.Dist) {
			dists = append(dists, r.Dist)
		}
		if !slices.Contains(scalings, r.Scaling) {
			scalings = append(scalings, r.Scaling)
		}
	}
	return dists, scalings
}

// logYRange is the decade range of the positive medians of rows.
func logYRange(rows []sweep.Row, keep func(r *sweep.Row) bool) (lo, hi int) {
	r := newPosRange()
	for i := range rows {
		if keep(&rows[i]) {
			r.add(rows[i].Acc.MedianRel)
		}
	}
	lo, hi, _ = r.decades()
	return lo, hi
}

// variantOrder picks the colours of the variants of a comparison from
// ncPalette, neighbours far apart.
var variantOrder = []int{0, 4, 2, 5, 3, 6, 1, 7}

// variantColor is the colour of variant i of a comparison.
func variantColor(i int) color.Color { return ncPalette[variantOrder[i%len(variantOrder)]] }

// ncDashes draws never solid and any other interval dashed.
func ncDashes(nc int) []vg.Length {
	if nc == sweep.NcNever {
		return nil
	}
	return []vg.Length{vg.Points(6), vg.Points(2.5)}
}

// compareVsKFigure draws the median relative accumulation error against K
// of every variant on one axis per (distribution, scaling), or returns
// nil when rows hold fewer than two variants.
func compareVsKFigure(rows []sweep.Row) *plots.Page {
	vs := variants(rows)
	ncs := compareNcs(rows, vs)
	if len(vs) < 2 || len(ncs) == 0 {
		return nil
	}
	dists, scalings := panelsOf(rows)
	var ks []int
	for _, r := range rows {
		if !slices.Contains(ks, r.K) {
			ks = append(ks, r.K)
		}
	}
	slices.Sort(ks)
	at := map[cellKey]map[variant]float64{}
	for _, r := range rows {
		key := cellKey{r.Dist, r.Scaling, r.K, r.Nc}
		if at[key] == nil {
			at[key] = map[variant]float64{}
		}
		at[key][variant{preset: r.Preset, fbits: r.FBits}] = r.Acc.MedianRel
	}
	lo, hi := logYRange(rows, func(r *sweep.Row) bool { return slices.Contains(ncs, r.Nc) })
	legend := &plots.Legend{Title: "Datapath"}
	for i, v := range vs {
		ln := &plotter.Line{LineStyle: draw.LineStyle{Color: variantColor(i), Width: vg.Points(1.5)}}
		legend.Entries = append(legend.Entries, plots.LegendEntry{Name: v.label, Thumbs: []plot.Thumbnailer{ln}})
	}
	for _, nc := range ncs {
		ln := &plotter.Line{LineStyle: draw.LineStyle{Color: color.Gray{Y: 0x50}, Width: vg.Points(1.5), Dashes: ncDashes(nc)}}
		legend.Entries = append(legend.Entries, plots.LegendEntry{Name: ncName(nc), Thumbs: []plot.Thumbnailer{ln}})
	}
	pg := &plots.Page{
		Title:    "Datapaths compared: median relative error vs K",
		Subtitle: "colour: datapath · line style: promotion interval · rows: input distribution · columns: scaling",
		Side:     legend,
	}
	dataW, _ := pg.DataSize(len(scalings))
	dropped := 0
	panels := lineGrid(dists, scalings, "K (products per output, log scale)", "median relative error", func(p *plot.Plot, d, sc string) bool {
		drawn := false
		for _, nc := range ncs {
			for vi, v := range vs {
				var xys plotter.XYs
				for _, k := range ks {
					y, ok := at[cellKey{d, sc, k, nc}][variant{preset: v.preset, fbits: v.fbits}]
					switch {
					case !ok:
					case positive(y):
						xys = append(xys, plotter.XY{X: float64(k), Y: y})
					default:
						dropped++
					}
				}
				if len(xys) == 0 {
					continue
				}
				st := ncStyle{color: variantColor(vi), glyph: ncGlyphs[vi%len(ncGlyphs)], dashes: ncDashes(nc), width: vg.Points(1.5)}
				ln, sp := seriesLine(xys, st)
				p.Add(ln, sp)
				drawn = true
			}
		}
		plots.Log2Axis(&p.X, ks, dataW)
		logYAxis(&p.Y, lo, hi)
		return drawn
	})
	pg.Panels = panels
	pg.Caption = []string{
		"Accumulation error only: median over all outputs and trials of |D - ref| / |ref| against the exact " +
			"product of the quantised inputs. Every datapath sees the same real-valued inputs; datapaths with " +
			"other operand formats quantise them differently. Block-wise scalings (deepseek, tile, block) run " +
			"only with N_c dividing 128, so they have no line for never.",
	}
	if t := droppedMedians(dropped); t != "" {
		pg.Caption = append(pg.Caption, t)
	}
	return pg
}

// ncName names a promotion interval in a comparison legend.
func ncName(nc int) string {
	if nc == sweep.NcNever {
		return "never (no promotion)"
	}
	return "Nc = " + strconv.Itoa(nc)
}

// compareVsFFigure draws, for the preset of rows (one preset at several
// accumulator widths F), the median relative accumulation error against
// F, one line per K, with the FP32 baseline at the largest K for
// reference: how many accumulator bits make promotion unnecessary. It
// returns nil when rows hold fewer than two widths.
func compareVsFFigure(preset string, rows []sweep.Row) *plots.Page {
	var fs, ks []int
	for _, r := range rows {
		if !slices.Contains(fs, r.FBits) {
			fs = append(fs, r.FBits)
		}
		if !slices.Contains(ks, r.K) {
			ks = append(ks, r.K)
		}
	}
	if len(fs) < 2 {
		return nil
	}
	slices.Sort(fs)
	slices.Sort(ks)
	vs := variants(rows)
	ncs := compareNcs(rows, vs)
	if len(ncs) == 0 {
		return nil
	}
	nc := ncs[0] // never where every width has it
	dists, scalings := panelsOf(rows)
	type key struct {
		dist, scaling string
		k, f          int
	}
	med := map[key]float64{}
	base := map[[2]string]float64{} // FP32 baseline at the largest K
	kmax := ks[len(ks)-1]
	for _, r := range rows {
		switch {
		case r.Nc == nc:
			med[key{r.Dist, r.Scaling, r.K, r.FBits}] = r.Acc.MedianRel
		case r.Nc == sweep.NcFP32 && r.K == kmax:
			base[[2]string{r.Dist, r.Scaling}] = r.Acc.MedianRel
		}
	}
	lo, hi := logYRange(rows, func(r *sweep.Row) bool {
		return r.Nc == nc || r.Nc == sweep.NcFP32 && r.K == kmax
	})
	kcolors := newViridis(0, float64(max(1, len(ks)-1)))
	kColor := func(i int) color.Color { return kcolors.at(0.85 * float64(i) / float64(max(1, len(ks)-1))) }
	legend := &plots.Legend{Title: "Depth K"}
	for i, k := range ks {
		ln := &plotter.Line{LineStyle: draw.LineStyle{Color: kColor(i), Width: vg.Points(1.5)}}
		legend.Entries = append(legend.Entries, plots.LegendEntry{Name: "K = " + strconv.Itoa(k), Thumbs: []plot.Thumbnailer{ln}})
	}
	baseStyle := draw.LineStyle{Color: color.Black, Width: vg.Points(1.3), Dashes: []vg.Length{vg.Points(5), vg.Points(3)}}
	if len(base) > 0 {
		legend.Entries = append(legend.Entries, plots.LegendEntry{Name: "FP32 baseline, K = " + strconv.Itoa(kmax),
			Thumbs: []plot.Thumbnailer{&plotter.Line{LineStyle: baseStyle}}})
	}
	pg := &plots.Page{
		Title: preset + ": median relative error vs accumulator fraction bits F",
		Subtitle: fmt.Sprintf("promotion interval: %s · one line per K · rows: input distribution · columns: scaling",
			sweep.NcLabel(nc)),
		Side: legend,
	}
	dropped := 0
	panels := lineGrid(dists, scalings, "accumulator fraction bits F", "median relative error", func(p *plot.Plot, d, sc string) bool {
		drawn := false
		for ki, k := range ks {
			var xys plotter.XYs
			for _, f := range fs {
				y, ok := med[key{d, sc, k, f}]
				switch {
				case !ok:
				case positive(y):
					xys = append(xys, plotter.XY{X: float64(f), Y: y})
				default:
					dropped++
				}
			}
			if len(xys) == 0 {
				continue
			}
			ln, sp := seriesLine(xys, ncStyle{color: kColor(ki), glyph: draw.CircleGlyph{}, width: vg.Points(1.5)})
			p.Add(ln, sp)
			drawn = true
		}
		if b, ok := base[[2]string{d, sc}]; ok && positive(b) {
			p.Add(&plotter.Line{XYs: plotter.XYs{{X: float64(fs[0]) - 0.5, Y: b}, {X: float64(fs[len(fs)-1]) + 0.5, Y: b}},
				LineStyle: baseStyle})
		}
		p.X.Min, p.X.Max = float64(fs[0])-0.5, float64(fs[len(fs)-1])+0.5
		var ticks plot.ConstantTicks
		for _, f := range fs {
			ticks = append(ticks, plot.Tick{Value: float64(f), Label: strconv.Itoa(f)})
		}
		p.X.Tick.Marker = ticks
		logYAxis(&p.Y, lo, hi)
		return drawn
	})
	pg.Panels = panels
	pg.Caption = []string{
		"Accumulation error only: median over all outputs and trials of |D - ref| / |ref| against the exact " +
			"product of the quantised inputs, for the same inputs at every F. Dashed: the error of FP32 " +
			"CUDA-core accumulation at the largest K; where that K's line reaches it, that many accumulator " +
			"bits make promotion unnecessary.",
	}
	if t := droppedMedians(dropped); t != "" {
		pg.Caption = append(pg.Caption, t)
	}
	return pg
}
