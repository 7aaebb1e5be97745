package training

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/tcsim/tcsim/experiments/internal/lab"
	"github.com/tcsim/tcsim/sim/train/recipe"
)

// phaseResult is the phase diagram's numbers: at every wgrad K, the loss
// gaps to fp32 (paired, seed 1) of the exact-accumulation reference and
// of every (N_c, F) point, and the noise band.
type phaseResult struct {
	p phaseSize
	// band[k] is the noise band at K = ks[k], in percent: 2σ of the fp32
	// runs' final loss across seeds (relative to their mean), or the
	// largest departure of the widest-F points from the exact-accumulation
	// run if that is larger.
	band []float64
	// exact[k] is the exact-accumulation run's gap to fp32 (seed 1), in
	// percent.
	exact []float64
	// gap[k][f][n] is the gap to fp32 of the point (ks[k], fs[f], ncs[n]).
	gap [][][]float64
}

func (s *study) phase() *phaseResult {
	p := s.sz.phase
	r := &phaseResult{p: p}
	for _, k := range p.ks {
		var fp []float64
		for seed := uint64(1); seed <= uint64(p.seeds); seed++ {
			fp = append(fp, s.final(job{part: phasePart, arith: phaseFP32, k: k, seed: seed}))
		}
		d := describe(fp)
		r.band = append(r.band, float64(200*d.sd)/d.mean)
		base := fp[0]
		e := s.final(job{part: phasePart, arith: phaseExactAcc, k: k, seed: 1})
		r.exact = append(r.exact, float64(100*(e-base))/base)
		g := make([][]float64, len(p.fs))
		for fi, f := range p.fs {
			for _, nc := range p.ncs {
				v := s.final(job{part: phasePart, arith: phaseDatapath, k: k, nc: nc, f: f, seed: 1})
				g[fi] = append(g[fi], float64(100*(v-base))/base)
			}
		}
		r.gap = append(r.gap, g)
		// A run's trajectory amplifies any perturbation: the points of the
		// widest accumulator (F >= 24, nearly exact) show how far rounding
		// alone moves the loss, and the band is at least that.
		if last := len(p.fs) - 1; p.fs[last] >= 24 {
			for n := range p.ncs {
				r.band[len(r.band)-1] = max(r.band[len(r.band)-1], math.Abs(g[last][n]-r.exact[len(r.exact)-1]))
			}
		}
	}
	return r
}

// accCost is the accumulation part of a point's gap: its gap less the
// exact-accumulation run's (same quantisation, weights and batches).
func (r *phaseResult) accCost(k, f, n int) float64 { return r.gap[k][f][n] - r.exact[k] }

// beyond reports whether a point's accumulation cost exceeds the noise
// band at its K.
func (r *phaseResult) beyond(k, f, n int) bool { return math.Abs(r.accCost(k, f, n)) > r.band[k] }

// onset returns, for F index f and N_c index n, the smallest K from
// which on the accumulation cost stays beyond the noise band (0: none).
func (r *phaseResult) onset(f, n int) int {
	on := 0
	for k := len(r.p.ks) - 1; k >= 0 && r.beyond(k, f, n) && r.accCost(k, f, n) > 0; k-- {
		on = r.p.ks[k]
	}
	return on
}

func (r *phaseResult) text() string {
	var b strings.Builder
	p := r.p
	fmt.Fprintf(&b, "**Phase diagram.** Loss gap to fp32 (paired, seed 1, %%) of E4M3 per-tensor training with promotion "+
		"interval N_c and accumulator fraction bits F in all three GEMMs, over wgrad K (tokens per step; every run sees %d tokens). "+
		"The accumulation cost of a point is its gap less that of the same quantisation with exact accumulation at the same K "+
		"(same seed: same weights and batches); the noise band is ±2σ of the fp32 runs' final loss over %d seeds at that K, or, if larger, "+
		"the largest departure of the F = %d points from the exact-accumulation run (a nearly exact accumulator: how far a training "+
		"trajectory moves under rounding perturbations alone).\n\n", p.tokens, p.seeds, p.fs[len(p.fs)-1])
	hdr := []string{"K", "noise band ±%", "exact acc. gap %"}
	for _, f := range p.fs {
		hdr = append(hdr, fmt.Sprintf("F = %d: gap (%%) for N_c = %s", f, strings.ReplaceAll(ncList(p.ncs), ", ", " / ")))
	}
	var rows [][]string
	for k, kk := range p.ks {
		row := []string{fmt.Sprint(kk), fmt.Sprintf("%.3f", r.band[k]), fmt.Sprintf("%+.3f", r.exact[k])}
		for f := range p.fs {
			var cells []string
			for n := range p.ncs {
				c := fmt.Sprintf("%+.3f", r.gap[k][f][n])
				if r.beyond(k, f, n) {
					c += "*"
				}
				cells = append(cells, c)
			}
			row = append(row, strings.Join(cells, " / "))
		}
		rows = append(rows, row)
	}
	b.WriteString(lab.Markdown(hdr, rows))
	b.WriteString("\n`*`: accumulation cost beyond the noise band.\n\n")
	fmt.Fprintf(&b, "Where fast accumulation (N_c = never) starts to matter, by F: %s. N_c = 128: %s.\n\n", r.onsets(), r.nc128())
	return b.String()
}

// onsets describes the onset K of N_c = never for every F.
func (r *phaseResult) onsets() string {
	n := r.ncIndex(0)
	if n < 0 {
		return "(no N_c = never in this diagram)"
	}
	var parts []string
	for f, ff := range r.p.fs {
		if on := r.onset(f, n); on > 0 {
			parts = append(parts, fmt.Sprintf("F = %d from K = %d", ff, on))
		} else {
			parts = append(parts, fmt.Sprintf("F = %d nowhere up to K = %d", ff, r.p.ks[len(r.p.ks)-1]))
		}
	}
	return strings.Join(parts, ", ")
}

// nc128 describes where N_c = 128 sits.
func (r *phaseResult) nc128() string {
	n := r.ncIndex(128)
	if n < 0 {
		return "not in this diagram"
	}
	count, worst, at := 0, math.Inf(-1), ""
	for k := range r.p.ks {
		for f := range r.p.fs {
			if r.beyond(k, f, n) && r.accCost(k, f, n) > 0 {
				count++
			}
			if c := r.accCost(k, f, n) - r.band[k]; c > worst {
				worst, at = c, fmt.Sprintf("K = %d, F = %d: cost %+.3f%% against a band of ±%.3f%%", r.p.ks[k], r.p.fs[f], r.accCost(k, f, n), r.band[k])
			}
		}
	}
	return fmt.Sprintf("accumulation cost beyond the noise band at %d of %d points (closest to the band: %s)", count, len(r.p.ks)*len(r.p.fs), at)
}

func (r *phaseResult) ncIndex(nc int) int {
	for i, v := range r.p.ncs {
		if v == nc {
			return i
		}
	}
	return -1
}

// verdict is the phase diagram's part of the verdict line.
func (r *phaseResult) verdict() string {
	total, beyond := 0, 0
	for k := range r.p.ks {
		for f := range r.p.fs {
			for n := range r.p.ncs {
				total++
				if r.beyond(k, f, n) && r.accCost(k, f, n) > 0 {
					beyond++
				}
			}
		}
	}
	return fmt.Sprintf("accumulation costs beyond seed noise at %d of %d (K, N_c, F) points; onset of N_c = never: %s; N_c = 128: %s",
		beyond, total, r.onsets(), r.nc128())
}

// Colours of the phase diagram's cells: the accumulation cost in noise
// bands.
var (
	cellWithin = color.Gray{Y: 0xEE}
	cellRef    = color.White
	cellBins   = []struct {
		upTo  float64 // cost / band at most
		color color.Color
		name  string
	}{
		{2, color.RGBA{0xFD, 0xD4, 0x9E, 0xFF}, "1–2 bands"},
		{4, color.RGBA{0xFC, 0x8D, 0x59, 0xFF}, "2–4 bands"},
		{math.Inf(1), color.RGBA{0xD7, 0x30, 0x1F, 0xFF}, "over 4 bands"},
	}
	cellBelow = color.RGBA{0x9E, 0xCA, 0xE1, 0xFF} // below the exact-accumulation run by more than a band
)

func (r *phaseResult) cellColor(k, f, n int) color.Color {
	c := r.accCost(k, f, n)
	switch {
	case !r.beyond(k, f, n):
		return cellWithin
	case c < 0:
		return cellBelow
	}
	for _, b := range cellBins {
		if c <= b.upTo*r.band[k] {
			return b.color
		}
	}
	return cellBins[len(cellBins)-1].color
}

// figure draws the phase diagram: one panel per F, K across, N_c up
// (the exact-accumulation reference at the bottom), the gap to fp32
// written in each cell and the accumulation cost as its colour.
func (r *phaseResult) figure() *lab.Figure {
	p := r.p
	const perRow = 3
	var panels [][]*lab.Panel
	for f, ff := range p.fs {
		pn := &lab.Panel{Title: fmt.Sprintf("F = %d", ff), XLabel: "wgrad K (tokens per step)", YLabel: "N_c",
			XScale: lab.Linear, YScale: lab.Linear, XMin: -0.5, XMax: float64(len(p.ks)) - 0.5,
			YMin: -0.5, YMax: float64(len(p.ncs)) + 0.5}
		var cells lab.Cells
		for k, kk := range p.ks {
			cells = append(cells, lab.Cell{X: float64(k), Y: 0, Fill: cellRef, Label: fmt.Sprintf("%+.2f", r.exact[k])})
			for n := range p.ncs {
				cells = append(cells, lab.Cell{X: float64(k), Y: float64(n + 1), Fill: r.cellColor(k, f, n),
					Label: fmt.Sprintf("%+.2f", r.gap[k][f][n]), Outline: p.ncs[n] == 128})
			}
			pn.XTicks = append(pn.XTicks, lab.Tick{Value: float64(k), Label: fmt.Sprint(kk)})
		}
		pn.YTicks = append(pn.YTicks, lab.Tick{Value: 0, Label: "exact"})
		for n, nc := range p.ncs {
			pn.YTicks = append(pn.YTicks, lab.Tick{Value: float64(n + 1), Label: recipe.NcLabel(nc)})
		}
		pn.Under = append(pn.Under, cells)
		if f%perRow == 0 {
			panels = append(panels, nil)
		}
		panels[len(panels)-1] = append(panels[len(panels)-1], pn)
	}
	box := func(c color.Color) lab.Style {
		return lab.Style{Color: c, Glyph: draw.BoxGlyph{}, NoLine: true, Radius: vg.Points(5)}
	}
	legend := []lab.LegendEntry{{Name: "within the noise band", Style: box(cellWithin)}}
	for _, b := range cellBins {
		legend = append(legend, lab.LegendEntry{Name: "cost " + b.name, Style: box(b.color)})
	}
	legend = append(legend, lab.LegendEntry{Name: "below exact acc. by > 1 band", Style: box(cellBelow)})
	return &lab.Figure{File: "phase_diagram.png",
		Title: "Phase diagram: loss gap to fp32 (%) over wgrad K, promotion interval N_c and accumulator width F",
		Subtitle: fmt.Sprintf("E4M3 per-tensor in all three GEMMs; %d tokens per run; cell text: gap to fp32 (seed 1); "+
			"colour: accumulation cost (gap − exact-accumulation gap) in noise bands", p.tokens),
		Panels: panels, Legend: legend, LegendTitle: "Accumulation cost", PanelW: 3.6 * vg.Inch, PanelH: 2.6 * vg.Inch,
		Caption: "Bottom row: the same quantisation with exact accumulation (the reference, white). Framed, bold: N_c = 128 " +
			"(DeepSeek-V3's interval). Noise band at each K: ±2σ of the fp32 runs' final loss over seeds, or the widest-F points' " +
			"largest departure from the reference if larger."}
}
