package fit

import (
	"context"
	"math/bits"
	"slices"
	"sort"
	"strconv"

	"github.com/tcsim/tcsim/numerics"
	"github.com/tcsim/tcsim/sim/parallel"
	"github.com/tcsim/tcsim/tensorcore"
)

// Options tunes [Fit].
type Options struct {
	// Workers bounds the goroutines used; 0 means GOMAXPROCS. The result
	// does not depend on it.
	Workers int
}

// Candidate is a parameter set and the number of records it reproduces.
type Candidate struct {
	Params  Params
	Matched int
	Presets []string // existing presets with these parameters (any of the family's operand pairs)
}

// Undecided is a parameter that takes several values among the candidates
// reproducing every record.
type Undecided struct {
	Name   string
	Values []string
}

// PresetScore is an existing preset and how many of the family's records
// (those of its operand formats) it reproduces.
type PresetScore struct {
	Name    string `json:"name"`
	Matched int    `json:"matched"`
	Total   int    `json:"total"`
}

// Result is the outcome of fitting one family.
type Result struct {
	Family   *Family
	Searched int // parameter sets tried (one zero exponent stands for all where it cannot matter)
	// Candidates reproduce every record, in search order (L, interleave, F,
	// conversion, zero exponent, C join, via, C input).
	Candidates []Candidate
	Undecided  []Undecided
	// When no parameter set reproduces every record: the closest ones
	// (most records matched first) and the mismatch pattern of the first.
	Best    []Candidate
	Pattern *Pattern
	// Nearest ranks the existing presets of the family's formats by the
	// share of records they reproduce.
	Nearest []PresetScore
}

// zeroMoot reports whether the zero-term exponent cannot matter for the
// family: every candidate exponent lies at or below the lowest exponent a
// non-zero term can have (a product of two of the smallest operands, or the
// smallest accumulator C, whose subnormals count at the format's minimum
// exponent). Then e_max ignores it unless every term is zero, and a step of
// zero terms sums to +0 whatever e_max is; so every zero exponent gives the
// same outputs, and only one needs computing.
func zeroMoot(fam *Family) bool {
	low := fam.Acc.MinExp()
	for _, p := range fam.Pairs {
		low = min(low, p[0].MinExp()+p[1].MinExp())
	}
	return slices.Max(zeroExps) <= low
}

// space enumerates the parameter sets searched for a family.
func space(fam *Family) []Params {
	fp8 := true
	minF := 0
	for _, p := range fam.Pairs {
		fp8 = fp8 && p[0].Bits() == 8 && p[1].Bits() == 8
		minF = max(minF, p[0].ManBits()+p[1].ManBits())
	}
	var ls []int
	for l := 1; l <= fam.K; l *= 2 {
		if fam.K%l == 0 {
			ls = append(ls, l)
		}
	}
	if !slices.Contains(ls, fam.K) {
		ls = append(ls, fam.K)
	}
	vias := []bool{false}
	if fp8 {
		vias = append(vias, true)
	}
	regs := []int{0}
	if fam.Acc == numerics.FP32 {
		regs = regs[:0]
		for r := minRegBits; r <= 24; r++ {
			regs = append(regs, r)
		}
	}
	czero := []bool{false}
	if fam.KM {
		czero = append(czero, true)
	}
	zs := zeroExps
	if zeroMoot(fam) {
		zs = zs[:1]
	}
	var ps []Params
	for _, l := range ls {
		ils := []int{l}
		if fam.K > l {
			ils = ils[:0]
			for i := 1; i <= l; i *= 2 {
				if l%i == 0 {
					ils = append(ils, i)
				}
			}
		}
		for _, il := range ils {
			for _, via := range vias {
				lo := minF
				if via {
					lo = 2 * numerics.FP16.ManBits()
				}
				for f := lo; f <= maxF; f++ {
					for _, r := range regs {
						for _, z := range zs {
							for _, sep := range []bool{false, true} {
								for _, cz := range czero {
									ps = append(ps, Params{L: l, Interleave: il, F: f, RNE16: fam.Acc == numerics.FP16,
										RegBits: r, ZeroExp: z, SeparateC: sep, ViaFP16: via, CZero: cz})
								}
							}
						}
					}
				}
			}
		}
	}
	// The AMD datapaths (FP32 accumulators): groups of every L, CDNA2
	// flushing or not, CDNA3's FP8 odd/even fusion or not.
	if fam.Acc == numerics.FP32 {
		narrow := true
		for _, p := range fam.Pairs {
			narrow = narrow && p[0].Bits() <= 16 && p[1].Bits() <= 16
		}
		for _, l := range ls {
			for _, cz := range czero {
				if narrow {
					for _, fl := range []bool{false, true} {
						ps = append(ps, Params{Path: PathAMDPairwise, L: l, Interleave: l, Flush: fl, CZero: cz})
					}
				}
				for _, oe := range []bool{false, true} {
					if !oe || l%2 == 0 {
						ps = append(ps, Params{Path: PathAMDFused, L: l, Interleave: l, F: 24, OddEven: oe, CZero: cz})
					}
				}
			}
		}
	}
	return ps
}

// The searched ranges: F up to maxF fraction bits; truncating conversions
// keeping minRegBits to 24 significant bits; the zero-term exponents of the
// published models (none, MMA-Sim's −126 for zero significands, and K–M's
// −131, −132, −133).
const (
	maxF       = 36
	minRegBits = 11
)

var zeroExps = []int{NoZeroExp, -126, -131, -132, -133}

// probeSize is the number of records every candidate is first tried on
// (stopping at its first mismatch); survivors are then checked on all.
const probeSize = 256

// probeOrder returns the record indices round-robin over the records'
// groups, so the first ones cover every distribution, format pair and C.
func probeOrder(fam *Family) []int {
	byGroup := map[string][]int{}
	var groups []string
	for i, r := range fam.Records {
		if _, ok := byGroup[r.Group]; !ok {
			groups = append(groups, r.Group)
		}
		byGroup[r.Group] = append(byGroup[r.Group], i)
	}
	order := make([]int, 0, len(fam.Records))
	for j := 0; len(order) < len(fam.Records); j++ {
		for _, g := range groups {
			if j < len(byGroup[g]) {
				order = append(order, byGroup[g][j])
			}
		}
	}
	return order
}

// evaluator computes a candidate's outputs, building its presets (one per
// operand pair) on first use.
type evaluator struct {
	fam     *Family
	p       Params
	presets []*tensorcore.Preset
	err     error
}

func newEvaluator(fam *Family, p Params) *evaluator {
	return &evaluator{fam: fam, p: p, presets: make([]*tensorcore.Preset, len(fam.Pairs))}
}

// out returns the candidate's D for record i, or false when the parameters
// make no valid datapath for its formats.
func (e *evaluator) out(i int) (uint32, bool) {
	r := &e.fam.Records[i]
	q := e.presets[r.Pair]
	if q == nil {
		if e.err != nil {
			return 0, false
		}
		pair := e.fam.Pairs[r.Pair]
		q, e.err = e.p.Preset(pair[0], pair[1], e.fam.K)
		if e.err != nil {
			return 0, false
		}
		e.presets[r.Pair] = q
	}
	c := r.C
	if e.p.CZero {
		c = 0
	}
	return q.Dot(r.A, r.B, c), true
}

func (e *evaluator) matches(i int) bool {
	d, ok := e.out(i)
	return ok && d == e.fam.Records[i].D
}

// Fit searches the parameter space for the family's records.
// It stops early, returning ctx's error, when ctx is cancelled.
func Fit(ctx context.Context, fam *Family, opts Options) (*Result, error) {
	workers := opts.Workers
	ps := space(fam)
	res := &Result{Family: fam, Searched: len(ps)}
	order := probeOrder(fam)
	probe := order[:min(probeSize, len(order))]
	rest := order[len(probe):]
	n := len(fam.Records)
	matched := make([]int, len(ps)) // -1: failed the probe
	err := parallel.For(ctx, len(ps), workers, func(i int) error {
		e := newEvaluator(fam, ps[i])
		for _, r := range probe {
			if !e.matches(r) {
				matched[i] = -1
				return nil
			}
		}
		m := len(probe)
		for _, r := range rest {
			if e.matches(r) {
				m++
			}
		}
		matched[i] = m
		return nil
	})
	if err != nil {
		return nil, err
	}
	moot := zeroMoot(fam)
	for i, m := range matched {
		if m != n {
			continue
		}
		if !moot || ps[i].Path != PathNV {
			res.Candidates = append(res.Candidates, Candidate{Params: ps[i], Matched: n})
			continue
		}
		for _, z := range zeroExps { // all equivalent (zeroMoot)
			p := ps[i]
			p.ZeroExp = z
			res.Candidates = append(res.Candidates, Candidate{Params: p, Matched: n})
		}
	}
	res.Nearest = nearestPresets(fam)
	for i := range res.Candidates {
		res.Candidates[i].Presets = presetsWith(res.Candidates[i].Params, fam)
	}
	res.Undecided = undecided(res.Candidates, fam.K)
	if len(res.Candidates) == 0 {
		if res.Best, err = closest(ctx, fam, ps, matched, order, workers); err != nil {
			return nil, err
		}
		if len(res.Best) > 0 {
			res.Pattern = pattern(fam, res.Best[0].Params)
		}
	}
	return res, nil
}

// closest ranks the parameter sets when none reproduces every record:
// every set is scored on the first records of the probe order, and the
// best of those on all records.
func closest(ctx context.Context, fam *Family, ps []Params, matched []int, order []int, workers int) ([]Candidate, error) {
	const sample, keep, show = 24, 48, 5
	probe := order[:min(sample, len(order))]
	score := make([]int, len(ps))
	err := parallel.For(ctx, len(ps), workers, func(i int) error {
		e := newEvaluator(fam, ps[i])
		for _, r := range probe {
			if e.matches(r) {
				score[i]++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	idx := make([]int, len(ps))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return score[idx[a]] > score[idx[b]] })
	idx = idx[:min(keep, len(idx))]
	full := make([]int, len(idx))
	err = parallel.For(ctx, len(idx), workers, func(j int) error {
		i := idx[j]
		if matched[i] >= 0 {
			full[j] = matched[i]
			return nil
		}
		e := newEvaluator(fam, ps[i])
		for r := range fam.Records {
			if e.matches(r) {
				full[j]++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	best := make([]Candidate, len(idx))
	for j, i := range idx {
		best[j] = Candidate{Params: ps[i], Matched: full[j]}
	}
	sort.SliceStable(best, func(a, b int) bool { return best[a].Matched > best[b].Matched })
	best = best[:min(show, len(best))]
	for i := range best {
		best[i].Presets = presetsWith(best[i].Params, fam)
	}
	return best, nil
}

// presetsWith lists the existing presets with the parameters p for one of
// the family's operand pairs.
func presetsWith(p Params, fam *Family) []string {
	var names []string
	for _, q := range tensorcore.Presets() {
		if hasPair(fam, q) && sameDatapath(p, q, fam.K, fam.Acc) {
			names = append(names, q.Name)
		}
	}
	return names
}

func hasPair(fam *Family, q *tensorcore.Preset) bool {
	return slices.Contains(fam.Pairs, [2]numerics.Format{q.A, q.B})
}

// nearestPresets scores every preset of one of the family's operand pairs
// and accumulator on the records of its pair. K–M records, which hold
// fewer products than an instruction, are padded with zeros; for them each
// preset is also scored with C taken as zero, and the better reading kept.
func nearestPresets(fam *Family) []PresetScore {
	var out []PresetScore
	for _, q := range tensorcore.Presets() {
		if !hasPair(fam, q) || q.BlockScaled() || q.Acc() != fam.Acc ||
			!(q.K == fam.K || fam.KM && q.K > fam.K && q.K%fam.K == 0) {
			continue
		}
		var s [2]PresetScore
		var a, b []uint32
		for i := range fam.Records {
			r := &fam.Records[i]
			if fam.Pairs[r.Pair] != [2]numerics.Format{q.A, q.B} {
				continue
			}
			a, b = append(a[:0], r.A...), append(b[:0], r.B...)
			for len(a) < q.K {
				a, b = append(a, 0), append(b, 0)
			}
			for z := range s {
				if z == 1 && !fam.KM {
					break
				}
				c := r.C
				if z == 1 {
					c = 0
				}
				s[z].Total++
				if q.Dot(a, b, c) == r.D {
					s[z].Matched++
				}
			}
		}
		best := s[0]
		best.Name = q.Name
		if s[1].Matched > s[0].Matched {
			best = s[1]
			best.Name = q.Name + " (C = 0)"
		}
		out = append(out, best)
	}
	sort.SliceStable(out, func(i, j int) bool {
		return out[i].Matched*out[j].Total > out[j].Matched*out[i].Total
	})
	return out
}

// undecided lists the parameters that vary among the candidates.
func undecided(cs []Candidate, k int) []Undecided {
	var out []Undecided
	for _, f := range fields {
		var vals []string
		for _, c := range cs {
			if v := f.value(c.Params, k); !slices.Contains(vals, v) {
				vals = append(vals, v)
			}
		}
		if len(vals) > 1 {
			sortValues(vals)
			out = append(out, Undecided{Name: f.name, Values: vals})
		}
	}
	return out
}

// Pattern describes where a parameter set's outputs differ from the
// records.
type Pattern struct {
	Params Params
	// Groups: per record group (formats, C, distribution) the records and
	// mismatches, in order of first appearance.
	Groups []GroupCount
	// HighBit counts mismatches by the highest bit in which the output
	// differs from the record (got XOR want): low bits are last-place
	// differences, the top ones sign and exponent.
	HighBit []int
	// Above counts mismatches whose output is above the record (as
	// signed values; NaNs are not counted).
	Above, Below int
}

// GroupCount is the records and mismatches of one record group.
type GroupCount struct {
	Group      string `json:"group"`
	Records    int    `json:"records"`
	Mismatches int    `json:"mismatches"`
}

func pattern(fam *Family, p Params) *Pattern {
	pt := &Pattern{Params: p, HighBit: make([]int, fam.Acc.Bits())}
	e := newEvaluator(fam, p)
	idx := map[string]int{}
	for i := range fam.Records {
		r := &fam.Records[i]
		g, ok := idx[r.Group]
		if !ok {
			g = len(pt.Groups)
			idx[r.Group] = g
			pt.Groups = append(pt.Groups, GroupCount{Group: r.Group})
		}
		pt.Groups[g].Records++
		got, _ := e.out(i)
		if got == r.D {
			continue
		}
		pt.Groups[g].Mismatches++
		pt.HighBit[bits.Len32(got^r.D)-1]++
		vg, vw := fam.Acc.Decode(got), fam.Acc.Decode(r.D)
		switch {
		case vg > vw:
			pt.Above++
		case vg < vw:
			pt.Below++
		}
	}
	return pt
}

// sortValues orders parameter values: names first (none, contiguous, ...),
// then numbers in increasing order.
func sortValues(vals []string) {
	sort.SliceStable(vals, func(i, j int) bool {
		a, errA := strconv.Atoi(vals[i])
		b, errB := strconv.Atoi(vals[j])
		switch {
		case errA != nil || errB != nil:
			return errA != nil && errB == nil
		}
		return a < b
	})
}
