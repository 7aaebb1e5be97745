package plots

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/tcsim/tcsim/sim/sweep"
	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Font sizes in points.
const (
	sizeFigTitle   = 15
	sizeSubtitle   = 11
	sizePanelTitle = 11
	sizeAxisLabel  = 10
	sizeTick       = 9
	sizeLegend     = 10
	sizeCaption    = 9
	sizeCell       = 7.5
)

// sans is the typeface of every text: Liberation Sans ships with
// gonum/plot, so no system font is needed.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// TextStyle returns a plain-text style of the given size in points, in
// Liberation Sans (bundled with gonum/plot, so no system font is needed).
// It is never LaTeX: text.Latex panics on "_" and "^", even in plain
// titles such as "N_c = 128".
func TextStyle(size vg.Length, bold bool) text.Style {
	f := font.From(sans, size)
	if bold {
		f.Weight = xfont.WeightBold
	}
	return text.Style{
		Color:   color.Black,
		Font:    f,
		Handler: text.Plain{Fonts: font.DefaultCache},
	}
}

var (
	gridColor   = color.Gray{Y: 225}
	axisColor   = color.Gray{Y: 40}
	notAppColor = color.Gray{Y: 190} // heat map cells absent from the rows
)

// NewPanel returns a plot styled for one panel of a [Page]: title, tick
// labels and axes in the page's fonts and colours. Its title and axis
// labels (set X.Label.Text and Y.Label.Text) are drawn by the page.
func NewPanel(title string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle = TextStyle(sizePanelTitle, true)
	p.Title.TextStyle.XAlign = draw.XCenter
	p.Title.TextStyle.YAlign = draw.YTop
	p.Title.Padding = vg.Points(5)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle = TextStyle(sizeAxisLabel, false)
		a.Tick.Label = TextStyle(sizeTick, false)
		a.Color = axisColor
		a.Tick.Color = axisColor
		a.Padding = vg.Points(3)
	}
	// The alignments gonum/plot's axes expect (it rotates the y label
	// itself, and sizes the axes from these).
	p.X.Label.TextStyle.XAlign, p.X.Label.TextStyle.YAlign = draw.XCenter, draw.YBottom
	p.Y.Label.TextStyle.XAlign, p.Y.Label.TextStyle.YAlign = draw.XCenter, draw.YBottom
	p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XCenter, draw.YTop
	p.Y.Tick.Label.XAlign, p.Y.Tick.Label.YAlign = draw.XRight, draw.YCenter
	p.X.Label.Padding, p.Y.Label.Padding = vg.Points(2), vg.Points(4)
	return p
}

// ncStyle is how one promotion interval is drawn in every figure.
type ncStyle struct {
	name   string
	color  color.Color
	glyph  draw.GlyphDrawer
	dashes []vg.Length
	width  vg.Length
}

// Colours of the numeric N_c in ascending order (Okabe–Ito, colour-blind
// safe, without its yellow, which vanishes on white). "never" is dark red
// and the FP32 baseline dashed black, so they stand apart from the rest.
var ncPalette = []color.Color{
	color.RGBA{0x00, 0x72, 0xB2, 0xFF}, // blue
	color.RGBA{0x56, 0xB4, 0xE9, 0xFF}, // sky blue
	color.RGBA{0x00, 0x9E, 0x73, 0xFF}, // bluish green
	color.RGBA{0xE6, 0x9F, 0x00, 0xFF}, // orange
	color.RGBA{0xD5, 0x5E, 0x00, 0xFF}, // vermillion
	color.RGBA{0xCC, 0x79, 0xA7, 0xFF}, // reddish purple
	color.RGBA{0x8C, 0x56, 0x4B, 0xFF}, // brown
	color.RGBA{0x66, 0x66, 0x99, 0xFF}, // slate
}

var ncGlyphs = []draw.GlyphDrawer{
	draw.CircleGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{}, draw.RingGlyph{},
	draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.CrossGlyph{}, draw.PlusGlyph{},
}

// ncLegend returns the legend of the series ncs drawn in styles: a line
// and a marker each.
func ncLegend(ncs []int, styles map[int]ncStyle) *Legend {
	l := &Legend{Title: "Promotion interval"}
	for _, nc := range ncs {
		ln, sp := seriesLine(nil, styles[nc])
		l.Entries = append(l.Entries, LegendEntry{Name: styles[nc].name, Thumbs: []plot.Thumbnailer{ln, sp}})
	}
	return l
}

// ncStyles assigns a style to each N_c of ncs (sorted by ncRank).
func ncStyles(ncs []int) map[int]ncStyle {
	m := make(map[int]ncStyle, len(ncs))
	i := 0
	for _, nc := range ncs {
		switch nc {
		case sweep.NcNever:
			m[nc] = ncStyle{name: "never (no promotion)", color: color.RGBA{0xA5, 0x00, 0x26, 0xFF},
				glyph: draw.CircleGlyph{}, width: vg.Points(1.6)}
		case sweep.NcFP32:
			m[nc] = ncStyle{name: "FP32 baseline (CUDA cores)", color: color.Black,
				glyph: draw.CrossGlyph{}, dashes: []vg.Length{vg.Points(5), vg.Points(3)}, width: vg.Points(1.3)}
		default:
			m[nc] = ncStyle{name: "Nc = " + strconv.Itoa(nc), color: ncPalette[i%len(ncPalette)],
				glyph: ncGlyphs[i%len(ncGlyphs)], width: vg.Points(1.4)}
			i++
		}
	}
	return m
}

// withAlpha returns c with opacity a (0..1), premultiplied as image/color
// expects.
func withAlpha(c color.Color, a float64) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA64{R: uint16(r), G: uint16(g), B: uint16(b), A: uint16(a * 0xFFFF)}
}

// DecadeLabel writes 10^e as "1e-5" (the bundled font has no superscript
// minus: "10⁻⁵" would read "10⁵"), with "1", "10" and "100" for e = 0, 1
// and 2.
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

// sciLabel writes v with sig significant digits as "3e-4" or "3.2e-4".
func sciLabel(v float64, sig int) string {
	if v == 0 {
		return "0"
	}
	s := strconv.FormatFloat(v, 'e', sig-1, 64) // "3.2e-04"
	mant, exp, _ := strings.Cut(s, "e")
	e, _ := strconv.Atoi(exp)
	return mant + "e" + strconv.Itoa(e)
}

// LogRange returns the decades lo and hi (exponents of 10) spanning the
// positive values vmin..vmax, widened to at least one decade: a log axis
// over less can get no labelled tick, and over none gonum/plot panics.
func LogRange(vmin, vmax float64) (lo, hi int) {
	lo = int(math.Floor(math.Log10(vmin)))
	hi = int(math.Ceil(math.Log10(vmax)))
	if hi <= lo {
		lo--
		hi++
	}
	return lo, hi
}

// DecadeTicks returns ticks for a log axis over 10^lo..10^hi, labelled
// with [DecadeLabel]: a major tick at each decade, labelled where the
// exponent is a multiple of the step that keeps the labels at about nine
// or fewer (every decade up to 8 decades, every other one up to 18, ...),
// and unlabelled minor ticks at 2..9 × each decade up to 8 decades.
func DecadeTicks(lo, hi int) plot.ConstantTicks {
	step := 1
	if hi-lo > 8 {
		step = max(2, (hi-lo+8)/9)
	}
	var ts []plot.Tick
	for e := lo; e <= hi; e++ {
		d := math.Pow(10, float64(e))
		label := ""
		if e%step == 0 {
			label = DecadeLabel(e)
		}
		ts = append(ts, plot.Tick{Value: d, Label: label})
		if e == hi {
			break
		}
		if hi-lo <= 8 {
			for m := 2; m < 10; m++ {
				ts = append(ts, plot.Tick{Value: float64(m) * d})
			}
		}
	}
	return ts
}

// Log2Axis sets a to a log scale over the positive integers ks (ascending,
// such as K or N_c), padded by a third of a binade, with a tick at each,
// labelled as an integer where the label does not collide with another:
// powers of two first, then the rest where there is room. length is
// about the length of the axis on the page (see [Page.DataSize]).
func Log2Axis(a *plot.Axis, ks []int, length vg.Length) {
	a.Scale = plot.LogScale{}
	lo, hi := float64(ks[0]), float64(ks[len(ks)-1])
	pad := math.Pow(2, 0.35)
	if lo == hi {
		pad = 2
	}
	a.Min, a.Max = lo/pad, hi*pad
	a.Tick.Marker = intTicks(ks, func(i int) float64 { return float64(ks[i]) }, func(i int) vg.Length {
		return length * vg.Length(math.Log(float64(ks[i])/a.Min)/math.Log(a.Max/a.Min))
	})
}

// intTicks returns a tick at value(i) for each of ns, labelled with ns[i]
// where the label does not collide with another at pos(i): powers of two
// are labelled first, in ascending order, then the rest where there is
// room.
func intTicks(ns []int, value func(i int) float64, pos func(i int) vg.Length) plot.ConstantTicks {
	sty := TextStyle(sizeTick, false)
	order := make([]int, len(ns))
	for i := range order {
		order[i] = i
	}
	pow2 := func(n int) bool { return n > 0 && n&(n-1) == 0 }
	slices.SortStableFunc(order, func(i, j int) int {
		switch {
		case pow2(ns[i]) && !pow2(ns[j]):
			return -1
		case !pow2(ns[i]) && pow2(ns[j]):
			return 1
		}
		return 0
	})
	type span struct{ lo, hi vg.Length }
	var taken []span
	ts := make(plot.ConstantTicks, len(ns))
	for _, i := range order {
		ts[i] = plot.Tick{Value: value(i)}
		label := strconv.Itoa(ns[i])
		half := sty.Width(label)/2 + vg.Points(2)
		sp := span{pos(i) - half, pos(i) + half}
		if slices.ContainsFunc(taken, func(t span) bool { return sp.lo < t.hi && t.lo < sp.hi }) {
			continue
		}
		taken = append(taken, sp)
		ts[i].Label = label
	}
	return ts
}

// wrap breaks s into lines no wider than width in sty.
func wrap(sty text.Style, s string, width vg.Length) []string {
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		words := strings.Fields(para)
		line := ""
		for _, w := range words {
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

// plotterFunc adapts a function to plot.Plotter.
type plotterFunc func(c draw.Canvas, p *plot.Plot)

// Plot implements plot.Plotter.
func (f plotterFunc) Plot(c draw.Canvas, p *plot.Plot) { f(c, p) }

// GridLines returns a plotter drawing light lines across the data area at
// the major ticks of the x axis (vertical) and the y axis (horizontal).
// Add it first, so the data are drawn over it.
func GridLines(vertical, horizontal bool) plot.Plotter {
	return plotterFunc(func(c draw.Canvas, p *plot.Plot) {
		sty := draw.LineStyle{Color: gridColor, Width: vg.Points(0.6)}
		trX, trY := p.Transforms(&c)
		if vertical {
			for _, t := range p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max) {
				if t.IsMinor() || t.Value < p.X.Min || t.Value > p.X.Max {
					continue
				}
				x := trX(t.Value)
				c.StrokeLine2(sty, x, c.Min.Y, x, c.Max.Y)
			}
		}
		if horizontal {
			for _, t := range p.Y.Tick.Marker.Ticks(p.Y.Min, p.Y.Max) {
				if t.IsMinor() || t.Value < p.Y.Min || t.Value > p.Y.Max {
					continue
				}
				y := trY(t.Value)
				c.StrokeLine2(sty, c.Min.X, y, c.Max.X, y)
			}
		}
	})
}

// plural writes n and noun, adding "s" unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// noResults writes "no results" across a panel whose (dist, scaling) has
// no rows, so the grid keeps its shape and the gap is explained.
func noResults() plot.Plotter {
	return plotterFunc(func(c draw.Canvas, p *plot.Plot) {
		sty := TextStyle(sizePanelTitle, false)
		sty.Color = axisColor
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
		c.FillText(sty, c.Center(), "no results for this combination")
	})
}
