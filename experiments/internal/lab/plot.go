package lab

import (
	"fmt"
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/tcsim/tcsim/plots"
)

// The figures are laid out and styled by package plots ([plots.Page]);
// this file adds what the experiments describe their panels with: series
// of points in a [Style], axis scales chosen from the data, reference
// lines and notes.

// sizeNote is the font size of reference-line labels and notes, in points.
const sizeNote = 8.5

// grey is for reference lines and notes.
var grey = color.Gray{Y: 110}

// palette is Okabe–Ito (colour-blind safe) without its yellow, then a
// few darker extras, and black; [Colour] reads it.
var palette = [...]color.Color{
	color.RGBA{0x00, 0x72, 0xB2, 0xFF}, // blue
	color.RGBA{0xD5, 0x5E, 0x00, 0xFF}, // vermillion
	color.RGBA{0x00, 0x9E, 0x73, 0xFF}, // bluish green
	color.RGBA{0xCC, 0x79, 0xA7, 0xFF}, // reddish purple
	color.RGBA{0xE6, 0x9F, 0x00, 0xFF}, // orange
	color.RGBA{0x56, 0xB4, 0xE9, 0xFF}, // sky blue
	color.RGBA{0x8C, 0x56, 0x4B, 0xFF}, // brown
	color.RGBA{0x66, 0x66, 0x99, 0xFF}, // slate
	color.Black,
}

var glyphs = []draw.GlyphDrawer{
	draw.CircleGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{}, draw.RingGlyph{},
	draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.CrossGlyph{}, draw.PlusGlyph{}, draw.CircleGlyph{},
}

// Style is how a series is drawn.
type Style struct {
	Color  color.Color
	Width  vg.Length   // line width; 0 means 1.4 pt
	Dashes []vg.Length // nil: solid
	Glyph  draw.GlyphDrawer
	Radius vg.Length // glyph radius; 0 means 2.6 pt
	NoLine bool      // markers only
}

// Colour returns the i-th colour of the palette, cycling; Colour(Black)
// is black.
func Colour(i int) color.Color { return palette[i%len(palette)] }

// Black is the palette index of black (baselines and reference marks).
const Black = len(palette) - 1

// S returns the i-th solid style with markers.
func S(i int) Style {
	return Style{Color: Colour(i), Glyph: glyphs[i%len(glyphs)]}
}

// Dashed returns s with a dashed line.
func (s Style) Dashed() Style {
	s.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	return s
}

// Points returns s with markers only.
func (s Style) Points() Style {
	s.NoLine = true
	return s
}

// Hollow returns s with an open marker of the same shape family.
func (s Style) Hollow() Style {
	switch s.Glyph.(type) {
	case draw.CircleGlyph:
		s.Glyph = draw.RingGlyph{}
	case draw.BoxGlyph:
		s.Glyph = draw.SquareGlyph{}
	case draw.PyramidGlyph:
		s.Glyph = draw.TriangleGlyph{}
	}
	return s
}

// Big returns s with larger markers.
func (s Style) Big() Style {
	s.Radius = vg.Points(4)
	return s
}

// drawer is a plotter that also draws its legend thumbnail.
type drawer interface {
	plot.Plotter
	plot.Thumbnailer
}

// drawers returns the line (unless markers only, or a single point) and
// the markers (with a glyph) of the series xy in s; for xy == nil, those
// of the legend.
func (s Style) drawers(xy plotter.XYs) []drawer {
	var ds []drawer
	if !s.NoLine && (len(xy) > 1 || xy == nil) {
		w := s.Width
		if w == 0 {
			w = vg.Points(1.4)
		}
		ds = append(ds, &plotter.Line{XYs: xy, LineStyle: draw.LineStyle{Color: s.Color, Width: w, Dashes: s.Dashes}})
	}
	if s.Glyph != nil {
		r := s.Radius
		if r == 0 {
			r = vg.Points(2.6)
		}
		ds = append(ds, &plotter.Scatter{XYs: xy, GlyphStyle: draw.GlyphStyle{Color: s.Color, Radius: r, Shape: s.Glyph}})
	}
	return ds
}

// Scale is an axis scale.
type Scale uint8

const (
	Linear Scale = iota
	// Log10 labels decades as 1e-5, 1e-4, ... (the bundled font has no
	// superscript minus).
	Log10
	// Log2 labels the data's values, positive integers (K, N_c), as
	// integers: powers of two first, the others where there is room.
	Log2
)

// Tick is an axis tick; an empty label makes a minor tick.
type Tick = plot.Tick

// Series is one line (or set of markers) in a panel.
type Series struct {
	X, Y  []float64
	Style Style
}

// Ref is a horizontal reference line with a label at its right end.
type Ref struct {
	Y     float64
	Label string
}

// Panel is one plot of a figure.
type Panel struct {
	Title, XLabel, YLabel string
	XScale, YScale        Scale
	// Explicit ticks; nil chooses them (Log2: each distinct x of the data).
	XTicks, YTicks []Tick
	// Explicit ranges; equal values choose them from the data.
	XMin, XMax, YMin, YMax float64
	Series                 []Series
	Refs                   []Ref
	// Under are plotters drawn before the series (shading), Extra after
	// them (annotations).
	Under, Extra []plot.Plotter

	dropped int // points not drawable on a log axis
}

// Add adds a series. Points that a log axis cannot show (≤ 0, NaN, Inf)
// are dropped and counted; the figure's caption says how many.
func (p *Panel) Add(x, y []float64, s Style) {
	var sx, sy []float64
	for i := range x {
		if !drawable(x[i], p.XScale) || !drawable(y[i], p.YScale) {
			p.dropped++
			continue
		}
		sx, sy = append(sx, x[i]), append(sy, y[i])
	}
	p.Series = append(p.Series, Series{X: sx, Y: sy, Style: s})
}

func drawable(v float64, s Scale) bool {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return false
	}
	return s == Linear || v > 0
}

// build makes the panel's plot, for a data area of about size.
func (p *Panel) build(size vg.Point) (*plot.Plot, error) {
	pl := plots.NewPanel(p.Title)
	pl.X.Label.Text, pl.Y.Label.Text = p.XLabel, p.YLabel

	var xs, ys []float64
	for _, s := range p.Series {
		xs, ys = append(xs, s.X...), append(ys, s.Y...)
	}
	for _, r := range p.Refs {
		if drawable(r.Y, p.YScale) {
			ys = append(ys, r.Y)
		}
	}
	if len(xs) == 0 && p.XMin == p.XMax {
		return nil, fmt.Errorf("panel %q: no drawable data", p.Title)
	}
	if err := setAxis(&pl.X, p.XScale, xs, p.XMin, p.XMax, p.XTicks, 0.04, size.X); err != nil {
		return nil, fmt.Errorf("panel %q: x axis: %v", p.Title, err)
	}
	if err := setAxis(&pl.Y, p.YScale, ys, p.YMin, p.YMax, p.YTicks, 0.06, size.Y); err != nil {
		return nil, fmt.Errorf("panel %q: y axis: %v", p.Title, err)
	}
	pl.Add(plots.GridLines(true, true))
	pl.Add(p.Under...)
	for _, r := range p.Refs {
		pl.Add(refLine{r})
	}
	for _, s := range p.Series {
		xy := make(plotter.XYs, len(s.X))
		for i := range s.X {
			xy[i].X, xy[i].Y = s.X[i], s.Y[i]
		}
		if len(xy) == 0 {
			continue
		}
		for _, d := range s.Style.drawers(xy) {
			pl.Add(d)
		}
	}
	pl.Add(p.Extra...)
	return pl, nil
}

// setAxis sets the scale, range and ticks of an axis about length long:
// the range lo..hi, or where lo == hi the data's padded by pad (linear),
// widened to whole decades (Log10) or by a third of a binade (Log2).
func setAxis(a *plot.Axis, sc Scale, data []float64, lo, hi float64, ticks []Tick, pad float64, length vg.Length) error {
	if lo == hi && len(data) == 0 {
		return fmt.Errorf("no data and no range")
	}
	switch sc {
	case Linear:
		if lo == hi {
			lo, hi = slices.Min(data), slices.Max(data)
			d := hi - lo
			if d == 0 {
				d = math.Max(math.Abs(hi), 1)
			}
			lo, hi = lo-pad*d, hi+pad*d
		}
		a.Min, a.Max = lo, hi
	case Log10:
		if lo == hi {
			e0, e1 := plots.LogRange(slices.Min(data), slices.Max(data))
			lo, hi = math.Pow(10, float64(e0)), math.Pow(10, float64(e1))
		}
		if lo <= 0 {
			return fmt.Errorf("log range starts at %g", lo)
		}
		a.Scale = plot.LogScale{}
		a.Min, a.Max = lo, hi
		a.Tick.Marker = plots.DecadeTicks(int(math.Floor(Log10Of(lo)+1e-9)), int(math.Ceil(Log10Of(hi)-1e-9)))
	case Log2:
		var ns []int
		for _, v := range data {
			if n := int(math.Round(v)); n >= 1 {
				ns = append(ns, n)
			}
		}
		slices.Sort(ns)
		if ns = slices.Compact(ns); len(ns) > 0 {
			plots.Log2Axis(a, ns, length)
		}
		a.Scale = plot.LogScale{}
		if lo != hi || len(ns) == 0 {
			a.Min, a.Max = lo, hi
		}
		if a.Min <= 0 || a.Min >= a.Max {
			return fmt.Errorf("log range %g to %g", a.Min, a.Max)
		}
	}
	if ticks != nil {
		a.Tick.Marker = plot.ConstantTicks(ticks)
	}
	return nil
}

// refStyle is the grey dotted line of references.
var refStyle = draw.LineStyle{Color: grey, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(2), vg.Points(2)}}

// refLine draws a grey dotted horizontal line with its label at the right.
type refLine struct{ Ref }

func (r refLine) Plot(c draw.Canvas, p *plot.Plot) {
	if r.Y < p.Y.Min || r.Y > p.Y.Max {
		return
	}
	_, trY := p.Transforms(&c)
	y := trY(r.Y)
	c.StrokeLine2(refStyle, c.Min.X, y, c.Max.X, y)
	if r.Label != "" {
		sty := plots.TextStyle(sizeNote, false)
		sty.Color = grey
		sty.XAlign, sty.YAlign = draw.XRight, draw.YBottom
		c.FillText(sty, vg.Point{X: c.Max.X - vg.Points(3), Y: y + vg.Points(1.5)}, r.Label)
	}
}

// VLine is a grey dotted vertical line at data coordinate X.
type VLine struct{ X float64 }

// Plot implements plot.Plotter.
func (v VLine) Plot(c draw.Canvas, p *plot.Plot) {
	if v.X >= p.X.Min && v.X <= p.X.Max {
		trX, _ := p.Transforms(&c)
		c.StrokeLine2(refStyle, trX(v.X), c.Min.Y, trX(v.X), c.Max.Y)
	}
}

// Note is a text annotation at data coordinates (x, y), offset in points.
type Note struct {
	X, Y   float64
	DX, DY vg.Length
	Text   string
	Color  color.Color
	XAlign draw.XAlignment
}

// Plot implements plot.Plotter.
func (n Note) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	sty := plots.TextStyle(sizeNote, false)
	if n.Color != nil {
		sty.Color = n.Color
	}
	sty.XAlign, sty.YAlign = n.XAlign, draw.YCenter
	c.FillText(sty, vg.Point{X: trX(n.X) + n.DX, Y: trY(n.Y) + n.DY}, n.Text)
}

// LegendEntry is one line of a figure's legend.
type LegendEntry struct {
	Name  string
	Style Style
}

// Figure is a titled grid of panels with a legend on the right and a
// caption below, drawn as a [plots.Page].
type Figure struct {
	File     string // file name, e.g. "error_vs_k.png"
	Title    string
	Subtitle string
	Panels   [][]*Panel // rows of panels; nil cells are left empty
	Legend   []LegendEntry
	// LegendTitle heads the legend.
	LegendTitle string
	Caption     string
	// PanelW and PanelH are the size of one panel (default 3.9 × 2.9 in).
	PanelW, PanelH vg.Length
}

// PNG renders the figure at [plots.DPI].
func (f *Figure) PNG() ([]byte, error) {
	pg := &plots.Page{Title: f.Title, Subtitle: f.Subtitle, PanelW: f.PanelW, PanelH: f.PanelH}
	if pg.PanelW == 0 {
		pg.PanelW = 3.9 * vg.Inch
	}
	if pg.PanelH == 0 {
		pg.PanelH = 2.9 * vg.Inch
	}
	if len(f.Legend) > 0 {
		l := &plots.Legend{Title: f.LegendTitle}
		for _, e := range f.Legend {
			var th []plot.Thumbnailer
			for _, d := range e.Style.drawers(nil) {
				th = append(th, d)
			}
			l.Entries = append(l.Entries, plots.LegendEntry{Name: e.Name, Thumbs: th})
		}
		pg.Side = l
	}
	cols := 0
	for _, r := range f.Panels {
		cols = max(cols, len(r))
	}
	if cols == 0 {
		return nil, fmt.Errorf("no panels")
	}
	var size vg.Point
	size.X, size.Y = pg.DataSize(cols)
	dropped := 0
	pg.Panels = make([][]*plot.Plot, len(f.Panels))
	for i, r := range f.Panels {
		pg.Panels[i] = make([]*plot.Plot, len(r))
		for j, p := range r {
			if p == nil {
				continue
			}
			var err error
			if pg.Panels[i][j], err = p.build(size); err != nil {
				return nil, err
			}
			dropped += p.dropped
		}
	}
	if f.Caption != "" {
		pg.Caption = append(pg.Caption, f.Caption)
	}
	if dropped > 0 {
		pg.Caption = append(pg.Caption, fmt.Sprintf("%d points not drawn: zero or non-finite values have no "+
			"place on a log axis (they are in data.csv).", dropped))
	}
	return pg.PNG()
}
