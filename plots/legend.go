package plots

import (
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Legend is a [Side]: a boxed list of series, its top level with the top
// of the panels' data areas.
type Legend struct {
	Title   string // optional bold header
	Entries []LegendEntry
}

// LegendEntry is one line of a [Legend].
type LegendEntry struct {
	Name string
	// Thumbs are drawn over each other left of the name: for example a
	// band (*plotter.Polygon), a line (*plotter.Line) and a marker
	// (*plotter.Scatter), each with no data.
	Thumbs []plot.Thumbnailer
}

// Legend geometry, in points.
const (
	legendThumbW = 26 // thumbnail width
	legendPad    = 8  // inside the box
	legendLeft   = 10 // between the grid and the box
)

// textWidth is the width of the widest line of the legend.
func (l *Legend) textWidth() vg.Length {
	hSty := TextStyle(SizeLegend, true)
	eSty := TextStyle(SizeLegend, false)
	w := hSty.Width(l.Title)
	for _, e := range l.Entries {
		w = max(w, vg.Points(legendThumbW)+eSty.Width(" "+e.Name))
	}
	return w
}

// Width implements [Side].
func (l *Legend) Width() vg.Length {
	return l.textWidth() + 2*vg.Points(legendPad) + vg.Points(legendLeft)
}

// Draw implements [Side].
func (l *Legend) Draw(c draw.Canvas, data vg.Rectangle) {
	pad := vg.Points(legendPad)
	hSty := TextStyle(SizeLegend, true)
	textW := l.textWidth()
	pl := plot.NewLegend()
	pl.TextStyle = TextStyle(SizeLegend, false)
	pl.Top, pl.Left = true, true
	pl.ThumbnailWidth = vg.Points(legendThumbW)
	pl.Padding = vg.Points(3)
	for _, e := range l.Entries {
		pl.Add(e.Name, e.Thumbs...)
	}
	x0 := c.Min.X + vg.Points(legendLeft)
	top := data.Max.Y
	var headH vg.Length // the header and the space under it
	if l.Title != "" {
		headH = hSty.FontExtents().Height + vg.Points(4)
	}
	entriesH := pl.Rectangle(c).Size().Y
	box := vg.Rectangle{Min: vg.Point{X: x0, Y: top - pad - headH - entriesH - pad},
		Max: vg.Point{X: x0 + textW + 2*pad, Y: top}}
	c.SetColor(WithAlpha(gridColor, 0.35))
	c.Fill(box.Path())
	c.SetLineStyle(draw.LineStyle{Color: gridColor, Width: vg.Points(0.8)})
	c.Stroke(box.Path())
	if l.Title != "" {
		sty := hSty
		sty.XAlign, sty.YAlign = draw.XLeft, draw.YTop
		c.FillText(sty, vg.Point{X: x0 + pad, Y: top - pad}, l.Title)
	}
	pl.Draw(draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
		Min: vg.Point{X: x0 + pad, Y: box.Min.Y + pad},
		Max: vg.Point{X: x0 + pad + textW, Y: top - pad - headH}}})
}
