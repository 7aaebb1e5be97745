package promotion

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/tcsim/tcsim/experiments/internal/lab"
	"github.com/tcsim/tcsim/sim"
	"github.com/tcsim/tcsim/sim/sweep"
	"github.com/tcsim/tcsim/tensorcore"
	"gonum.org/v1/plot/vg"
)

const (
	name = "promotion"
	seed = 20250102
	// kneeBend is the change of log-log slope (per doubling of N_c) that
	// counts as a knee.
	kneeBend = 1.0
)

var dists = []struct{ name, title string }{{"normal", "N(0,1)"}, {"pos", "U(0,2), all positive"}}

type point struct {
	dist  string
	k, nc int
	m     sim.Metrics
}

// Run runs the experiment.
func Run(ctx context.Context, cfg lab.Config) (*lab.Result, error) {
	mn, trials, ks := 64, 2, []int{4096, 16384}
	if cfg.Short {
		mn, trials, ks = 16, 1, []int{1024, 4096}
	}
	wgmma := lab.MustPreset("h100-wgmma-e4m3-e4m3")
	res := map[[3]any]sim.Metrics{}
	quant := map[[2]any]sim.Metrics{}
	ncsOf := map[int][]int{}
	for _, k := range ks {
		ncs := append(lab.Pow2s(32, k/2), sweep.NcNever, sweep.NcFP32)
		ncsOf[k] = ncs
		for _, d := range dists {
			c := sweep.Trials{Presets: []*tensorcore.Preset{wgmma}, Nc: ncs, Dist: lab.MustDist(d.name),
				Scaling: sweep.Scaling{A: sim.PerTensor, B: sim.PerTensor}, Unscaled: true, M: mn, N: mn, K: k, Trials: trials, Seed: seed}
			o, err := c.Run(ctx)
			if err != nil {
				return nil, err
			}
			for i, nc := range ncs {
				res[[3]any{d.name, k, nc}] = o.Acc(0, i)
			}
			quant[[2]any{d.name, k}] = o.Quant()
		}
	}
	t := lab.NewTable("dist", "k", "nc", "promotions", "norm_rel", "median_rel", "max_rel", "max_err_absdot", "mean_signed_rel", "frac_below")
	for _, k := range ks {
		for _, d := range dists {
			for _, nc := range ncsOf[k] {
				m := res[[3]any{d.name, k, nc}]
				t.Add(d.name, k, sweep.NcLabel(nc), promotions(k, nc), m.NormRel, m.MedianRel, m.MaxRel, m.MaxErrAbsDot, m.MeanSignedRel, m.FracBelow)
			}
		}
	}
	errAt := func(d string, k, nc int) float64 { return res[[3]any{d, k, nc}].NormRel }

	// Per (inputs, K): the local log-log slopes of error against N_c (a
	// knee would show as a sharp change of slope), and the largest N_c
	// whose accumulation error stays below the error the FP8 rounding of
	// the inputs already carries.
	var vr []kneeRow
	for _, k := range ks {
		for _, d := range dists {
			r := kneeRow{dist: d.name, k: k, quant: quant[[2]any{d.name, k}].NormRel, e32: errAt(d.name, k, 32),
				e128: errAt(d.name, k, 128), eN: errAt(d.name, k, sweep.NcNever), enough: 0}
			xs := append(lab.Pow2s(32, k/2), sweep.NcNever)
			r.slopeMin, r.slopeMax = 1e9, -1e9
			for i := 1; i < len(xs); i++ {
				sl := lab.Log2Of(errAt(d.name, k, xs[i]) / errAt(d.name, k, xs[i-1])) // per doubling of N_c
				r.slopeMin, r.slopeMax = min(r.slopeMin, sl), max(r.slopeMax, sl)
				if i > 1 {
					r.bend = max(r.bend, math.Abs(sl-r.prevSlope))
				}
				r.prevSlope = sl
			}
			for _, nc := range xs {
				if errAt(d.name, k, nc) <= r.quant {
					r.enough = nc
				}
			}
			vr = append(vr, r)
		}
	}
	ok128 := true
	var short []string
	sMin, sMax, bend := 1e9, -1e9, 0.0
	for _, r := range vr {
		sMin, sMax, bend = min(sMin, r.slopeMin), max(sMax, r.slopeMax), max(bend, r.bend)
		if r.enough != sweep.NcNever && r.enough < 128 {
			ok128 = false
			short = append(short, fmt.Sprintf("%s inputs at K = %d, where it leaves %s against %s from input rounding "+
				"(N_c ≤ %d needed)", label(r.dist), r.k, lab.Sci(r.e128), lab.Sci(r.quant), r.enough))
		}
	}
	enough := func(r kneeRow) string {
		if r.enough == sweep.NcNever {
			return "never"
		}
		return strconv.Itoa(r.enough)
	}
	var enoughs []string
	for _, r := range vr {
		enoughs = append(enoughs, fmt.Sprintf("%s %s", r.dist, enough(r)))
	}
	knee := fmt.Sprintf("there is no knee: each halving of N_c cuts the error by %s–%s all the way down to N_c = 32 "+
		"(the slope changes by at most %.1f per doubling), so 128 is an accuracy target, not a knee",
		lab.Ratio(lab.Exp2Of(sMin)), lab.Ratio(lab.Exp2Of(sMax)), bend)
	if bend > kneeBend {
		knee = fmt.Sprintf("the error curve bends (slope change %.1f per doubling of N_c)", bend)
	}
	var verdict string
	if ok128 {
		verdict = fmt.Sprintf("holds: N_c = 128 keeps the accumulation error below the error of rounding the inputs to FP8 "+
			"for both inputs at K = %s (%s at N_c = 128 vs never %s, for U(0,2) at K = %d), but %s",
			lab.JoinInts(ks), lab.Sci(vr[len(vr)-1].e128), lab.Sci(vr[len(vr)-1].eN), ks[len(ks)-1], knee)
	} else {
		verdict = fmt.Sprintf("holds only partly: N_c = 128 keeps the accumulation error below the error of rounding the "+
			"inputs to FP8 except for %s; and %s", strings.Join(short, "; "), knee)
	}

	var b strings.Builder
	b.WriteString("Normwise relative accumulation error ‖D − exact‖/‖exact‖ against the exact product of the FP8 inputs, " +
		"and the normwise error that rounding the inputs to FP8 causes by itself (exact product of the FP8 inputs " +
		"against the float64 product of the unrounded ones).\n\n")
	var rows [][]string
	for _, r := range vr {
		rows = append(rows, []string{r.dist, strconv.Itoa(r.k), lab.Sci(r.e32), lab.Sci(r.e128), lab.Sci(r.eN),
			lab.Ratio(r.eN / r.e128), strconv.Itoa(r.k / 128), lab.Sci(r.quant), enough(r),
			fmt.Sprintf("%s–%s", lab.Ratio(lab.Exp2Of(r.slopeMin)), lab.Ratio(lab.Exp2Of(r.slopeMax)))})
	}
	b.WriteString(lab.Markdown([]string{"inputs", "K", "error N_c=32", "error N_c=128", "error never", "never / 128",
		"promotions per output at 128", "FP8 input rounding error", "largest N_c below it", "error ratio per halving of N_c"}, rows))
	b.WriteString("\nError and cost for every N_c (normwise error; promotions per output in parentheses):\n\n")
	for _, k := range ks {
		rows = nil
		hdr := []string{"inputs"}
		for _, nc := range ncsOf[k] {
			hdr = append(hdr, fmt.Sprintf("%s (%d)", sweep.NcLabel(nc), promotions(k, nc)))
		}
		for _, d := range dists {
			r := []string{d.name}
			for _, nc := range ncsOf[k] {
				r = append(r, lab.Sci(errAt(d.name, k, nc)))
			}
			rows = append(rows, r)
		}
		fmt.Fprintf(&b, "K = %d:\n\n%s\n", k, lab.Markdown(hdr, rows))
	}
	rlo, rhi := math.Inf(1), 0.0
	for _, k := range ks {
		for _, d := range dists {
			f := errAt(d.name, k, sweep.NcFP32)
			rlo, rhi = min(rlo, errAt(d.name, k, 32)/f), max(rhi, errAt(d.name, k, sweep.NcNever)/f)
		}
	}
	fmt.Fprintf(&b, "The fp32 column is the CUDA-core FMA baseline (one rounding per product; its \"promotions\" are K FMAs). "+
		"Every tensor-core N_c costs far less and is %s less accurate.\n", lab.Range(lab.Ratio, rlo, rhi))

	return &lab.Result{
		Name:  name,
		Title: "Promotion interval N_c: error against cost on the H100 FP8 datapath",
		Claim: "Promoting the tensor-core partial sum into FP32 every N_c = 128 products (DeepSeek-V3, cuBLAS " +
			"use_fast_accum=False) sits at the knee of the error/cost trade-off and is a good choice for K = 4096 and " +
			"K = 16384.",
		Verdict: verdict,
		Setup: []string{
			"Datapath `h100-wgmma-e4m3-e4m3` (wgmma k32: the smallest possible N_c is 32). Every N_c products the " +
				"tensor-core chain restarts from zero and its result is added into an FP32 register (one round-to-nearest add); " +
				"`never` is one chain over all of K.",
			"Cost proxy: FP32 promotion adds per output, ⌈K/N_c⌉ (0 for never). The simulator does not model time.",
			fmt.Sprintf("Inputs N(0,1) and U(0,2), per-tensor amax 448, E4M3, scales 1.0 (as in the H100 records); "+
				"K = %s; %d×%d outputs × %d trials per point; seed %d; error against the exact product of the FP8 inputs.",
				lab.JoinInts(ks), mn, mn, trials, seed),
		},
		Body:    b.String(),
		Data:    t,
		Figures: []*lab.Figure{figure(ks, ncsOf, errAt, vr, mn, trials)},
	}, nil
}

// kneeRow is the knee of one (inputs, K) and the errors around it.
type kneeRow struct {
	dist                 string
	k                    int
	quant, e32, e128, eN float64
	enough               int // largest N_c (NcNever: none needed) with error ≤ quant
	slopeMin, slopeMax   float64
	bend, prevSlope      float64
}

// label is the short name of a distribution.
func label(d string) string {
	if d == "pos" {
		return "U(0,2)"
	}
	return "N(0,1)"
}

// promotions is the number of FP32 promotion adds per output: ⌈K/N_c⌉, 0
// without promotion, K for the FP32 baseline (one FMA per product).
func promotions(k, nc int) int {
	switch nc {
	case sweep.NcNever:
		return 0
	case sweep.NcFP32:
		return k
	}
	return (k + nc - 1) / nc
}

// figure draws the error against N_c, one panel per K.
func figure(ks []int, ncsOf map[int][]int, errAt func(string, int, int) float64, vr []kneeRow, mn, trials int) *lab.Figure {
	var row []*lab.Panel
	var legend []lab.LegendEntry
	for _, k := range ks {
		p := &lab.Panel{Title: fmt.Sprintf("K = %d", k), XLabel: "promotion interval Nc (below: promotions per output)",
			YLabel: "normwise relative error", XScale: lab.Log2, YScale: lab.Log10}
		var ticks []lab.Tick
		for _, nc := range ncsOf[k] {
			x := float64(nc)
			label := fmt.Sprintf("%d\n%d", nc, promotions(k, nc))
			switch nc {
			case sweep.NcFP32:
				continue
			case sweep.NcNever:
				x, label = float64(k), "never\n0"
			}
			ticks = append(ticks, lab.Tick{Value: x, Label: label})
		}
		p.XTicks = ticks
		for i, d := range dists {
			var x, y []float64
			for _, nc := range ncsOf[k] {
				switch nc {
				case sweep.NcFP32:
					continue
				case sweep.NcNever:
					x = append(x, float64(k))
				default:
					x = append(x, float64(nc))
				}
				y = append(y, errAt(d.name, k, nc))
			}
			s := lab.S(i)
			p.Add(x, y, s)
			fp := errAt(d.name, k, sweep.NcFP32)
			fs := lab.Style{Color: s.Color, Width: vg.Points(1)}.Dashed()
			p.Add([]float64{32, float64(k)}, []float64{fp, fp}, fs)
			qs := lab.Style{Color: s.Color, Width: vg.Points(1.8), Dashes: []vg.Length{vg.Points(1), vg.Points(2.5)}}
			for _, r := range vr {
				if r.dist == d.name && r.k == k {
					p.Add([]float64{32, float64(k)}, []float64{r.quant, r.quant}, qs)
				}
			}
			if k == ks[0] {
				legend = append(legend, lab.LegendEntry{Name: d.title + ": accumulation", Style: s},
					lab.LegendEntry{Name: d.title + ": FP8 input rounding", Style: qs},
					lab.LegendEntry{Name: d.title + ": FP32 baseline", Style: fs})
			}
		}
		p.Extra = append(p.Extra, lab.VLine{X: 128})
		row = append(row, p)
	}
	return &lab.Figure{
		File:        "error_vs_nc.png",
		Title:       "Accumulation error against the promotion interval Nc (H100 wgmma, E4M3 × E4M3)",
		Subtitle:    fmt.Sprintf("%d×%d outputs × %d trials per point; the grey line marks Nc = 128", mn, mn, trials),
		Panels:      [][]*lab.Panel{row},
		LegendTitle: "inputs",
		Legend:      legend,
		Caption: "Each tick gives Nc and, below it, the FP32 promotion adds per output (the cost). 'never' is one tensor-core " +
			"chain over all of K. Dashed: the CUDA-core FP32 baseline (one FMA per product). Dotted: the error that rounding " +
			"the inputs to FP8 causes by itself; accumulation error below it is small next to what the inputs already carry.",
		PanelW: 4.4 * vg.Inch,
		PanelH: 3.3 * vg.Inch,
	}
}
