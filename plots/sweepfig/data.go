package sweepfig

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/tcsim/tcsim/sim/sweep"
)

// errNoRows is returned for an empty input.
var errNoRows = errors.New("plots: no rows to plot")

// cellKey identifies one point of a sweep within a preset.
type cellKey struct {
	dist, scaling string
	k, nc         int
}

// presetRows is the rows of one preset, indexed for drawing.
type presetRows struct {
	preset   string
	fbits    int
	dists    []string // in order of first appearance
	scalings []string // in order of first appearance
	ks       []int    // ascending
	ncs      []int    // numeric ascending, then NcNever, then NcFP32
	cells    map[cellKey]*sweep.Row
	panels   map[[2]string]bool // (dist, scaling) pairs that have rows
	// scale are the rows that set the figures' value ranges (y axes,
	// colour scale): those of the preset, or of every preset of a figure
	// set, so that presets compare on one scale.
	scale  []*sweep.Row
	shared bool // scale holds other presets' rows too
}

// newSweep indexes rows, which must all belong to one (Preset, FBits).
// Where two rows share (Dist, Scaling, K, Nc) the later one is used.
func newSweep(rows []sweep.Row) (*presetRows, error) {
	if len(rows) == 0 {
		return nil, errNoRows
	}
	s := &presetRows{
		preset: rows[0].Preset,
		fbits:  rows[0].FBits,
		cells:  make(map[cellKey]*sweep.Row, len(rows)),
		panels: make(map[[2]string]bool),
	}
	for i := range rows {
		r := &rows[i]
		if r.Preset != s.preset || r.FBits != s.fbits {
			return nil, fmt.Errorf("plots: rows mix presets %q (F=%d) and %q (F=%d); use Figures or split them",
				s.preset, s.fbits, r.Preset, r.FBits)
		}
		if r.K <= 0 {
			return nil, fmt.Errorf("plots: row %d (%s %s %s N_c=%s) has K = %d", i, r.Preset, r.Dist, r.Scaling,
				sweep.NcLabel(r.Nc), r.K)
		}
		if r.Nc < sweep.NcFP32 {
			return nil, fmt.Errorf("plots: row %d (%s %s %s K=%d) has N_c = %d", i, r.Preset, r.Dist, r.Scaling,
				r.K, r.Nc)
		}
		if !slices.Contains(s.dists, r.Dist) {
			s.dists = append(s.dists, r.Dist)
		}
		if !slices.Contains(s.scalings, r.Scaling) {
			s.scalings = append(s.scalings, r.Scaling)
		}
		if !slices.Contains(s.ks, r.K) {
			s.ks = append(s.ks, r.K)
		}
		if !slices.Contains(s.ncs, r.Nc) {
			s.ncs = append(s.ncs, r.Nc)
		}
		s.cells[cellKey{r.Dist, r.Scaling, r.K, r.Nc}] = r
		s.scale = append(s.scale, r)
		s.panels[[2]string{r.Dist, r.Scaling}] = true
	}
	slices.Sort(s.ks)
	slices.SortFunc(s.ncs, func(a, b int) int { return ncRank(a) - ncRank(b) })
	return s, nil
}

// ncRank orders promotion intervals: numbers ascending, then never
// (the limit of ever longer intervals), then the FP32 baseline.
func ncRank(nc int) int {
	switch nc {
	case sweep.NcNever:
		return math.MaxInt32 - 1
	case sweep.NcFP32:
		return math.MaxInt32
	}
	return nc
}

// row returns the row at (dist, scaling, k, nc), or nil.
func (s *presetRows) row(dist, scaling string, k, nc int) *sweep.Row {
	return s.cells[cellKey{dist, scaling, k, nc}]
}

// has reports whether the panel (dist, scaling) has any rows.
func (s *presetRows) has(dist, scaling string) bool { return s.panels[[2]string{dist, scaling}] }

// missingPanels lists the (dist, scaling) panels without rows.
func (s *presetRows) missingPanels() []string {
	var out []string
	for _, d := range s.dists {
		for _, sc := range s.scalings {
			if !s.has(d, sc) {
				out = append(out, panelTitle(d, sc))
			}
		}
	}
	return out
}

// panelTitle is the title of the panel (dist, scaling).
func panelTitle(dist, scaling string) string {
	return fmt.Sprintf("dist=%s, scaling=%s", dist, scaling)
}

// presetLabel names the preset in figure titles.
func (s *presetRows) presetLabel() string {
	return fmt.Sprintf("%s (F = %d)", s.preset, s.fbits)
}

// point is one (K, value) of a series.
type point struct {
	k   int
	row *sweep.Row
}

// series returns the rows of one panel and N_c in K order.
func (s *presetRows) series(dist, scaling string, nc int) []point {
	var pts []point
	for _, k := range s.ks {
		if r := s.row(dist, scaling, k, nc); r != nil {
			pts = append(pts, point{k, r})
		}
	}
	return pts
}

// finite reports whether v is a finite number.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// positive reports whether v can be drawn on a log axis.
func positive(v float64) bool { return finite(v) && v > 0 }
