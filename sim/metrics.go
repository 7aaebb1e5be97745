package sim

import (
	"math"
	"slices"
)

// Metrics summarises the error of computed outputs D against a reference.
// With e_i = D_i − ref_i over the N outputs:
//
//   - Elementwise relative error r_i = |e_i| / |ref_i|. It is undefined
//     where ref_i = 0: such outputs are left out of MaxRel, MedianRel,
//     MeanRel and MeanSignedRel and counted in ZeroRef. (Near-zero
//     references from cancellation still give large r_i; the
//     AbsDot-normalised errors below do not.)
//   - MaxRel, MedianRel, MeanRel: the maximum, median (the lower middle
//     value for an even count) and mean of r_i.
//   - NormRel = ‖e‖₂ / ‖ref‖₂ (normwise relative error; NaN if ref = 0).
//   - MaxErrAbsDot, MedianErrAbsDot: max and median of |e_i| / Σ_k|a_k·b_k|
//     (outputs with Σ|a·b| = 0 are left out): the error in units of the
//     magnitude of the terms summed, which truncation bounds.
//   - MeanSignedRel: mean of e_i / |ref_i| — the truncation bias: negative
//     when outputs drift toward −∞ (all-positive inputs truncated toward
//     zero), near zero for unbiased rounding.
//   - FracBelow: the fraction of all N outputs with D_i < ref_i.
//   - RelP10, RelP25, RelP75, RelP90: quantiles of r_i (the value at
//     sorted index ⌊q·(n−1)⌋), for error bands.
//
// Non-finite D_i (overflow, NaN) are counted in NonFinite; they make
// MeanRel, NormRel and MeanSignedRel +Inf or NaN as IEEE arithmetic gives.
type Metrics struct {
	N               int
	ZeroRef         int
	NonFinite       int
	MaxRel          float64
	MedianRel       float64
	MeanRel         float64
	NormRel         float64
	MaxErrAbsDot    float64
	MedianErrAbsDot float64
	MeanSignedRel   float64
	FracBelow       float64
	RelP10, RelP25  float64
	RelP75, RelP90  float64
}

// Measure computes the metrics of d against ref; absDot holds Σ_k|a_k·b_k|
// per output (nil leaves the AbsDot metrics NaN).
func Measure(d []float32, ref, absDot []float64) Metrics {
	m := Metrics{N: len(d)}
	rel := make([]float64, 0, len(d))
	var errAD []float64
	var sumRel, sumSigned, e2, r2 float64
	below := 0
	for i, v := range d {
		x := float64(v)
		if math.IsInf(x, 0) || math.IsNaN(x) {
			m.NonFinite++
		}
		e := x - ref[i]
		// Explicit conversions forbid fusing into FMAs, which some
		// targets (arm64) would do: the metrics are the same bits on
		// every machine.
		e2 += float64(e * e)
		r2 += float64(ref[i] * ref[i])
		if x < ref[i] {
			below++
		}
		if absDot != nil && absDot[i] != 0 {
			errAD = append(errAD, math.Abs(e)/absDot[i])
		}
		if ref[i] == 0 {
			m.ZeroRef++
			continue
		}
		r := math.Abs(e) / math.Abs(ref[i])
		rel = append(rel, r)
		sumRel += r
		sumSigned += e / math.Abs(ref[i])
	}
	m.MaxRel, m.MedianRel = maxMedian(rel)
	m.RelP10, m.RelP25 = quantile(rel, 0.10), quantile(rel, 0.25)
	m.RelP75, m.RelP90 = quantile(rel, 0.75), quantile(rel, 0.90)
	m.MeanRel = sumRel / float64(len(rel))
	m.MeanSignedRel = sumSigned / float64(len(rel))
	m.NormRel = math.Sqrt(e2) / math.Sqrt(r2)
	m.MaxErrAbsDot, m.MedianErrAbsDot = maxMedian(errAD)
	if len(d) > 0 {
		m.FracBelow = float64(below) / float64(len(d))
	}
	return m
}

// quantile returns the value at sorted index ⌊q·(n−1)⌋ of sorted x (NaN
// when empty).
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	return sorted[int(q*float64(len(sorted)-1))]
}

// maxMedian returns the maximum and the lower median of x (NaN, NaN when
// empty). It sorts x.
func maxMedian(x []float64) (float64, float64) {
	if len(x) == 0 {
		return math.NaN(), math.NaN()
	}
	sortNonNegative(x)
	return x[len(x)-1], x[(len(x)-1)/2]
}

// sortNonNegative sorts x as slices.Sort does. When every value is +0,
// positive or +Inf (the errors Measure sorts, unless one is NaN), their
// bit patterns are in the order of the values, so a radix sort on the
// bits, byte by byte, does it in a few passes.
func sortNonNegative(x []float64) {
	var or, and uint64 = 0, math.MaxUint64
	for _, v := range x {
		b := math.Float64bits(v)
		if b > 0x7FF0000000000000 { // NaN or negative
			slices.Sort(x)
			return
		}
		or, and = or|b, and&b
	}
	keys := make([]uint64, len(x))
	for i, v := range x {
		keys[i] = math.Float64bits(v)
	}
	tmp := make([]uint64, len(x))
	for shift := uint(0); shift < 64; shift += 8 {
		if (or^and)>>shift&0xFF == 0 {
			continue // every key has the same byte here
		}
		var count [257]int
		for _, k := range keys {
			count[k>>shift&0xFF+1]++
		}
		for d := 1; d < 257; d++ {
			count[d] += count[d-1]
		}
		for _, k := range keys {
			d := k >> shift & 0xFF
			tmp[count[d]] = k
			count[d]++
		}
		keys, tmp = tmp, keys
	}
	for i, k := range keys {
		x[i] = math.Float64frombits(k)
	}
}
