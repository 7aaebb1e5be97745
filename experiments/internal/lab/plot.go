package lab

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// DPI is the resolution of the PNG figures (Plot.Save would give 96).
const DPI = 150

// Font sizes in points.
const (
	sizeTitle    = 14
	sizeSubtitle = 10.5
	sizePanel    = 11
	sizeLabel    = 10
	sizeTick     = 9
	sizeLegend   = 9.5
	sizeCaption  = 9
	sizeNote     = 8.5
)

// Page geometry.
const (
	margin = 0.15 * vg.Inch
	gap    = 0.1 * vg.Inch
)

// TextStyle returns a plain-text style in Liberation Sans (bundled with
// gonum/plot). Never LaTeX: text.Latex panics on "_" and "^".
func TextStyle(size vg.Length, bold bool) text.Style {
	f := font.From(font.Font{Typeface: "Liberation", Variant: "Sans"}, size)
	if bold {
		f.Weight = xfont.WeightBold
	}
	return text.Style{Color: color.Black, Font: f, Handler: text.Plain{Fonts: font.DefaultCache}}
}

var (
	gridColor = color.Gray{Y: 228}
	axisColor = color.Gray{Y: 40}
	// Grey is for reference lines and notes.
	Grey = color.Gray{Y: 110}
)

// Palette is Okabe–Ito (colour-blind safe) without its yellow, then a
// few darker extras.
var Palette = []color.Color{
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

// S returns the i-th solid style with markers.
func S(i int) Style {
	return Style{Color: Palette[i%len(Palette)], Glyph: glyphs[i%len(glyphs)]}
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

func (s Style) line() draw.LineStyle {
	w := s.Width
	if w == 0 {
		w = vg.Points(1.4)
	}
	return draw.LineStyle{Color: s.Color, Width: w, Dashes: s.Dashes}
}

func (s Style) glyph() draw.GlyphStyle {
	r := s.Radius
	if r == 0 {
		r = vg.Points(2.6)
	}
	return draw.GlyphStyle{Color: s.Color, Radius: r, Shape: s.Glyph}
}

// Scale is an axis scale.
type Scale uint8

const (
	Linear Scale = iota
	// Log10 labels decades as 1e-5, 1e-4, ... (the bundled font has no
	// superscript minus).
	Log10
	// Log2 labels the data's x values as integers (K, N_c).
	Log2
)

// Tick is an axis tick; an empty label makes a minor tick.
type Tick struct {
	Value float64
	Label string
}

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

// DecadeLabel writes 10^e as "1e-5" (and "1", "10", "100").
func DecadeLabel(e int) string {
	switch e {
	case 0:
		return "1"
	case 1:
		return "10"
	case 2:
		return "100"
	}
	return fmt.Sprintf("1e%d", e)
}

func (p *Panel) build() (*plot.Plot, error) {
	pl := plot.New()
	pl.Title.Text = p.Title
	pl.Title.TextStyle = TextStyle(sizePanel, true)
	pl.Title.TextStyle.Color = color.Transparent // drawn centred on the data area by the figure
	pl.Title.Padding = vg.Points(4)
	for _, a := range []*plot.Axis{&pl.X, &pl.Y} {
		a.Tick.Label = TextStyle(sizeTick, false)
		a.Color, a.Tick.Color = axisColor, axisColor
		a.Padding = vg.Points(2)
	}
	pl.X.Tick.Label.XAlign, pl.X.Tick.Label.YAlign = draw.XCenter, draw.YTop
	pl.Y.Tick.Label.XAlign, pl.Y.Tick.Label.YAlign = draw.XRight, draw.YCenter

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
	if err := setAxis(&pl.X, p.XScale, xs, p.XMin, p.XMax, p.XTicks, 0.04); err != nil {
		return nil, fmt.Errorf("panel %q: x axis: %v", p.Title, err)
	}
	if err := setAxis(&pl.Y, p.YScale, ys, p.YMin, p.YMax, p.YTicks, 0.06); err != nil {
		return nil, fmt.Errorf("panel %q: y axis: %v", p.Title, err)
	}
	pl.Add(gridLines{})
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
		if !s.Style.NoLine && len(xy) > 1 {
			l, err := plotter.NewLine(xy)
			if err != nil {
				return nil, err
			}
			l.LineStyle = s.Style.line()
			pl.Add(l)
		}
		if s.Style.Glyph != nil {
			sc, err := plotter.NewScatter(xy)
			if err != nil {
				return nil, err
			}
			sc.GlyphStyle = s.Style.glyph()
			pl.Add(sc)
		}
	}
	pl.Add(p.Extra...)
	return pl, nil
}

// setAxis sets the scale, range and ticks of an axis.
func setAxis(a *plot.Axis, sc Scale, data []float64, lo, hi float64, ticks []Tick, pad float64) error {
	if lo == hi {
		if len(data) == 0 {
			return fmt.Errorf("no data and no range")
		}
		lo, hi = slices.Min(data), slices.Max(data)
		switch sc {
		case Linear:
			d := hi - lo
			if d == 0 {
				d = math.Max(math.Abs(hi), 1)
			}
			lo, hi = lo-pad*d, hi+pad*d
		case Log10:
			lo = math.Pow(10, math.Floor(math.Log10(lo)))
			hi = math.Pow(10, math.Ceil(math.Log10(hi)))
			if hi/lo < 9.99 { // at least one full decade, or no labelled tick
				lo /= math.Sqrt(10)
				hi *= math.Sqrt(10)
			}
		case Log2:
			f := math.Pow(2, 0.3)
			lo, hi = lo/f, hi*f
		}
	}
	if sc != Linear && lo <= 0 {
		return fmt.Errorf("log range starts at %g", lo)
	}
	a.Min, a.Max = lo, hi
	if sc != Linear {
		a.Scale = plot.LogScale{}
	}
	if ticks == nil {
		switch sc {
		case Log10:
			ticks = decadeTicks(lo, hi)
		case Log2:
			ticks = intTicks(data)
		}
	}
	if ticks != nil {
		ct := make(plot.ConstantTicks, len(ticks))
		for i, t := range ticks {
			ct[i] = plot.Tick{Value: t.Value, Label: t.Label}
		}
		a.Tick.Marker = ct
	}
	return nil
}

// decadeTicks labels the decades in [lo, hi] (every other one when there
// are many) with minor ticks at 2..9 of each.
func decadeTicks(lo, hi float64) []Tick {
	e0, e1 := int(math.Floor(math.Log10(lo)+1e-9)), int(math.Ceil(math.Log10(hi)-1e-9))
	step := 1
	if e1-e0 > 9 {
		step = (e1 - e0 + 8) / 9
	}
	var ts []Tick
	for e := e0; e <= e1; e++ {
		d := math.Pow(10, float64(e))
		if e%step == 0 {
			ts = append(ts, Tick{d, DecadeLabel(e)})
		} else {
			ts = append(ts, Tick{Value: d})
		}
		if e1-e0 <= 6 {
			for m := 2; m < 10; m++ {
				ts = append(ts, Tick{Value: float64(m) * d})
			}
		}
	}
	return ts
}

// intTicks puts a labelled tick at each distinct value (every other label
// when there are more than 9).
func intTicks(data []float64) []Tick {
	v := slices.Clone(data)
	slices.Sort(v)
	v = slices.Compact(v)
	step := 1
	if len(v) > 9 {
		step = (len(v) + 8) / 9
	}
	ts := make([]Tick, len(v))
	for i, x := range v {
		ts[i].Value = x
		if i%step == 0 {
			ts[i].Label = strconv.FormatFloat(x, 'f', -1, 64)
		}
	}
	return ts
}

// gridLines draws light lines at the major ticks.
type gridLines struct{}

func (gridLines) Plot(c draw.Canvas, p *plot.Plot) {
	sty := draw.LineStyle{Color: gridColor, Width: vg.Points(0.6)}
	trX, trY := p.Transforms(&c)
	for _, t := range p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max) {
		if !t.IsMinor() && t.Value >= p.X.Min && t.Value <= p.X.Max {
			x := trX(t.Value)
			c.StrokeLine2(sty, x, c.Min.Y, x, c.Max.Y)
		}
	}
	for _, t := range p.Y.Tick.Marker.Ticks(p.Y.Min, p.Y.Max) {
		if !t.IsMinor() && t.Value >= p.Y.Min && t.Value <= p.Y.Max {
			y := trY(t.Value)
			c.StrokeLine2(sty, c.Min.X, y, c.Max.X, y)
		}
	}
}

// refLine draws a grey dotted horizontal line with its label at the right.
type refLine struct{ Ref }

func (r refLine) Plot(c draw.Canvas, p *plot.Plot) {
	if r.Y < p.Y.Min || r.Y > p.Y.Max {
		return
	}
	_, trY := p.Transforms(&c)
	y := trY(r.Y)
	c.StrokeLine2(draw.LineStyle{Color: Grey, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(2), vg.Points(2)}},
		c.Min.X, y, c.Max.X, y)
	if r.Label != "" {
		sty := TextStyle(sizeNote, false)
		sty.Color = Grey
		sty.XAlign, sty.YAlign = draw.XRight, draw.YBottom
		c.FillText(sty, vg.Point{X: c.Max.X - vg.Points(3), Y: y + vg.Points(1.5)}, r.Label)
	}
}

// VLine is a grey dotted vertical line at data coordinate X.
type VLine struct{ X float64 }

// Plot implements plot.Plotter.
func (v VLine) Plot(c draw.Canvas, p *plot.Plot) {
	if v.X < p.X.Min || v.X > p.X.Max {
		return
	}
	trX, _ := p.Transforms(&c)
	x := trX(v.X)
	c.StrokeLine2(draw.LineStyle{Color: Grey, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(2), vg.Points(2)}},
		x, c.Min.Y, x, c.Max.Y)
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
	sty := TextStyle(sizeNote, false)
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
// caption below.
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

// PNG renders the figure at [DPI].
func (f *Figure) PNG() (out []byte, err error) {
	defer func() {
		// gonum/plot reports impossible ranges by panicking.
		if r := recover(); r != nil {
			err = fmt.Errorf("drawing: %v", r)
		}
	}()
	rows := len(f.Panels)
	cols := 0
	for _, r := range f.Panels {
		cols = max(cols, len(r))
	}
	if rows == 0 || cols == 0 {
		return nil, fmt.Errorf("no panels")
	}
	pw, ph := f.PanelW, f.PanelH
	if pw == 0 {
		pw = 3.9 * vg.Inch
	}
	if ph == 0 {
		ph = 2.9 * vg.Inch
	}
	plots := make([][]*plot.Plot, rows)
	dropped := 0
	for i, r := range f.Panels {
		plots[i] = make([]*plot.Plot, cols)
		for j, p := range r {
			if p == nil {
				continue
			}
			if plots[i][j], err = p.build(); err != nil {
				return nil, err
			}
			dropped += p.dropped
		}
	}
	legW, legend := f.legend()
	w := vg.Length(cols)*pw + legW + 2*margin
	inner := w - 2*margin

	titleSty, subSty, capSty := TextStyle(sizeTitle, true), TextStyle(sizeSubtitle, false), TextStyle(sizeCaption, false)
	title := wrap(titleSty, f.Title, inner)
	var sub []string
	if f.Subtitle != "" {
		sub = wrap(subSty, f.Subtitle, inner)
	}
	caption := f.Caption
	if dropped > 0 {
		caption = strings.TrimSpace(caption + fmt.Sprintf(" %d points not drawn: zero or non-finite values have no place on a log axis (they are in data.csv).", dropped))
	}
	var capLines []string
	if caption != "" {
		capLines = wrap(capSty, caption, inner)
	}
	lh := func(s text.Style) vg.Length { return s.FontExtents().Height }
	titleH := vg.Length(len(title))*lh(titleSty) + vg.Length(len(sub))*lh(subSty)
	capH := vg.Length(len(capLines)) * lh(capSty)
	h := margin + titleH + gap + vg.Length(rows)*ph + margin
	if capH > 0 {
		h += gap + capH
	}

	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(DPI))
	dc := draw.New(img)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())

	y := h - margin
	for _, l := range title {
		s := titleSty
		s.XAlign, s.YAlign = draw.XCenter, draw.YTop
		dc.FillText(s, vg.Point{X: w / 2, Y: y}, l)
		y -= lh(titleSty)
	}
	for _, l := range sub {
		s := subSty
		s.XAlign, s.YAlign = draw.XCenter, draw.YTop
		s.Color = axisColor
		dc.FillText(s, vg.Point{X: w / 2, Y: y}, l)
		y -= lh(subSty)
	}
	gridTop := y - gap
	gridBottom := gridTop - vg.Length(rows)*ph
	cy := gridBottom - gap
	for _, l := range capLines {
		s := capSty
		s.XAlign, s.YAlign = draw.XLeft, draw.YTop
		s.Color = axisColor
		dc.FillText(s, vg.Point{X: margin, Y: cy}, l)
		cy -= lh(capSty)
	}

	labSty := TextStyle(sizeLabel, false)
	labH := lh(labSty)
	var dataTop vg.Length
	for i := range plots {
		for j, pl := range plots[i] {
			if pl == nil {
				continue
			}
			p := f.Panels[i][j]
			x0 := margin + vg.Length(j)*pw
			y1 := gridTop - vg.Length(i)*ph
			tile := draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
				Min: vg.Point{X: x0, Y: y1 - ph}, Max: vg.Point{X: x0 + pw, Y: y1}}}
			// Room for the axis labels (drawn here rather than by gonum/plot,
			// which centres them on the linear midpoint of a log axis when
			// it lays out) and between panels.
			pc := tile
			pc.Min.X += labH + vg.Points(4)
			pc.Min.Y += labH + vg.Points(2)
			pc.Max.X -= vg.Points(12)
			pc.Max.Y -= vg.Points(4)
			pl.Draw(pc)
			da := pl.DataCanvas(pc)
			if i == 0 && (dataTop == 0 || da.Max.Y < dataTop) {
				dataTop = da.Max.Y
			}
			ts := TextStyle(sizePanel, true)
			for size := vg.Length(sizePanel); ts.Width(p.Title) > da.Size().X+vg.Points(16) && size > 7; size -= 0.5 {
				ts = TextStyle(size, true) // shrink a title wider than its panel
			}
			ts.XAlign, ts.YAlign = draw.XCenter, draw.YBottom
			dc.FillText(ts, vg.Point{X: da.Center().X, Y: da.Max.Y + pl.Title.Padding + ts.FontExtents().Descent}, p.Title)
			if p.XLabel != "" {
				ls := labSty
				ls.XAlign, ls.YAlign = draw.XCenter, draw.YBottom
				dc.FillText(ls, vg.Point{X: da.Center().X, Y: tile.Min.Y + ls.FontExtents().Descent}, p.XLabel)
			}
			if p.YLabel != "" {
				ls := labSty
				ls.Rotation = math.Pi / 2
				ls.XAlign, ls.YAlign = draw.XCenter, draw.YTop
				dc.FillText(ls, vg.Point{X: tile.Min.X, Y: da.Center().Y}, p.YLabel)
			}
		}
	}
	if legend != nil {
		legend(draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: w - margin - legW, Y: gridBottom}, Max: vg.Point{X: w - margin, Y: dataTop}}})
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// legend returns the width of the legend strip and its drawing function.
func (f *Figure) legend() (vg.Length, func(draw.Canvas)) {
	if len(f.Legend) == 0 {
		return 0, nil
	}
	const thumbW = 24
	pad := vg.Points(6)
	hSty, eSty := TextStyle(sizeLegend, true), TextStyle(sizeLegend, false)
	textW := vg.Length(0)
	if f.LegendTitle != "" {
		textW = hSty.Width(f.LegendTitle)
	}
	for _, e := range f.Legend {
		textW = max(textW, vg.Points(thumbW)+vg.Points(4)+eSty.Width(e.Name))
	}
	width := textW + 2*pad + vg.Points(8)
	return width, func(c draw.Canvas) {
		l := plot.NewLegend()
		l.TextStyle = eSty
		l.Top, l.Left = true, true
		l.ThumbnailWidth = vg.Points(thumbW)
		l.Padding = vg.Points(2.5)
		for _, e := range f.Legend {
			var th []plot.Thumbnailer
			if !e.Style.NoLine {
				th = append(th, lineThumb{e.Style.line()})
			}
			if e.Style.Glyph != nil {
				th = append(th, glyphThumb{e.Style.glyph()})
			}
			l.Add(e.Name, th...)
		}
		x0 := c.Min.X + vg.Points(8)
		top := c.Max.Y
		hh := vg.Length(0)
		if f.LegendTitle != "" {
			hh = hSty.FontExtents().Height + vg.Points(3)
		}
		entriesH := l.Rectangle(c).Size().Y
		box := vg.Rectangle{Min: vg.Point{X: x0, Y: top - 2*pad - hh - entriesH}, Max: vg.Point{X: x0 + textW + 2*pad, Y: top}}
		c.SetColor(color.Gray{Y: 248})
		c.Fill(box.Path())
		c.SetLineStyle(draw.LineStyle{Color: gridColor, Width: vg.Points(0.8)})
		c.Stroke(box.Path())
		if f.LegendTitle != "" {
			s := hSty
			s.XAlign, s.YAlign = draw.XLeft, draw.YTop
			c.FillText(s, vg.Point{X: x0 + pad, Y: top - pad}, f.LegendTitle)
		}
		l.Draw(draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: x0 + pad, Y: box.Min.Y + pad}, Max: vg.Point{X: x0 + pad + textW, Y: top - pad - hh}}})
	}
}

type lineThumb struct{ s draw.LineStyle }

func (t lineThumb) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(t.s, c.Min.X, y, c.Max.X, y)
}

type glyphThumb struct{ s draw.GlyphStyle }

func (t glyphThumb) Thumbnail(c *draw.Canvas) { c.DrawGlyph(t.s, c.Center()) }

// wrap breaks s into lines no wider than width.
func wrap(sty text.Style, s string, width vg.Length) []string {
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		line := ""
		for _, w := range strings.Fields(para) {
			try := w
			if line != "" {
				try = line + " " + w
			}
			if line != "" && sty.Width(try) > width {
				lines = append(lines, line)
				line = w
				continue
			}
			line = try
		}
		lines = append(lines, line)
	}
	return lines
}
