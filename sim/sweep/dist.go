package sweep

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/tcsim/tcsim/sim"
)

// Role says which operand a distribution fills: activations A (M×K) or
// weights B (N×K, K-major).
type Role uint8

const (
	RoleA Role = iota
	RoleB
)

// Dist is a named input distribution for A and B.
type Dist struct {
	Name        string
	Description string
	// Fill writes rows×k values (row-major, K-major rows) for the role.
	Fill func(r *rand.Rand, x []float64, rows, k int, role Role)
}

// dists holds the input distributions, in a fixed order; [Dists] hands out
// copies so that no caller can change what every sweep draws.
var dists = []Dist{
	{"normal", "zero-mean normal N(0,1) for A and B", func(r *rand.Rand, x []float64, _, _ int, _ Role) {
		for i := range x {
			x[i] = Normal(r)
		}
	}},
	{"pos", "all positive U(0,2) for A and B, like softmax probabilities times values", func(r *rand.Rand, x []float64, _, _ int, _ Role) {
		for i := range x {
			x[i] = 2 * r.Float64()
		}
	}},
	{"outlier", "activations N(0,1) with 1% outlier channels (K columns) scaled by 50; weights N(0,1)", func(r *rand.Rand, x []float64, rows, k int, role Role) {
		for i := range x {
			x[i] = Normal(r)
		}
		if role != RoleA {
			return
		}
		for c := range k {
			// A fixed 1% of channels, chosen by the random stream.
			if r.Float64() < 0.01 {
				for i := range rows {
					x[i*k+c] *= 50
				}
			}
		}
	}},
	{"wide", "N(0,1)·2^U with U uniform on the integers [-10,7], as in the H100 records", func(r *rand.Rand, x []float64, _, _ int, _ Role) {
		for i := range x {
			x[i] = math.Ldexp(Normal(r), r.IntN(18)-10)
		}
	}},
	{"studentt", "heavy-tailed Student-t with 3 degrees of freedom for A (backward-pass gradients); B N(0,1)", func(r *rand.Rand, x []float64, _, _ int, role Role) {
		for i := range x {
			if role == RoleA {
				x[i] = studentT3(r)
			} else {
				x[i] = Normal(r)
			}
		}
	}},
}

// Dists returns the input distributions in a fixed order, in a new slice.
func Dists() []Dist { return slices.Clone(dists) }

// studentT3 draws from Student's t distribution with 3 degrees of freedom
// as Z / sqrt(V/3), with Z standard normal and V = N1² + N2² + N3² a
// chi-squared variate with 3 degrees of freedom: every operation is
// exactly rounded, so the numbers are the same on every CPU.
func studentT3(r *rand.Rand) float64 {
	z := Normal(r)
	var v float64
	for range 3 {
		n := Normal(r)
		v += float64(n * n)
	}
	return z / math.Sqrt(v/3)
}

// LookupDist returns the named distribution.
func LookupDist(name string) (Dist, error) {
	var names []string
	for _, d := range dists {
		if d.Name == name {
			return d, nil
		}
		names = append(names, d.Name)
	}
	return Dist{}, fmt.Errorf("unknown distribution %q (want one of %s)", name, strings.Join(names, ", "))
}

// Scaling is a pair of quantisation granularities, for A and for B.
type Scaling struct {
	Name        string
	Description string
	A, B        sim.Granularity
}

// scalings holds the scaling schemes, in a fixed order; [Scalings] hands
// out copies.
var scalings = []Scaling{
	{"deepseek", "DeepSeek-V3: 1×128 activation tiles, 128×128 weight blocks", sim.Tile128, sim.Block128},
	{"tensor", "one scale per tensor", sim.PerTensor, sim.PerTensor},
	{"row", "one scale per row of A (token) and per column of B (output channel)", sim.PerRow, sim.PerRow},
	{"tile", "1×128 tiles for both operands", sim.Tile128, sim.Tile128},
	{"block", "128×128 blocks for both operands", sim.Block128, sim.Block128},
}

// Scalings returns the scaling schemes in a fixed order, in a new slice.
func Scalings() []Scaling { return slices.Clone(scalings) }

// PerTensor reports whether the scheme is one scale per tensor for both
// operands (the only scaling block-scaled presets run with).
func (s Scaling) PerTensor() bool { return s.A == sim.PerTensor && s.B == sim.PerTensor }

// LookupScaling returns the named scaling scheme.
func LookupScaling(name string) (Scaling, error) {
	var names []string
	for _, s := range scalings {
		if s.Name == name {
			return s, nil
		}
		names = append(names, s.Name)
	}
	return Scaling{}, fmt.Errorf("unknown scaling %q (want one of %s)", name, strings.Join(names, ", "))
}
