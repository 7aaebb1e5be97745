package tensorcore_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tcsim/tcsim/tensorcore"
)

// Test-side constants, written from the format definitions (OCP FP8, IEEE
// binary16/binary32) rather than taken from package numerics.
const (
	e4m3One    = 0x38 // 0.0111.000 = 1.0
	e4m3NegOne = 0xB8
	e4m3Max    = 0x7E // 0.1111.110 = 448
	e5m2One    = 0x3C // 0.01111.00 = 1.0
	e5m2NegOne = 0xBC
	e5m2Max    = 0x7B // 0.11110.11 = 57344
	e5m2Inf    = 0x7C
	e5m2NegInf = 0xFC

	f32NaN    = 0x7FFFFFFF // the canonical NaN of an FP32 accumulator
	f32Inf    = 0x7F800000
	f32NegInf = 0xFF800000
	f32NegZ   = 0x80000000
	f16NaN    = 0x7FFF // the canonical NaN of an FP16 accumulator
	f16Inf    = 0x7C00
	f16NegInf = 0xFC00
	f16NegZ   = 0x8000
)

// fp8 describes one operand format as the tests see it.
type fp8 struct {
	name       string
	one, neg1  uint32
	max        uint32
	nans       []uint32 // every NaN code
	inf, ninf  uint32   // 0 when the format has no Inf
	hasInf     bool
	expBits    int
	manBits    int
	bias       int
	ieeeStyled bool // E5M2: exponent all ones is Inf/NaN
}

var (
	fmtE4M3 = fp8{name: "e4m3", one: e4m3One, neg1: e4m3NegOne, max: e4m3Max,
		nans: []uint32{0x7F, 0xFF}, expBits: 4, manBits: 3, bias: 7}
	fmtE5M2 = fp8{name: "e5m2", one: e5m2One, neg1: e5m2NegOne, max: e5m2Max,
		nans: []uint32{0x7D, 0x7E, 0x7F, 0xFD, 0xFE, 0xFF}, inf: e5m2Inf, ninf: e5m2NegInf, hasInf: true,
		expBits: 5, manBits: 2, bias: 15, ieeeStyled: true}
)

func fmtByName(s string) fp8 {
	if s == "e4m3" {
		return fmtE4M3
	}
	return fmtE5M2
}

// isSpecial reports whether an FP8 code is Inf or NaN in f.
func (f fp8) isSpecial(c uint32) bool {
	e := (c >> f.manBits) & (1<<f.expBits - 1)
	m := c & (1<<f.manBits - 1)
	if f.ieeeStyled {
		return e == 1<<f.expBits-1
	}
	return e == 1<<f.expBits-1 && m == 1<<f.manBits-1
}

// randFinite draws a uniformly random finite code (zeros and subnormals
// included).
func (f fp8) randFinite(r *rand.Rand) uint32 {
	for {
		if c := uint32(r.IntN(256)); !f.isSpecial(c) {
			return c
		}
	}
}

// randFiniteNonZero draws a random finite non-zero code.
func (f fp8) randFiniteNonZero(r *rand.Rand) uint32 {
	for {
		if c := f.randFinite(r); c&0x7F != 0 {
			return c
		}
	}
}

// kind is how a preset accumulates, for the test tables.
type kind int

const (
	wgmma32 kind = iota // wgmma, FP32 accumulator
	wgmma16             // wgmma, FP16 accumulator
	mmaSync             // mma.sync via FP16 steps
)

type presetCase struct {
	name string
	kind kind
	a, b fp8
}

// nanCode, infCode and signBit are the accumulator's codes.
func (pc presetCase) nanCode() uint32 {
	if pc.kind == wgmma16 {
		return f16NaN
	}
	return f32NaN
}

func (pc presetCase) infCode(neg bool) uint32 {
	c := uint32(f32Inf)
	if pc.kind == wgmma16 {
		c = f16Inf
	}
	if neg {
		c |= pc.signBit()
	}
	return c
}

func (pc presetCase) signBit() uint32 {
	if pc.kind == wgmma16 {
		return f16NegZ
	}
	return f32NegZ
}

// allCases lists the twelve Hopper FP8 presets.
func allCases() []presetCase {
	var cs []presetCase
	for _, a := range []fp8{fmtE4M3, fmtE5M2} {
		for _, b := range []fp8{fmtE4M3, fmtE5M2} {
			cs = append(cs,
				presetCase{fmt.Sprintf("h100-wgmma-%s-%s", a.name, b.name), wgmma32, a, b},
				presetCase{fmt.Sprintf("h100-wgmma-%s-%s-f16acc", a.name, b.name), wgmma16, a, b},
				presetCase{fmt.Sprintf("h100-mma-%s-%s", a.name, b.name), mmaSync, a, b})
		}
	}
	return cs
}

func casesOf(ks ...kind) []presetCase {
	var out []presetCase
	for _, c := range allCases() {
		for _, k := range ks {
			if c.kind == k {
				out = append(out, c)
			}
		}
	}
	return out
}

func lookup(t testing.TB, name string) *tensorcore.Preset {
	t.Helper()
	p, err := tensorcore.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// pad32 returns a 32-element operand vector holding the given codes at the
// start and zero (0x00) elsewhere.
func pad32(codes ...uint32) []uint32 {
	v := make([]uint32, 32)
	copy(v, codes)
	return v
}

// at returns a 32-element zero vector with the given code at the given
// positions (k → code).
func at(m map[int]uint32) []uint32 {
	v := make([]uint32, 32)
	for k, c := range m {
		v[k] = c
	}
	return v
}

// randVec fills a 32-element vector with random finite codes.
func randVec(r *rand.Rand, f fp8) []uint32 {
	v := make([]uint32, 32)
	for i := range v {
		v[i] = f.randFinite(r)
	}
	return v
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x7c51_d0e1)) }
