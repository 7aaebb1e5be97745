package formats

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/tcsim/tcsim/experiments/internal/lab"
	"github.com/tcsim/tcsim/numerics"
	"github.com/tcsim/tcsim/plots"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

const name = "formats"

// spec holds a format's defining values as its standard gives them
// (IEEE 754 binary32 and binary16; bfloat16; NVIDIA TF32; OCP 8-bit
// floating point (OFP8) E4M3 and E5M2; OCP Microscaling E2M1), written
// independently of package numerics.
type spec struct {
	f                    numerics.Format
	title, standard      string
	max, minNorm, minSub float64
	inf                  bool
	// overflow is what a non-saturating conversion of a too-large value
	// gives: "inf", "nan" or "max" (E2M1 has neither).
	overflow string
}

var specs = []spec{
	{numerics.FP32, "FP32", "IEEE 754 binary32", (2 - math.Ldexp(1, -23)) * math.Ldexp(1, 127), math.Ldexp(1, -126), math.Ldexp(1, -149), true, "inf"},
	{numerics.TF32, "TF32", "NVIDIA TensorFloat-32 (FP32 range, FP16 precision)", (2 - math.Ldexp(1, -10)) * math.Ldexp(1, 127), math.Ldexp(1, -126), math.Ldexp(1, -136), true, "inf"},
	{numerics.FP16, "FP16", "IEEE 754 binary16", 65504, math.Ldexp(1, -14), math.Ldexp(1, -24), true, "inf"},
	{numerics.BF16, "BF16", "bfloat16", (2 - math.Ldexp(1, -7)) * math.Ldexp(1, 127), math.Ldexp(1, -126), math.Ldexp(1, -133), true, "inf"},
	{numerics.E4M3, "E4M3", "OCP OFP8 E4M3 (no Inf; NaN = S.1111.111)", 448, math.Ldexp(1, -6), math.Ldexp(1, -9), false, "nan"},
	{numerics.E5M2, "E5M2", "OCP OFP8 E5M2 (IEEE-like)", 57344, math.Ldexp(1, -14), math.Ldexp(1, -16), true, "inf"},
	{numerics.E2M1, "E2M1", "OCP MX FP4 E2M1 (no Inf, no NaN)", 6, 1, 0.5, false, "max"},
}

// row is what the codec says about a format.
type row struct {
	bits, exp, man, bias   int
	max, minNorm, minSub   float64
	eps, digits            float64
	binades, normalBinades float64
	inf                    bool
	nans                   int
	overflow               string
	maxCode                uint32
}

func measure(f numerics.Format) row {
	r := row{bits: f.Bits(), exp: f.ExpBits(), man: f.ManBits(), bias: f.Bias()}
	r.maxCode = f.MaxFinite()
	r.max = f.Decode(r.maxCode)
	r.minNorm = f.Decode(1 << f.ManBits()) // exponent field 1, mantissa 0
	r.minSub = f.Decode(1)                 // the smallest non-zero code
	r.eps = math.Ldexp(1, -f.ManBits())    // spacing of values in [1, 2)
	r.digits = float64(f.ManBits()+1) * lab.Log10Of(2)
	r.binades = lab.Log2Of(r.max / r.minSub)
	r.normalBinades = lab.Log2Of(r.max / r.minNorm)
	_, hasInf := f.InfCode()
	r.inf = hasInf
	// NaN codes: enumerate small formats, count by rule otherwise.
	if f.Bits() <= 19 {
		for c := range f.NumCodes() {
			if f.IsNaN(uint32(c)) {
				r.nans++
			}
		}
	} else {
		r.nans = 2 * (1<<f.ManBits() - 1) // IEEE: exponent all ones, mantissa ≠ 0, either sign
	}
	switch c := f.Encode(2*r.max, numerics.NearestEven, numerics.ToInf); {
	case f.IsNaN(c):
		r.overflow = "nan"
	case math.IsInf(f.Decode(c), 1):
		r.overflow = "inf"
	case c == r.maxCode:
		r.overflow = "max"
	default:
		r.overflow = "code " + strconv.FormatUint(uint64(c), 16)
	}
	return r
}

// Run runs the experiment (the same at either size).
func Run(context.Context, lab.Config) (*lab.Result, error) {
	t := lab.NewTable("format", "bits", "exp_bits", "man_bits", "bias", "max_finite", "max_finite_code", "min_normal",
		"min_subnormal", "epsilon", "decimal_digits", "range_binades", "normal_range_binades", "has_inf", "nan_codes",
		"overflow_nonsaturating", "spec_max", "spec_min_normal", "spec_min_subnormal", "matches_spec")
	var rows []row
	var bad []string
	for _, s := range specs {
		r := measure(s.f)
		rows = append(rows, r)
		ok := r.max == s.max && r.minNorm == s.minNorm && r.minSub == s.minSub && r.inf == s.inf && r.overflow == s.overflow
		if !ok {
			bad = append(bad, s.title)
		}
		t.Add(s.title, r.bits, r.exp, r.man, r.bias, r.max, fmt.Sprintf("0x%x", r.maxCode), r.minNorm, r.minSub, r.eps,
			r.digits, r.binades, r.normalBinades, r.inf, r.nans, r.overflow, s.max, s.minNorm, s.minSub, ok)
	}
	verdict := fmt.Sprintf("holds: the codec's maximum, smallest normal and smallest subnormal value, infinities and "+
		"overflow behaviour of all %d formats equal the standards' values (E4M3: 448, 2^-6, 2^-9, no Inf, overflow → NaN; "+
		"E5M2: 57344, 2^-14, 2^-16)", len(specs))
	if len(bad) > 0 {
		verdict = "does not hold for " + strings.Join(bad, ", ") + ": the codec disagrees with the standard (see data.csv)"
	}

	var b strings.Builder
	var mrows [][]string
	for i, s := range specs {
		r := rows[i]
		mrows = append(mrows, []string{s.title, strconv.Itoa(r.bits), fmt.Sprintf("%d/%d", r.exp, r.man), strconv.Itoa(r.bias),
			num(r.max), num(r.minNorm), num(r.minSub), num(r.eps), strconv.FormatFloat(r.digits, 'f', 1, 64),
			strconv.FormatFloat(r.binades, 'f', 1, 64), yes(r.inf), strconv.Itoa(r.nans), r.overflow})
	}
	b.WriteString(lab.Markdown([]string{"format", "bits", "exp/man bits", "bias", "max finite", "min normal", "min subnormal",
		"epsilon", "decimal digits", "range (binades)", "Inf", "NaN codes", "overflow without saturation"}, mrows))
	b.WriteString("\nEpsilon is the spacing of values in [1, 2), 2^-m; decimal digits = (m + 1)·log10 2; range = log2(max / min subnormal). " +
		"\"Overflow without saturation\" is what rounding 2 × max finite gives when saturation is off.\n\n")
	b.WriteString("Points that are easy to get wrong:\n\n" +
		"- E4M3 (OCP E4M3FN, the format of H100 FP8 and of this simulator) reaches **448**, not 240: it gives up Inf and keeps " +
		"a single NaN pattern per sign (S.1111.111), so 1111.000–1111.110 are ordinary numbers. 240 is the maximum of an " +
		"IEEE-style E4M3 with infinities, or of the FNUZ variant with bias 8.\n" +
		"- E4M3 has no Inf: a non-saturating conversion of a too-large value gives NaN, so FP8 casts must saturate.\n" +
		"- E5M2 follows IEEE rules (Inf and NaN) and reaches 57344; its smallest subnormal is 2^-16 = " + num(math.Ldexp(1, -16)) + ".\n" +
		"- TF32 is a 19-bit format (1 + 8 + 10) with FP32's range but FP16's precision; its smallest subnormal is 2^-136, " +
		"not FP32's 2^-149.\n" +
		"- BF16 has FP32's range and only 8 significant bits; its smallest subnormal is 2^-133.\n" +
		"- E2M1 (FP4) has just 15 distinct values (±0, ±0.5, ±1, ±1.5, ±2, ±3, ±4, ±6): no Inf, no NaN.\n")
	return &lab.Result{
		Name:  name,
		Title: "Number formats of tensor-core GEMMs: range and precision",
		Claim: "The range and precision figures of FP32, TF32, FP16, BF16, E4M3, E5M2 and E2M1 (often misquoted, e.g. 240 " +
			"as the E4M3 maximum) computed from tcsim's codecs equal the values their standards define.",
		Verdict: verdict,
		Setup: []string{
			"Every number is computed by package numerics (Decode of the largest finite code, of code 1 and of the smallest " +
				"normal code; Encode of 2 × max with saturation off), then compared with constants written from the standards: " +
				"IEEE 754 (binary32, binary16), bfloat16, NVIDIA TF32, OCP OFP8 v1.0 (E4M3, E5M2) and OCP MX v1.0 (E2M1).",
			"No randomness; --short changes nothing.",
		},
		Body:    b.String(),
		Data:    t,
		Figures: []*lab.Figure{figure(rows)},
	}, nil
}

// num writes a value exactly when short, else with 6 significant digits,
// and powers of two below 1 also as 2^-n.
func num(v float64) string {
	s := strconv.FormatFloat(v, 'g', 6, 64)
	if e := lab.Log2Of(v); v < 1 && e == math.Trunc(e) {
		s += " (2^" + strconv.Itoa(int(e)) + ")"
	}
	return s
}

// maxLabel writes an integer maximum exactly and a huge one as 3.4e38.
func maxLabel(v float64) string {
	if v < 1e6 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return lab.Sci(v)
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// figure draws each format's range as a bar (thin: subnormals) on a log
// axis, with its significand bits.
func figure(rows []row) *lab.Figure {
	n := len(specs)
	p := &lab.Panel{Title: "range of positive values (thin: subnormals), significant bits at the right",
		XLabel: "magnitude", XScale: lab.Log10, YScale: lab.Linear, XMin: 1e-47, XMax: 1e62,
		YMin: -0.6, YMax: float64(n) - 0.4}
	var yt []lab.Tick
	for i, s := range specs {
		y := float64(n - 1 - i)
		yt = append(yt, lab.Tick{Value: y, Label: s.title})
		r := rows[i]
		c := lab.Colour(i)
		p.Add([]float64{r.minSub, r.minNorm}, []float64{y, y}, lab.Style{Color: c, Width: vg.Points(3)})
		p.Add([]float64{r.minNorm, r.max}, []float64{y, y}, lab.Style{Color: c, Width: vg.Points(11)})
		p.Extra = append(p.Extra, lab.Note{X: r.max, Y: y, DX: vg.Points(6), XAlign: draw.XLeft,
			Text: fmt.Sprintf("%d bits, max %s", r.man+1, maxLabel(r.max))})
	}
	p.YTicks = yt
	p.XTicks = nil
	var xt []lab.Tick
	for e := -40; e <= 40; e += 10 {
		xt = append(xt, lab.Tick{Value: math.Pow(10, float64(e)), Label: plots.DecadeLabel(e)})
	}
	p.XTicks = xt
	p.Extra = append(p.Extra, plot.Plotter(lab.VLine{X: 1}))
	return &lab.Figure{
		File:     "ranges.png",
		Title:    "Range and precision of the tensor-core number formats (computed from package numerics)",
		Subtitle: "bars run from the smallest subnormal to the largest finite value; the thick part is the normal range; dotted: 1",
		Panels:   [][]*lab.Panel{{p}},
		Caption: fmt.Sprintf("Significant bits = mantissa bits + 1 (the implicit bit of normal numbers). E5M2 has one bit "+
			"less precision than E4M3 and a %g× larger maximum (%g binades more range in all); FP32, TF32 and BF16 share "+
			"one exponent range.", rows[5].max/rows[4].max, rows[5].binades-rows[4].binades),
		PanelW: 9.4 * vg.Inch, // the title fits on one line
		PanelH: 3.6 * vg.Inch,
	}
}
