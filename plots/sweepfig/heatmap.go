package sweepfig

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	"github.com/tcsim/tcsim/plots"
	"github.com/tcsim/tcsim/sim/sweep"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Heatmap draws the normwise relative accumulation error (Acc.NormRel) for
// rows of one (Preset, FBits) into the PNG file path: one panel per (Dist,
// Scaling) with K across and N_c up (32 ... never, fp32 at the top), the
// error as a log10 colour and written in each cell. Combinations absent
// from rows are grey.
//
// The directory of path must exist; the file is written atomically.
func Heatmap(rows []sweep.Row, path string) error {
	return saveOne(rows, path, heatmapFigure)
}

// Special cell values besides a finite log10 error.
var (
	exactColor    = color.White         // NormRel == 0
	overflowColor = color.RGBA{A: 0xFF} // NormRel == +Inf
	cellLineColor = color.Gray{Y: 0xFF} // separators between cells
	notAppLabel   = color.Gray{Y: 0x70} // text on NaN cells
	heatTextDark  = color.Gray{Y: 0x10} // text on light cells
	heatTextLight = color.Gray{Y: 0xFF} // text on dark cells
)

// heatGrid is a plotter.GridXYZ in index coordinates.
type heatGrid struct {
	z [][]float64 // [col][row]
}

func (g heatGrid) Dims() (c, r int) {
	if len(g.z) == 0 {
		return 0, 0
	}
	return len(g.z), len(g.z[0])
}
func (g heatGrid) Z(c, r int) float64 { return g.z[c][r] }
func (g heatGrid) X(c int) float64    { return float64(c) }
func (g heatGrid) Y(r int) float64    { return float64(r) }

// cellDigits returns the significant digits of the cell labels that fit a
// cell of the given size, or ok = false when no label fits.
func cellDigits(cellW, cellH vg.Length) (sig int, ok bool) {
	sty := plots.TextStyle(plots.SizeCell, false)
	if cellH < sty.FontExtents().Height+vg.Points(2) {
		return 0, false
	}
	switch {
	case sty.Width("8.8e-88")+vg.Points(2) <= cellW:
		return 2, true
	case sty.Width("8e-88")+vg.Points(2) <= cellW:
		return 1, true
	}
	return 0, false
}

func heatmapFigure(s *presetRows) *plots.Page {
	nk, nn := len(s.ks), len(s.ncs)

	// One colour range for all panels.
	zmin, zmax := math.Inf(1), math.Inf(-1)
	var nZero, nNaN, nInf, nMissing int
	for _, r := range s.scale {
		if v := r.Acc.NormRel; positive(v) {
			z := math.Log10(v)
			zmin, zmax = min(zmin, z), max(zmax, z)
		}
	}
	if math.IsInf(zmin, 0) {
		zmin, zmax = -8, 0
	}
	lo, hi := math.Floor(zmin), math.Ceil(zmax)
	if hi <= lo {
		lo, hi = lo-1, hi+1
	}
	cmap := newViridis(lo, hi)
	pal := cmap.Palette(256)

	pg := &plots.Page{
		Title: s.preset + ": normwise relative error over K and Nc",
		Subtitle: fmt.Sprintf("Tensor-core accumulator with F = %d fraction bits · rows: input distribution "+
			"· columns: scaling granularity", s.fbits),
		Side: colorBar{cmap: cmap, lo: lo, hi: hi},
	}
	// Cell size, estimated from the panel size less axes and title.
	dataW, dataH := pg.DataSize(len(s.scalings))
	cellW, cellH := dataW/vg.Length(nk), dataH/vg.Length(nn)
	sig, labelled := cellDigits(cellW, cellH)

	kTicks := plots.IntTicks(s.ks, func(i int) float64 { return float64(i) },
		func(i int) vg.Length { return (vg.Length(i) + 0.5) * cellW })
	ncTicks := make(plot.ConstantTicks, nn)
	for j, nc := range s.ncs {
		ncTicks[j] = plot.Tick{Value: float64(j), Label: sweep.NcLabel(nc)}
	}

	panels := make([][]*plot.Plot, len(s.dists))
	for i, d := range s.dists {
		panels[i] = make([]*plot.Plot, len(s.scalings))
		for j, sc := range s.scalings {
			g := heatGrid{z: make([][]float64, nk)}
			labels := &plotter.Labels{}
			for c, k := range s.ks {
				g.z[c] = make([]float64, nn)
				for r, nc := range s.ncs {
					row := s.row(d, sc, k, nc)
					var z float64
					lab := ""
					var col color.Color
					switch {
					case row == nil:
						z = math.NaN()
						nMissing++
					case math.IsNaN(row.Acc.NormRel):
						z, lab, col = math.NaN(), "NaN", notAppLabel
						nNaN++
					case math.IsInf(row.Acc.NormRel, 1):
						z, lab, col = math.Inf(1), "inf", heatTextLight
						nInf++
					case !positive(row.Acc.NormRel):
						z, lab, col = math.Inf(-1), "0", heatTextDark
						nZero++
					default:
						z = math.Log10(row.Acc.NormRel)
						lab = plots.SciLabel(row.Acc.NormRel, sig)
						col = heatTextDark
						if c, err := cmap.At(z); err == nil && luminance(c) < 0.45 {
							col = heatTextLight
						}
					}
					g.z[c][r] = z
					if lab != "" && labelled {
						labels.XYs = append(labels.XYs, plotter.XY{X: float64(c), Y: float64(r)})
						labels.Labels = append(labels.Labels, lab)
						sty := plots.TextStyle(plots.SizeCell, false)
						sty.Color = col
						sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
						labels.TextStyle = append(labels.TextStyle, sty)
					}
				}
			}
			hm := &plotter.HeatMap{GridXYZ: g, Palette: pal, Min: lo, Max: hi,
				NaN: notAppColor, Underflow: exactColor, Overflow: overflowColor}

			p := plots.NewPanel(panelTitle(d, sc))
			p.X.Label.Text, p.Y.Label.Text = "K (products per output)", "Nc (products per promotion)"
			p.Add(hm, cellLines(nk, nn))
			if len(labels.Labels) > 0 {
				p.Add(labels)
			}
			for _, a := range []*plot.Axis{&p.X, &p.Y} {
				a.Padding = 0
				a.Width = 0
				a.Tick.Length = vg.Points(3)
			}
			p.X.Min, p.X.Max = -0.5, float64(nk)-0.5
			p.Y.Min, p.Y.Max = -0.5, float64(nn)-0.5
			p.X.Tick.Marker = kTicks
			p.Y.Tick.Marker = ncTicks
			if !s.has(d, sc) {
				p.Add(plots.NoResults())
			}
			panels[i][j] = p
		}
	}

	caption := []string{
		"Colour and cell labels: normwise relative error ||D - ref|| / ||ref|| (2-norm over all outputs and " +
			"trials) against the exact product of the FP8-quantised inputs: accumulation error only.",
		"Nc: products accumulated in the tensor core between promotions into an FP32 sum; never: one " +
			"tensor-core accumulation over all of K; fp32: CUDA-core FP32 accumulation baseline.",
	}
	var notes []string
	if nMissing > 0 {
		notes = append(notes, "grey: not applicable (no result for that K and Nc)")
	}
	if nNaN > 0 {
		notes = append(notes, "grey labelled NaN: error undefined ("+plots.Plural(nNaN, "cell")+")")
	}
	if nZero > 0 {
		notes = append(notes, "near-white labelled 0: no error ("+plots.Plural(nZero, "cell")+")")
	}
	if nInf > 0 {
		notes = append(notes, "black labelled inf: overflow ("+plots.Plural(nInf, "cell")+")")
	}
	if len(notes) > 0 {
		n := strings.Join(notes, "; ")
		caption = append(caption, strings.ToUpper(n[:1])+n[1:]+".")
	}
	if m := s.missingPanels(); len(m) > 0 {
		caption = append(caption, "No rows for: "+strings.Join(m, "; ")+".")
	}
	if s.shared {
		caption = append(caption, "The colour scale is shared by every datapath of the sweep, so their heat maps compare directly.")
	}
	pg.Panels, pg.Caption = panels, caption
	return pg
}

// colorBar is the [Side] of a heat map: a vertical colour bar from lo to
// hi (log10 of the error), labelled at each decade.
type colorBar struct {
	cmap   palette.ColorMap
	lo, hi float64
}

// Width implements [Side].
func (colorBar) Width() vg.Length { return 1.25 * vg.Inch }

// Draw implements [Side].
func (b colorBar) Draw(c draw.Canvas, data vg.Rectangle) {
	p := plot.New()
	p.BackgroundColor = nil
	p.HideX()
	p.X.Padding, p.Y.Padding = 0, 0
	p.Add(&plotter.ColorBar{ColorMap: b.cmap, Vertical: true, Colors: 256})
	p.Y.Min, p.Y.Max = b.lo, b.hi
	var ts plot.ConstantTicks
	for e := int(b.lo); e <= int(b.hi); e++ {
		ts = append(ts, plot.Tick{Value: float64(e), Label: plots.DecadeLabel(e)})
	}
	p.Y.Tick.Marker = ts
	p.Y.Tick.Label = plots.TextStyle(plots.SizeTick, false)
	p.Y.Tick.Label.XAlign, p.Y.Tick.Label.YAlign = draw.XRight, draw.YCenter
	p.Y.Label.Text = "normwise relative error (log colour scale)"
	p.Y.Label.TextStyle = plots.TextStyle(plots.SizeAxisLabel, false)
	p.Y.Label.TextStyle.XAlign, p.Y.Label.TextStyle.YAlign = draw.XCenter, draw.YBottom
	p.Y.Label.Padding = vg.Points(4)
	p.Y.Width = 0
	p.Y.Tick.Length = vg.Points(4)
	bar := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
		Min: vg.Point{X: c.Min.X + vg.Points(10), Y: data.Min.Y}, Max: vg.Point{X: c.Max.X, Y: data.Max.Y}}}
	// A bar of fixed width, right of its axis.
	axisW := p.DataCanvas(bar).Min.X - bar.Min.X
	bar.Max.X = min(bar.Max.X, bar.Min.X+axisW+0.28*vg.Inch)
	p.Draw(bar)
}

// cellLines draws thin white lines between the cells of an nk × nn grid.
func cellLines(nk, nn int) plot.Plotter {
	return plots.PlotterFunc(func(c draw.Canvas, p *plot.Plot) {
		sty := draw.LineStyle{Color: cellLineColor, Width: vg.Points(1)}
		trX, trY := p.Transforms(&c)
		for i := 1; i < nk; i++ {
			x := trX(float64(i) - 0.5)
			c.StrokeLine2(sty, x, c.Min.Y, x, c.Max.Y)
		}
		for j := 1; j < nn; j++ {
			y := trY(float64(j) - 0.5)
			c.StrokeLine2(sty, c.Min.X, y, c.Max.X, y)
		}
	})
}
