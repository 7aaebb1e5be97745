package sweepfig

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/tcsim/tcsim/plots"
	"github.com/tcsim/tcsim/sim/sweep"
)

// figureKinds are the figures drawn for each preset, by file stem.
var figureKinds = []struct {
	stem string
	draw func(s *presetRows) *plots.Page
}{
	{"error_vs_k", errorVsKFigure},
	{"heatmap", heatmapFigure},
	{"bias_vs_k", biasVsKFigure},
}

// Figures draws every figure for rows into dir (created if needed) and
// returns the paths written, sorted. Rows are grouped by (Preset, FBits);
// with one group the files are error_vs_k.png, heatmap.png and
// bias_vs_k.png, otherwise each name carries the sanitised preset, as in
// error_vs_k_h100-wgmma-e4m3-e4m3.png (with "-f<FBits>" added where two
// groups would otherwise share a name). All presets' figures share one
// y range and colour scale; with several groups, comparison figures put
// them side by side (see compareFigures). An empty rows is an error.
func Figures(rows []sweep.Row, dir string) ([]string, error) {
	if len(rows) == 0 {
		return nil, errNoRows
	}
	type group struct {
		preset string
		fbits  int
		rows   []sweep.Row
	}
	var groups []*group
	index := map[string]*group{}
	for _, r := range rows {
		key := r.Preset + "\x00" + strconv.Itoa(r.FBits)
		g := index[key]
		if g == nil {
			g = &group{preset: r.Preset, fbits: r.FBits}
			index[key] = g
			groups = append(groups, g)
		}
		g.rows = append(g.rows, r)
	}
	suffixes := make([]string, len(groups))
	if len(groups) > 1 {
		seen := map[string]int{}
		for i, g := range groups {
			suffixes[i] = "_" + sanitize(g.preset)
			seen[suffixes[i]]++
		}
		for i, g := range groups {
			if seen[suffixes[i]] > 1 {
				suffixes[i] += "-f" + strconv.Itoa(g.fbits)
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("plots: %v", err)
	}
	// Every preset's figures share the value ranges of all rows.
	all := make([]*sweep.Row, len(rows))
	for i := range rows {
		all[i] = &rows[i]
	}
	var paths []string
	for i, g := range groups {
		s, err := newSweep(g.rows)
		if err != nil {
			return paths, err
		}
		s.scale, s.shared = all, len(groups) > 1
		for _, k := range figureKinds {
			path := filepath.Join(dir, k.stem+suffixes[i]+".png")
			if err := k.draw(s).Save(path); err != nil {
				slices.Sort(paths)
				return paths, err
			}
			paths = append(paths, path)
		}
	}
	compare, err := compareFigures(rows, dir)
	paths = append(paths, compare...)
	slices.Sort(paths)
	return paths, err
}

// compareFigures draws the comparison figures of a sweep of several
// datapaths: compare_error_vs_k.png (every (Preset, FBits) on one axis)
// and, for each preset swept over several accumulator widths,
// compare_error_vs_f.png (with "_<preset>" added when several presets
// were). It returns the paths written.
func compareFigures(rows []sweep.Row, dir string) ([]string, error) {
	var paths []string
	if pg := compareVsKFigure(rows); pg != nil {
		path := filepath.Join(dir, "compare_error_vs_k.png")
		if err := pg.Save(path); err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	byPreset := map[string][]sweep.Row{}
	var presets []string
	for _, r := range rows {
		// A what-if width F of preset P is named P-fF (tensorcore's
		// Preset.WithF).
		base := strings.TrimSuffix(r.Preset, "-f"+strconv.Itoa(r.FBits))
		if byPreset[base] == nil {
			presets = append(presets, base)
		}
		byPreset[base] = append(byPreset[base], r)
	}
	var swept []string
	for _, p := range presets {
		if len(variants(byPreset[p])) > 1 {
			swept = append(swept, p)
		}
	}
	for _, p := range swept {
		pg := compareVsFFigure(p, byPreset[p])
		if pg == nil {
			continue
		}
		path := filepath.Join(dir, "compare_error_vs_f.png")
		if len(swept) > 1 {
			path = filepath.Join(dir, "compare_error_vs_f_"+sanitize(p)+".png")
		}
		if err := pg.Save(path); err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// saveOne draws the figure fig of rows, which must all be of one (Preset,
// FBits), into the PNG file path.
func saveOne(rows []sweep.Row, path string, fig func(*presetRows) *plots.Page) error {
	s, err := newSweep(rows)
	if err != nil {
		return err
	}
	return fig(s).Save(path)
}

// sanitize makes a preset name safe in a file name: lower case letters,
// digits, '.', '-' and '+'; any other run of characters becomes one '-'.
func sanitize(name string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(name) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '+' || c == '-' {
			b.WriteRune(c)
			dash = c == '-'
			continue
		}
		if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.Trim(b.String(), "-.")
	if s == "" {
		s = "preset"
	}
	return s
}
