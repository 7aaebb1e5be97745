package deepseek2pct

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/tcsim/tcsim/experiments/internal/lab"
	"github.com/tcsim/tcsim/sim"
	"github.com/tcsim/tcsim/sim/sweep"
	"github.com/tcsim/tcsim/tensorcore"
)

// hwTable is ../shared/hw/h100/gemm_scaled_mm.csv, copied so that the
// experiment runs from a fresh clone.
//
//go:embed testdata/gemm_scaled_mm.csv
var hwTable []byte

const (
	name   = "deepseek2pct"
	seed   = 20250101
	target = 0.02 // DeepSeek-V3's "nearly 2%"
	kClaim = 4096
)

// The metrics of the hardware table, in its column order.
var metricNames = []string{"max_rel", "median_rel", "norm_rel", "max_err_over_absdot", "median_err_over_absdot"}

var metricTitles = map[string]string{
	"max_rel":                "max elementwise relative error",
	"median_rel":             "median elementwise relative error",
	"norm_rel":               "normwise relative error",
	"max_err_over_absdot":    "max |error| / sum |a·b|",
	"median_err_over_absdot": "median |error| / sum |a·b|",
}

// The hardware table's modes and the simulated datapaths they correspond to.
var modes = []struct {
	name string
	nc   int
	what string
}{
	{"scaled_mm_fast", sweep.NcNever, "no promotion (cuBLAS use_fast_accum=True)"},
	{"scaled_mm_nofast", 128, "promotion every N_c = 128 (use_fast_accum=False)"},
	{"fp32_matmul", sweep.NcFP32, "FP32 GEMM of the same values"},
}

type vals [5]float64 // in metricNames order

func fromMetrics(m sim.Metrics) vals {
	return vals{m.MaxRel, m.MedianRel, m.NormRel, m.MaxErrAbsDot, m.MedianErrAbsDot}
}

type key struct {
	source, dist string
	k            int
	mode         string
}

// shift returns N(mu, 1) for both operands.
func shift(mu float64) sweep.Dist {
	return sweep.Dist{Name: "normal+" + strconv.FormatFloat(mu, 'g', -1, 64),
		Description: fmt.Sprintf("N(%g, 1) for A and B", mu),
		Fill: func(r *rand.Rand, x []float64, _, _ int, _ sweep.Role) {
			for i := range x {
				x[i] = mu + sweep.Normal(r)
			}
		}}
}

// Run runs the experiment.
func Run(ctx context.Context, cfg lab.Config) (*lab.Result, error) {
	mn, ks, mnShift := 192, lab.Pow2s(256, 16384), 192
	if cfg.Short {
		mn, ks, mnShift = 16, lab.Pow2s(256, 4096), 16
	}
	means := []float64{0.125, 0.25, 0.5, 1, 2, 4}
	wgmma := lab.MustPreset("h100-wgmma-e4m3-e4m3")
	ncs := []int{sweep.NcNever, 128, sweep.NcFP32}

	got := map[key]vals{}
	signed := map[key]float64{}
	run := func(d sweep.Dist, m, k int) error {
		c := sweep.Trials{Presets: []*tensorcore.Preset{wgmma}, Nc: ncs, Dist: d, Scaling: sweep.Scaling{A: sim.PerTensor, B: sim.PerTensor},
			Unscaled: true, M: m, N: m, K: k, Trials: 1, Seed: seed}
		o, err := c.Run(ctx)
		if err != nil {
			return err
		}
		for i, md := range modes {
			a := o.Acc(0, i)
			kk := key{"sim", d.Name, k, md.name}
			got[kk], signed[kk] = fromMetrics(a), a.MeanSignedRel
		}
		return nil
	}
	for _, dn := range []string{"normal", "pos"} {
		for _, k := range ks {
			if err := run(lab.MustDist(dn), mn, k); err != nil {
				return nil, err
			}
		}
	}
	var shifted []string
	for _, mu := range means {
		d := shift(mu)
		shifted = append(shifted, d.Name)
		if err := run(d, mnShift, kClaim); err != nil {
			return nil, err
		}
	}
	hw, err := readHW()
	if err != nil {
		return nil, err
	}

	// data.csv: simulator rows, then the hardware table's rows.
	t := lab.NewTable(append([]string{"source", "dist", "m", "n", "k", "mode", "nc"}, append(metricNames, "mean_signed_rel")...)...)
	addRows := func(dist string, m int, kset []int) {
		for _, k := range kset {
			for _, md := range modes {
				kk := key{"sim", dist, k, md.name}
				v := got[kk]
				t.Add("sim", dist, m, m, k, md.name, sweep.NcLabel(md.nc), v[0], v[1], v[2], v[3], v[4], signed[kk])
			}
		}
	}
	addRows("normal", mn, ks)
	addRows("pos", mn, ks)
	for _, d := range shifted {
		addRows(d, mnShift, []int{kClaim})
	}
	for _, h := range hw.rows {
		v := hw.v[h]
		nc := "128"
		switch h.mode {
		case "scaled_mm_fast":
			nc = "never"
		case "fp32_matmul":
			nc = "fp32"
		}
		t.Add("h100", h.dist, 512, 512, h.k, h.mode, nc, v[0], v[1], v[2], v[3], v[4], math.NaN())
	}

	about := func(v float64) bool { return v >= target/math.Sqrt2 && v <= target*math.Sqrt2 }
	posK := crossing(ks, func(k int) float64 { return got[key{"sim", "pos", k, "scaled_mm_fast"}][0] }, target)
	nf := func(d string, mi int) float64 { return got[key{"sim", d, kClaim, "scaled_mm_fast"}][mi] }
	pr := func(d string, mi int) float64 { return got[key{"sim", d, kClaim, "scaled_mm_nofast"}][mi] }

	// The mean at which the max relative error crosses 2%, scanning down
	// from the largest mean (at small means the elementwise maximum is
	// set by near-zero outputs and jumps about).
	muCross, muLo, muHi := math.NaN(), 0.0, 0.0
	for i := len(means) - 1; i > 0; i-- {
		a, b := nf(shifted[i-1], 0), nf(shifted[i], 0)
		if a < target && b >= target {
			t := (lab.Ln(target) - lab.Ln(a)) / (lab.Ln(b) - lab.Ln(a))
			muCross, muLo, muHi = means[i-1]+t*(means[i]-means[i-1]), means[i-1], means[i]
			break
		}
		if a >= target {
			continue
		}
		break
	}
	var verdict string
	switch {
	case about(nf("pos", 0)) || about(nf("normal", 0)):
		d := "pos"
		if about(nf("normal", 0)) {
			d = "normal"
		}
		verdict = fmt.Sprintf("holds for %s inputs: %s max relative error at K = %d without promotion, %s with N_c = 128",
			d, lab.Pct(nf(d, 0)), kClaim, lab.Pct(pr(d, 0)))
	case !math.IsNaN(muCross):
		verdict = fmt.Sprintf("holds only when the inputs' mean is about %.1f standard deviations (N(μ,1): 2%% max relative error "+
			"at μ ≈ %.1f, between %s at μ = %g and %s at μ = %g; N_c = 128: %s); the H100 table's inputs give %s (U(0,2), "+
			"2%% already at K ≈ %s) and %s normwise (N(0,1), whose elementwise max of %s comes from near-zero outputs)",
			muCross, muCross, lab.Pct(nf(fmtMu(muLo), 0)), muLo, lab.Pct(nf(fmtMu(muHi), 0)), muHi, lab.Pct(pr(fmtMu(muHi), 0)),
			lab.Pct(nf("pos", 0)), kLabel(posK), lab.Pct(nf("normal", 2)), lab.Sci(nf("normal", 0)))
	default:
		verdict = fmt.Sprintf("does not hold for any input tried: at K = %d without promotion U(0,2) gives %s max relative "+
			"error and N(0,1) %s normwise", kClaim, lab.Pct(nf("pos", 0)), lab.Pct(nf("normal", 2)))
	}

	// Agreement with the H100 table (no promotion and N_c = 128).
	const tol = 1.25
	type agree struct {
		n, ok  int
		ratios []float64
	}
	agreement := map[[2]string]*agree{}
	for _, d := range []string{"normal", "pos"} {
		for _, md := range modes[:2] {
			for _, k := range ks {
				h, ok := hw.v[hwKey{d, k, md.name}]
				if !ok {
					continue
				}
				s := got[key{"sim", d, k, md.name}]
				for mi, mname := range metricNames {
					a := agreement[[2]string{d, mname}]
					if a == nil {
						a = &agree{}
						agreement[[2]string{d, mname}] = a
					}
					r := s[mi] / h[mi]
					a.n++
					a.ratios = append(a.ratios, r)
					if r >= 1/tol && r <= tol {
						a.ok++
					}
				}
			}
		}
	}
	var agreeRows [][]string
	var agreeAll, disagree []string
	for _, d := range []string{"normal", "pos"} {
		for _, mname := range metricNames {
			a := agreement[[2]string{d, mname}]
			slices.Sort(a.ratios)
			agreeRows = append(agreeRows, []string{d, mname, fmt.Sprintf("%d of %d", a.ok, a.n),
				lab.Ratio(a.ratios[0]) + " – " + lab.Ratio(a.ratios[len(a.ratios)-1])})
			if a.ok == a.n {
				agreeAll = append(agreeAll, d+" "+mname)
			} else {
				disagree = append(disagree, fmt.Sprintf("%s %s (%d of %d)", d, mname, a.ok, a.n))
			}
		}
	}

	// Summary body.
	var b strings.Builder
	fmt.Fprintf(&b, "Accumulation error at K = %d (simulated %d×%d outputs against the exact product of the FP8 inputs; "+
		"the H100 row is `gemm_scaled_mm.csv`, 512×512 outputs):\n\n", kClaim, mn, mn)
	var rows [][]string
	for _, d := range []string{"normal", "pos"} {
		for _, md := range modes {
			s := got[key{"sim", d, kClaim, md.name}]
			h := hw.v[hwKey{d, kClaim, md.name}]
			r := []string{d, md.what}
			for mi := range metricNames {
				r = append(r, lab.Sci(s[mi])+" (H100 "+lab.Sci(h[mi])+")")
			}
			rows = append(rows, r)
		}
	}
	b.WriteString(lab.Markdown(append([]string{"inputs", "accumulation"}, metricNames...), rows))
	fmt.Fprintf(&b, "\nInputs with a positive mean, N(μ, 1) for both operands, K = %d, no promotion (%d×%d outputs):\n\n", kClaim, mnShift, mnShift)
	rows = nil
	for _, d := range append([]string{"normal"}, append(shifted, "pos")...) {
		r := []string{d}
		for mi := range metricNames {
			cell := lab.Pct(nf(d, mi))
			if about(nf(d, mi)) {
				cell = "**" + cell + "**"
			}
			r = append(r, cell)
		}
		r = append(r, lab.Pct(pr(d, 0)))
		rows = append(rows, r)
	}
	b.WriteString(lab.Markdown(append(append([]string{"inputs"}, metricNames...), "max_rel with N_c = 128"), rows))
	fmt.Fprintf(&b, "\nBold: within a factor √2 of 2%% (%.2f%%–%.2f%%), what this experiment counts as \"nearly 2%%\". "+
		"For all-positive inputs the max relative error reaches 2%% at K ≈ %s (log-interpolated between the simulated K).\n\n",
		100*target/math.Sqrt2, 100*target*math.Sqrt2, kLabel(posK))
	for _, mu := range means {
		if d := fmtMu(mu); !math.IsNaN(muCross) && mu < muLo && about(nf(d, 0)) {
			fmt.Fprintf(&b, "N(%g,1) also lands in the band (%s), but there the maximum comes from a few outputs near zero: "+
				"its median is %s and its maximum of |error|/Σ|a·b| %s.\n\n", mu, lab.Pct(nf(d, 0)), lab.Pct(nf(d, 1)), lab.Pct(nf(d, 3)))
		}
	}
	fmt.Fprintf(&b, "**Simulator vs H100 table.** For each metric, the ratio simulated/H100 over the %d K values and the two "+
		"tensor-core modes (no promotion, N_c = 128); \"agree\" = within a factor %.2f:\n\n", len(ks), tol)
	b.WriteString(lab.Markdown([]string{"inputs", "metric", "agree", "ratio range"}, agreeRows))
	fmt.Fprintf(&b, "\nThey agree everywhere on: %s. ", strings.Join(agreeAll, "; "))
	if len(disagree) > 0 {
		fmt.Fprintf(&b, "Not everywhere on: %s. Maxima over zero-mean inputs are set by a few extreme outputs (for "+
			"max_rel, outputs whose exact value nearly cancels), so they depend on the particular inputs and grow with "+
			"the number of outputs drawn (%d here, 262144 on the H100); they are not a property of the datapath alone.",
			strings.Join(disagree, "; "), mn*mn)
	}
	b.WriteString(" The FP32 rows are not comparable bit for bit: the simulator's baseline is one FMA chain in k order, " +
		"cuBLAS's FP32 GEMM sums in another order.\n")

	figs := []*lab.Figure{errorVsK(got, hw, ks, mn), meanFigure(got, append([]string{"normal"}, append(shifted, "pos")...))}
	return &lab.Result{
		Name:  name,
		Title: "DeepSeek-V3's \"nearly 2% at K = 4096\": which inputs and which metric?",
		Claim: "DeepSeek-V3 (§3.3.2): in a GEMM of two random matrices with K = 4096, the limited accumulation precision " +
			"of Hopper tensor cores gives a maximum relative error of nearly 2%; promoting to FP32 every N_c = 128 fixes it.",
		Verdict: verdict,
		Setup: []string{
			"Datapath `h100-wgmma-e4m3-e4m3` (bit-exact H100 wgmma model): no promotion = one tensor-core chain over K " +
				"(cuBLAS `use_fast_accum=True`), N_c = 128 = promotion into FP32 every 128 products (`use_fast_accum=False`); " +
				"plus the simulator's FP32 CUDA-core baseline.",
			"Inputs as in the H100 table: N(0,1) (`normal`) or U(0,2) (`pos`), scaled per tensor so that amax becomes 448, " +
				"rounded to E4M3 (nearest-even, saturating), multiplied with scales 1.0. Error against the exact product of " +
				"the FP8 values (the H100 table used float64, which is exact here).",
			fmt.Sprintf("K = %s, %d×%d outputs per point, one trial, seed %d. Positive-mean inputs N(μ,1), μ ∈ {%s}, at K = %d with %d×%d outputs.",
				lab.JoinInts(ks), mn, mn, seed, lab.JoinFloats(means), kClaim, mnShift, mnShift),
			"Metrics as in the H100 table: max and median of |D−ref|/|ref|, ‖D−ref‖₂/‖ref‖₂, and max and median of |D−ref|/Σ|a·b|.",
		},
		Body:    b.String(),
		Data:    t,
		Figures: figs,
	}, nil
}

// crossing returns the K at which f crosses y, log-interpolated between
// the K values; NaN if it does not cross.
func crossing(ks []int, f func(int) float64, y float64) float64 {
	for i := 1; i < len(ks); i++ {
		a, b := f(ks[i-1]), f(ks[i])
		if (a < y) != (b < y) && a > 0 && b > 0 {
			t := (lab.Ln(y) - lab.Ln(a)) / (lab.Ln(b) - lab.Ln(a))
			return lab.Exp(lab.Ln(float64(ks[i-1])) + t*(lab.Ln(float64(ks[i]))-lab.Ln(float64(ks[i-1]))))
		}
	}
	return math.NaN()
}

// kLabel rounds an interpolated K to two significant digits.
func kLabel(k float64) string {
	if math.IsNaN(k) {
		return "(not within the K range)"
	}
	p := math.Pow(10, math.Floor(lab.Log10Of(k))-1)
	return strconv.FormatFloat(math.Round(k/p)*p, 'f', 0, 64)
}

// fmtMu is the distribution name of N(mu, 1).
func fmtMu(mu float64) string { return shift(mu).Name }

type hwKey struct {
	dist string
	k    int
	mode string
}

type hwData struct {
	rows []hwKey
	v    map[hwKey]vals
}

// readHW parses the embedded H100 table.
func readHW() (*hwData, error) {
	recs, err := csv.NewReader(bytes.NewReader(hwTable)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("gemm_scaled_mm.csv: %v", err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for _, c := range append([]string{"dist", "K", "mode"}, metricNames...) {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("gemm_scaled_mm.csv: no column %s", c)
		}
	}
	d := &hwData{v: map[hwKey]vals{}}
	for line, r := range recs[1:] {
		k, err := strconv.Atoi(r[col["K"]])
		if err != nil {
			return nil, fmt.Errorf("gemm_scaled_mm.csv:%d: K: %v", line+2, err)
		}
		hk := hwKey{r[col["dist"]], k, r[col["mode"]]}
		var v vals
		for i, m := range metricNames {
			if v[i], err = strconv.ParseFloat(r[col[m]], 64); err != nil {
				return nil, fmt.Errorf("gemm_scaled_mm.csv:%d: %s: %v", line+2, m, err)
			}
		}
		d.rows = append(d.rows, hk)
		d.v[hk] = v
	}
	return d, nil
}
