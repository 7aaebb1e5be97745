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
