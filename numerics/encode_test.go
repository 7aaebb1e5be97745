package numerics

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

var exhaustive = flag.Bool("exhaustive", false, "check Encode against the oracle on every float32 in each narrow format's range (minutes)")

// want4 lists the expected codes for (NearestEven, Saturate),
// (NearestEven, ToInf), (TowardZero, Saturate), (TowardZero, ToInf).
type want4 [4]uint32

func all4(c uint32) want4 { return want4{c, c, c, c} }

// TestEncodeTable checks hand-worked roundings, including every special
// input, ties, underflow and the overflow contract. Each case is checked
// against the oracle as well, which tests the oracle too.
func TestEncodeTable(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		f    Format
		x    float64
		want want4
	}{
		// E4M3: max 448 (S.1111.110), no Inf, NaN S.1111.111.
		{E4M3, 1, all4(0x38)},
		{E4M3, 0.3, want4{0x2A, 0x2A, 0x29, 0x29}}, // 9.6 quanta of 2^-5
		{E4M3, 448, all4(0x7E)},
		{E4M3, 464, all4(0x7E)},                             // tie 448|480: 448 has even significand 14
		{E4M3, 464.5, want4{0x7E, 0x7F, 0x7E, 0x7E}},        // rounds to 480: overflow
		{E4M3, 479.99, want4{0x7E, 0x7F, 0x7E, 0x7E}},       // RZ stays at 448
		{E4M3, 480, want4{0x7E, 0x7F, 0x7E, 0x7F}},          // 480 itself overflows even under RZ (the contract)
		{E4M3, 1e6, want4{0x7E, 0x7F, 0x7E, 0x7F}},          //
		{E4M3, -464.5, want4{0xFE, 0xFF, 0xFE, 0xFE}},       // negative overflow keeps its sign: S.1111.111 is NaN too
		{E4M3, p2(-10), all4(0x00)},                         // half the smallest subnormal: tie to 0
		{E4M3, p2(-10) + p2(-20), want4{1, 1, 0, 0}},        //
		{E4M3, 3 * p2(-10), want4{2, 2, 1, 1}},              // tie 1|2 quanta
		{E4M3, -p2(-11), all4(0x80)},                        // underflow keeps the sign
		{E4M3, 15 * p2(-10), want4{0x08, 0x08, 0x07, 0x07}}, // tie largest subnormal | smallest normal
		{E4M3, inf, want4{0x7E, 0x7F, 0x7E, 0x7F}},
		{E4M3, -inf, want4{0xFE, 0xFF, 0xFE, 0xFF}},
		{E4M3, nan, all4(0x7F)},
		{E4M3, math.Copysign(nan, -1), all4(0x7F)}, // canonical NaN is positive
		{E4M3, math.Copysign(0, -1), all4(0x80)},
		{E4M3, 0, all4(0x00)},
		// E5M2: IEEE-like, max 57344 = 1.75·2^15.
		{E5M2, 57344, all4(0x7B)},
		{E5M2, 61439, want4{0x7B, 0x7B, 0x7B, 0x7B}},
		{E5M2, 61440, want4{0x7B, 0x7C, 0x7B, 0x7B}}, // tie 57344|65536 goes to 65536 (even): overflow
		{E5M2, 65535, want4{0x7B, 0x7C, 0x7B, 0x7B}},
		{E5M2, 65536, want4{0x7B, 0x7C, 0x7B, 0x7C}},
		{E5M2, p2(-17), all4(0)},
		{E5M2, 3 * p2(-17), want4{2, 2, 1, 1}},
		{E5M2, -inf, want4{0xFB, 0xFC, 0xFB, 0xFC}},
		{E5M2, nan, all4(0x7F)},
		// FP16.
		{FP16, 65504, all4(0x7BFF)},
		{FP16, 65519.99, all4(0x7BFF)},
		{FP16, 65520, want4{0x7BFF, 0x7C00, 0x7BFF, 0x7BFF}},
		{FP16, 1 + p2(-11), all4(0x3C00)},
		{FP16, 1 + 3*p2(-11), want4{0x3C02, 0x3C02, 0x3C01, 0x3C01}},
		{FP16, -(1 + 3*p2(-11)), want4{0xBC02, 0xBC02, 0xBC01, 0xBC01}},
		{FP16, p2(-25), all4(0)},
		{FP16, p2(-25) + p2(-40), want4{1, 1, 0, 0}},
		{FP16, 1e-300, all4(0)},
		{FP16, -1e-300, all4(0x8000)},
		{FP16, math.SmallestNonzeroFloat64, all4(0)},
		// BF16.
		{BF16, 1 + p2(-8), all4(0x3F80)},
		{BF16, 1 + 3*p2(-8), want4{0x3F82, 0x3F82, 0x3F81, 0x3F81}},
		{BF16, (2 - p2(-8)) * p2(127), want4{0x7F7F, 0x7F80, 0x7F7F, 0x7F7F}},
		{BF16, p2(-134), all4(0)},
		{BF16, p2(-134) + p2(-160), want4{1, 1, 0, 0}},
		{BF16, math.MaxFloat32, want4{0x7F7F, 0x7F80, 0x7F7F, 0x7F7F}},
		// TF32 (19-bit code).
		{TF32, 1, all4(0x1FC00)},
		{TF32, 1 + p2(-11), all4(0x1FC00)},
		{TF32, 1 + 3*p2(-11), want4{0x1FC02, 0x1FC02, 0x1FC01, 0x1FC01}},
		{TF32, -(2 - p2(-11)) * p2(127), want4{0x7FBFF, 0x7FC00, 0x7FBFF, 0x7FBFF}},
		{TF32, p2(-137), all4(0)},
		{TF32, nan, all4(0x3FFFF)},
		// FP32.
		{FP32, 1 + p2(-24), all4(0x3F800000)},
		{FP32, 1 + 3*p2(-24), want4{0x3F800002, 0x3F800002, 0x3F800001, 0x3F800001}},
		{FP32, p2(-150), all4(0)},
		{FP32, p2(-150) + p2(-200), want4{1, 1, 0, 0}},
		{FP32, 3 * p2(-150), want4{2, 2, 1, 1}},
		{FP32, p2(128) - p2(103), want4{0x7F7FFFFF, 0x7F800000, 0x7F7FFFFF, 0x7F7FFFFF}},
		{FP32, p2(128), want4{0x7F7FFFFF, 0x7F800000, 0x7F7FFFFF, 0x7F800000}},
		{FP32, -math.MaxFloat64, want4{0xFF7FFFFF, 0xFF800000, 0xFF7FFFFF, 0xFF800000}},
		{FP32, math.SmallestNonzeroFloat64, all4(0)},
		{FP32, nan, all4(0x7FFFFFFF)},
		// E2M1: {0, 0.5, 1, 1.5, 2, 3, 4, 6}, no Inf, no NaN.
		{E2M1, 5, all4(0x6)},                     // tie 4|6: 4 = 2·2 is even
		{E2M1, 5.5, want4{0x7, 0x7, 0x6, 0x6}},   //
		{E2M1, 7, all4(0x7)},                     // tie 6|8 goes to 8: overflow, and there is nothing but saturation
		{E2M1, 100, all4(0x7)},                   //
		{E2M1, 0.25, all4(0x0)},                  //
		{E2M1, 0.75, want4{0x2, 0x2, 0x1, 0x1}},  // tie 0.5|1: 1 = 2·0.5
		{E2M1, 1.25, all4(0x2)},                  // tie 1|1.5
		{E2M1, 1.75, want4{0x4, 0x4, 0x3, 0x3}},  // tie 1.5|2
		{E2M1, 2.5, all4(0x4)},                   // tie 2|3
		{E2M1, 3.5, want4{0x6, 0x6, 0x5, 0x5}},   // tie 3|4
		{E2M1, -0.75, want4{0xA, 0xA, 0x9, 0x9}}, //
		{E2M1, nan, all4(0x0)},                   // no NaN: documented to give +0
		{E2M1, inf, all4(0x7)},                   //
		{E2M1, -inf, all4(0xF)},                  //
		{E2M1, math.Copysign(0, -1), all4(0x8)},  //
		// UE4M3: unsigned E4M3, 7-bit code, NaN 0x7F.
		{UE4M3, 1, all4(0x38)},
		{UE4M3, 464, all4(0x7E)},
		{UE4M3, 500, want4{0x7E, 0x7F, 0x7E, 0x7F}},
		{UE4M3, -1, all4(0x7F)},
		{UE4M3, -p2(-200), all4(0x7F)}, // any negative non-zero value is NaN
		{UE4M3, math.Copysign(0, -1), all4(0x00)},
		{UE4M3, -inf, all4(0x7F)},
		{UE4M3, inf, want4{0x7E, 0x7F, 0x7E, 0x7F}},
		{UE4M3, nan, all4(0x7F)},
		// E8M0: 2^(c-127), no zero: zero and tiny values give 2^-127.
		{E8M0, 0, all4(0x00)},
		{E8M0, math.Copysign(0, -1), all4(0x00)},
		{E8M0, p2(-200), all4(0x00)},
		{E8M0, p2(-128), all4(0x00)},
		{E8M0, p2(-127), all4(0x00)},
		{E8M0, 1.5 * p2(-127), want4{0x01, 0x01, 0x00, 0x00}},
		{E8M0, 1, all4(0x7F)},
		{E8M0, 1.4, all4(0x7F)},
		{E8M0, 1.5, want4{0x80, 0x80, 0x7F, 0x7F}},  // tie 1|2: goes up (see oracle_test.go)
		{E8M0, 0.75, want4{0x7F, 0x7F, 0x7E, 0x7E}}, // tie 0.5|1
		{E8M0, 3, want4{0x81, 0x81, 0x80, 0x80}},    // tie 2|4
		{E8M0, p2(127), all4(0xFE)},
		{E8M0, 1.5 * p2(127), want4{0xFE, 0xFF, 0xFE, 0xFE}},
		{E8M0, p2(128), want4{0xFE, 0xFF, 0xFE, 0xFF}},
		{E8M0, -1, all4(0xFF)},
		{E8M0, nan, all4(0xFF)},
		{E8M0, inf, want4{0xFE, 0xFF, 0xFE, 0xFF}},
		{E8M0, -inf, all4(0xFF)},
	}
	for _, tc := range tests {
		o := oracleFor(t, tc.f)
		k := 0
		for _, r := range roundings {
			for _, p := range overflows {
				want := tc.want[k]
				k++
				if got := tc.f.Encode(tc.x, r, p); got != want {
					t.Errorf("%s.Encode(%g, %v, %v) = %#x, want %#x", tc.f, tc.x, r, p, got, want)
				}
				if got := o.encode(tc.x, r, p); got != want {
					t.Errorf("oracle %s.encode(%g, %v, %v) = %#x, want %#x", tc.f, tc.x, r, p, got, want)
				}
			}
		}
	}
}

// TestEncodeSpecials checks NaN, ±Inf, ±0 and negative inputs in every
// format against the rules, written out directly.
func TestEncodeSpecials(t *testing.T) {
	for _, f := range Formats() {
		nanCode, hasNaN := f.NaNCode()
		infCode, hasInf := f.InfCode()
		for _, r := range roundings {
			for _, p := range overflows {
				enc := func(x float64) uint32 { return f.Encode(x, r, p) }
				name := fmt.Sprintf("%s/%v/%v", f, r, p)
				// NaN, of either sign and any payload.
				for _, x := range []float64{math.NaN(), -math.NaN(), math.Float64frombits(0x7FF0000000000001), math.Float64frombits(0xFFF8000000000123)} {
					want := uint32(0)
					if hasNaN {
						want = nanCode
					}
					if got := enc(x); got != want {
						t.Errorf("%s: Encode(NaN %#x) = %#x, want %#x", name, math.Float64bits(x), got, want)
					}
				}
				// +Inf.
				wantInf := f.MaxFinite()
				if p == ToInf && hasInf {
					wantInf = infCode
				} else if p == ToInf && hasNaN {
					wantInf = nanCode
				}
				if got := enc(math.Inf(1)); got != wantInf {
					t.Errorf("%s: Encode(+Inf) = %#x, want %#x", name, got, wantInf)
				}
				// -Inf, -1, -0.
				if f.Signed() {
					if got := enc(math.Inf(-1)); got != wantInf|f.SignBit() {
						t.Errorf("%s: Encode(-Inf) = %#x, want %#x", name, got, wantInf|f.SignBit())
					}
					negZero := f.SignBit()
					if f.NaN() == NaNNegZero {
						negZero = 0 // no -0: its code is the NaN
					}
					if got := enc(math.Copysign(0, -1)); got != negZero {
						t.Errorf("%s: Encode(-0) = %#x, want %#x", name, got, negZero)
					}
					if got, want := enc(-1), enc(1)|f.SignBit(); got != want {
						t.Errorf("%s: Encode(-1) = %#x, want %#x", name, got, want)
					}
				} else {
					for _, x := range []float64{math.Inf(-1), -1, -math.SmallestNonzeroFloat64, -math.MaxFloat64} {
						if got := enc(x); got != nanCode {
							t.Errorf("%s: Encode(%g) = %#x, want NaN %#x", name, x, got, nanCode)
						}
					}
					if got := enc(math.Copysign(0, -1)); got != 0 {
						t.Errorf("%s: Encode(-0) = %#x, want 0", name, got)
					}
				}
				if got := enc(0); got != 0 {
					t.Errorf("%s: Encode(+0) = %#x, want 0", name, got)
				}
			}
		}
	}
}

// checkEncodeFast compares EncodeFloat32 of the float32 x in all four
// modes with the fast oracle, given i = o.searchIndex(|x|); it returns
// false after reporting a mismatch.
func checkEncodeFast(t *testing.T, o *oracle, x float32, i int) bool {
	ok := true
	for _, r := range roundings {
		for _, p := range overflows {
			want := o.fastEncodeIndex(float64(x), i, r, p)
			if got := o.f.EncodeFloat32(x, r, p); got != want {
				t.Errorf("%s.EncodeFloat32(%g [%#x], %v, %v) = %#x, want %#x", o.f, x, math.Float32bits(x), r, p, got, want)
				ok = false
			}
		}
	}
	return ok
}

// float32Neighbourhood returns the float32 bit patterns within k ulps of
// every positive value and midpoint of the format (those that are float32s),
// with both signs.
func float32Neighbourhood(o *oracle, k int) []uint32 {
	var out []uint32
	add := func(v float64) {
		if v != float64(float32(v)) || math.IsInf(float64(float32(v)), 0) {
			return
		}
		b := math.Float32bits(float32(v))
		for d := -k; d <= k; d++ {
			c := int64(b) + int64(d)
			if c < 0 || c >= 0x7F800000 {
				continue
			}
			out = append(out, uint32(c), uint32(c)|0x80000000)
		}
	}
	for i, v := range o.vals {
		add(v)
		if i < len(o.mids) {
			add(o.mids[i])
		}
	}
	return out
}

// TestEncodeFloat32Sample checks Encode on every 4099th float32 bit
// pattern, and on every float32 within a few ulps of each value and each
// midpoint of each format, against the float64 oracle tables. FP32 must
// give back the float32's own bits (NaN: the canonical NaN).
func TestEncodeFloat32Sample(t *testing.T) {
	t.Parallel()
	var stride []uint32
	for b := uint64(0); b < 1<<32; b += 4099 {
		stride = append(stride, uint32(b))
	}
	for _, f := range Formats() {
		o := oracleFor(t, f)
		if o.vals == nil {
			continue
		}
		k := 4
		if f.Bits() > 16 {
			k = 1
		}
		fails := 0
		for _, set := range [][]uint32{stride, float32Neighbourhood(o, k)} {
			for _, b := range set {
				x := float64(math.Float32frombits(b))
				if math.IsNaN(x) {
					for _, r := range roundings {
						for _, p := range overflows {
							if got, want := f.EncodeFloat32(float32(x), r, p), o.fastEncode(x, r, p); got != want {
								t.Errorf("%s.EncodeFloat32(NaN %#x) = %#x, want %#x", f, b, got, want)
								fails++
							}
						}
					}
					continue
				}
				if !checkEncodeFast(t, o, float32(x), o.searchIndex(math.Abs(x))) {
					fails++
				}
				if fails > 20 {
					t.Fatalf("%s: too many failures", f)
				}
			}
		}
	}
	// FP32: the identity on float32 inputs.
	nb := float32Neighbourhood(oracleFor(t, BF16), 4) // float32s around bf16 landmarks
	for _, set := range [][]uint32{stride, nb} {
		for _, b := range set {
			x := math.Float32frombits(b)
			want := b
			if x != x {
				want = 0x7FFFFFFF
			}
			for _, r := range roundings {
				for _, p := range overflows {
					if got := FP32.EncodeFloat32(x, r, p); got != want {
						t.Fatalf("FP32.EncodeFloat32(%#x, %v, %v) = %#x", b, r, p, got)
					}
				}
			}
		}
	}
}

// TestEncodeExhaustive checks Encode against the oracle tables on every
// float32 bit pattern of either sign from 1/256 of each narrow format's
// smallest positive value up to 16 times its overflow threshold (or +Inf),
// in all four modes. The sweep below that range only ever rounds to zero
// (or 2^-127) and is covered by TestEncodeFloat32Sample. It runs only with
// -exhaustive, in parallel over GOMAXPROCS workers.
func TestEncodeExhaustive(t *testing.T) {
	if !*exhaustive {
		t.Skip("needs -exhaustive")
	}
	if testing.Short() {
		t.Skip("-short")
	}
	formats := []Format{E4M3, E5M2, FP16, BF16, TF32, E2M1, UE4M3, E8M0}
	if s := exhaustiveFormats(); s != nil {
		formats = s
	}
	type job struct {
		o        *oracle
		sign     uint32
		lo, hi   uint32 // inclusive
		failures *atomic.Int32
	}
	var jobs []job
	var total uint64
	for _, f := range formats {
		o := oracleFor(t, f)
		smallest := o.vals[0]
		if smallest == 0 {
			smallest = o.vals[1]
		}
		lo := math.Float32bits(float32(smallest / 256))
		hi := uint32(0x7F800000)
		if top := o.vals[len(o.vals)-1] * 16; top < math.MaxFloat32 {
			hi = math.Float32bits(float32(top))
		}
		fails := new(atomic.Int32)
		const chunk = 1 << 22
		for _, sign := range []uint32{0, 0x80000000} {
			for b := uint64(lo); b <= uint64(hi); b += chunk {
				jobs = append(jobs, job{o, sign, uint32(b), uint32(min(b+chunk-1, uint64(hi))), fails})
			}
		}
		total += 2 * uint64(hi-lo+1)
		t.Logf("%s: float32 bits %#x..%#x, both signs", f, lo, hi)
	}
	work := make(chan job)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for j := range work {
				if j.failures.Load() > 20 {
					continue
				}
				o := j.o
				i := o.searchIndex(float64(math.Float32frombits(j.lo)))
				for b := j.lo; ; b++ {
					x32 := math.Float32frombits(b | j.sign)
					x := float64(x32)
					a := math.Abs(x)
					for i+1 < len(o.vals) && o.vals[i+1] <= a {
						i++
					}
					for _, r := range roundings {
						for _, p := range overflows {
							want := o.fastEncodeIndex(x, i, r, p)
							if got := o.f.EncodeFloat32(x32, r, p); got != want {
								if j.failures.Add(1) <= 20 {
									t.Errorf("%s.EncodeFloat32(%g [%#x], %v, %v) = %#x, want %#x", o.f, x, b|j.sign, r, p, got, want)
								}
							}
						}
					}
					if b == j.hi {
						break
					}
				}
			}
		})
	}
	for _, j := range jobs {
		work <- j
	}
	close(work)
	wg.Wait()
	t.Logf("checked %d float32 inputs × 4 modes", total)
}

var exhaustiveOnly = flag.String("exhaustive.formats", "", "comma-separated format names for -exhaustive (default: every format of at most 19 bits)")

// exhaustiveFormats parses -exhaustive.formats.
func exhaustiveFormats() []Format {
	if *exhaustiveOnly == "" {
		return nil
	}
	var out []Format
	for _, name := range strings.Split(*exhaustiveOnly, ",") {
		f, err := ByName(name)
		if err != nil {
			panic(err)
		}
		out = append(out, f)
	}
	return out
}

// randomFloat64s returns inputs for one format: raw random bits, random
// values across (and beyond) the format's range, and values at and next to
// its representable values and midpoints.
func randomFloat64s(o *oracle, rng *rand.Rand, n int) []float64 {
	var out []float64
	minExp := 1 - o.spec.bias - o.spec.mbits // exponent of the smallest subnormal
	maxExp := 1 << (o.spec.ebits - 1)        // about the top binade
	if o.spec.kind == refExpOnly {
		minExp = -127
	}
	sgn := func(x float64) float64 {
		if rng.IntN(2) == 0 {
			return -x
		}
		return x
	}
	for range n {
		out = append(out, math.Float64frombits(rng.Uint64()))
		// 53 random bits at a random exponent around the range.
		m := float64(rng.Uint64()>>11|1<<52) * p2(-52)
		out = append(out, sgn(math.Ldexp(m, minExp-4+rng.IntN(maxExp-minExp+8))))
		// A value or midpoint and its float64 neighbours.
		var v float64
		c := uint32(rng.Uint64N(uint64(o.maxCode) + 1))
		if o.vals != nil {
			v = o.vals[c]
			if rng.IntN(2) == 0 {
				v = o.mids[c]
			}
		} else {
			lo, _ := o.value(c).Float64()
			hi, _ := o.value(c + 1).Float64()
			v = lo
			if rng.IntN(2) == 0 {
				v = lo + (hi-lo)/2 // exact: FP32 midpoints fit in float64
			}
		}
		d := rng.IntN(7) - 3
		for ; d > 0; d-- {
			v = math.Nextafter(v, math.Inf(1))
		}
		for ; d < 0; d++ {
			v = math.Nextafter(v, math.Inf(-1))
		}
		out = append(out, sgn(v))
	}
	// Float64 subnormals and extremes.
	out = append(out, math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, math.Float64frombits(0x000FFFFFFFFFFFFF),
		math.MaxFloat64, -math.MaxFloat64, 0x1p-1022, math.Inf(1), math.Inf(-1), math.NaN(), math.Copysign(0, -1), 0)
	return out
}

// TestEncodeRandomFloat64 checks Encode of random float64s in every
// format, FP32 included, against the math/big oracle, and the float64
// oracle tables against the math/big oracle.
func TestEncodeRandomFloat64(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(0x5eed, 0xf10a7))
	n := 1500
	if testing.Short() {
		n = 200
	}
	for _, f := range Formats() {
		o := oracleFor(t, f)
		fails := 0
		for _, x := range randomFloat64s(o, rng, n) {
			for _, r := range roundings {
				for _, p := range overflows {
					want := o.encode(x, r, p)
					if got := f.Encode(x, r, p); got != want {
						t.Errorf("%s.Encode(%g [%#x], %v, %v) = %#x, want %#x", f, x, math.Float64bits(x), r, p, got, want)
						fails++
					}
					if o.vals != nil {
						if fast := o.fastEncode(x, r, p); fast != want {
							t.Errorf("oracles disagree: %s %g %v %v: fast %#x, big %#x", f, x, r, p, fast, want)
						}
					}
				}
			}
			if fails > 20 {
				t.Fatalf("%s: too many failures", f)
			}
		}
	}
}

// TestModeStrings pins the names of the rounding modes and policies.
func TestModeStrings(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{NearestEven.String(), "rne"}, {TowardZero.String(), "rz"},
		{Saturate.String(), "sat"}, {ToInf.String(), "inf"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
