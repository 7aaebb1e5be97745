package sweepfig

import (
	"fmt"
	"math"

	"github.com/tcsim/tcsim/plots"
	"gonum.org/v1/plot"
)

// lineGrid builds the line-figure panels: one per (distribution,
// scaling), rows dists and columns scalings, each titled, with the axis
// labels and grid lines. fill draws a panel's content and axes and reports
// whether it has results; a panel without is marked so.
func lineGrid(dists, scalings []string, xLabel, yLabel string, fill func(p *plot.Plot, d, sc string) bool) [][]*plot.Plot {
	panels := make([][]*plot.Plot, len(dists))
	for i, d := range dists {
		panels[i] = make([]*plot.Plot, len(scalings))
		for j, sc := range scalings {
			p := plots.NewPanel(panelTitle(d, sc))
			p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
			p.Add(plots.GridLines(true, true))
			if !fill(p, d, sc) {
				p.Add(plots.NoResults())
			}
			panels[i][j] = p
		}
	}
	return panels
}

// logYAxis makes a's scale logarithmic over the decades 10^lo..10^hi.
func logYAxis(a *plot.Axis, lo, hi int) {
	a.Scale = plot.LogScale{}
	a.Min, a.Max = math.Pow(10, float64(lo)), math.Pow(10, float64(hi))
	a.Tick.Marker = plots.DecadeTicks(lo, hi)
}

// droppedMedians is the caption line for medians a log axis cannot show,
// or "" when there are none.
func droppedMedians(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("Not drawn (log axis): %s of zero, negative or undefined error.", plots.Plural(n, "median"))
}

// posRange collects the range of the positive values a log axis shows.
type posRange struct{ lo, hi float64 }

func newPosRange() posRange { return posRange{math.Inf(1), math.Inf(-1)} }

// add takes v into the range when it is positive (zero, negative and
// non-finite values have no place on a log axis).
func (r *posRange) add(vs ...float64) {
	for _, v := range vs {
		if positive(v) {
			r.lo, r.hi = min(r.lo, v), max(r.hi, v)
		}
	}
}

// decades is the axis range 10^lo..10^hi holding the values, or an empty
// but valid 1e-8..1 when none was positive (empty).
func (r *posRange) decades() (lo, hi int, empty bool) {
	if math.IsInf(r.lo, 0) {
		lo, hi = plots.LogRange(1e-8, 1)
		return lo, hi, true
	}
	lo, hi = plots.LogRange(r.lo, r.hi)
	return lo, hi, false
}
