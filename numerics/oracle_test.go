package numerics

// This file holds the reference model the other tests compare against. It
// is written from the format definitions (OCP 8-bit floating point and MX
// specifications, IEEE 754 binary16/32, bfloat16, NVIDIA TF32, and the
// FNUZ FP8 formats of AMD CDNA3 and Graphcore: bias 8 and 16, 0x80 the only
// NaN, no Inf, no negative zero) and uses
// math/big for every value, so it shares no code with format.go or
// encode.go: it reads none of a Format's fields, and never calls Unpack,
// Decode, Encode, EncodeScaled or any helper of theirs.
//
// Rounding is done the slow, obvious way: the positive finite values of a
// format, in code order, form an ascending list (checked by
// TestOracleMonotone); a magnitude is rounded by locating its two
// neighbours in that list and choosing between them by the rounding rule.
//
// The overflow contract (see the Overflow type) is modelled by appending one
// virtual value to the list: the successor of the largest finite value in a
// format with an unbounded exponent range, i.e. max finite plus one ulp of
// the top binade. A magnitude that rounds to it (or lies at or beyond it)
// overflows.
//
// Ties under NearestEven go to the neighbour whose integer significand is
// even. For neighbours L < H the gap H-L is the quantum of L's binade, so
// L/(H-L) and H/(H-L) are consecutive integers; the even one wins. For every
// format with at least one mantissa bit this is exactly "the neighbour whose
// mantissa LSB is 0" (the carry into the next binade gives mantissa 0). For
// E8M0, whose significand is always 1, it means 1.5·2^k rounds up to
// 2^(k+1): that is what Encode does and is pinned in TestEncodeTable.

import (
	"fmt"
	"math"
	"math/big"
	"sort"
	"sync"
	"testing"
)

// refKind says which codes of a format are special.
type refKind uint8

const (
	// refIEEE: exponent field all ones is ±Inf (mantissa 0) or NaN.
	refIEEE refKind = iota
	// refFN: no Inf; only exponent and mantissa all ones is NaN (OCP
	// E4M3FN "S.1111.111", and its unsigned form UE4M3 0x7F).
	refFN
	// refPlain: every code is a finite number (OCP MX FP4 E2M1).
	refPlain
	// refExpOnly: OCP MX E8M0: the code c is 2^(c-127), 0xFF is NaN,
	// there is no zero, no sign and no subnormal.
	refExpOnly
	// refFNUZ: "finite, no unsigned zero": the sign bit alone (negative
	// zero's code) is the only NaN; every other code is a number, the top
	// exponent field included.
	refFNUZ
)

// refSpec is a format as its standard defines it.
type refSpec struct {
	name               string
	signed             bool
	ebits, mbits, bias int
	kind               refKind
}

// refSpecs is in the order of Formats.
var refSpecs = []refSpec{
	{"e4m3", true, 4, 3, 7, refFN},
	{"e5m2", true, 5, 2, 15, refIEEE},
	{"f16", true, 5, 10, 15, refIEEE},
	{"bf16", true, 8, 7, 127, refIEEE},
	{"tf32", true, 8, 10, 127, refIEEE},
	{"f32", true, 8, 23, 127, refIEEE},
	{"e2m1", true, 2, 1, 1, refPlain},
	{"ue4m3", false, 4, 3, 7, refFN},
	{"e8m0", false, 8, 0, 127, refExpOnly},
	{"e4m3fnuz", true, 4, 3, 8, refFNUZ},
	{"e5m2fnuz", true, 5, 2, 16, refFNUZ},
}

func (s refSpec) width() int {
	w := s.ebits + s.mbits
	if s.signed {
		w++
	}
	return w
}

func (s refSpec) signBit() uint32 {
	if !s.signed {
		return 0
	}
	return 1 << (s.ebits + s.mbits)
}

func (s refSpec) hasNaN() bool { return s.kind != refPlain }
func (s refSpec) hasInf() bool { return s.kind == refIEEE }

// nanCode is the canonical NaN: positive, exponent and mantissa all ones;
// for FNUZ the one NaN, the sign bit alone.
func (s refSpec) nanCode() uint32 {
	if s.kind == refFNUZ {
		return s.signBit()
	}
	return 1<<(s.ebits+s.mbits) - 1
}

func (s refSpec) infCode() uint32 { return (1<<s.ebits - 1) << s.mbits }

// ratPow2 returns 2^k.
func ratPow2(k int) *big.Rat { return ratScaled(1, k) }

// ratScaled returns m·2^k.
func ratScaled(m uint64, k int) *big.Rat {
	num := new(big.Int).SetUint64(m)
	if k >= 0 {
		return new(big.Rat).SetInt(num.Lsh(num, uint(k)))
	}
	return new(big.Rat).SetFrac(num, new(big.Int).Lsh(big.NewInt(1), uint(-k)))
}

// fieldValue is the value of exponent field e and mantissa field m read
// as a normal number ((2^mbits + m) · 2^(e-bias-mbits)); e may exceed the
// field's range (the virtual successor of the largest finite value).
func (s refSpec) fieldValue(e, m int) *big.Rat {
	return ratScaled(uint64(1)<<s.mbits+uint64(m), e-s.bias-s.mbits)
}

// decode returns the class, sign and exact magnitude of a code (bits
// above the format's width are ignored). mag is nil for Inf and NaN.
func (s refSpec) decode(code uint32) (neg bool, c Class, mag *big.Rat) {
	code &= uint32(1)<<s.width() - 1
	if s.signed {
		neg = code&s.signBit() != 0
	}
	e := int(code>>s.mbits) & (1<<s.ebits - 1)
	m := int(code) & (1<<s.mbits - 1)
	eOnes, mOnes := e == 1<<s.ebits-1, m == 1<<s.mbits-1
	switch s.kind {
	case refIEEE:
		if eOnes && m == 0 {
			return neg, Inf, nil
		}
		if eOnes {
			return neg, NaN, nil
		}
	case refFN:
		if eOnes && mOnes {
			return neg, NaN, nil
		}
	case refFNUZ:
		if code == s.signBit() {
			return neg, NaN, nil
		}
	case refExpOnly:
		if code == 0xFF {
			return false, NaN, nil
		}
		return false, Finite, ratPow2(int(code) - 127)
	}
	if e == 0 {
		if m == 0 {
			return neg, Zero, new(big.Rat)
		}
		return neg, Finite, ratScaled(uint64(m), 1-s.bias-s.mbits) // subnormal
	}
	return neg, Finite, s.fieldValue(e, m)
}

// oracle is the reference rounding model of one format.
type oracle struct {
	spec refSpec
	f    Format // the Format under test with the same name
	// maxCode is the largest positive finite code; the positive finite
	// codes are exactly 0..maxCode, in ascending order of value.
	maxCode uint32
	top     *big.Rat   // the virtual successor of maxCode's value
	cache   []*big.Rat // values of codes 0..maxCode+1 (top last), if small

	// The float64 image of the value list, for formats of at most 19 bits
	// (every value and every midpoint is exact in float64): vals[i] is
	// the value of code i, vals[n] = top, mids[i] the exact midpoint of
	// vals[i] and vals[i+1], tieUp[i] whether NearestEven takes vals[i+1]
	// at mids[i].
	vals  []float64
	mids  []float64
	tieUp []bool
}

var (
	oracleMu    sync.Mutex
	oracleCache = map[string]*oracle{}
)

// oracleFor returns the (cached) oracle of a format, by name.
func oracleFor(tb testing.TB, f Format) *oracle {
	tb.Helper()
	oracleMu.Lock()
	defer oracleMu.Unlock()
	if o, ok := oracleCache[f.Name()]; ok {
		return o
	}
	var spec *refSpec
	for i := range refSpecs {
		if refSpecs[i].name == f.Name() {
			spec = &refSpecs[i]
		}
	}
	if spec == nil {
		tb.Fatalf("no reference spec for format %q", f.Name())
	}
	o := &oracle{spec: *spec, f: f}
	// The largest positive code is the all-ones code without the sign.
	o.maxCode = uint32(1)<<(spec.ebits+spec.mbits) - 1
	for {
		if _, c, _ := spec.decode(o.maxCode); c == Finite {
			break
		}
		o.maxCode--
	}
	e := int(o.maxCode>>spec.mbits) & (1<<spec.ebits - 1)
	m := int(o.maxCode)&(1<<spec.mbits-1) + 1
	if m == 1<<spec.mbits {
		e, m = e+1, 0
	}
	if spec.kind == refExpOnly {
		e = int(o.maxCode) + 1 // every bit is exponent
	}
	o.top = spec.fieldValue(e, m)
	if spec.width() <= 19 {
		n := int(o.maxCode) + 1
		o.cache = make([]*big.Rat, n+1)
		o.vals = make([]float64, n+1)
		o.mids = make([]float64, n)
		o.tieUp = make([]bool, n)
		for i := 0; i < n; i++ {
			_, _, o.cache[i] = spec.decode(uint32(i))
		}
		o.cache[n] = o.top
		for i, v := range o.cache {
			o.vals[i] = exactFloat64(tb, v)
		}
		half := big.NewRat(1, 2)
		for i := 0; i < n; i++ {
			mid := new(big.Rat).Add(o.cache[i], o.cache[i+1])
			o.mids[i] = exactFloat64(tb, mid.Mul(mid, half))
			o.tieUp[i] = o.tieGoesUp(o.cache[i], o.cache[i+1])
		}
	}
	oracleCache[f.Name()] = o
	return o
}

// exactFloat64 converts v to float64 and fails unless that is exact.
func exactFloat64(tb testing.TB, v *big.Rat) float64 {
	tb.Helper()
	x, exact := v.Float64()
	if !exact {
		tb.Fatalf("value %s is not exact in float64", v.RatString())
	}
	return x
}

// tieGoesUp says which of two adjacent values NearestEven picks at their
// midpoint: the even multiple of their gap.
func (o *oracle) tieGoesUp(lo, hi *big.Rat) bool {
	gap := new(big.Rat).Sub(hi, lo)
	q := new(big.Rat).Quo(lo, gap)
	if !q.IsInt() {
		panic(fmt.Sprintf("%s: %s is not a multiple of its gap %s", o.spec.name, lo.RatString(), gap.RatString()))
	}
	return q.Num().Bit(0) == 1
}

// value is the exact value of positive code i in 0..maxCode, or top for
// i == maxCode+1.
func (o *oracle) value(i uint32) *big.Rat {
	if o.cache != nil {
		return o.cache[i]
	}
	if i == o.maxCode+1 {
		return o.top
	}
	_, _, v := o.spec.decode(i)
	return v
}

// roundIndex rounds a magnitude a > 0 to the index of a positive code;
// maxCode+1 means overflow.
func (o *oracle) roundIndex(a *big.Rat, r Rounding) uint32 {
	n := o.maxCode + 1
	if a.Cmp(o.value(0)) < 0 {
		// Only E8M0, whose smallest value is 2^-127 rather than zero:
		// documented to give that smallest value.
		return 0
	}
	if a.Cmp(o.top) >= 0 {
		return n
	}
	lo, hi := uint32(0), n // value(lo) <= a < value(hi)
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if o.value(mid).Cmp(a) <= 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	l, h := o.value(lo), o.value(hi)
	if l.Cmp(a) == 0 || r == TowardZero {
		return lo
	}
	mid := new(big.Rat).Add(l, h)
	mid.Mul(mid, big.NewRat(1, 2))
	switch a.Cmp(mid) {
	case -1:
		return lo
	case 1:
		return hi
	}
	if o.tieGoesUp(l, h) {
		return hi
	}
	return lo
}

// overflowCode is what policy p gives for an overflow of the given sign.
func (o *oracle) overflowCode(sign uint32, p Overflow) uint32 {
	if p == ToInf {
		switch {
		case o.spec.hasInf():
			return sign | o.spec.infCode()
		case o.spec.hasNaN():
			// The sign is kept: for E4M3 a negative overflow gives
			// S.1111.111 with S set, which is still that format's NaN.
			return sign | o.spec.nanCode()
		}
	}
	return sign | o.maxCode
}

// zeroCode is the code of a zero of the given sign.
func (o *oracle) zeroCode(neg bool) uint32 {
	if neg && o.spec.signed && o.spec.kind != refFNUZ {
		return o.spec.signBit()
	}
	return 0 // E8M0 (no zero) gives its smallest value, code 0
}

// encodeRat rounds (-1)^neg · a, a >= 0, to a code.
func (o *oracle) encodeRat(neg bool, a *big.Rat, r Rounding, p Overflow) uint32 {
	if a.Sign() == 0 {
		return o.zeroCode(neg)
	}
	if neg && !o.spec.signed {
		return o.spec.nanCode()
	}
	var sign uint32
	if neg {
		sign = o.spec.signBit()
	}
	i := o.roundIndex(a, r)
	if i == o.maxCode+1 {
		return o.overflowCode(sign, p)
	}
	if i == 0 && o.spec.kind != refExpOnly {
		return o.zeroCode(neg) // rounded to zero: FNUZ has no -0
	}
	return sign | i
}

// encodeNonFinite handles NaN and ±Inf inputs; ok is false for finite x.
func (o *oracle) encodeNonFinite(x float64, p Overflow) (code uint32, ok bool) {
	switch {
	case math.IsNaN(x):
		if !o.spec.hasNaN() {
			return 0, true // documented: formats without NaN give +0
		}
		return o.spec.nanCode(), true
	case math.IsInf(x, 0):
		if x < 0 && !o.spec.signed {
			return o.spec.nanCode(), true
		}
		var sign uint32
		if x < 0 {
			sign = o.spec.signBit()
		}
		return o.overflowCode(sign, p), true
	}
	return 0, false
}

// encode is the reference for Format.Encode.
func (o *oracle) encode(x float64, r Rounding, p Overflow) uint32 {
	if c, ok := o.encodeNonFinite(x, p); ok {
		return c
	}
	return o.encodeRat(math.Signbit(x), new(big.Rat).SetFloat64(math.Abs(x)), r, p)
}

// scaledExpClamp bounds the exponent handed to math/big: every value
// mag·2^exp with exp beyond it (mag < 2^64) overflows every format, or lies
// far below half the smallest subnormal of every format, so the rounded
// result does not depend on exp any more.
const scaledExpClamp = 4000

// encodeScaled is the reference for Format.EncodeScaled.
func (o *oracle) encodeScaled(neg bool, mag uint64, exp int, r Rounding, p Overflow) uint32 {
	exp = min(max(exp, -scaledExpClamp), scaledExpClamp)
	return o.encodeRat(neg, ratScaled(mag, exp), r, p)
}

// fastIndex is roundIndex on the float64 image of the value list: i is
// the largest index with vals[i] <= a, or -1 if a < vals[0].
func (o *oracle) fastIndex(a float64, i int, r Rounding) int {
	n := len(o.vals) - 1
	switch {
	case i < 0:
		return 0
	case i == n:
		return n
	case o.vals[i] == a, r == TowardZero, a < o.mids[i]:
		return i
	case a > o.mids[i], o.tieUp[i]:
		return i + 1
	}
	return i
}

// searchIndex is the largest i with vals[i] <= a, or -1.
func (o *oracle) searchIndex(a float64) int {
	return sort.Search(len(o.vals), func(i int) bool { return o.vals[i] > a }) - 1
}

// fastEncode is encode on the float64 tables (formats of at most 19 bits).
func (o *oracle) fastEncode(x float64, r Rounding, p Overflow) uint32 {
	if c, ok := o.encodeNonFinite(x, p); ok {
		return c
	}
	return o.fastEncodeIndex(x, o.searchIndex(math.Abs(x)), r, p)
}

// fastEncodeIndex finishes fastEncode given i = searchIndex(|x|).
func (o *oracle) fastEncodeIndex(x float64, i int, r Rounding, p Overflow) uint32 {
	neg := math.Signbit(x)
	if x == 0 {
		return o.zeroCode(neg)
	}
	if neg && !o.spec.signed {
		return o.spec.nanCode()
	}
	var sign uint32
	if neg {
		sign = o.spec.signBit()
	}
	j := o.fastIndex(math.Abs(x), i, r)
	if j == len(o.vals)-1 {
		return o.overflowCode(sign, p)
	}
	if j == 0 && o.spec.kind != refExpOnly {
		return o.zeroCode(neg) // rounded to zero: FNUZ has no -0
	}
	return sign | uint32(j)
}

// decodeFloat64 is the reference for Format.Decode (NaN for NaN codes),
// with the code's sign and class.
func (o *oracle) decodeFloat64(tb testing.TB, code uint32) (v float64, neg bool, c Class) {
	neg, c, mag := o.spec.decode(code)
	switch c {
	case NaN:
		return math.NaN(), neg, c
	case Inf:
		v = math.Inf(1)
	default:
		v = exactFloat64(tb, mag)
	}
	if neg {
		v = -v
	}
	return v, neg, c
}

var (
	roundings = []Rounding{NearestEven, TowardZero}
	overflows = []Overflow{Saturate, ToInf}
)

// TestOracleSpecs checks that the reference specs and the package's
// formats describe the same set of formats with the same code widths, so
// that the comparisons elsewhere are between like and like.
func TestOracleSpecs(t *testing.T) {
	if len(refSpecs) != len(Formats()) {
		t.Fatalf("%d reference specs for %d formats", len(refSpecs), len(Formats()))
	}
	wantBits := map[string]int{"e4m3": 8, "e5m2": 8, "f16": 16, "bf16": 16, "tf32": 19, "f32": 32, "e2m1": 4, "ue4m3": 7, "e8m0": 8, "e4m3fnuz": 8, "e5m2fnuz": 8}
	for i, f := range Formats() {
		s := refSpecs[i]
		if s.name != f.Name() {
			t.Errorf("Formats[%d] = %s, reference spec %s", i, f.Name(), s.name)
		}
		if f.Bits() != s.width() || f.Bits() != wantBits[f.Name()] {
			t.Errorf("%s: Bits() = %d, spec width %d, want %d", f, f.Bits(), s.width(), wantBits[f.Name()])
		}
		if f.NumCodes() != 1<<s.width() {
			t.Errorf("%s: NumCodes() = %d, want %d", f, f.NumCodes(), 1<<s.width())
		}
		if g, err := ByName(s.name); err != nil || g != f {
			t.Errorf("ByName(%q) = %v, %v", s.name, g, err)
		}
		if f.String() != s.name {
			t.Errorf("String() = %q, want %q", f.String(), s.name)
		}
	}
	if _, err := ByName("e3m4"); err == nil {
		t.Errorf("ByName(e3m4) succeeded")
	}
}

// TestOracleMonotone checks the oracle's own assumption: positive codes
// 0..maxCode are exactly the positive finite values, strictly ascending,
// and the virtual top lies above them, one quantum of the top binade on.
func TestOracleMonotone(t *testing.T) {
	for _, f := range Formats() {
		o := oracleFor(t, f)
		if o.vals == nil {
			continue // FP32: checked on its boundaries in TestConstants
		}
		for i := 1; i < len(o.vals); i++ {
			if !(o.vals[i-1] < o.vals[i]) {
				t.Errorf("%s: value %d (%g) !< value %d (%g)", f, i-1, o.vals[i-1], i, o.vals[i])
			}
			if !(o.vals[i-1] < o.mids[i-1] && o.mids[i-1] < o.vals[i]) {
				t.Errorf("%s: bad midpoint %g between %g and %g", f, o.mids[i-1], o.vals[i-1], o.vals[i])
			}
		}
		for c := o.maxCode + 1; c <= o.spec.nanCode(); c++ {
			if _, cl, _ := o.spec.decode(c); cl == Finite || cl == Zero {
				t.Errorf("%s: positive code %#x above maxCode %#x is finite", f, c, o.maxCode)
			}
		}
	}
}
