package numerics

import (
	"math"
	"math/bits"
)

// Rounding is a rounding mode for [Format.Encode].
type Rounding uint8

const (
	// NearestEven rounds to the nearest representable value, ties to the
	// one with an even significand.
	NearestEven Rounding = iota
	// TowardZero truncates the magnitude.
	TowardZero
)

func (r Rounding) String() string {
	if r == TowardZero {
		return "rz"
	}
	return "rne"
}

// Overflow says what [Format.Encode] does with a value whose rounded
// magnitude (rounded as if the exponent range were unbounded) exceeds the
// largest finite value, and with infinite inputs.
type Overflow uint8

const (
	// Saturate gives the largest finite value of the same sign (the
	// behaviour of PTX cvt .satfinite; IEEE round-toward-zero also gives
	// this for finite inputs). Infinite inputs saturate too.
	Saturate Overflow = iota
	// ToInf gives ±Inf where the format has infinities, else NaN where it
	// has NaN (OCP E4M3FN), else the largest finite value (E2M1).
	ToInf
)

func (o Overflow) String() string {
	if o == ToInf {
		return "inf"
	}
	return "sat"
}

// Encode rounds x to the format and returns its code.
//
// NaN encodes to the canonical NaN (formats without NaN give +0). Negative
// zero keeps its sign in signed formats. In unsigned formats any negative
// non-zero value encodes as NaN (E2M1 has no unsigned form). Values below the
// smallest subnormal round to zero as the rounding mode says; in E8M0, which
// has no zero, they give its smallest value 2^-127.
func (f Format) Encode(x float64, r Rounding, o Overflow) uint32 {
	if r == NearestEven {
		if e := f.RNE(o); e.fast {
			return e.Encode(x)
		}
	}
	return f.encodeGeneric(x, r, o)
}

// RNEEncoder encodes to one format by round to nearest even with one
// overflow policy, bit for bit as [Format.Encode], with a fast path for
// signed formats with subnormals (FP8, FP16, BF16, TF32, FP32, E2M1 and
// the FNUZ formats). Build it once with [Format.RNE] and reuse it.
type RNEEncoder struct {
	f    Format
	o    Overflow
	fast bool
	m    uint   // ManBits
	emin int    // MinExp
	max  uint64 // MaxFinite
	sign uint32 // SignBit
}

// RNE returns the round-to-nearest-even encoder of f with overflow policy o.
func (f Format) RNE(o Overflow) RNEEncoder {
	return RNEEncoder{f: f, o: o, fast: f.Signed() && !f.NoSubnormals() && f.ManBits() <= 23,
		m: uint(f.ManBits()), emin: f.MinExp(), max: uint64(f.MaxFinite()), sign: f.SignBit()}
}

// Encode is f.Encode(x, NearestEven, o).
//
// The fast path takes a finite non-zero x (normal in float64) whose result
// is a non-zero finite value; the generic encoder decides the rest (zero,
// specials, underflow to zero, overflow). With e the exponent of x, the
// result's exponent is ee = max(e, MinExp) and its significand q the 53-bit
// significand of x shifted right by 52-ManBits+(ee-e), rounded to nearest
// even. The code is (ee-MinExp)·2^ManBits + q: for a normal result (q in
// [2^m, 2^(m+1))) that is the exponent field ee-MinExp+1 and the fraction
// q-2^m; for a subnormal one (ee = MinExp, q < 2^m) the fraction q; and a
// carry to q = 2^(m+1) lands on the next binade's first code. Codes above
// MaxFinite are Inf, NaN or beyond: overflow.
func (e *RNEEncoder) Encode(x float64) uint32 {
	if e.fast {
		b := math.Float64bits(x)
		if be := int(b >> 52 & 0x7FF); be != 0 && be != 0x7FF {
			ex := be - 1023
			ee := max(ex, e.emin)
			if shift := 52 - e.m + uint(ee-ex); shift <= 60 {
				sig := b&(1<<52-1) | 1<<52
				q := sig >> shift
				rem, half := sig&(1<<shift-1), uint64(1)<<(shift-1)
				if rem > half || rem == half && q&1 == 1 {
					q++
				}
				if code := uint64(ee-e.emin)<<e.m + q; q != 0 && code <= e.max {
					if b>>63 != 0 {
						return e.sign | uint32(code)
					}
					return uint32(code)
				}
			}
		}
	}
	return e.f.encodeGeneric(x, NearestEven, e.o)
}

// encodeGeneric is Encode for every format, rounding and overflow policy.
func (f Format) encodeGeneric(x float64, r Rounding, o Overflow) uint32 {
	var sign uint32
	if math.Signbit(x) && !math.IsNaN(x) {
		if f.Signed() {
			sign = f.SignBit()
		} else if x != 0 {
			c, _ := f.NaNCode()
			return c
		}
	}
	switch {
	case math.IsNaN(x):
		c, _ := f.NaNCode()
		return c
	case math.IsInf(x, 0):
		return sign | f.overflow(o)
	case x == 0:
		return f.zero(sign)
	}
	fr, e := math.Frexp(math.Abs(x)) // |x| = fr·2^e, fr in [0.5, 1)
	return f.EncodeScaled(sign != 0, uint64(fr*(1<<53)), e-53, r, o)
}

// EncodeScaled rounds the exact value (-1)^neg · mag · 2^exp to the format,
// with the same rules as [Format.Encode]. It lets callers that hold an exact
// integer sum (such as a tensor-core accumulator) round it once.
func (f Format) EncodeScaled(neg bool, mag uint64, exp int, r Rounding, o Overflow) uint32 {
	var sign uint32
	if neg {
		if !f.Signed() && mag != 0 {
			c, _ := f.NaNCode()
			return c
		}
		sign = f.SignBit()
	}
	if mag == 0 {
		return f.zero(sign)
	}
	if exp > f.MaxExp()+1 {
		// |value| >= 2^exp overflows under any rounding. Testing exp
		// alone first keeps lead below from wrapping around for exp
		// near math.MaxInt.
		return sign | f.overflow(o)
	}
	lead := exp + bits.Len64(mag) - 1 // exponent of the leading bit
	te := max(lead, f.MinExp())
	if te > f.MaxExp()+1 {
		return sign | f.overflow(o)
	}
	q := te - f.ManBits() // the quantum of the target binade
	var n uint64
	if s := q - exp; s <= 0 {
		n = mag << uint(-s) // exact, and n < 2^(ManBits+1)
	} else {
		var rem, half uint64
		switch {
		case s > 64:
			n, rem, half = 0, mag, 0
		case s == 64:
			n, rem, half = 0, mag, 1<<63
		default:
			n, rem, half = mag>>uint(s), mag&(1<<uint(s)-1), 1<<uint(s-1)
		}
		if r == NearestEven && half != 0 && (rem > half || rem == half && n&1 == 1) {
			n++
		}
	}
	if n>>(f.ManBits()+1) != 0 { // rounding carried into the next binade
		n >>= 1
		te++
	}
	maxCode := f.MaxFinite()
	maxSig := uint64(maxCode&(1<<f.ManBits()-1)) | 1<<f.ManBits()
	if te > f.MaxExp() || te == f.MaxExp() && n > maxSig {
		return sign | f.overflow(o)
	}
	if f.NoSubnormals() && n == 0 {
		return 0
	}
	if n == 0 {
		return f.zero(sign)
	}
	if n < 1<<f.ManBits() { // subnormal (te == MinExp)
		return sign | uint32(n)
	}
	field := uint32(te + f.Bias())
	return sign | field<<f.ManBits() | uint32(n)&(1<<f.ManBits()-1)
}

// zero is the code of a zero with the given sign bit: E8M0, which has no
// zero, gives its smallest value; the FNUZ formats, which have no -0
// (its code is their NaN), give +0.
func (f Format) zero(sign uint32) uint32 {
	if f.NoSubnormals() || f.NaN() == NaNNegZero {
		return 0
	}
	return sign
}

// overflow returns the unsigned code that policy o gives on overflow.
func (f Format) overflow(o Overflow) uint32 {
	if o == ToInf {
		if c, ok := f.InfCode(); ok {
			return c
		}
		if c, ok := f.NaNCode(); ok {
			return c
		}
	}
	return f.MaxFinite()
}

// EncodeFloat32 rounds a float32 to the format; see [Format.Encode].
func (f Format) EncodeFloat32(x float32, r Rounding, o Overflow) uint32 {
	return f.Encode(float64(x), r, o)
}

// FMA32 returns the correctly rounded (nearest-even) FP32 value of x·y + z,
// computed exactly, as the FFMA instruction does. It never relies on the Go
// compiler's fusion, which is target-dependent.
func FMA32(x, y, z float32) float32 {
	r, p, s, ok := fma32Fast(x, y, z)
	if ok {
		return r
	}
	return fma32Careful(p, s, z)
}

// FMA32s sets z[i] to FMA32(x[i], y[i], z[i]) for every i < len(z).
func FMA32s(x, y, z []float32) {
	x, y = x[:len(z)], y[:len(z)]
	for i := range z {
		r, p, s, ok := fma32Fast(x[i], y[i], z[i])
		if !ok {
			r = fma32Careful(p, s, z[i])
		}
		z[i] = r
	}
}

// fma32Fast is FMA32 where it is cheap: ok reports whether r is the
// result, else p and s are what fma32Careful needs.
//
// float64 holds x·y exactly (24+24 bits), so s = p + z is the float64
// nearest the exact value. Rounding s to float32 gives the exact value's
// rounding unless s is a float32 midpoint: a midpoint is a float64, so
// none lies strictly between s and the exact value. The fast path takes a
// sum s in the normal float32 binades (biased float64 exponent 897 to
// 1150) that is not a midpoint (its significand's low 29 bits are not
// 1<<28); NaN, Inf, zero, subnormal and midpoint sums are careful ones.
func fma32Fast(x, y, z float32) (r float32, p, s float64, ok bool) {
	p = float64(x) * float64(y)
	s = float64(p) + float64(z)
	b := math.Float64bits(s)
	return float32(s), p, s, b>>52&0x7FF-897 <= 253 && b<<35 != 1<<63
}

// fma32Careful is FMA32 of the exact product p (a float64) and z, given
// their float64 sum s, where s is special, zero, subnormal or a float32
// midpoint.
func fma32Careful(p, s float64, z float32) float32 {
	if math.IsNaN(p) || math.IsInf(p, 0) || math.IsInf(float64(z), 0) || math.IsNaN(float64(z)) {
		return float32(s)
	}
	// Two-sum: err is the exact rounding error of p+z in float64.
	bb := s - p
	err := (p - (s - bb)) + (float64(z) - bb)
	if err == 0 || s == 0 {
		return float32(s)
	}
	// s is inexact, and within half a float64 ulp of the exact value, so
	// no float32 rounding boundary (a midpoint between two float32s, itself
	// a float64) lies strictly between them. Only when s is such a midpoint
	// can rounding s differ from rounding the exact value: then nudge s one
	// float64 ulp toward it.
	if isFloat32Midpoint(s) {
		if err > 0 {
			s = math.Nextafter(s, math.Inf(1))
		} else {
			s = math.Nextafter(s, math.Inf(-1))
		}
	}
	return float32(s)
}

// isFloat32Midpoint reports whether a finite float64 lies exactly halfway
// between two adjacent float32 values.
func isFloat32Midpoint(s float64) bool {
	b := math.Float64bits(s)
	exp := int(b>>52&0x7ff) - 1023
	// Number of float64 mantissa bits below the float32 quantum at this
	// exponent (normal float32: 52-23 = 29; float32 subnormals: more).
	drop := 29
	if exp < -126 {
		drop += -126 - exp
	}
	mant := b & (1<<52 - 1)
	if drop > 52 {
		// Below 2^-149 the only midpoint is 2^-150, between 0 and the
		// smallest subnormal (drop 53: its quantum bit is the implicit 1).
		return drop == 53 && mant == 0
	}
	low := mant & (1<<uint(drop) - 1)
	return low == 1<<uint(drop-1)
}
