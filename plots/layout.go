package plots

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// DPI is the resolution of the PNG files (Plot.Save would give 96).
var DPI = 150

// Page geometry.
const (
	panelW   = 4.3 * vg.Inch
	panelH   = 3.2 * vg.Inch
	minWidth = 7.5 * vg.Inch
	margin   = 0.18 * vg.Inch
	blockGap = 0.12 * vg.Inch
)

// figureWidth is the width of a figure of cols panel columns and a side
// strip of width side.
func figureWidth(cols int, side vg.Length) vg.Length {
	return max(minWidth, vg.Length(cols)*panelW+side+2*margin)
}

// dataWidth estimates the width of a panel's data area (the panel less its
// y axis) in a figure of cols columns, for fitting labels.
func dataWidth(cols int, side vg.Length) vg.Length {
	return (figureWidth(cols, side)-side-2*margin)/vg.Length(cols) - 0.95*vg.Inch
}

// figure is a titled grid of panels with a side strip (legend or colour
// bar) and a caption.
type figure struct {
	title    string
	subtitle string
	panels   [][]*plot.Plot // [row][col]; nil for an empty cell
	// side draws the strip right of the grid; data spans the panels'
	// data areas (top of the first row to bottom of the last).
	side      func(c draw.Canvas, data vg.Rectangle)
	sideWidth vg.Length
	caption   []string // paragraphs
	// xLabel and yLabel are drawn once per column and row, centred on the
	// data areas. (gonum/plot places the glyph box of an axis label at
	// the linear midpoint of the axis, which on a log axis is near its
	// end, so its own labels would pad panels unevenly.)
	xLabel, yLabel string
}

// render draws f and writes it to path as a PNG, atomically.
func (f *figure) render(path string) (err error) {
	defer func() {
		// gonum/plot reports bad ranges and palettes by panicking; one
		// figure must not take the caller down.
		if r := recover(); r != nil {
			err = fmt.Errorf("plots: drawing %s: %v", path, r)
		}
	}()
	rows := len(f.panels)
	cols := 0
	for _, r := range f.panels {
		cols = max(cols, len(r))
	}
	if rows == 0 || cols == 0 {
		return fmt.Errorf("plots: %s: nothing to draw", path)
	}
	w := figureWidth(cols, f.sideWidth)
	inner := w - 2*margin

	titleSty := textStyle(sizeFigTitle, true)
	subSty := textStyle(sizeSubtitle, false)
	capSty := textStyle(sizeCaption, false)
	titleLines := wrap(titleSty, f.title, inner)
	var subLines []string
	if f.subtitle != "" {
		subLines = wrap(subSty, f.subtitle, inner)
	}
	var capLines []string
	for _, p := range f.caption {
		capLines = append(capLines, wrap(capSty, p, inner)...)
	}
	lineH := func(sty text.Style) vg.Length { return sty.FontExtents().Height }
	titleH := vg.Length(len(titleLines))*lineH(titleSty) + vg.Length(len(subLines))*lineH(subSty)
	capH := vg.Length(len(capLines)) * lineH(capSty)
	gridH := vg.Length(rows) * panelH
	h := margin + titleH + blockGap + gridH + margin
	if capH > 0 {
		h += blockGap + capH
	}

	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(DPI))
	dc := draw.New(img)

	// Title block, centred.
	y := h - margin
	for _, l := range titleLines {
		sty := titleSty
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
		dc.FillText(sty, vg.Point{X: w / 2, Y: y}, l)
		y -= lineH(titleSty)
	}
	for _, l := range subLines {
		sty := subSty
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
		sty.Color = axisColor
		dc.FillText(sty, vg.Point{X: w / 2, Y: y}, l)
		y -= lineH(subSty)
	}
	gridTop := y - blockGap
	gridBottom := gridTop - gridH

	// Caption, left aligned.
	cy := gridBottom - blockGap
	for _, l := range capLines {
		sty := capSty
		sty.XAlign, sty.YAlign = draw.XLeft, draw.YTop
		sty.Color = axisColor
		dc.FillText(sty, vg.Point{X: margin, Y: cy}, l)
		cy -= lineH(capSty)
	}

	// Panels.
	gridRight := w - margin - f.sideWidth
	gc := draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
		Min: vg.Point{X: margin, Y: gridBottom}, Max: vg.Point{X: gridRight, Y: gridTop}}}
	grid := make([][]*plot.Plot, rows)
	for i := range grid {
		grid[i] = make([]*plot.Plot, cols)
		copy(grid[i], f.panels[i])
	}
	labSty := textStyle(sizeAxisLabel, false)
	labH := labSty.FontExtents().Height
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(24), PadY: vg.Points(14),
		PadRight: vg.Points(6)}
	if f.yLabel != "" {
		tiles.PadLeft = labH + vg.Points(4)
	}
	if f.xLabel != "" {
		tiles.PadBottom = labH + vg.Points(2)
	}
	// Panel titles are drawn centred on the data area rather than on the
	// panel (which includes the y axis); gonum/plot still reserves their
	// room, drawing them transparent.
	titles := make([][]string, rows)
	for i := range grid {
		titles[i] = make([]string, cols)
		for j, p := range grid[i] {
			if p != nil {
				titles[i][j] = p.Title.Text
				p.Title.TextStyle.Color = color.Transparent
			}
		}
	}
	cs := plot.Align(grid, tiles, gc)
	data := vg.Rectangle{Min: vg.Point{X: margin, Y: gridBottom}, Max: vg.Point{X: gridRight, Y: gridTop}}
	topSet, bottomSet := false, false
	for i := range grid {
		for j, p := range grid[i] {
			if p == nil {
				continue
			}
			p.Draw(cs[i][j])
			dca := p.DataCanvas(cs[i][j])
			// A title wider than its panel is set smaller rather than
			// run into the next one.
			ts := textStyle(sizePanelTitle, true)
			for size := vg.Length(sizePanelTitle); ts.Width(titles[i][j]) > dca.Size().X+vg.Points(20) && size > 7; {
				size -= 0.5
				ts = textStyle(size, true)
			}
			ts.XAlign, ts.YAlign = draw.XCenter, draw.YBottom
			dc.FillText(ts, vg.Point{X: dca.Center().X, Y: dca.Max.Y + p.Title.Padding +
				ts.FontExtents().Descent}, titles[i][j])
			if f.yLabel != "" && !slices.ContainsFunc(grid[i][:j], isPlot) {
				ls := labSty
				ls.Rotation = math.Pi / 2
				ls.XAlign, ls.YAlign = draw.XCenter, draw.YTop
				dc.FillText(ls, vg.Point{X: gc.Min.X, Y: dca.Center().Y}, f.yLabel)
			}
			lowest := !slices.ContainsFunc(grid[i+1:], func(r []*plot.Plot) bool { return r[j] != nil })
			if f.xLabel != "" && lowest {
				ls := labSty
				ls.XAlign, ls.YAlign = draw.XCenter, draw.YBottom
				dc.FillText(ls, vg.Point{X: dca.Center().X, Y: gc.Min.Y + labSty.FontExtents().Descent},
					f.xLabel)
			}
			if i == 0 && !topSet {
				data.Max.Y, topSet = dca.Max.Y, true
			}
			if i == rows-1 && !bottomSet {
				data.Min.Y, bottomSet = dca.Min.Y, true
			}
		}
	}
	if f.side != nil {
		sc := draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: gridRight, Y: gridBottom}, Max: vg.Point{X: w - margin, Y: gridTop}}}
		f.side(sc, data)
	}
	return writeAtomic(path, vgimg.PngCanvas{Canvas: img})
}

// writeAtomic writes wt to a temporary file in path's directory and renames
// it to path, so path is either absent, the old file or the complete new one.
func writeAtomic(path string, wt io.WriterTo) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("plots: %v", err)
	}
	name := tmp.Name()
	_, err = wt.WriteTo(tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(name, 0o644)
	}
	if err == nil {
		err = os.Rename(name, path)
	}
	if err != nil {
		os.Remove(name)
		return fmt.Errorf("plots: writing %s: %v", path, err)
	}
	return nil
}

// legendItem is one entry of a side legend.
type legendItem struct {
	name   string
	thumbs []plot.Thumbnailer
}

const (
	legendThumbW = 26 // points
	legendHeader = "Promotion interval"
)

// legendWidth is the width of the side strip of a legend with header and
// entry names.
func legendWidth(header string, names []string) vg.Length {
	hSty := textStyle(sizeLegend, true)
	eSty := textStyle(sizeLegend, false)
	textW := hSty.Width(header)
	for _, n := range names {
		textW = max(textW, vg.Points(legendThumbW)+eSty.Width(" "+n))
	}
	return textW + 2*vg.Points(8) + vg.Points(10)
}

// legendSide returns a side-strip drawer for a legend headed by header,
// and the strip's width.
func legendSide(header string, items []legendItem) (func(c draw.Canvas, data vg.Rectangle), vg.Length) {
	pad := vg.Points(8)
	hSty := textStyle(sizeLegend, true)
	eSty := textStyle(sizeLegend, false)
	names := make([]string, len(items))
	for i, it := range items {
		names[i] = it.name
	}
	width := legendWidth(header, names)
	textW := width - 2*pad - vg.Points(10)
	draw1 := func(c draw.Canvas, data vg.Rectangle) {
		top := data.Max.Y
		l := plot.NewLegend()
		l.TextStyle = eSty
		l.Top, l.Left = true, true
		l.ThumbnailWidth = vg.Points(legendThumbW)
		l.Padding = vg.Points(3)
		for _, it := range items {
			l.Add(it.name, it.thumbs...)
		}
		x0 := c.Min.X + vg.Points(10)
		boxTop := top
		hh := hSty.FontExtents().Height
		entriesH := l.Rectangle(c).Size().Y
		boxBottom := boxTop - pad - hh - vg.Points(4) - entriesH - pad
		box := vg.Rectangle{Min: vg.Point{X: x0, Y: boxBottom}, Max: vg.Point{X: x0 + textW + 2*pad, Y: boxTop}}
		c.SetColor(withAlpha(gridColor, 0.35))
		c.Fill(box.Path())
		c.SetLineStyle(draw.LineStyle{Color: gridColor, Width: vg.Points(0.8)})
		c.Stroke(box.Path())
		sty := hSty
		sty.XAlign, sty.YAlign = draw.XLeft, draw.YTop
		c.FillText(sty, vg.Point{X: x0 + pad, Y: boxTop - pad}, header)
		lc := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: x0 + pad, Y: boxBottom + pad},
			Max: vg.Point{X: x0 + pad + textW, Y: boxTop - pad - hh - vg.Points(4)}}}
		l.Draw(lc)
	}
	return draw1, width
}

func isPlot(p *plot.Plot) bool { return p != nil }
