package lab

import (
	"math"

	"github.com/tcsim/tcsim/sim/fmath"
)

// Log2Of, Log10Of, Exp2Of, Exp and Ln are math's Log2, Log10, Exp2, Exp and Log, for the numbers of summaries and figure
// axes, computed so that they give the same bits on every CPU: the
// logarithm and exponential are pure Go with every rounding explicit
// (package fmath), where the standard library runs assembly on some
// architectures and lets the compiler fuse multiply-adds on others.

// Log2Of returns log₂ x, exact for powers of two.
func Log2Of(x float64) float64 {
	frac, exp := math.Frexp(x)
	if frac == 0.5 {
		return float64(exp - 1)
	}
	return float64(fmath.Log(frac)*(1/math.Ln2)) + float64(exp)
}

// Log10Of returns log₁₀ x.
func Log10Of(x float64) float64 { return float64(Log2Of(x) * (math.Ln2 / math.Ln10)) }

// Exp2Of returns 2^x, exact for integers.
func Exp2Of(x float64) float64 {
	if x == math.Trunc(x) && math.Abs(x) < 2000 {
		return math.Ldexp(1, int(x))
	}
	return fmath.Exp(float64(x * math.Ln2))
}

// Exp returns e^x.
func Exp(x float64) float64 { return fmath.Exp(x) }

// Ln returns the natural logarithm of x.
func Ln(x float64) float64 { return fmath.Log(x) }
