package fit

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
)

// maxShown is the number of candidates the text report lists one by one.
const maxShown = 24

// WriteText writes the result for a reader: the family, the parameter sets
// reproducing every record (or the closest ones and their mismatch
// pattern), what the records leave undecided and the nearest presets.
func (r *Result) WriteText(w io.Writer) error {
	var b strings.Builder
	fam := r.Family
	n := len(fam.Records)
	fmt.Fprintf(&b, "%s\n", fam.Name)
	fmt.Fprintf(&b, "  %d records (%s); %d parameter sets tried\n", n, strings.Join(fam.PairNames(), ", "), r.Searched)
	if len(r.Candidates) > 0 {
		// One line per parameter set up to the zero-term exponent, those
		// with presets first.
		shown := groupZeroExp(r.Candidates, fam.K)
		fmt.Fprintf(&b, "  %d parameter sets reproduce all %d records:\n", len(r.Candidates), n)
		for i, g := range shown {
			if i == maxShown {
				fmt.Fprintf(&b, "    ... and %d more lines (--json lists every set)\n", len(shown)-maxShown)
				break
			}
			fmt.Fprintf(&b, "    %s%s\n", g.line, presetNote(g.presets))
		}
		fmt.Fprintf(&b, "  decided:   %s\n", decided(r))
		if len(r.Undecided) == 0 {
			fmt.Fprintf(&b, "  undecided: nothing\n")
		}
		for _, u := range r.Undecided {
			fmt.Fprintf(&b, "  undecided: %s ∈ {%s}\n", u.Name, strings.Join(u.Values, ", "))
		}
		if fam.KM && r.hasSingleStep() {
			fmt.Fprintf(&b, "  (records of %d products cannot tell steps of L ≥ %d apart: L=%d stands for them all)\n", fam.K, fam.K, fam.K)
		}
	} else {
		fmt.Fprintf(&b, "  no parameter set reproduces all %d records; the closest:\n", n)
		for _, c := range r.Best {
			fmt.Fprintf(&b, "    %d/%d (%.2f%%) %s%s\n", c.Matched, n, pct(c.Matched, n), c.Params.format(fam.K), presetNote(c.Presets))
		}
		if p := r.Pattern; p != nil {
			fmt.Fprintf(&b, "  mismatches of the closest, by records:\n")
			for _, g := range p.Groups {
				if g.Mismatches > 0 {
					fmt.Fprintf(&b, "    %-32s %6d of %6d\n", g.Group, g.Mismatches, g.Records)
				}
			}
			fmt.Fprintf(&b, "  highest differing bit (got XOR recorded): %s\n", bitHistogram(p.HighBit))
			fmt.Fprintf(&b, "  output above the record: %d, below: %d\n", p.Above, p.Below)
		}
	}
	if len(r.Nearest) > 0 {
		var s []string
		for i, p := range r.Nearest {
			if i == 4 {
				break
			}
			s = append(s, fmt.Sprintf("%s %d/%d", p.Name, p.Matched, p.Total))
		}
		fmt.Fprintf(&b, "  nearest presets: %s\n", strings.Join(s, ", "))
	} else {
		fmt.Fprintf(&b, "  nearest presets: none takes these formats and accumulator\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *Result) hasSingleStep() bool {
	for _, c := range r.Candidates {
		if c.Params.L == r.Family.K {
			return true
		}
	}
	return false
}

func pct(m, n int) float64 { return 100 * float64(m) / float64(max(n, 1)) }

func presetNote(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return "  = " + strings.Join(names, ", ")
}

// decided lists the parameters every candidate shares.
func decided(r *Result) string {
	und := map[string]bool{}
	for _, u := range r.Undecided {
		und[u.Name] = true
	}
	v := r.Candidates[0].Params.values(r.Family.K)
	var s []string
	for _, f := range fields {
		amd := r.Candidates[0].Params.Path != PathNV
		if f.name == "c_input" && !r.Family.KM || (f.name == "flush" || f.name == "odd_even") && !amd {
			continue
		}
		if !und[f.name] {
			s = append(s, f.name+"="+v[f.name])
		}
	}
	return strings.Join(s, " ")
}

// bitHistogram prints the non-zero counts as "bit:count".
func bitHistogram(h []int) string {
	var s []string
	for i := len(h) - 1; i >= 0; i-- {
		if h[i] > 0 {
			s = append(s, fmt.Sprintf("%d:%d", i, h[i]))
		}
	}
	return strings.Join(s, " ")
}

// JSON is the --json form of a result.
type JSON struct {
	Family     string          `json:"family"`
	Records    int             `json:"records"`
	Searched   int             `json:"searched"`
	Candidates []candidateJSON `json:"candidates"`
	Undecided  []string        `json:"undecided"`
	// UndecidedValues: the values each undecided parameter takes.
	UndecidedValues map[string][]string `json:"undecided_values"`
	Best            []candidateJSON     `json:"best,omitempty"`
	Mismatches      *patternJSON        `json:"mismatches,omitempty"`
	Nearest         []PresetScore       `json:"nearest_presets"`
}

type candidateJSON struct {
	Params  json.Marshaler `json:"params"`
	Matched int            `json:"matched"`
	Presets []string       `json:"presets"`
}

type patternJSON struct {
	Groups  []GroupCount `json:"groups"`
	HighBit []int        `json:"high_bit"`
	Above   int          `json:"above"`
	Below   int          `json:"below"`
}

// JSON returns the result in its --json form.
func (r *Result) JSON() JSON {
	k := r.Family.K
	conv := func(cs []Candidate) []candidateJSON {
		out := make([]candidateJSON, len(cs))
		for i, c := range cs {
			ps := c.Presets
			if ps == nil {
				ps = []string{}
			}
			out[i] = candidateJSON{Params: c.Params.jsonValue(k), Matched: c.Matched, Presets: ps}
		}
		return out
	}
	j := JSON{Family: r.Family.Name, Records: len(r.Family.Records), Searched: r.Searched,
		Candidates: conv(r.Candidates), Undecided: []string{}, UndecidedValues: map[string][]string{},
		Best: conv(r.Best), Nearest: r.Nearest}
	for _, u := range r.Undecided {
		j.Undecided = append(j.Undecided, u.Name)
		j.UndecidedValues[u.Name] = u.Values
	}
	if j.Nearest == nil {
		j.Nearest = []PresetScore{}
	}
	if p := r.Pattern; p != nil {
		j.Mismatches = &patternJSON{Groups: p.Groups, HighBit: p.HighBit, Above: p.Above, Below: p.Below}
	}
	return j
}

// zeroGroup is the candidates that differ only in the zero-term exponent.
type zeroGroup struct {
	line    string
	presets []string
}

func groupZeroExp(cs []Candidate, k int) []zeroGroup {
	var keys []Params
	zs := map[Params][]string{}
	ps := map[Params][]string{}
	for _, c := range cs {
		key := c.Params
		key.ZeroExp = 0
		if _, ok := zs[key]; !ok {
			keys = append(keys, key)
		}
		zs[key] = append(zs[key], c.Params.zeroExpName())
		for _, n := range c.Presets {
			if !slices.Contains(ps[key], n) {
				ps[key] = append(ps[key], n)
			}
		}
	}
	out := make([]zeroGroup, len(keys))
	for i, key := range keys {
		z := zs[key]
		sortValues(z)
		line := key.format(k)
		zv := z[0]
		if len(z) > 1 {
			zv = "{" + strings.Join(z, ",") + "}"
		}
		line = strings.Replace(line, "zero_exp=0", "zero_exp="+zv, 1)
		out[i] = zeroGroup{line: line, presets: ps[key]}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].presets) > 0 && len(out[j].presets) == 0 })
	return out
}
