package tensorcore

import (
	"fmt"

	"github.com/tcsim/tcsim/numerics"
)

// AMD CDNA presets ("published, unverified": no record here). The
// parameters are MMA-Sim's (simulator/amd.py); Khattak & Mikaitis publish
// MI100, MI210/MI250 and MI300 models too (models/MI*MC.m), and the two
// disagree (docs/amd.md has the details):
//
//   - MI100 (CDNA1): MMA-Sim sums each group of 4 FP16 (2 BF16) products as
//     a tree of FP32 round-to-nearest adds, then adds it to C in FP32; K–M
//     (correct_rounding = 1) rounds C plus the group's exact sum once. They
//     differ whenever a partial sum of the tree is inexact.
//   - MI250X (CDNA2): both sum pairwise with subnormals flushed; K–M's
//     group is 4 for BF16 as for FP16, MMA-Sim's is 2 for the original
//     BF16 instructions and 4 for the _1k ones (the presets model _1k).
//   - MI300X (CDNA3): K–M's MI300XMC.m calls MI300MC.m, which their
//     repository does not contain; only MMA-Sim's model is available.
func init() {
	const src = "MMA-Sim arXiv 2511.10909 (simulator/amd.py); docs/amd.md"
	fp16, bf16, tf32 := numerics.FP16, numerics.BF16, numerics.TF32
	amd := func(name, gpu, instr, desc string, a, b numerics.Format, k int, path AMDPath) *Preset {
		f := fracAMD
		if path.Kind == AMDPairwise {
			f = fracPairwise
		}
		return &Preset{Name: name, GPU: gpu, Instr: instr, Description: desc, A: a, B: b, K: k,
			Step: Step{L: path.Group, F: f, Out: RZFP32}, AMD: &path, Source: src, Status: Published}
	}
	register(
		amd("mi100-mfma-f16", "MI100", "v_mfma_f32_32x32x8f16",
			"CDNA1 FP16: groups of 4 products summed as an FP32 round-to-nearest tree, each added to C in FP32",
			fp16, fp16, 8, AMDPath{Kind: AMDPairwise, Group: 4}),
		amd("mi100-mfma-bf16", "MI100", "v_mfma_f32_32x32x4bf16",
			"CDNA1 BF16: pairs of products summed in FP32 round-to-nearest, each added to C in FP32",
			bf16, bf16, 4, AMDPath{Kind: AMDPairwise, Group: 2}),
		amd("mi250x-mfma-f16", "MI250X", "v_mfma_f32_32x32x8f16",
			"CDNA2 FP16: groups of 4 products summed as an FP32 round-to-nearest tree, added to C in FP32, subnormals flushed to zero",
			fp16, fp16, 8, AMDPath{Kind: AMDPairwise, Group: 4, FlushSubnormals: true}),
		amd("mi250x-mfma-bf16", "MI250X", "v_mfma_f32_32x32x8bf16_1k",
			"CDNA2 BF16 (_1k): groups of 4 products summed as an FP32 round-to-nearest tree, added to C in FP32, subnormals flushed to zero",
			bf16, bf16, 8, AMDPath{Kind: AMDPairwise, Group: 4, FlushSubnormals: true}),
		amd("mi300x-mfma-f16", "MI300X", "v_mfma_f32_16x16x16_f16",
			"CDNA3 FP16: two groups of 8; products aligned to their maximum with 24 fraction bits, joined with C rounding down (31 and 24 bits), rounded to nearest FP32",
			fp16, fp16, 16, AMDPath{Kind: AMDFused, Group: 8}),
		amd("mi300x-mfma-bf16", "MI300X", "v_mfma_f32_16x16x16_bf16",
			"CDNA3 BF16: two groups of 8; products aligned to their maximum with 24 fraction bits, joined with C rounding down (31 and 24 bits), rounded to nearest FP32",
			bf16, bf16, 16, AMDPath{Kind: AMDFused, Group: 8}),
		amd("mi300x-mfma-xf32", "MI300X", "v_mfma_f32_16x16x8_xf32",
			"CDNA3 XF32 (TF32 operands): two groups of 4, fused as FP16/BF16, rounded to nearest FP32",
			tf32, tf32, 8, AMDPath{Kind: AMDFused, Group: 4}),
	)
	fnuz := []struct {
		f    numerics.Format
		name string // the ISA's name
	}{{numerics.E4M3FNUZ, "fp8"}, {numerics.E5M2FNUZ, "bf8"}}
	for _, a := range fnuz {
		for _, b := range fnuz {
			register(amd(fmt.Sprintf("mi300x-mfma-%s-%s", a.f, b.f), "MI300X",
				fmt.Sprintf("v_mfma_f32_16x16x32_%s_%s", a.name, b.name),
				"CDNA3 FP8 (FNUZ): two groups of 16; in each the even and the odd products fused apart (24 fraction bits), "+
					"their sums rounded down and added, joined with C rounding down (C dropped 26 binades below), rounded to nearest FP32",
				a.f, b.f, 32, AMDPath{Kind: AMDFused, Group: 16, OddEven: true}))
		}
	}
}
