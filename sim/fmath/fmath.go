package fmath

import "math"

// horner returns c[0] + z·(c[1] + z·(c[2] + …)) with every product rounded
// on its own (no fused multiply-add).
func horner(z float64, c ...float64) float64 {
	p := c[len(c)-1]
	for i := len(c) - 2; i >= 0; i-- {
		p = c[i] + float64(z*p)
	}
	return p
}

const (
	ln2Hi = 6.93147180369123816490e-01
	ln2Lo = 1.90821492927058770002e-10
	log2e = 1.44269504088896338700e+00
)

// Exp returns e**x.
func Exp(x float64) float64 {
	const (
		overflow  = 7.09782712893383973096e+02
		underflow = -7.45133219101941108420e+02
		nearZero  = 1.0 / (1 << 28)
	)
	switch {
	case math.IsNaN(x):
		return x
	case x > overflow:
		return math.Inf(1)
	case x < underflow:
		return 0
	case -nearZero < x && x < nearZero:
		return 1 + x
	}
	var k int
	switch {
	case x < 0:
		k = int(float64(log2e*x) - 0.5)
	case x > 0:
		k = int(float64(log2e*x) + 0.5)
	}
	hi := x - float64(float64(k)*ln2Hi)
	lo := float64(float64(k) * ln2Lo)
	r := hi - lo
	t := float64(r * r)
	c := r - float64(t*horner(t, 1.66666666666666657415e-01, -2.77777777770155933842e-03,
		6.61375632143793436117e-05, -1.65339022054652515390e-06, 4.13813679705723846039e-08))
	y := 1 - ((lo - float64(r*c)/(2-c)) - hi)
	return math.Ldexp(y, k)
}

// Log returns the natural logarithm of x.
func Log(x float64) float64 {
	switch {
	case math.IsNaN(x) || math.IsInf(x, 1):
		return x
	case x < 0:
		return math.NaN()
	case x == 0:
		return math.Inf(-1)
	}
	f1, ki := math.Frexp(x)
	if f1 < math.Sqrt2/2 {
		f1 *= 2
		ki--
	}
	f := f1 - 1
	k := float64(ki)
	s := f / (2 + f)
	s2 := float64(s * s)
	s4 := float64(s2 * s2)
	t1 := float64(s2 * horner(s4, 6.666666666666735130e-01, 2.857142874366239149e-01, 1.818357216161805012e-01, 1.479819860511658591e-01))
	t2 := float64(s4 * horner(s4, 3.999999999940941908e-01, 2.222219843214978396e-01, 1.531383769920937332e-01))
	R := t1 + t2
	hfsq := float64(float64(0.5*f) * f)
	return float64(k*ln2Hi) - ((hfsq - (float64(s*(hfsq+R)) + float64(k*ln2Lo))) - f)
}

// Erf returns the error function of x.
func Erf(x float64) float64 {
	const (
		erx      = 8.45062911510467529297e-01
		efx      = 1.28379167095512586316e-01
		efx8     = 1.02703333676410069053e+00
		veryTiny = 2.848094538889218e-306
		small    = 1.0 / (1 << 28)
	)
	switch {
	case math.IsNaN(x):
		return math.NaN()
	case math.IsInf(x, 1):
		return 1
	case math.IsInf(x, -1):
		return -1
	}
	sign := false
	if x < 0 {
		x = -x
		sign = true
	}
	neg := func(v float64) float64 {
		if sign {
			return -v
		}
		return v
	}
	if x < 0.84375 {
		var temp float64
		switch {
		case x < veryTiny:
			temp = 0.125 * (float64(8.0*x) + float64(efx8*x))
		case x < small:
			temp = x + float64(efx*x)
		default:
			z := float64(x * x)
			r := horner(z, 1.28379167095512558561e-01, -3.25042107247001499370e-01, -2.84817495755985104766e-02,
				-5.77027029648944159157e-03, -2.37630166566501626084e-05)
			s := horner(z, 1, 3.97917223959155352819e-01, 6.50222499887672944485e-02, 5.08130628187576562776e-03,
				1.32494738004321644526e-04, -3.96022827877536812320e-06)
			temp = x + float64(x*(r/s))
		}
		return neg(temp)
	}
	if x < 1.25 {
		s := x - 1
		P := horner(s, -2.36211856075265944077e-03, 4.14856118683748331666e-01, -3.72207876035701323847e-01,
			3.18346619901161753674e-01, -1.10894694282396677476e-01, 3.54783043256182359371e-02, -2.16637559486879084300e-03)
		Q := horner(s, 1, 1.06420880400844228286e-01, 5.40397917702171048937e-01, 7.18286544141962662868e-02,
			1.26171219808761642112e-01, 1.36370839120290507362e-02, 1.19844998467991074170e-02)
		return neg(erx + P/Q)
	}
	if x >= 6 {
		return neg(1)
	}
	s := 1 / float64(x*x)
	var R, S float64
	if x < 1/0.35 {
		R = horner(s, -9.86494403484714822705e-03, -6.93858572707181764372e-01, -1.05586262253232909814e+01,
			-6.23753324503260060396e+01, -1.62396669462573470355e+02, -1.84605092906711035994e+02,
			-8.12874355063065934246e+01, -9.81432934416914548592e+00)
		S = horner(s, 1, 1.96512716674392571292e+01, 1.37657754143519042600e+02, 4.34565877475229228821e+02,
			6.45387271733267880336e+02, 4.29008140027567833386e+02, 1.08635005541779435134e+02,
			6.57024977031928170135e+00, -6.04244152148580987438e-02)
	} else {
		R = horner(s, -9.86494292470009928597e-03, -7.99283237680523006574e-01, -1.77579549177547519889e+01,
			-1.60636384855821916062e+02, -6.37566443368389627722e+02, -1.02509513161107724954e+03,
			-4.83519191608651397019e+02)
		S = horner(s, 1, 3.03380607434824582924e+01, 3.25792512996573918826e+02, 1.53672958608443695994e+03,
			3.19985821950859553908e+03, 2.55305040643316442583e+03, 4.74528541206955367215e+02,
			-2.24409524465858183362e+01)
	}
	z := math.Float64frombits(math.Float64bits(x) & 0xffffffff00000000)
	r := Exp(-float64(z*z)-0.5625) * Exp(float64((z-x)*(z+x))+R/S)
	return neg(1 - r/x)
}

// Cos returns the cosine of x for 0 ≤ x ≤ π (what a cosine learning-rate
// schedule needs), within 4e-16; it panics outside that range.
func Cos(x float64) float64 {
	if !(x >= 0 && x <= math.Pi) {
		panic("fmath: Cos argument outside [0, π]")
	}
	sign := 1.0
	if x > math.Pi/2 {
		x = math.Pi - x
		sign = -1
	}
	// Taylor series of cos on [0, π/2]: the 13th term is below 1e-19.
	z := float64(x * x)
	c := make([]float64, 14)
	term := 1.0
	for i := range c {
		c[i] = term
		term = -term / float64((2*i+1)*(2*i+2))
	}
	return sign * horner(z, c...)
}
