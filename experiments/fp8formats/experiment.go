package fp8formats

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/tcsim/tcsim/experiments/internal/lab"
	"github.com/tcsim/tcsim/sim"
	"github.com/tcsim/tcsim/sim/sweep"
	"github.com/tcsim/tcsim/tensorcore"
	"gonum.org/v1/plot/vg"
)

const (
	name = "fp8formats"
	seed = 20250105
	nc   = 128
	// margin is how much smaller an error must be to count as better.
	margin = 1.1
)

// The operand format pairs: A (activations or gradients) × B (weights).
var pairs = []struct{ preset, title string }{
	{"h100-wgmma-e4m3-e4m3", "E4M3 × E4M3"},
	{"h100-wgmma-e5m2-e4m3", "E5M2 × E4M3"},
	{"h100-wgmma-e4m3-e5m2", "E4M3 × E5M2"},
	{"h100-wgmma-e5m2-e5m2", "E5M2 × E5M2"},
}

type input struct {
	dist     sweep.Dist
	title    string
	backward bool
}

// gradWide is backward-like: A = N(0,1)·2^U with U uniform on the integers
// [-20, 0] (gradients spanning 21 binades), B = N(0,1) weights.
var gradWide = sweep.Dist{Name: "gradwide", Description: "A N(0,1)·2^U, U in [-20,0]; B N(0,1)",
	Fill: func(r *rand.Rand, x []float64, _, _ int, role sweep.Role) {
		for i := range x {
			x[i] = sweep.Normal(r)
			if role == sweep.RoleA {
				x[i] = math.Ldexp(x[i], -r.IntN(21))
			}
		}
	}}

var scalings = []struct{ name, title string }{{"tensor", "per tensor"}, {"deepseek", "1×128 A tiles, 128×128 B blocks"}}

type key struct {
	dist, scaling, pair string
}

type errs struct{ quant, acc, tot sim.Metrics }

// Run runs the experiment.
func Run(ctx context.Context, cfg lab.Config) (*lab.Result, error) {
	mn, k := 64, 4096
	if cfg.Short {
		mn, k = 16, 512
	}
	inputs := []input{
		{lab.MustDist("normal"), "forward: N(0,1) activations × N(0,1) weights", false},
		{lab.MustDist("outlier"), "forward: activations with 1% outlier channels ×50", false},
		{lab.MustDist("studentt"), "backward: Student-t (3 dof) gradients × N(0,1) weights", true},
		{gradWide, "backward: gradients spread over 21 binades × N(0,1) weights", true},
	}
	got := map[key]errs{}
	for _, in := range inputs {
		for _, sc := range scalings {
			s, err := sweep.LookupScaling(sc.name)
			if err != nil {
				return nil, err
			}
			for _, pr := range pairs {
				c := sweep.Trials{Presets: []*tensorcore.Preset{lab.MustPreset(pr.preset)}, Nc: []int{nc}, Dist: in.dist,
					Scaling: sweep.Scaling{A: s.A, B: s.B}, M: mn, N: mn, K: k, Trials: 1, Seed: seed}
				o, err := c.Run(ctx)
				if err != nil {
					return nil, err
				}
				got[key{in.dist.Name, sc.name, pr.title}] = errs{o.Quant(), o.Acc(0, 0), o.Tot(0, 0)}
			}
		}
	}
	t := lab.NewTable("dist", "scaling", "formats", "quant_median_rel", "quant_norm_rel", "acc_median_rel", "acc_norm_rel",
		"tot_median_rel", "tot_norm_rel")
	for _, in := range inputs {
		for _, sc := range scalings {
			for _, pr := range pairs {
				e := got[key{in.dist.Name, sc.name, pr.title}]
				t.Add(in.dist.Name, sc.name, pr.title, e.quant.MedianRel, e.quant.NormRel, e.acc.MedianRel, e.acc.NormRel,
					e.tot.MedianRel, e.tot.NormRel)
			}
		}
	}

	// The best pair per (inputs, scaling) by total median error, and
	// whether E5M2 gradients ever beat E4M3 ones.
	tot := func(d, sc, pr string) float64 { return got[key{d, sc, pr}].tot.MedianRel }
	best := map[[2]string]string{}
	for _, in := range inputs {
		for _, sc := range scalings {
			b := pairs[0].title
			for _, pr := range pairs {
				if tot(in.dist.Name, sc.name, pr.title) < tot(in.dist.Name, sc.name, b) {
					b = pr.title
				}
			}
			best[[2]string{in.dist.Name, sc.name}] = b
		}
	}
	e4 := pairs[0].title
	mixed := pairs[1].title
	fwdE4 := true
	var e5wins, e4wins []string
	e4lo, e4hi, mlo, mhi := math.Inf(1), 0.0, math.Inf(1), 0.0
	for _, in := range inputs {
		for _, sc := range scalings {
			a, m := tot(in.dist.Name, sc.name, e4), tot(in.dist.Name, sc.name, mixed)
			switch {
			case !in.backward:
				if best[[2]string{in.dist.Name, sc.name}] != e4 {
					fwdE4 = false
				}
				continue
			case m*margin < a:
				e5wins = append(e5wins, in.dist.Name+" "+sc.name)
			default:
				e4wins = append(e4wins, in.dist.Name+" "+sc.name)
			}
			e4lo, e4hi, mlo, mhi = min(e4lo, a), max(e4hi, a), min(mlo, m), max(mhi, m)
		}
	}
	r := func(d string) float64 { return tot(d, "tensor", pairs[3].title) / tot(d, "tensor", e4) }
	fwd := fmt.Sprintf("E4M3 × E4M3 is the most accurate on forward-like inputs (E5M2 × E5M2: %s larger error)",
		lab.Range(lab.Ratio, min(r("normal"), r("outlier")), max(r("normal"), r("outlier"))))
	bwd := fmt.Sprintf("total median error of backward-like GEMMs %s with E4M3 gradients, %s with E5M2 gradients (× E4M3 weights)",
		lab.Range(lab.Pct, e4lo, e4hi), lab.Range(lab.Pct, mlo, mhi))
	var verdict string
	switch {
	case !fwdE4:
		verdict = "does not hold: E4M3 × E4M3 is not the most accurate pair on every forward-like input; " + bwd
	case len(e5wins) == 0:
		verdict = fmt.Sprintf("holds for the forward pass only: %s, but E5M2 gradients never help, even spread over 21 "+
			"binades or heavy-tailed, once each tensor or tile is scaled to its amax: %s", fwd, bwd)
	case len(e4wins) == 0:
		verdict = fmt.Sprintf("holds: %s, and E5M2 gradients beat E4M3 ones on every backward-like input: %s", fwd, bwd)
	default:
		verdict = fmt.Sprintf("holds only for some gradients: %s; E5M2 gradients win for %s but not for %s; %s",
			fwd, strings.Join(e5wins, ", "), strings.Join(e4wins, ", "), bwd)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "Median elementwise relative error at K = %d with promotion every N_c = %d, separated into quantisation "+
		"(exact product of the FP8 inputs with scales vs float64 product of the real inputs), accumulation (simulated GEMM "+
		"vs exact FP8 product) and total. Formats are A × B: A holds the activations (forward) or gradients (backward), B the weights.\n\n", k, nc)
	for _, in := range inputs {
		fmt.Fprintf(&b, "**%s** (`%s`):\n\n", in.title, in.dist.Name)
		var rows [][]string
		for _, sc := range scalings {
			for _, pr := range pairs {
				e := got[key{in.dist.Name, sc.name, pr.title}]
				name := pr.title
				if best[[2]string{in.dist.Name, sc.name}] == pr.title {
					name = "**" + name + "**"
				}
				rows = append(rows, []string{sc.title, name, lab.Pct(e.quant.MedianRel), lab.Sci(e.acc.MedianRel), lab.Pct(e.tot.MedianRel)})
			}
		}
		b.WriteString(lab.Markdown([]string{"scaling", "formats", "quantisation", "accumulation", "total"}, rows))
		b.WriteString("\n")
	}
	b.WriteString("Bold: the most accurate pair for that input and scaling. The accumulation error hardly depends on the formats: " +
		"the wgmma datapath aligns every product to the same 13-bit grid, and E5M2 products have fewer significant bits to lose. " +
		"Quantisation dominates: E4M3 keeps 3 mantissa bits against E5M2's 2, and a scale per tensor or per tile moves the " +
		"values into either format's range unless they span more binades than the format covers. Even then the output " +
		"hardly suffers: it is dominated by the largest gradients, which both formats hold, while the tiny ones that E4M3 " +
		"flushes to zero contribute almost nothing to a dot product. DeepSeek-V3 draws the same conclusion and uses E4M3 " +
		"for all tensors, relying on fine-grained scaling.\n")

	return &lab.Result{
		Name:  name,
		Title: "E4M3 vs E5M2 (and mixed) for forward-like and backward-like FP8 GEMMs",
		Claim: "The usual FP8 training recipe: E4M3 (more precision) for activations and weights in the forward pass; E5M2 " +
			"(more range) for gradients in the backward pass, because gradients are heavy-tailed.",
		Verdict: verdict,
		Setup: []string{
			"Datapaths `h100-wgmma-{e4m3,e5m2}-{e4m3,e5m2}` (A format first), FP32 accumulation, promotion every N_c = 128 " +
				"with DeepSeek-style scales applied at promotion.",
			"Inputs: " + strings.Join(titlesOf(inputs), "; ") + ".",
			"Scalings: per tensor, and DeepSeek-V3's 1×128 tiles for A with 128×128 blocks for B; scale = amax/max finite of " +
				"the format (448 or 57344), FP32, round-to-nearest-even with saturation.",
			fmt.Sprintf("M = N = %d, K = %d, one trial, seed %d.", mn, k, seed),
		},
		Body:    b.String(),
		Data:    t,
		Figures: []*lab.Figure{figure(got, inputs, mn, k)},
	}, nil
}

func titlesOf(in []input) []string {
	var s []string
	for _, i := range in {
		s = append(s, fmt.Sprintf("`%s` (%s)", i.dist.Name, i.title))
	}
	return s
}

// accMax is the largest median accumulation error.
func accMax(got map[key]errs) float64 {
	v := 0.0
	for _, e := range got {
		v = max(v, e.acc.MedianRel)
	}
	return v
}

func figure(got map[key]errs, inputs []input, mn, k int) *lab.Figure {
	var ticks []lab.Tick
	for i, in := range inputs {
		ticks = append(ticks, lab.Tick{Value: float64(i), Label: map[string]string{
			"normal": "N(0,1)\nforward", "outlier": "outlier channels\nforward", "studentt": "Student-t\nbackward",
			"gradwide": "21 binades\nbackward"}[in.dist.Name]})
	}
	var row []*lab.Panel
	var legend []lab.LegendEntry
	for si, sc := range scalings {
		p := &lab.Panel{Title: "scaling: " + sc.title, XLabel: "inputs", YLabel: "total median relative error",
			XScale: lab.Linear, YScale: lab.Log10, XTicks: ticks, XMin: -0.5, XMax: float64(len(inputs)) - 0.5}
		for pi, pr := range pairs {
			var x, y []float64
			for i, in := range inputs {
				x, y = append(x, float64(i)+0.12*(float64(pi)-1.5)), append(y, got[key{in.dist.Name, sc.name, pr.title}].tot.MedianRel)
			}
			s := lab.S(pi).Points().Big()
			p.Add(x, y, s)
			if si == 0 {
				legend = append(legend, lab.LegendEntry{Name: pr.title, Style: s})
			}
		}
		row = append(row, p)
	}
	return &lab.Figure{
		File:        "formats.png",
		Title:       "Total error of FP8 GEMMs by operand formats (A × B), forward- and backward-like inputs",
		Subtitle:    fmt.Sprintf("H100 wgmma, promotion every Nc = 128; M = N = %d, K = %d; median over the outputs", mn, k),
		Panels:      [][]*lab.Panel{row},
		LegendTitle: "formats A × B",
		Legend:      legend,
		Caption: fmt.Sprintf("Total error: the simulated GEMM against the float64 product of the unrounded inputs. It is "+
			"almost all quantisation: the accumulation error alone is at most %s (see summary.md).", lab.Sci(accMax(got))),
		PanelW: 4.2 * vg.Inch,
		PanelH: 3.2 * vg.Inch,
	}
}
