package trainplots

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/tcsim/tcsim/plots"
	"github.com/tcsim/tcsim/sim/train"
	"github.com/tcsim/tcsim/sim/train/recipe"
)

// palette is Okabe–Ito without yellow (colour-blind safe).
var palette = []color.Color{
	color.RGBA{0x00, 0x72, 0xB2, 0xFF}, color.RGBA{0xD5, 0x5E, 0x00, 0xFF},
	color.RGBA{0x00, 0x9E, 0x73, 0xFF}, color.RGBA{0xCC, 0x79, 0xA7, 0xFF},
	color.RGBA{0x56, 0xB4, 0xE9, 0xFF}, color.RGBA{0xE6, 0x9F, 0x00, 0xFF},
	color.RGBA{0x8C, 0x56, 0x4B, 0xFF}, color.Black,
}

var dashes = [][]vg.Length{nil, {vg.Points(5), vg.Points(3)}, {vg.Points(2), vg.Points(2)}, {vg.Points(7), vg.Points(2), vg.Points(2), vg.Points(2)}}

// Run is one training run's log for the loss figure.
type Run struct {
	Label string
	Log   []train.LogRow
}

// Figures draws a run's figures into dir (created if needed) and returns
// their paths: loss.png, and gemm_errors.png when GEMM errors were probed.
func Figures(dir string, params int, o train.Options, log []train.LogRow, errs []train.ErrorRow, entropy float64) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	sub := fmt.Sprintf("%d layer%s, d = %d, %d heads, context %d, %d parameters; %d tokens/step; %s (seed %d)",
		o.Model.Layers, map[bool]string{true: "s"}[o.Model.Layers > 1], o.Model.D, o.Model.Heads, o.Model.Ctx, params, o.BatchTokens, filepath.Base(o.Corpus.Path), o.Seed)
	loss := filepath.Join(dir, "loss.png")
	if err := LossCurves("tcsim train: loss, recipe "+o.Recipe.Name, sub, []Run{{Label: o.Recipe.Name, Log: log}}, entropy, loss); err != nil {
		return nil, err
	}
	out := []string{loss}
	if len(errs) > 0 {
		p := filepath.Join(dir, "gemm_errors.png")
		if err := GEMMErrors("tcsim train: GEMM error during training, recipe "+o.Recipe.Name, sub, errs, p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// LossCurves draws training (thin) and validation (thick, markers) loss
// against tokens seen for each run, with the unigram entropy of the
// validation text as a dashed line.
func LossCurves(title, subtitle string, runs []Run, entropy float64, path string) error {
	p := plots.NewPanel("")
	p.X.Label.Text, p.Y.Label.Text = "training tokens seen", "cross-entropy loss (nats per byte)"
	p.Add(plots.GridLines(true, true))
	legend := &plots.Legend{Title: "Run"}
	ymin, ymax, xmax := math.Inf(1), math.Inf(-1), 1.0
	for i, r := range runs {
		col := palette[i%len(palette)]
		var tr, va plotter.XYs
		for _, row := range r.Log {
			x := float64(row.Tokens)
			xmax = max(xmax, x)
			if finite(row.TrainLoss) {
				tr = append(tr, plotter.XY{X: x, Y: row.TrainLoss})
				ymin, ymax = min(ymin, row.TrainLoss), max(ymax, row.TrainLoss)
			}
			if finite(row.ValLoss) {
				va = append(va, plotter.XY{X: x, Y: row.ValLoss})
				ymin, ymax = min(ymin, row.ValLoss), max(ymax, row.ValLoss)
			}
		}
		tl := &plotter.Line{XYs: tr, LineStyle: draw.LineStyle{Color: col, Width: vg.Points(0.9), Dashes: dashes[1]}}
		vl := &plotter.Line{XYs: va, LineStyle: draw.LineStyle{Color: col, Width: vg.Points(1.8)}}
		vs := &plotter.Scatter{XYs: va, GlyphStyle: draw.GlyphStyle{Color: col, Radius: vg.Points(2.4), Shape: draw.CircleGlyph{}}}
		if len(tr) > 0 {
			p.Add(tl)
		}
		if len(va) > 0 {
			p.Add(vl, vs)
		}
		legend.Entries = append(legend.Entries,
			plots.LegendEntry{Name: r.Label + " validation", Thumbs: []plot.Thumbnailer{vl, vs}},
			plots.LegendEntry{Name: r.Label + " training", Thumbs: []plot.Thumbnailer{tl}})
	}
	if finite(entropy) {
		el := &plotter.Line{XYs: plotter.XYs{{X: 0, Y: entropy}, {X: xmax * 1.02, Y: entropy}},
			LineStyle: draw.LineStyle{Color: color.Gray{Y: 110}, Width: vg.Points(1.2), Dashes: dashes[2]}}
		p.Add(el)
		legend.Entries = append(legend.Entries, plots.LegendEntry{Name: "unigram entropy", Thumbs: []plot.Thumbnailer{el}})
		ymin, ymax = min(ymin, entropy), max(ymax, entropy)
	}
	if math.IsInf(ymin, 0) {
		ymin, ymax = 0, 6
	}
	pad := 0.05 * (ymax - ymin + 0.1)
	p.X.Min, p.X.Max = 0, xmax*1.02
	p.Y.Min, p.Y.Max = math.Max(0, ymin-pad), ymax+pad
	p.X.Tick.Marker = tokenTicks{}
	caption := []string{"Training loss: mean over the steps since the previous point. Validation loss: the fixed validation " +
		"sequences after the step, computed with the run's own arithmetic."}
	pg := &plots.Page{Title: title, Subtitle: subtitle, Panels: [][]*plot.Plot{{p}}, PanelW: 6 * vg.Inch, PanelH: 4 * vg.Inch,
		Side: legend, Caption: caption}
	return pg.Save(path)
}

// tokenTicks are gonum's default ticks labelled 200k, 1.2M.
type tokenTicks struct{}

func (tokenTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ts {
		if ts[i].Label == "" {
			continue
		}
		v := ts[i].Value
		switch {
		case v >= 1e6:
			ts[i].Label = strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", v/1e6), "0"), ".") + "M"
		case v >= 1e3:
			ts[i].Label = strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", v/1e3), "0"), ".") + "k"
		default:
			ts[i].Label = fmt.Sprintf("%.0f", v)
		}
	}
	return ts
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// GEMMErrors draws the probed GEMM errors over training steps: one column
// per GEMM kind; the top row the accumulation error (against the exact
// product of the quantised operands), the bottom row the total error
// (against the float64 product of the unquantised operands); one line per
// Linear layer.
func GEMMErrors(title, subtitle string, rows []train.ErrorRow, path string) error {
	var layers []string
	for _, r := range rows {
		if !slices.Contains(layers, r.Layer) {
			layers = append(layers, r.Layer)
		}
	}
	type styleOf struct {
		col  color.Color
		dash []vg.Length
	}
	// Colour by layer role (c_attn, attn.c_proj, c_fc, mlp.c_proj), dashes
	// by block.
	style := func(layer string) styleOf {
		var block, role int
		fmt.Sscanf(layer, "h.%d.", &block)
		for i, s := range []string{"attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj"} {
			if strings.HasSuffix(layer, s) {
				role = i
			}
		}
		return styleOf{palette[role], dashes[block%len(dashes)]}
	}
	metrics := []struct {
		label string
		get   func(train.ErrorRow) float64
	}{
		{"accumulation error (normwise)", func(r train.ErrorRow) float64 { return r.Acc.NormRel }},
		{"total error vs float64 (normwise)", func(r train.ErrorRow) float64 { return r.Tot.NormRel }},
	}
	vmin, vmax := math.Inf(1), math.Inf(-1)
	dropped := 0
	for _, r := range rows {
		for _, m := range metrics {
			if v := m.get(r); finite(v) && v > 0 {
				vmin, vmax = min(vmin, v), max(vmax, v)
			} else {
				dropped++
			}
		}
	}
	if math.IsInf(vmin, 0) {
		vmin, vmax = 1e-8, 1
	}
	lo, hi := plots.LogRange(vmin, vmax)
	var grid [][]*plot.Plot
	legend := &plots.Legend{Title: "Linear layer"}
	for mi, m := range metrics {
		var prow []*plot.Plot
		for _, kind := range recipe.Kinds() {
			p := plots.NewPanel("")
			if mi == 0 {
				p.Title.Text = kind.String()
			}
			p.X.Label.Text, p.Y.Label.Text = "step", m.label
			p.Add(plots.GridLines(true, true))
			xmax := 1.0
			for _, l := range layers {
				var xys plotter.XYs
				for _, r := range rows {
					xmax = max(xmax, float64(r.Step))
					if r.Layer == l && r.Kind == kind {
						if v := m.get(r); finite(v) && v > 0 {
							xys = append(xys, plotter.XY{X: float64(r.Step), Y: v})
						}
					}
				}
				st := style(l)
				ln := &plotter.Line{XYs: xys, LineStyle: draw.LineStyle{Color: st.col, Width: vg.Points(1.4), Dashes: st.dash}}
				if len(xys) > 0 {
					p.Add(ln)
				}
				if mi == 0 && kind == recipe.Fprop {
					legend.Entries = append(legend.Entries, plots.LegendEntry{Name: l, Thumbs: []plot.Thumbnailer{ln}})
				}
			}
			p.X.Min, p.X.Max = 0, xmax*1.02
			p.Y.Scale = plot.LogScale{}
			p.Y.Min, p.Y.Max = math.Pow(10, float64(lo)), math.Pow(10, float64(hi))
			p.Y.Tick.Marker = plots.DecadeTicks(lo, hi)
			prow = append(prow, p)
		}
		grid = append(grid, prow)
	}
	caption := []string{"Every probed step: each Linear layer's fprop (Y = X·Wᵀ), dgrad (dX = dY·W) and wgrad " +
		"(dW = dYᵀ·X, K = tokens per step) of that step's batch, normwise relative error ‖D − ref‖/‖ref‖. " +
		"Top: against the exact product of the same quantised operands (what accumulation adds); " +
		"bottom: against the float64 product of the unquantised operands (quantisation and accumulation)."}
	if dropped > 0 {
		caption = append(caption, fmt.Sprintf("%d zero (exact) or undefined values not drawn.", dropped))
	}
	pg := &plots.Page{Title: title, Subtitle: subtitle, Panels: grid, PanelW: 3.6 * vg.Inch, PanelH: 3 * vg.Inch,
		Side: legend, Caption: caption}
	return pg.Save(path)
}
