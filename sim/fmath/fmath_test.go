package fmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// ulps is the distance in units in the last place between x and y.
func ulps(x, y float64) int64 {
	a, b := int64(math.Float64bits(x)), int64(math.Float64bits(y))
	if a < 0 {
		a = math.MinInt64 - a
	}
	if b < 0 {
		b = math.MinInt64 - b
	}
	if a > b {
		return a - b
	}
	return b - a
}

// TestAgainstMath compares with the standard library, an independent
// implementation (assembly on amd64 for Exp and Log), over a wide range.
// Both are faithful (within one ulp of the true value), so they may differ
// by two from each other.
func TestAgainstMath(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		name string
		f, g func(float64) float64
		gen  func() float64
		tol  int64
	}{
		{"Exp", Exp, math.Exp, func() float64 { return (r.Float64() - 0.5) * 1400 }, 2},
		{"ExpSmall", Exp, math.Exp, func() float64 { return r.NormFloat64() }, 2},
		{"Log", Log, math.Log, func() float64 { return math.Exp((r.Float64() - 0.5) * 1400) }, 2},
		{"Erf", Erf, math.Erf, func() float64 { return r.NormFloat64() * 3 }, 2},
		{"Cos", Cos, math.Cos, func() float64 { return r.Float64() * math.Pi }, 0},
	}
	for _, c := range cases {
		worst := int64(0)
		for range 200000 {
			x := c.gen()
			got, want := c.f(x), c.g(x)
			d := ulps(got, want)
			if c.name == "Cos" {
				// π − x loses relative accuracy near π/2: compare absolutely.
				if math.Abs(got-want) > 4e-16 {
					t.Fatalf("%s(%v) = %v, math gives %v", c.name, x, got, want)
				}
				continue
			}
			worst = max(worst, d)
			if d > c.tol {
				t.Fatalf("%s(%v) = %v, math gives %v (%d ulp)", c.name, x, got, want, d)
			}
		}
		t.Logf("%s: worst %d ulp", c.name, worst)
	}
}

func TestSpecial(t *testing.T) {
	inf := math.Inf(1)
	for _, c := range []struct {
		got, want float64
	}{
		{Exp(0), 1}, {Exp(-inf), 0}, {Exp(inf), inf}, {Exp(800), inf}, {Exp(-800), 0},
		{Log(1), 0}, {Log(0), -inf}, {Log(inf), inf},
		{Erf(0), 0}, {Erf(inf), 1}, {Erf(-inf), -1}, {Erf(7), 1}, {Erf(-7), -1},
		{Cos(0), 1}, {Cos(math.Pi), -1},
	} {
		if c.got != c.want {
			t.Errorf("got %v, want %v", c.got, c.want)
		}
	}
	if !math.IsNaN(Log(-1)) || !math.IsNaN(Exp(math.NaN())) || !math.IsNaN(Erf(math.NaN())) {
		t.Error("NaN cases")
	}
}
