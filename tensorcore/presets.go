package tensorcore

import (
	"fmt"
	"sort"

	"github.com/tcsim/tcsim/numerics"
)

// hopperZeroExp is the exponent Hopper and Blackwell give zero terms
// (Khattak & Mikaitis); with FP8 operands it never decides e_max.
const hopperZeroExp = -133

var fp8 = []numerics.Format{numerics.E4M3, numerics.E5M2}

var registry = map[string]*Preset{}

// register validates and adds presets; an invalid built-in preset is a
// programming error.
func register(ps ...*Preset) {
	for _, p := range ps {
		if err := p.init(); err != nil {
			panic(err)
		}
		if _, dup := registry[p.Name]; dup {
			panic("tensorcore: duplicate preset " + p.Name)
		}
		registry[p.Name] = p
	}
}

func init() {
	fp16 := numerics.FP16
	for _, a := range fp8 {
		for _, b := range fp8 {
			// Record counts of the full H100 recordings (instruction files;
			// e5m2×e4m3 was not recorded) and of the K–M H100 FP8 d_fp32
			// files, which were made with C = 0 (docs/records.md §2, §5).
			var wgVer, mmaVer []Verification
			if n := h100InstRecords(a, b); n > 0 {
				wgVer = []Verification{{Records: "h100 inst_wgmma", Matched: n, Total: n}}
				mmaVer = []Verification{{Records: "h100 inst_mma", Matched: n, Total: n}}
			}
			if a == b {
				wgVer = append(wgVer, km("H100", fp8Folder(a), "fp32")...)
			}
			register(&Preset{
				Name: fmt.Sprintf("h100-wgmma-%s-%s", a, b),
				GPU:  "H100", Instr: fmt.Sprintf("wgmma.mma_async.m64nNk32.f32.%s.%s", a, b),
				Description: "Hopper FP8 wgmma, FP32 accumulator: 32 products and C fused, " +
					"13 fraction bits, truncated to 14 significant bits",
				A: a, B: b, K: 32,
				Step:   Step{L: 32, F: 13, Out: RZE8M13, ZeroExp: hopperZeroExp, PlusZero: true},
				Source: "docs/datapath.md §2; H100 records", Status: Measured, Verified: wgVer,
			}, &Preset{
				Name: fmt.Sprintf("h100-wgmma-%s-%s-f16acc", a, b),
				GPU:  "H100", Instr: fmt.Sprintf("wgmma.mma_async.m64nNk32.f16.%s.%s", a, b),
				Description: "Hopper FP8 wgmma, FP16 accumulator: the same fused step with an " +
					"FP16 C, rounded once to nearest FP16",
				A: a, B: b, K: 32,
				Step:   Step{L: 32, F: 13, Out: RNEFP16, ZeroExp: hopperZeroExp, PlusZero: true},
				Source: "docs/datapath.md §2", Status: Measured,
			}, &Preset{
				Name: fmt.Sprintf("h100-mma-%s-%s", a, b),
				GPU:  "H100", Instr: fmt.Sprintf("mma.sync.aligned.m16n8k32.row.col.f32.%s.%s.f32", a, b),
				Description: "Hopper mma.sync FP8: converted to FP16, two FP16 steps of 16 " +
					"(k mod 4 in {0,1}, then {2,3}), then an FP32 add of C",
				A: a, B: b, Via: &fp16, K: 32,
				Step:       Step{L: 16, F: 25, Out: RZFP32, ZeroExp: hopperZeroExp},
				Interleave: 2, SeparateC: true,
				Source: "docs/datapath.md §3; H100 records", Status: Measured, Verified: mmaVer,
			})
		}
	}
}

// h100InstRecords is the number of instruction records of an FP8 pair in
// the full H100 recording (docs/records.md §2; inst_wgmma and inst_mma
// each; C = 0 and random C).
func h100InstRecords(a, b numerics.Format) int {
	switch {
	case a == numerics.E4M3 && b == numerics.E4M3:
		return 2 * 102400
	case a == numerics.E5M2 && b == numerics.E5M2, a == numerics.E4M3 && b == numerics.E5M2:
		return 2 * 30720
	}
	return 0
}

// Lookup returns the preset with the given name. The result is the
// caller's own copy: changing its fields does not change the registry, and
// the copy's datapath stays the one [Lookup] gave (its decode tables and
// kernel choices are built once); make variants with [Preset.WithF] or
// [NewPreset].
func Lookup(name string) (*Preset, error) {
	if p, ok := registry[name]; ok {
		return p.clone(), nil
	}
	if n, ok := resolveAlias(name); ok {
		if p, ok := registry[n]; ok {
			return p.clone(), nil
		}
	}
	return nil, fmt.Errorf("unknown preset %q (see 'tcsim presets')", name)
}

// Presets returns every preset, sorted by name, each the caller's own copy
// (see [Lookup]).
func Presets() []*Preset {
	ps := make([]*Preset, 0, len(registry))
	for _, p := range registry {
		ps = append(ps, p.clone())
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
	return ps
}
