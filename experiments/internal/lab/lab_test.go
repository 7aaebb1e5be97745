package lab

import (
	"bytes"
	"math"
	"testing"
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

// TestColour: the palette's colours are distinct, Colour cycles through
// them, and Colour(Black) is black.
func TestColour(t *testing.T) {
	n := Black + 1
	seen := map[[4]uint32]int{}
	for i := range n {
		r, g, b, a := Colour(i).RGBA()
		k := [4]uint32{r, g, b, a}
		if j, ok := seen[k]; ok {
			t.Errorf("Colour(%d) = Colour(%d)", i, j)
		}
		seen[k] = i
		if r2, g2, b2, a2 := Colour(i + n).RGBA(); [4]uint32{r2, g2, b2, a2} != k {
			t.Errorf("Colour(%d) differs from Colour(%d)", i+n, i)
		}
	}
	if r, g, b, a := Colour(Black).RGBA(); r|g|b != 0 || a != 0xFFFF {
		t.Errorf("Colour(Black) = %v", Colour(Black))
	}
}
