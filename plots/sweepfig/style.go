package sweepfig

import (
	"image/color"
	"strconv"

	"github.com/tcsim/tcsim/plots"
	"github.com/tcsim/tcsim/sim/sweep"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// notAppColor fills heat map cells absent from the rows.
var notAppColor = color.Gray{Y: 190}

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
func ncLegend(ncs []int, styles map[int]ncStyle) *plots.Legend {
	l := &plots.Legend{Title: "Promotion interval"}
	for _, nc := range ncs {
		ln, sp := seriesLine(nil, styles[nc])
		l.Entries = append(l.Entries, plots.LegendEntry{Name: styles[nc].name, Thumbs: []plot.Thumbnailer{ln, sp}})
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
