package lab

import (
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/tcsim/tcsim/plots"
)

// Cell is one cell of a heat map drawn by [Cells]: the unit square
// centred on (X, Y) in data coordinates, filled, with a label.
type Cell struct {
	X, Y    float64
	Fill    color.Color
	Label   string
	Outline bool // a dark frame, to single the cell out
}

// Cells draws heat-map cells under a panel's series (put it in
// [Panel.Under]); give the panel linear axes from -0.5 to n-0.5 with
// ticks at the cell centres.
type Cells []Cell

// cellText is the font size of cell labels, in points.
const cellText = 8

// Plot implements plot.Plotter.
func (cs Cells) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	sep := draw.LineStyle{Color: color.White, Width: vg.Points(1)}
	frame := draw.LineStyle{Color: color.Black, Width: vg.Points(1.6)}
	for _, cell := range cs {
		x0, x1 := trX(cell.X-0.5), trX(cell.X+0.5)
		y0, y1 := trY(cell.Y-0.5), trY(cell.Y+0.5)
		box := []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}, {X: x0, Y: y0}}
		c.FillPolygon(cell.Fill, box)
		c.StrokeLines(sep, box)
	}
	for _, cell := range cs {
		if cell.Outline {
			in := vg.Points(1)
			x0, x1 := trX(cell.X-0.5)+in, trX(cell.X+0.5)-in
			y0, y1 := trY(cell.Y-0.5)+in, trY(cell.Y+0.5)-in
			c.StrokeLines(frame, []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}, {X: x0, Y: y0}})
		}
		if cell.Label != "" {
			sty := plots.TextStyle(cellText, cell.Outline)
			sty.Color = color.Gray{Y: 0x10}
			sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
			c.FillText(sty, vg.Point{X: trX(cell.X), Y: trY(cell.Y)}, cell.Label)
		}
	}
}
