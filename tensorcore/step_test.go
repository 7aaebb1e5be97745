package tensorcore_test

// Hand-worked cases of the step model (docs/datapath.md §1–§3). e4m3 codes used
// below: 1.0 = 0x38, 1.125 = 0x39, 1.25 = 0x3A, 1.375 = 0x3B, 1.5 = 0x3C,
// 1.625 = 0x3D, 1.75 = 0x3E, 1.875 = 0x3F, 2.0 = 0x40, 4.0 = 0x48,
// 2^8 = 0x78, 448 = 0x7E, 2^-4 = 0x18, 2^-5 = 0x10, 2^-6 = 0x08 (smallest
// normal), 2^-7 = 0x04 and 2^-9 = 0x01 (subnormals, field exponent -6);
// a set sign bit (0x80) negates.

import "testing"

type stepCase struct {
	what string
	a, b []uint32
	c    uint32
	want uint32
}

func runStepCases(t *testing.T, preset string, cases []stepCase) {
	t.Helper()
	p := lookup(t, preset)
	for _, tc := range cases {
		if got := p.MMA(tc.a, tc.b, tc.c); got != tc.want {
			t.Errorf("%s: %s: got %#08x, want %#08x", preset, tc.what, got, tc.want)
		}
	}
}

// TestStepWGMMA: the FP32-accumulator wgmma step, L = 32, F = 13, RZ-E8M13.
func TestStepWGMMA(t *testing.T) {
	runStepCases(t, "h100-wgmma-e4m3-e4m3", []stepCase{
		// 32 · (1·1) = 32 = 2^5 → 0x42000000.
		{"32 ones", fill(0x38), fill(0x38), 0, 0x42000000},
		// 32 · (448·448) = 6422528 = 1.53125·2^22 (field exponent 16, grid
		// 2^3, all exact) → exponent 149 = 0x95, mantissa 0.53125·2^23 =
		// 0x440000 → 0x4AC40000.
		{"32 max products", fill(0x7E), fill(0x7E), 0, 0x4AC40000},
		// 1.125·1.375 + 1.25·1.625 - 1.5·1.75 = 1.546875 + 2.03125 - 2.625
		// = 0.953125 (field exponents 0, grid 2^-13, exact) = 1.90625·2^-1
		// → 0x3F740000.
		{"mixed signs exact", pad32(0x39, 0x3A, 0xBC), pad32(0x3B, 0x3D, 0x3E), 0, 0x3F740000},
		// 1·1 + 2^-7·2^-7: e_max = 0, grid 2^-13; 2^-14 → 0. D = 1.0.
		{"1 + 2^-14", pad32(0x38, 0x04), pad32(0x38, 0x04), 0, 0x3F800000},
		// 1 + 2·2^-14: each 2^-14 is truncated on its own before the sum,
		// so D = 1.0 although the exact 1 + 2^-13 has only 14 bits.
		{"1 + 2^-14 + 2^-14", pad32(0x38, 0x04, 0x04), pad32(0x38, 0x04, 0x04), 0, 0x3F800000},
		// 1 + 31·2^-14 (exact 1.00189...): every tiny term vanishes → 1.0.
		{"1 + 31·2^-14", append([]uint32{0x38}, fill(0x04)[1:]...), append([]uint32{0x38}, fill(0x04)[1:]...), 0, 0x3F800000},
		// C = 1.0 and 32·2^-14: C's exponent 0 is e_max → 1.0.
		{"C=1 + 32·2^-14", fill(0x04), fill(0x04), 0x3F800000, 0x3F800000},
		// 1 + 2^-6·2^-7 = 1 + 2^-13: on the grid and 14 bits → 0x3F800400.
		{"1 + 2^-13", pad32(0x38, 0x08), pad32(0x38, 0x04), 0, 0x3F800400},
		// Final RZ-E8M13: 16 · 1.875² = 16 · 3.515625 = 56.25, + 2^-13
		// (on the grid 2^-13): 56.25 + 2^-13 spans 2^5..2^-13 (19 bits);
		// truncated to 14 bits (down to 2^-8) → 56.25 = 1.7578125·2^5 →
		// 0x42610000.
		{"final truncation to 14 bits", append(fill(0x3F)[:16], pad32(0x08)[:16]...), append(fill(0x3F)[:16], pad32(0x04)[:16]...), 0, 0x42610000},
		// C = 3.0 (0x40400000, exponent 1, grid 2^-12) + 2^-6·2^-6 = 2^-12
		// (kept) - 2^-7·2^-7 = -2^-14 (truncated to 0): 3 + 2^-12 =
		// 1.5·2 + 2^-12 → mantissa 0x400000 | 2^(23-13) → 0x40400400.
		{"C term and mixed-sign tiny products", pad32(0x08, 0x84), pad32(0x08, 0x04), 0x40400000, 0x40400400},
		// C = -0.75 (0xBF400000) + 1·1 = 0.25 → 0x3E800000.
		{"negative C", pad32(0x38), pad32(0x38), 0xBF400000, 0x3E800000},
		// C = 1 + 2^-23 (0x3F800001) alone: grid 2^-13 → 1.0; the low
		// mantissa bits of C are truncated even without products.
		{"C alone is truncated", pad32(), pad32(), 0x3F800001, 0x3F800000},
		// C = 0x3F800400 (1 + 2^-13) alone is on the grid: kept.
		{"C alone on the grid", pad32(), pad32(), 0x3F800400, 0x3F800400},
	})
}

// TestStepWGMMAE5M2: the same step with e5m2 operands (1.0 = 0x3C,
// 2^-16 = 0x01 subnormal at field exponent -14, 57344 = 0x7B).
func TestStepWGMMAE5M2(t *testing.T) {
	runStepCases(t, "h100-wgmma-e5m2-e5m2", []stepCase{
		// 57344² = 3.0625·2^30 = 3288334336; 32 of them = 1.53125·2^36
		// (exact, grid 2^17): exponent 163 = 0xA3 → 0x51C40000.
		{"32 max products", fill(0x7B), fill(0x7B), 0, 0x51C40000},
		// 2^-16·2^-16 = 2^-32 (field exponent -28): 0x2F800000.
		{"smallest product", pad32(0x01), pad32(0x01), 0, 0x2F800000},
		// 1·1 + 2^-16·2^-16: e_max = 0, grid 2^-13, 2^-32 vanishes.
		{"1 + 2^-32", pad32(0x3C, 0x01), pad32(0x3C, 0x01), 0, 0x3F800000},
	})
}

// TestStepMMASync: the mma.sync path of §3,
// D = fp32_RN(H(H(0, products k mod 4 ∈ {0,1}), products k mod 4 ∈ {2,3}) + C),
// H the fused step with L = 16, F = 25, RZ-FP32, exponents of the FP16
// representation.
func TestStepMMASync(t *testing.T) {
	tiny := map[int]uint32{0: 0x10, 1: 0x10, 4: 0x10, 5: 0x10, 8: 0x10, 9: 0x10, 12: 0x10, 13: 0x10}
	with := func(m map[int]uint32, k int, c uint32) []uint32 {
		v := at(m)
		v[k] = c
		return v
	}
	runStepCases(t, "h100-mma-e4m3-e4m3", []stepCase{
		// Grouping matters. Eight products 2^-5·2^-5 = 2^-10 at k = 0, 1,
		// 4, 5, 8, 9, 12, 13 (all in the first step) and 2^8·2^8 = 2^16 at
		// k = 2 (second step). Step 1: 8·2^-10 = 2^-7 exactly. Step 2: C =
		// 2^-7 and 2^16, e_max = 16, grid 2^-9, 2^-7 kept: 2^16 + 2^-7 =
		// 2^16·(1 + 2^-23) → 0x47800001.
		{"big product in the second step", with(tiny, 2, 0x78), with(tiny, 2, 0x78), 0, 0x47800001},
		// The same products with 2^16 at k = 16 (k mod 4 = 0, first step):
		// one step with e_max = 16, grid 2^-9; each 2^-10 truncates to 0 →
		// 2^16 = 0x47800000.
		{"big product in the first step", with(tiny, 16, 0x78), with(tiny, 16, 0x78), 0, 0x47800000},
		// RZ inside a step: 2^16 at k = 0 and three 2^-4·2^-5 = 2^-9 at
		// k = 1, 4, 5 (all step 1, grid 2^-9, exact sum 2^16 + 3·2^-9); RZ
		// to FP32 (ulp 2^-7 at 2^16, 3·2^-9 = 0.75 ulp) → 0x47800000.
		// Round-to-nearest would give 0x47800001.
		{"RZ-FP32 in the step", at(map[int]uint32{0: 0x78, 1: 0x18, 4: 0x18, 5: 0x18}), at(map[int]uint32{0: 0x78, 1: 0x10, 4: 0x10, 5: 0x10}), 0, 0x47800000},
		{"RZ-FP32 in the step, negative", at(map[int]uint32{0: 0xF8, 1: 0x98, 4: 0x98, 5: 0x98}), at(map[int]uint32{0: 0x78, 1: 0x10, 4: 0x10, 5: 0x10}), 0, 0xC7800000},
		// C is added by a separate round-to-nearest FP32 add: steps give
		// 1.0, C = 1.5·2^-24 (0x33C00000) is above half an ulp (2^-24) →
		// 1 + 2^-23 = 0x3F800001. (As a fused F = 25 term it would sit on
		// the grid 2^-25 and RZ would give 1.0.)
		{"C added with RN", pad32(0x38), pad32(0x38), 0x33C00000, 0x3F800001},
		// C = 2^-24 (0x33800000) is exactly half an ulp: ties to even → 1.0.
		{"C tie to even", pad32(0x38), pad32(0x38), 0x33800000, 0x3F800000},
		// FP32 add of a large C: 1 + 2^24 → 2^24 (1 is half an ulp, tie to
		// even) = 0x4B800000; 3 + 2^24 → 2^24 + 4 = 0x4B800002.
		{"C = 2^24, product 1", pad32(0x38), pad32(0x38), 0x4B800000, 0x4B800000},
		{"C = 2^24, products 1 + 2", pad32(0x38, 0x40), pad32(0x38, 0x38), 0x4B800000, 0x4B800002},
		// 32 ones: step 1 = 16, step 2 = 32 → 0x42000000.
		{"32 ones", fill(0x38), fill(0x38), 0, 0x42000000},
	})
	// Exponents of the FP16 representation: e4m3 2^-9 (0x01, field
	// exponent -6 in e4m3) is a normal FP16 number with exponent -9.
	// e4m3 0x01 times e5m2 57344 (0x7B, FP16 exponent 15) at k = 0 is 112
	// with exponent -9 + 15 = 6: e_max = 6, grid 2^-19. Two products
	// 2^-9·2^-9 (e5m2 0x18 = 2^-9) = 2^-18 at k = 1, 4 are kept: 112 +
	// 2^-17 = 1.75·2^6 + one ulp → 0x42E00001. With e4m3 field exponents
	// e_max would be 9, grid 2^-16, and the sum 112 = 0x42E00000.
	runStepCases(t, "h100-mma-e4m3-e5m2", []stepCase{
		{"FP16 exponents", at(map[int]uint32{0: 0x01, 1: 0x01, 4: 0x01}), at(map[int]uint32{0: 0x7B, 1: 0x18, 4: 0x18}), 0, 0x42E00001},
	})
}
