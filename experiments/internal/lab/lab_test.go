package lab

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcsim/tcsim/sim"
	"github.com/tcsim/tcsim/sim/sweep"
	"github.com/tcsim/tcsim/tensorcore"
)

func TestFormatting(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{Field(0.1), "0.1"},
		{Field(1e-7), "1e-07"},
		{Field(float32(0.1)), "0.1"},
		{Field(3), "3"},
		{Field(math.NaN()), "NaN"},
		{Sci(0.0746), "0.075"},
		{Sci(3.2e-5), "3.2e-5"},
		{Sci(0), "0"},
		{Pct(0.0746), "7.5%"},
		{Pct(20.79), "2079%"},
		{Ratio(1.44), "1.4×"},
		{Ratio(134.4), "130×"},
		{Ratio(17075), "17,000×"},
		{Ratio(737358), "740,000×"},
		{Range(Pct, 0.02, 0.021), "2%–2.1%"},
		{Range(Ratio, 2.01, 1.99), "2×"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	tb := NewTable("a", "b")
	tb.Add("x", 0.5)
	var buf bytes.Buffer
	if err := tb.WriteCSV(&buf); err != nil || buf.String() != "a,b\nx,0.5\n" {
		t.Errorf("csv %q %v", buf.String(), err)
	}
}

// TestFigure draws the awkward cases: a log axis with zeros and a
// degenerate range, a single point, and a legend.
func TestFigure(t *testing.T) {
	p := &Panel{Title: "t", XLabel: "K", YLabel: "error", XScale: Log2, YScale: Log10}
	p.Add([]float64{128, 256, 512}, []float64{0, 1e-3, 1e-3}, S(0))
	p.Refs = []Ref{{Y: 0.02, Label: "2%"}}
	q := &Panel{Title: "one point", XScale: Linear, YScale: Log10}
	q.Add([]float64{1}, []float64{1}, S(1).Points())
	f := &Figure{File: "x.png", Title: "a title", Panels: [][]*Panel{{p, q}}, Legend: []LegendEntry{{"s", S(0)}}, Caption: "c"}
	png, err := f.PNG()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG")) || p.dropped != 1 {
		t.Errorf("png %d bytes, dropped %d", len(png), p.dropped)
	}
	empty := &Figure{File: "y.png", Panels: [][]*Panel{{{Title: "empty", YScale: Log10}}}}
	if _, err := empty.PNG(); err == nil {
		t.Error("a panel without data drew")
	}
}

func TestCase(t *testing.T) {
	p, err := tensorcore.Lookup("h100-wgmma-e4m3-e4m3")
	if err != nil {
		t.Fatal(err)
	}
	c := Case{Presets: []*tensorcore.Preset{p}, Nc: []int{sweep.NcNever, 128, sweep.NcFP32}, Dist: MustDist("pos"),
		GA: sim.PerTensor, GB: sim.PerTensor, Unscaled: true, M: 4, N: 4, K: 256, Trials: 2, Seed: 1}
	o, err := c.Run()
	if err != nil {
		t.Fatal(err)
	}
	if len(o.D[0][0]) != 32 || len(o.Exact) != 32 || len(o.F64) != 32 {
		t.Fatalf("sizes %d %d %d", len(o.D[0][0]), len(o.Exact), len(o.F64))
	}
	never, promo, fp32 := o.Acc(0, 0), o.Acc(0, 1), o.Acc(0, 2)
	if !(never.NormRel > promo.NormRel && promo.NormRel > fp32.NormRel) || never.FracBelow != 1 {
		t.Errorf("errors never %g, 128 %g, fp32 %g; below %g", never.NormRel, promo.NormRel, fp32.NormRel, never.FracBelow)
	}
	if q := o.Quant(); q.NormRel <= 0 || q.NormRel > 0.05 {
		t.Errorf("quantisation error %g", q.NormRel)
	}
	// Scaled and unscaled cases see the same inputs and agree on the
	// accumulation error up to the epilogue's rounding.
	c.Unscaled = false
	o2, err := c.Run()
	if err != nil {
		t.Fatal(err)
	}
	if a, b := o.Acc(0, 0).NormRel, o2.Acc(0, 0).NormRel; math.Abs(a/b-1) > 1e-3 {
		t.Errorf("scaled %g vs unscaled %g", b, a)
	}
}

func TestMain1(t *testing.T) {
	run := func(cfg Config) (*Result, error) {
		tb := NewTable("short")
		tb.Add(cfg.Short)
		p := &Panel{Title: "p", XScale: Linear, YScale: Linear}
		p.Add([]float64{0, 1}, []float64{0, 1}, S(0))
		return &Result{Name: "demo", Title: "Demo", Claim: "c", Verdict: "holds", Data: tb,
			Figures: []*Figure{{File: "f.png", Title: "f", Panels: [][]*Panel{{p}}}}}, nil
	}
	dir := t.TempDir()
	var o, e bytes.Buffer
	if code := main1("demo", run, []string{"--short", "--out", dir}, &o, &e); code != 0 {
		t.Fatalf("%d %s", code, e.String())
	}
	for _, f := range []string{"data.csv", "f.png", "summary.md"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "data.csv"))
	s, _ := os.ReadFile(filepath.Join(dir, "summary.md"))
	if string(b) != "short\ntrue\n" || !strings.Contains(string(s), "**Verdict: holds**") || !strings.Contains(string(s), "![f](f.png)") {
		t.Errorf("data %q summary %q", b, s)
	}
	o.Reset()
	if code := main1("demo", run, []string{"--help"}, &o, &e); code != 0 || !strings.Contains(o.String(), "Examples:") {
		t.Errorf("--help: %d %q", code, o.String())
	}
	e.Reset()
	if code := main1("demo", run, []string{"--bogus"}, &o, &e); code != 2 || !strings.Contains(e.String(), "--help") {
		t.Errorf("--bogus: %d %q", code, e.String())
	}
}
