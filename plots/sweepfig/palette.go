package sweepfig

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot/palette"
)

// viridisStops are viridis at 0, 0.1, ..., 1: perceptually uniform, dark
// to light without ending in white (a white top colour vanishes on the
// page), and readable in grey scale.
var viridisStops = []color.NRGBA{
	{0x44, 0x01, 0x54, 0xFF}, {0x48, 0x24, 0x75, 0xFF}, {0x41, 0x44, 0x87, 0xFF},
	{0x35, 0x5F, 0x8D, 0xFF}, {0x2A, 0x78, 0x8E, 0xFF}, {0x21, 0x91, 0x8C, 0xFF},
	{0x22, 0xA8, 0x84, 0xFF}, {0x44, 0xBF, 0x70, 0xFF}, {0x7A, 0xD1, 0x51, 0xFF},
	{0xBD, 0xDF, 0x26, 0xFF}, {0xFD, 0xE7, 0x25, 0xFF},
}

// stopMap is a palette.ColorMap interpolating linearly between stops.
type stopMap struct {
	stops    []color.NRGBA
	min, max float64
	alpha    float64
}

var _ palette.ColorMap = (*stopMap)(nil)

func newViridis(min, max float64) *stopMap {
	return &stopMap{stops: viridisStops, min: min, max: max, alpha: 1}
}

// at returns the colour at fraction t in [0, 1].
func (m *stopMap) at(t float64) color.NRGBA {
	t = math.Max(0, math.Min(1, t))
	f := t * float64(len(m.stops)-1)
	i := min(int(f), len(m.stops)-2)
	u := f - float64(i)
	a, b := m.stops[i], m.stops[i+1]
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + u*(float64(y)-float64(x)))) }
	return color.NRGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), uint8(math.Round(255 * m.alpha))}
}

// At implements palette.ColorMap.
func (m *stopMap) At(v float64) (color.Color, error) {
	if math.IsNaN(v) || v < m.min || v > m.max || !(m.max > m.min) {
		return nil, fmt.Errorf("plots: value %v outside colour map range [%v, %v]", v, m.min, m.max)
	}
	return m.at((v - m.min) / (m.max - m.min)), nil
}

// Max implements palette.ColorMap.
func (m *stopMap) Max() float64 { return m.max }

// SetMax implements palette.ColorMap.
func (m *stopMap) SetMax(v float64) { m.max = v }

// Min implements palette.ColorMap.
func (m *stopMap) Min() float64 { return m.min }

// SetMin implements palette.ColorMap.
func (m *stopMap) SetMin(v float64) { m.min = v }

// Alpha implements palette.ColorMap.
func (m *stopMap) Alpha() float64 { return m.alpha }

// SetAlpha implements palette.ColorMap.
func (m *stopMap) SetAlpha(a float64) {
	if a < 0 || a > 1 {
		panic("plots: alpha outside [0, 1]")
	}
	m.alpha = a
}

// Palette implements palette.ColorMap.
func (m *stopMap) Palette(n int) palette.Palette {
	cs := make(colors, n)
	for i := range cs {
		t := 0.0
		if n > 1 {
			t = float64(i) / float64(n-1)
		}
		cs[i] = m.at(t)
	}
	return cs
}

// colors is a palette.Palette.
type colors []color.Color

// Colors implements palette.Palette.
func (c colors) Colors() []color.Color { return c }

// luminance is the relative luminance of c in [0, 1] (sRGB, approximate),
// for choosing black or white text on it.
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	return (0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(b)) / 0xFFFF
}
