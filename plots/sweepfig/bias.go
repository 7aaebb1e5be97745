package sweepfig

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/tcsim/tcsim/plots"
	"github.com/tcsim/tcsim/sim/sweep"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// BiasVsK draws the truncation bias (Acc.MeanSignedRel, in percent)
// against K for rows of one (Preset, FBits) into the PNG file path: one
// panel per (Dist, Scaling), one line per N_c and the FP32 baseline
// dashed. When the biases span more than a few decades the y axis is
// symmetric-logarithmic (linear near zero), so a −25% bias and a −0.05%
// bias both read as values; otherwise it is linear.
//
// The directory of path must exist; the file is written atomically.
func BiasVsK(rows []sweep.Row, path string) error {
	return saveOne(rows, path, biasVsKFigure)
}

// symLog is a symmetric log scale: linear within ±c, logarithmic outside,
// where 0..c takes as much room as one decade.
type symLog struct{ c float64 }

func (s symLog) f(x float64) float64 {
	if a := math.Abs(x); a > s.c {
		return math.Copysign(1+math.Log10(a/s.c), x)
	}
	return x / s.c
}

// Normalize implements plot.Normalizer.
func (s symLog) Normalize(min, max, x float64) float64 {
	a, b := s.f(min), s.f(max)
	return (s.f(x) - a) / (b - a)
}

// percentLabel writes a percentage without trailing zeros: "-10%", "0.05%",
// "1e-5%".
func percentLabel(v float64) string {
	if v == 0 {
		return "0"
	}
	a := math.Abs(v)
	var s string
	if a >= 1e-4 && a < 1e6 {
		s = strconv.FormatFloat(v, 'f', -1, 64)
	} else {
		s = plots.SciLabel(v, 1)
	}
	return s + "%"
}

// biasAxis chooses the y axis for biases ys (percent, finite). It returns
// a note for the caption describing the scale.
func biasAxis(a *plot.Axis, ys []float64) string {
	var abs []float64
	ymin, ymax := 0.0, 0.0
	for _, y := range ys {
		ymin, ymax = min(ymin, y), max(ymax, y)
		if y != 0 {
			abs = append(abs, math.Abs(y))
		}
	}
	if len(abs) == 0 {
		a.Min, a.Max = -1, 1
		a.Tick.Marker = percentTicks(plot.DefaultTicks{})
		return ""
	}
	slices.Sort(abs)
	amax := abs[len(abs)-1]
	a10 := abs[len(abs)/10]
	if amax/a10 <= 30 {
		pad := 0.08 * (ymax - ymin)
		a.Min, a.Max = ymin-pad, ymax+pad
		if ymin == 0 {
			a.Min = -pad / 2
		}
		if ymax == 0 {
			a.Max = pad / 2
		}
		a.Tick.Marker = percentTicks(plot.DefaultTicks{})
		return ""
	}
	ec := int(math.Floor(math.Log10(max(a10, amax*1e-4))))
	c := math.Pow(10, float64(ec))
	a.Scale = symLog{c}
	// Extend each side to the next decade beyond its largest value.
	edge := func(v float64) (float64, int) {
		if math.Abs(v) <= c {
			return c, ec
		}
		e := int(math.Ceil(math.Log10(math.Abs(v))))
		return math.Pow(10, float64(e)), e
	}
	lo, elo := edge(ymin)
	hi, ehi := edge(ymax)
	a.Min, a.Max = -lo, hi
	if ymin >= 0 {
		a.Min, elo = -c, ec
	}
	if ymax <= 0 {
		a.Max, ehi = c, ec
	}
	ts := plot.ConstantTicks{{Value: 0, Label: "0"}}
	for _, side := range []struct {
		sign float64
		top  int
	}{{-1, elo}, {1, ehi}} {
		for e := ec; e <= side.top; e++ {
			d := math.Pow(10, float64(e))
			ts = append(ts, plot.Tick{Value: side.sign * d, Label: percentLabel(side.sign * d)})
			if e < side.top {
				for m := 2; m < 10; m++ {
					ts = append(ts, plot.Tick{Value: side.sign * float64(m) * d})
				}
			}
		}
	}
	a.Tick.Marker = ts
	return fmt.Sprintf("The y axis is symmetric-logarithmic: linear within ±%s, logarithmic beyond.",
		percentLabel(c))
}

// percentTicks adds "%" to the labels of t.
func percentTicks(t plot.Ticker) plot.Ticker {
	return plot.TickerFunc(func(min, max float64) []plot.Tick {
		ts := t.Ticks(min, max)
		for i := range ts {
			if ts[i].Label != "" {
				v := ts[i].Value
				if v == 0 {
					ts[i].Label = "0"
					continue
				}
				ts[i].Label += "%"
			}
		}
		return ts
	})
}

func biasVsKFigure(s *presetRows) *plots.Page {
	styles := ncStyles(s.ncs)
	pg := &plots.Page{
		Title: s.preset + ": truncation bias vs K (mean signed relative error)",
		Subtitle: fmt.Sprintf("Tensor-core accumulator with F = %d fraction bits · rows: input distribution "+
			"· columns: scaling granularity", s.fbits),
		Side: ncLegend(s.ncs, styles),
	}
	dataW, _ := pg.DataSize(len(s.scalings))
	var ys []float64
	nonFinite := 0
	for _, r := range s.scale {
		if v := r.Acc.MeanSignedRel; finite(v) {
			ys = append(ys, 100*v)
		}
	}

	var axisNote string
	panels := lineGrid(s.dists, s.scalings, "K (products per output, log scale)", "mean signed relative error (%)", func(p *plot.Plot, d, sc string) bool {
		p.Add(zeroLine())
		for _, nc := range s.ncs {
			var xys plotter.XYs
			for _, pt := range s.series(d, sc, nc) {
				v := pt.row.Acc.MeanSignedRel
				if !finite(v) {
					nonFinite++
					continue
				}
				xys = append(xys, plotter.XY{X: float64(pt.k), Y: 100 * v})
			}
			if len(xys) == 0 {
				continue
			}
			ln, sp := seriesLine(xys, styles[nc])
			p.Add(ln, sp)
		}
		plots.Log2Axis(&p.X, s.ks, dataW)
		axisNote = biasAxis(&p.Y, ys)
		return s.has(d, sc)
	})

	caption := []string{
		"Truncation bias: mean of (D - ref) / |ref| over all outputs and trials, in percent, against the " +
			"exact product of the FP8-quantised inputs (accumulation error only). Negative: outputs fall below " +
			"the exact value, as when positive sums are truncated toward zero; near 0: unbiased.",
		"Nc: products accumulated in the tensor core between promotions into an FP32 sum; never: one " +
			"tensor-core accumulation over all of K; FP32 baseline: CUDA-core FP32 accumulation.",
	}
	if axisNote != "" {
		caption = append(caption, axisNote)
	}
	if nonFinite > 0 {
		caption = append(caption, "Not drawn: "+plots.Plural(nonFinite, "NaN or infinite value")+".")
	}
	if m := s.missingPanels(); len(m) > 0 {
		caption = append(caption, "No rows for: "+strings.Join(m, "; ")+".")
	}
	pg.Panels, pg.Caption = panels, caption
	return pg
}

// zeroLine draws the horizontal line y = 0.
func zeroLine() plot.Plotter {
	return plots.PlotterFunc(func(c draw.Canvas, p *plot.Plot) {
		if p.Y.Min > 0 || p.Y.Max < 0 {
			return
		}
		_, trY := p.Transforms(&c)
		y := trY(0)
		c.StrokeLine2(draw.LineStyle{Color: plots.AxisColor(), Width: vg.Points(0.9)}, c.Min.X, y, c.Max.X, y)
	})
}
