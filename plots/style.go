package plots

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Font sizes in points.
const (
	SizeFigTitle   = 15
	SizeSubtitle   = 11
	SizePanelTitle = 11
	SizeAxisLabel  = 10
	SizeTick       = 9
	SizeLegend     = 10
	SizeCaption    = 9
	SizeCell       = 7.5
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

// Colours of grid lines and of axes and secondary text.
var (
	gridColor = color.Gray{Y: 225}
	axisColor = color.Gray{Y: 40}
)

// AxisColor is the colour of axes, ticks and secondary text.
func AxisColor() color.Color { return axisColor }

// NewPanel returns a plot styled for one panel of a [Page]: title, tick
// labels and axes in the page's fonts and colours. Its title and axis
// labels (set X.Label.Text and Y.Label.Text) are drawn by the page.
func NewPanel(title string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle = TextStyle(SizePanelTitle, true)
	p.Title.TextStyle.XAlign = draw.XCenter
	p.Title.TextStyle.YAlign = draw.YTop
	p.Title.Padding = vg.Points(5)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle = TextStyle(SizeAxisLabel, false)
		a.Tick.Label = TextStyle(SizeTick, false)
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

// WithAlpha returns c with opacity a (0..1), premultiplied as image/color
// expects.
func WithAlpha(c color.Color, a float64) color.Color {
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

// SciLabel writes v with sig significant digits as "3e-4" or "3.2e-4".
func SciLabel(v float64, sig int) string {
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
	a.Tick.Marker = IntTicks(ks, func(i int) float64 { return float64(ks[i]) }, func(i int) vg.Length {
		return length * vg.Length(math.Log(float64(ks[i])/a.Min)/math.Log(a.Max/a.Min))
	})
}

// IntTicks returns a tick at value(i) for each of ns, labelled with ns[i]
// where the label does not collide with another at pos(i): powers of two
// are labelled first, in ascending order, then the rest where there is
// room.
func IntTicks(ns []int, value func(i int) float64, pos func(i int) vg.Length) plot.ConstantTicks {
	sty := TextStyle(SizeTick, false)
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

// PlotterFunc adapts a function to plot.Plotter.
type PlotterFunc func(c draw.Canvas, p *plot.Plot)

// Plot implements plot.Plotter.
func (f PlotterFunc) Plot(c draw.Canvas, p *plot.Plot) { f(c, p) }

// GridLines returns a plotter drawing light lines across the data area at
// the major ticks of the x axis (vertical) and the y axis (horizontal).
// Add it first, so the data are drawn over it.
func GridLines(vertical, horizontal bool) plot.Plotter {
	return PlotterFunc(func(c draw.Canvas, p *plot.Plot) {
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

// Plural writes n and noun, adding "s" unless n is 1.
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// NoResults writes "no results" across a panel whose (dist, scaling) has
// no rows, so the grid keeps its shape and the gap is explained.
func NoResults() plot.Plotter {
	return PlotterFunc(func(c draw.Canvas, p *plot.Plot) {
		sty := TextStyle(SizePanelTitle, false)
		sty.Color = axisColor
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
		c.FillText(sty, c.Center(), "no results for this combination")
	})
}
