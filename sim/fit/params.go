package fit

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/tcsim/tcsim/numerics"
	"github.com/tcsim/tcsim/tensorcore"
)

// NoZeroExp is the zero-term exponent of a datapath that gives zero terms
// no exponent at all (they never raise e_max): printed "none".
const NoZeroExp = -10000

// Path is the datapath family a parameter set belongs to.
type Path uint8

const (
	// PathNV is the truncated fused step of NVIDIA tensor cores
	// (docs/datapath.md §1), with all the parameters below.
	PathNV Path = iota
	// PathAMDPairwise is AMD CDNA1/2's FP32 round-to-nearest tree over
	// groups of L products (docs/amd.md); Flush selects CDNA2's flushing.
	PathAMDPairwise
	// PathAMDFused is AMD CDNA3's groups of L products fused with 24
	// fraction bits and joined with C rounding down (docs/amd.md);
	// OddEven selects the FP8 two-stage form.
	PathAMDFused
)

var pathNames = [...]string{PathNV: "nv-fused", PathAMDPairwise: "amd-pairwise", PathAMDFused: "amd-fused-rd"}

func (p Path) String() string { return pathNames[p] }

// Params is one datapath of tensorcore's model family, as fit searches it.
type Params struct {
	Path       Path // the datapath family; for the AMD ones only L, Flush and OddEven apply
	L          int  // products fused per step
	Interleave int  // product k of an instruction goes to step (k/Interleave) mod (K/L); L when contiguous
	F          int  // fraction bits kept after alignment to e_max
	RNE16      bool // final conversion: round to nearest FP16 (an FP16 accumulator); else truncation
	RegBits    int  // significant bits the truncating conversion keeps (24 = FP32)
	ZeroExp    int  // exponent of zero terms; NoZeroExp: none
	SeparateC  bool // steps chain from +0 and C is added by one FP32 (FP16) round-to-nearest add
	ViaFP16    bool // FP8 operands converted to FP16 before the tensor core sees them
	Flush      bool // AMD pairwise: subnormals flushed (CDNA2)
	OddEven    bool // AMD fused: even and odd products fused apart (CDNA3 FP8)
	// CZero: the records' C is taken as +0 whatever the c file says (a K–M
	// harness run with C = 0); a reading of the records, not of the datapath.
	CZero bool
}

// step is the tensorcore step of the parameters.
func (p Params) step() tensorcore.Step {
	s := tensorcore.Step{L: p.L, F: p.F, ZeroExp: p.ZeroExp}
	switch {
	case p.RNE16:
		s.Out = tensorcore.RNEFP16
	case p.RegBits == 24:
		s.Out = tensorcore.RZFP32
	default:
		s.Out, s.RegBits = tensorcore.RZE8M13, p.RegBits
	}
	return s
}

// Conversion names the final conversion with its width: rz-e8m13,
// rz-fp32, rne-fp16, as tcsim presets does.
func (p Params) Conversion() string {
	if p.Path != PathNV {
		return "rne-fp32"
	}
	s := p.step()
	return s.Rounding()
}

// Preset builds the datapath for operands a×b and instructions of k
// products.
func (p Params) Preset(a, b numerics.Format, k int) (*tensorcore.Preset, error) {
	q := tensorcore.Preset{Name: "fit candidate", A: a, B: b, K: k, Step: p.step(),
		Interleave: p.Interleave, SeparateC: p.SeparateC, Status: tensorcore.WhatIf}
	if p.ViaFP16 {
		f16 := numerics.FP16
		q.Via = &f16
	}
	switch p.Path {
	case PathAMDPairwise:
		q.Step = tensorcore.Step{L: p.L, F: 23, Out: tensorcore.RZFP32}
		q.AMD = &tensorcore.AMDPath{Kind: tensorcore.AMDPairwise, Group: p.L, FlushSubnormals: p.Flush}
	case PathAMDFused:
		q.Step = tensorcore.Step{L: p.L, F: 24, Out: tensorcore.RZFP32}
		q.AMD = &tensorcore.AMDPath{Kind: tensorcore.AMDFused, Group: p.L, OddEven: p.OddEven}
	}
	return tensorcore.NewPreset(q)
}

func (p Params) zeroExpName() string {
	switch {
	case p.Path == PathAMDFused:
		return "-126"
	case p.Path == PathAMDPairwise:
		return "-"
	case p.ZeroExp == NoZeroExp:
		return "none"
	}
	return strconv.Itoa(p.ZeroExp)
}

func (p Params) cJoin() string {
	switch {
	case p.Path == PathAMDPairwise:
		return "fp32-add"
	case p.Path == PathAMDFused:
		return "rd-join"
	case !p.SeparateC:
		return "fused"
	case p.RNE16:
		return "fp16-add"
	}
	return "fp32-add"
}

func (p Params) via() string {
	if p.ViaFP16 {
		return "f16"
	}
	return "-"
}

func (p Params) cInput() string {
	if p.CZero {
		return "zero"
	}
	return "recorded"
}

// field is one parameter as fit reports it.
type field struct {
	name  string
	value func(p Params, k int) string
}

// fields are the parameters in the order they are printed. k is the
// family's instruction K.
var fields = []field{
	{"datapath", func(p Params, _ int) string { return p.Path.String() }},
	{"L", func(p Params, _ int) string { return strconv.Itoa(p.L) }},
	{"steps", func(p Params, k int) string { return strconv.Itoa(k / p.L) }},
	{"interleave", func(p Params, k int) string {
		if k == p.L || p.Interleave == p.L {
			return "contiguous"
		}
		return strconv.Itoa(p.Interleave)
	}},
	{"F", func(p Params, _ int) string {
		switch p.Path {
		case PathAMDFused:
			return "24"
		case PathAMDPairwise:
			return "-"
		}
		return strconv.Itoa(p.F)
	}},
	{"conversion", func(p Params, _ int) string { return p.Conversion() }},
	{"zero_exp", func(p Params, _ int) string { return p.zeroExpName() }},
	{"c_join", func(p Params, _ int) string { return p.cJoin() }},
	{"via", func(p Params, _ int) string { return p.via() }},
	{"flush", func(p Params, _ int) string { return yesNo(p.Flush) }},
	{"odd_even", func(p Params, _ int) string { return yesNo(p.OddEven) }},
	{"c_input", func(p Params, _ int) string { return p.cInput() }},
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// String is the parameters in one line (without the family's K).
func (p Params) String() string { return p.format(0) }

func (p Params) format(k int) string {
	var b strings.Builder
	for i, f := range fields {
		switch {
		case k == 0 && f.name == "steps", f.name == "c_input" && !p.CZero,
			f.name == "flush" && p.Path != PathAMDPairwise, f.name == "odd_even" && p.Path != PathAMDFused:
			continue
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%s", f.name, f.value(p, max(k, p.L)))
	}
	return b.String()
}

// values is the parameters as name → value for the family's K.
func (p Params) values(k int) map[string]string {
	m := map[string]string{}
	for _, f := range fields {
		m[f.name] = f.value(p, k)
	}
	return m
}

// paramsJSON is Params in --json output: ints as numbers, the rest as the
// strings of the text output.
type paramsJSON struct {
	Datapath   string `json:"datapath"`
	L          int    `json:"L"`
	Steps      int    `json:"steps"`
	Interleave string `json:"interleave"`
	F          int    `json:"F"`
	Conversion string `json:"conversion"`
	ZeroExp    string `json:"zero_exp"`
	CJoin      string `json:"c_join"`
	Via        string `json:"via"`
	Flush      bool   `json:"flush"`
	OddEven    bool   `json:"odd_even"`
	CInput     string `json:"c_input"`
}

func (p Params) jsonValue(k int) json.Marshaler {
	v := p.values(k)
	f := p.F
	switch p.Path {
	case PathAMDFused:
		f = 24
	case PathAMDPairwise:
		f = 0
	}
	return rawJSON(mustJSON(paramsJSON{Datapath: p.Path.String(), L: p.L, Steps: k / p.L, Interleave: v["interleave"], F: f, Flush: p.Flush, OddEven: p.OddEven,
		Conversion: v["conversion"], ZeroExp: v["zero_exp"], CJoin: v["c_join"], Via: v["via"], CInput: v["c_input"]}))
}

type rawJSON []byte

func (r rawJSON) MarshalJSON() ([]byte, error) { return r, nil }

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// sameDatapath reports whether preset q has the parameters p for a family
// of instructions of k products and accumulator acc: the same step, the
// same C join and conversion to FP16, and the same split of the products
// into steps. A preset whose instruction is longer than the records' (K–M
// records hold one step's products, the rest of the instruction zero) only
// needs the same first step when p has a single step (and then any L of
// the preset holding the k products is the same).
func sameDatapath(p Params, q *tensorcore.Preset, k int, acc numerics.Format) bool {
	if p.Path != PathNV || q.AMD != nil {
		a := q.AMD
		return a != nil && p.Path != PathNV && q.K == k && a.Group == p.L &&
			(a.Kind == tensorcore.AMDPairwise) == (p.Path == PathAMDPairwise) &&
			a.FlushSubnormals == p.Flush && a.OddEven == p.OddEven
	}
	if q.BlockScaled() || q.Acc() != acc || (q.L != p.L && k != p.L) || q.F != p.F || q.ZeroExp != p.ZeroExp ||
		q.SeparateC != p.SeparateC || (q.Via != nil) != p.ViaFP16 || q.Rounding() != p.Conversion() {
		return false
	}
	if p.ViaFP16 && *q.Via != numerics.FP16 {
		return false
	}
	switch {
	case k == p.L:
		// One step over the records' products: so is the preset's first
		// step if it holds products 0..k-1 (the rest being zero).
		return q.L >= k && (q.Interleave == q.L || q.K == q.L)
	case q.K != k:
		return false
	}
	return q.Interleave == p.Interleave || q.K == q.L
}
