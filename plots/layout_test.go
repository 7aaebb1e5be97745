package plots

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot"
)

func TestLabels(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{DecadeLabel(-5), "1e-5"}, {DecadeLabel(0), "1"}, {DecadeLabel(1), "10"}, {DecadeLabel(3), "1e3"},
		{SciLabel(3.2e-4, 1), "3e-4"}, {SciLabel(3.26e-4, 2), "3.3e-4"}, {SciLabel(0, 2), "0"},
		{SciLabel(0.26, 1), "3e-1"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestPageTexts(t *testing.T) {
	panel := func(x, y string) *plot.Plot {
		p := NewPanel("t")
		p.X.Label.Text, p.Y.Label.Text = x, y
		p.Add(GridLines(true, true))
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
		return p
	}
	// A shared x label per column and y label per row is drawn once; a
	// label differing from its neighbour's is drawn too.
	grid := [][]*plot.Plot{
		{panel("K", "a"), panel("K", "a"), panel("N", "b")},
		{panel("K", "a"), nil, panel("K", "b")},
	}
	texts := takeTexts(grid)
	restoreTexts(grid, texts)
	var got []string
	for i := range texts {
		for j, tx := range texts[i] {
			if grid[i][j] != nil {
				got = append(got, fmt.Sprintf("%v%v", tx.drawX, tx.drawY))
			}
		}
	}
	if want := []string{"falsetrue", "truefalse", "truetrue", "truetrue", "truetrue"}; !slices.Equal(got, want) {
		t.Errorf("draw (x, y) = %v, want %v", got, want)
	}
	pg := &Page{Title: "title", Panels: grid, Caption: []string{"caption"},
		Side: &Legend{Entries: []LegendEntry{{Name: "series"}}}}
	b, err := pg.PNG()
	if err != nil || !strings.HasPrefix(string(b), "\x89PNG") {
		t.Fatalf("PNG: %d bytes, %v", len(b), err)
	}
	// Rendering gives the panels back as they were.
	if p := grid[0][2]; p.X.Label.Text != "N" || p.Y.Label.Text != "b" || p.Title.TextStyle.Color != color.Black {
		t.Errorf("panel after rendering: labels %q %q, title colour %v", p.X.Label.Text, p.Y.Label.Text,
			p.Title.TextStyle.Color)
	}
	var buf bytes.Buffer
	if n, err := (&Page{Title: "empty"}).WriteTo(&buf); err == nil || n != 0 || buf.Len() != 0 {
		t.Errorf("empty page: %d bytes, %v", n, err)
	}
}

func TestDecadeTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi int
		labels []string
		minors bool
	}{
		{-8, -1, []string{"1e-8", "1e-7", "1e-6", "1e-5", "1e-4", "1e-3", "1e-2", "1e-1"}, true},
		{-9, 2, []string{"1e-8", "1e-6", "1e-4", "1e-2", "1", "100"}, false},
		{-47, 62, []string{"1e-39", "1e-26", "1e-13", "1", "1e13", "1e26", "1e39", "1e52"}, false},
	} {
		var labels []string
		minors := false
		for _, tk := range DecadeTicks(c.lo, c.hi) {
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
			l := math.Log10(tk.Value)
			minors = minors || math.Abs(l-math.Round(l)) > 1e-9
		}
		if !slices.Equal(labels, c.labels) || minors != c.minors {
			t.Errorf("DecadeTicks(%d, %d): labels %q, minor ticks %v; want %q, %v", c.lo, c.hi, labels, minors,
				c.labels, c.minors)
		}
	}
}
