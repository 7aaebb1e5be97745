package sweepfig

import (
	"errors"
	"flag"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tcsim/tcsim/sim"
	"github.com/tcsim/tcsim/sim/sweep"
)

// -out keeps the figures of TestFigures in a directory, for looking at:
//
//	go test ./plots/sweepfig -run TestFigures -args -out=/tmp/figs
var outDir = flag.String("out", "", "write TestFigures' PNGs into this directory")

// synthRows returns a plausible sweep of one preset: dists × scalings × K ×
// N_c, with "deepseek" scaling limited to N_c ≤ 128 (no never), as the
// simulator does. The numbers follow the shapes of real sweeps, not their
// values.
func synthRows(preset string, fbits int, dists, scalings []string, ks, ncs []int) []sweep.Row {
	var rows []sweep.Row
	for di, d := range dists {
		positive := strings.Contains(d, "pos") || strings.Contains(d, "uniform")
		for _, sc := range scalings {
			for _, k := range ks {
				for _, nc := range ncs {
					if sc == "deepseek" && (nc == sweep.NcNever || nc > 128) {
						continue
					}
					eff := float64(nc) // products per tensor-core chain
					switch nc {
					case sweep.NcNever:
						eff = float64(k)
					case sweep.NcFP32:
						eff = 0
					}
					eff = min(eff, float64(k))
					var med, bias float64
					if nc == sweep.NcFP32 {
						med = 3e-8 * math.Sqrt(float64(k)/128)
						bias = 1e-8 * float64(1-2*(k/128%2))
					} else {
						med = math.Pow(2, -14) * math.Sqrt(eff/32) * (1 + 0.3*float64(di))
						if positive {
							bias = -1.8e-5 * eff * float64(k) / (float64(k) + 2*eff)
						} else {
							bias = 2e-6 * math.Sin(float64(k+nc))
						}
					}
					m := sim.Metrics{
						N:             64 * 64 * 4,
						MedianRel:     med,
						RelP10:        med * 0.25,
						RelP25:        med * 0.5,
						RelP75:        med * 1.8,
						RelP90:        med * 3,
						MaxRel:        med * 40,
						MeanRel:       med * 1.3,
						NormRel:       med * 0.9,
						MeanSignedRel: bias,
					}
					if positive {
						m.NormRel = math.Abs(bias) + med*0.5
					}
					rows = append(rows, sweep.Row{Preset: preset, FBits: fbits, Dist: d, Scaling: sc, K: k, Nc: nc,
						M: 64, N: 64, Trials: 4, Outputs: 64 * 64 * 4, Acc: m, Tot: m})
				}
			}
		}
	}
	return rows
}

var (
	allKs  = []int{128, 256, 512, 1024, 2048, 4096, 8192, 16384}
	allNcs = []int{32, 64, 128, 256, 512, sweep.NcNever, sweep.NcFP32}
)

// checkPNG decodes path and checks its size and that it is not blank.
func checkPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b := img.Bounds()
	if b.Dx() < 1000 || b.Dy() < 500 {
		t.Errorf("%s: %dx%d pixels, want at least 1000x500", path, b.Dx(), b.Dy())
	}
	// Count non-white pixels on a sparse lattice: text, axes and data
	// must cover a fair share; a blank canvas has none.
	var nonWhite, total int
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			total++
			if r, g, bl, _ := img.At(x, y).RGBA(); r < 0xF000 || g < 0xF000 || bl < 0xF000 {
				nonWhite++
			}
		}
	}
	if frac := float64(nonWhite) / float64(total); frac < 0.01 {
		t.Errorf("%s: only %.2f%% of pixels are not white", path, 100*frac)
	}
	// The corners are page margin: white.
	for _, p := range []image.Point{b.Min, {b.Max.X - 1, b.Min.Y}, {b.Min.X, b.Max.Y - 1}, b.Max.Sub(image.Pt(1, 1))} {
		if r, g, bl, _ := img.At(p.X, p.Y).RGBA(); r != 0xFFFF || g != 0xFFFF || bl != 0xFFFF {
			t.Errorf("%s: corner %v is not white", path, p)
		}
	}
}

func TestFigures(t *testing.T) {
	dir := t.TempDir()
	if *outDir != "" {
		dir = *outDir
	}
	rows := synthRows("h100-wgmma-e4m3-e4m3", 13, []string{"normal", "uniform-pos"},
		[]string{"tensor", "deepseek"}, allKs, allNcs)
	// Values a log axis cannot show, and undefined ones.
	for i := range rows {
		r := &rows[i]
		switch {
		case r.Dist == "normal" && r.Scaling == "tensor" && r.K == 128 && r.Nc == sweep.NcFP32:
			r.Acc.MedianRel, r.Acc.RelP10, r.Acc.NormRel, r.Acc.MeanSignedRel = 0, 0, 0, 0
		case r.Dist == "normal" && r.Scaling == "tensor" && r.K == 256 && r.Nc == sweep.NcFP32:
			r.Acc.RelP10 = 0
		case r.Dist == "uniform-pos" && r.Scaling == "deepseek" && r.K == 1024 && r.Nc == 64:
			r.Acc.MedianRel, r.Acc.NormRel, r.Acc.MeanSignedRel = math.NaN(), math.NaN(), math.NaN()
		}
	}
	t.Logf("%d rows", len(rows))
	start := time.Now()
	paths, err := Figures(rows, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Figures took %v", time.Since(start))
	want := []string{"bias_vs_k.png", "error_vs_k.png", "heatmap.png"}
	if len(paths) != len(want) {
		t.Fatalf("Figures wrote %v, want %v", paths, want)
	}
	for i, p := range paths {
		if filepath.Base(p) != want[i] {
			t.Errorf("path %d = %s, want %s", i, p, want[i])
		}
		checkPNG(t, p)
	}
	// Nothing but the figures is left behind (no temporary files).
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if !slices.Contains(want, e.Name()) && *outDir == "" {
			t.Errorf("stray file %s", e.Name())
		}
	}
}

func TestFiguresSeveralPresets(t *testing.T) {
	dir := t.TempDir()
	rows := synthRows("h100-wgmma-e4m3-e4m3", 13, []string{"normal"}, []string{"tensor"}, allKs[:3], allNcs)
	rows = append(rows, synthRows("h100-wgmma-e4m3-e4m3-f15", 15, []string{"normal"}, []string{"tensor"},
		allKs[:3], allNcs)...)
	rows = append(rows, synthRows("what if/B200", 13, []string{"normal"}, []string{"tensor"}, allKs[:2],
		allNcs)...)
	paths, err := Figures(rows, dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(p))
	}
	want := []string{
		"compare_error_vs_f.png", "compare_error_vs_k.png", "bias_vs_k_h100-wgmma-e4m3-e4m3-f15.png", "bias_vs_k_h100-wgmma-e4m3-e4m3.png", "bias_vs_k_what-if-b200.png",
		"error_vs_k_h100-wgmma-e4m3-e4m3-f15.png", "error_vs_k_h100-wgmma-e4m3-e4m3.png", "error_vs_k_what-if-b200.png",
		"heatmap_h100-wgmma-e4m3-e4m3-f15.png", "heatmap_h100-wgmma-e4m3-e4m3.png", "heatmap_what-if-b200.png",
	}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("Figures wrote\n%q\nwant\n%q", names, want)
	}
	for _, p := range paths[:2] {
		checkPNG(t, p)
	}
	if !slices.IsSorted(paths) {
		t.Errorf("paths not sorted: %q", paths)
	}
}

func TestSameNameDifferentFBits(t *testing.T) {
	rows := synthRows("p", 13, []string{"normal"}, []string{"tensor"}, allKs[:2], allNcs[:2])
	rows = append(rows, synthRows("p", 15, []string{"normal"}, []string{"tensor"}, allKs[:2], allNcs[:2])...)
	paths, err := Figures(rows, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 8 || !strings.HasSuffix(paths[0], "bias_vs_k_p-f13.png") || !strings.HasSuffix(paths[2], "compare_error_vs_f.png") {
		t.Errorf("paths = %q", paths)
	}
}

func TestDegenerate(t *testing.T) {
	base := func() []sweep.Row {
		return synthRows("p", 13, []string{"normal", "uniform-pos"}, []string{"tensor"}, allKs[:4], allNcs)
	}
	zero := base()
	for i := range zero {
		zero[i].Acc = sim.Metrics{}
	}
	nan := base()
	for i := range nan {
		a := &nan[i].Acc
		a.MedianRel, a.RelP10, a.RelP90, a.NormRel, a.MeanSignedRel = math.NaN(), math.NaN(), math.NaN(),
			math.NaN(), math.NaN()
	}
	equal := base()
	for i := range equal {
		a := &equal[i].Acc
		a.MedianRel, a.RelP10, a.RelP90, a.NormRel, a.MeanSignedRel = 1e-4, 1e-4, 1e-4, 1e-4, -1e-3
	}
	inf := base()
	inf[3].Acc.NormRel, inf[3].Acc.MeanSignedRel = math.Inf(1), math.Inf(-1)
	missing := synthRows("p", 13, []string{"normal"}, []string{"tensor"}, allKs[:3], allNcs)
	missing = append(missing, synthRows("p", 13, []string{"uniform-pos"}, []string{"deepseek"}, allKs[:3],
		allNcs)...)
	cases := map[string][]sweep.Row{
		"single K":      synthRows("p", 13, []string{"normal"}, []string{"tensor"}, []int{4096}, allNcs),
		"single Nc":     synthRows("p", 13, []string{"normal", "uniform-pos"}, []string{"tensor"}, allKs, []int{128}),
		"single row":    synthRows("p", 13, []string{"normal"}, []string{"tensor"}, []int{1024}, []int{sweep.NcNever}),
		"all zero":      zero,
		"all NaN":       nan,
		"equal values":  equal,
		"infinite":      inf,
		"missing panel": missing,
		"many K": synthRows("p", 13, []string{"normal"}, []string{"tensor"},
			[]int{32, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096}, allNcs[:3]),
	}
	for name, rows := range cases {
		t.Run(strings.ReplaceAll(name, " ", "_"), func(t *testing.T) {
			dir := t.TempDir()
			if *outDir != "" {
				dir = filepath.Join(*outDir, t.Name())
			}
			paths, err := Figures(rows, dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(paths) != 3 {
				t.Fatalf("wrote %q", paths)
			}
			for _, p := range paths {
				checkPNG(t, p)
			}
		})
	}
}

func TestEmpty(t *testing.T) {
	dir := t.TempDir()
	if _, err := Figures(nil, dir); !errors.Is(err, errNoRows) {
		t.Errorf("Figures(nil) error = %v, want %v", err, errNoRows)
	}
	for name, f := range map[string]func([]sweep.Row, string) error{"ErrorVsK": ErrorVsK, "Heatmap": Heatmap,
		"BiasVsK": BiasVsK} {
		if err := f(nil, filepath.Join(dir, "x.png")); err == nil {
			t.Errorf("%s(nil) returned no error", name)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("empty input left files: %v", ents)
	}
}

func TestPerFigureRejectsMixedPresets(t *testing.T) {
	rows := synthRows("a", 13, []string{"normal"}, []string{"tensor"}, allKs[:2], allNcs[:2])
	rows = append(rows, synthRows("b", 13, []string{"normal"}, []string{"tensor"}, allKs[:2], allNcs[:2])...)
	if err := ErrorVsK(rows, filepath.Join(t.TempDir(), "e.png")); err == nil {
		t.Error("ErrorVsK accepted rows of two presets")
	}
}

func TestBadDir(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	rows := synthRows("p", 13, []string{"normal"}, []string{"tensor"}, allKs[:2], allNcs[:2])
	if _, err := Figures(rows, filepath.Join(f, "sub")); err == nil {
		t.Error("Figures into a path under a file returned no error")
	}
}

func TestLabels(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{percentLabel(-10), "-10%"}, {percentLabel(0.001), "0.001%"},
		{percentLabel(1e-5), "1e-5%"}, {percentLabel(0), "0"},
		{sanitize("H100 wgmma/E4M3"), "h100-wgmma-e4m3"}, {sanitize("__"), "preset"},
		{sanitize("h100-wgmma-e4m3-e4m3-f15"), "h100-wgmma-e4m3-e4m3-f15"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestNcOrder(t *testing.T) {
	rows := synthRows("p", 13, []string{"normal"}, []string{"tensor"}, []int{256, 128},
		[]int{sweep.NcFP32, 512, sweep.NcNever, 32})
	s, err := newSweep(rows)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{32, 512, sweep.NcNever, sweep.NcFP32}; !slices.Equal(s.ncs, want) {
		t.Errorf("ncs = %v, want %v", s.ncs, want)
	}
	if want := []int{128, 256}; !slices.Equal(s.ks, want) {
		t.Errorf("ks = %v, want %v", s.ks, want)
	}
}

// BenchmarkFigures draws the figures of a 3-distribution × 2-scaling sweep
// (264 rows).
func BenchmarkFigures(b *testing.B) {
	rows := synthRows("h100-wgmma-e4m3-e4m3", 13, []string{"normal", "uniform-pos", "lognormal"},
		[]string{"tensor", "deepseek"}, allKs, allNcs)
	dir := b.TempDir()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Figures(rows, dir); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(rows)), "rows")
}

// TestCompareSeries: a comparison draws never and N_c = 128 where every
// datapath has them, else the largest interval they share, and labels a
// preset's widths with F.
func TestCompareSeries(t *testing.T) {
	a := synthRows("a", 13, []string{"normal"}, []string{"tensor"}, allKs[:2], []int{32, 64, 128, sweep.NcNever})
	b := synthRows("a", 16, []string{"normal"}, []string{"tensor"}, allKs[:2], []int{64, 128, sweep.NcNever})
	c := synthRows("c", 13, []string{"normal"}, []string{"deepseek"}, allKs[:2], []int{32, 64, sweep.NcFP32})
	rows := slices.Concat(a, b, c)
	vs := variants(rows)
	if len(vs) != 3 || vs[0].label != "a F=13" || vs[1].label != "a F=16" || vs[2].label != "c" {
		t.Errorf("variants %+v", vs)
	}
	if got := compareNcs(slices.Concat(a, b), vs[:2]); !slices.Equal(got, []int{sweep.NcNever, 128}) {
		t.Errorf("a and b: N_c %v, want never and 128", got)
	}
	if got := compareNcs(rows, vs); !slices.Equal(got, []int{64}) {
		t.Errorf("a, b and c: N_c %v, want 64", got)
	}
	if compareVsFFigure("c", c) != nil {
		t.Error("an error-vs-F figure for one width")
	}
	if compareVsKFigure(a) != nil {
		t.Error("a comparison of one datapath")
	}
}
