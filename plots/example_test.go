package plots_test

import (
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/tcsim/tcsim/plots"
)

// A page of one panel: a log2 K axis, a decade error axis, a legend and a
// caption.
func ExamplePage() {
	ks := []int{128, 256, 512, 1024, 2048}
	errs := []float64{2e-4, 3.5e-4, 6e-4, 1.5e-3, 3e-3}

	line := &plotter.Line{LineStyle: draw.LineStyle{Color: plotter.DefaultLineStyle.Color, Width: vg.Points(1.4)}}
	for i, k := range ks {
		line.XYs = append(line.XYs, plotter.XY{X: float64(k), Y: errs[i]})
	}
	pg := &plots.Page{
		Title:    "Median relative error vs K",
		Subtitle: "E4M3 × E4M3, no promotion",
		Side: &plots.Legend{Title: "Promotion interval", Entries: []plots.LegendEntry{
			{Name: "never", Thumbs: []plot.Thumbnailer{line}},
		}},
		Caption: []string{"Accumulation error only, against the exact product of the quantised inputs."},
	}

	p := plots.NewPanel("N(0,1) inputs")
	p.X.Label.Text, p.Y.Label.Text = "K", "median relative error"
	p.Add(plots.GridLines(true, true), line)
	dataW, _ := pg.DataSize(1)
	plots.Log2Axis(&p.X, ks, dataW)
	lo, hi := plots.LogRange(errs[0], errs[len(errs)-1])
	p.Y.Scale = plot.LogScale{}
	p.Y.Min, p.Y.Max = math.Pow(10, float64(lo)), math.Pow(10, float64(hi))
	p.Y.Tick.Marker = plots.DecadeTicks(lo, hi)
	pg.Panels = [][]*plot.Plot{{p}}

	dir, err := os.MkdirTemp("", "page")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "error_vs_k.png")
	if err := pg.Save(path); err != nil {
		log.Fatal(err)
	}

	if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
		fmt.Println("wrote", filepath.Base(path))
	}
	fmt.Printf("y axis from %s to %s\n", plots.DecadeLabel(lo), plots.DecadeLabel(hi))
	// Output:
	// wrote error_vs_k.png
	// y axis from 1e-4 to 1e-2
}
