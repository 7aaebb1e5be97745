package tensorcore

import (
	"fmt"

	"github.com/tcsim/tcsim/numerics"
)

// The Blackwell workstation GPU (RTX PRO 6000, sm_120): published models
// only, no record here. MMA-Sim ("RTX Blackwell", nv_ptx.py) and K–M
// (models/RTXPRO6000TC.m, which calls B200TC.m) agree on the FP16, BF16
// and TF32 steps: all the products of an m16n8k16 (k8 for TF32) mma.sync
// and C fused with 25 fraction bits, truncated to FP32. They differ on
//
//   - FP8: sm_120 has a native FP8 mma.sync (kind f8f6f4, m16n8k32):
//     MMA-Sim fuses the 32 products and C with 25 fraction bits, truncated
//     to FP32 or rounded to nearest FP16 for an FP16 accumulator. K–M's
//     model fuses 32 products the same way but always outputs FP32; the
//     B200 legacy mma.sync FP8 records (FP16 emulation, presets.go) do not
//     carry over to sm_120, whose FP8 mma.sync is not emulated.
//   - the zero-term exponent: K–M −133 (and −21 for FP16 inputs with an
//     FP16 accumulator, their min_exp_limit); MMA-Sim gives a zero operand
//     the exponent −126, so a zero product's exponent is −126 plus the
//     other operand's. The presets keep −133 as for B200; only sums whose
//     every non-zero term is tiny can tell.
//
// The block-scaled forms are MMA-Sim's (mma.sync ... block_scale on
// sm_120): MXFP8 with one E8M0 scale per 32 operands, MXFP4 and NVFP4 as
// tcgen05's on B200.
func init() {
	const src = "MMA-Sim arXiv 2511.10909 (RTX Blackwell); Khattak & Mikaitis arXiv 2512.07004 (RTXPRO6000TC = B200TC)"
	gpu := "RTXPRO6000"
	fp16, bf16, tf32 := numerics.FP16, numerics.BF16, numerics.TF32
	step := func(l int, out Conversion) Step { return Step{L: l, F: 25, Out: out, ZeroExp: hopperZeroExp} }
	for _, in := range []struct {
		f numerics.Format
		k int
	}{{fp16, 16}, {bf16, 16}, {tf32, 8}} {
		register(&Preset{
			Name: "rtxpro6000-mma-" + in.f.Name(), GPU: gpu,
			Instr:       fmt.Sprintf("mma.sync.aligned.m16n8k%d.row.col.f32.%s.%s.f32", in.k, in.f, in.f),
			Description: fmt.Sprintf("Blackwell workstation %s, FP32 accumulator: %d products and C fused, 25 fraction bits, truncated to FP32", in.f, in.k),
			A:           in.f, B: in.f, K: in.k, Step: step(in.k, RZFP32),
			Source: src, Status: Published,
		})
	}
	register(&Preset{
		Name: "rtxpro6000-mma-f16-f16acc", GPU: gpu,
		Instr:       "mma.sync.aligned.m16n8k16.row.col.f16.f16.f16.f16",
		Description: "Blackwell workstation FP16, FP16 accumulator: 16 products and C fused, 25 fraction bits, rounded once to nearest FP16",
		A:           fp16, B: fp16, K: 16, Step: step(16, RNEFP16),
		Source: src, Status: Published,
	})
	for _, a := range fp8 {
		for _, b := range fp8 {
			register(&Preset{
				Name: fmt.Sprintf("rtxpro6000-mma-%s-%s", a, b), GPU: gpu,
				Instr:       fmt.Sprintf("mma.sync.aligned.kind::f8f6f4.m16n8k32.row.col.f32.%s.%s.f32", a, b),
				Description: "Blackwell workstation native FP8, FP32 accumulator: 32 products and C fused, 25 fraction bits, truncated to FP32",
				A:           a, B: b, K: 32, Step: step(32, RZFP32),
				Source: src, Status: Published,
			}, &Preset{
				Name: fmt.Sprintf("rtxpro6000-mma-%s-%s-f16acc", a, b), GPU: gpu,
				Instr:       fmt.Sprintf("mma.sync.aligned.kind::f8f6f4.m16n8k32.row.col.f16.%s.%s.f16", a, b),
				Description: "Blackwell workstation native FP8, FP16 accumulator: 32 products and C fused, 25 fraction bits, rounded once to nearest FP16 (MMA-Sim; K–M model no FP16 output)",
				A:           a, B: b, K: 32, Step: step(32, RNEFP16),
				Source: src, Status: Published,
			}, &Preset{
				Name: fmt.Sprintf("rtxpro6000-mxf8-%s-%s", a, b), GPU: gpu,
				Instr: fmt.Sprintf("mma.sync.aligned.kind::mxf8f6f4.block_scale.scale_vec::1X.m16n8k32.row.col.f32.%s.%s.f32.ue8m0", a, b),
				Description: "Blackwell workstation MXFP8: one E8M0 scale per 32 operands added to the product exponents, " +
					"32 products and C fused, 25 fraction bits, truncated to FP32 (--scaling tensor only)",
				A: a, B: b, K: 32, Step: step(32, RZFP32),
				Scale:  &BlockScale{Format: numerics.E8M0, Block: 32},
				Source: srcMMASim, Status: Published,
			})
		}
	}
	e2m1 := numerics.E2M1
	register(&Preset{
		Name: "rtxpro6000-mxf4-e2m1", GPU: gpu,
		Instr: "mma.sync.aligned.kind::mxf4.block_scale.scale_vec::2X.m16n8k64.row.col.f32.e2m1.e2m1.f32.ue8m0",
		Description: "Blackwell workstation MXFP4: one E8M0 scale per 32 operands; each group of 16 products summed exactly and scaled, " +
			"the 4 group terms and C fused with 35 fraction bits, truncated to FP32 (--scaling tensor only)",
		A: e2m1, B: e2m1, K: 64, Step: Step{L: 64, F: 35, Out: RZFP32, ZeroExp: hopperZeroExp},
		Scale:  &BlockScale{Format: numerics.E8M0, Block: 32, Group: 16},
		Source: srcMMASim, Status: Published,
	}, &Preset{
		Name: "rtxpro6000-nvf4-e2m1", GPU: gpu,
		Instr: "mma.sync.aligned.kind::mxf4nvf4.block_scale.scale_vec::4X.m16n8k64.row.col.f32.e2m1.e2m1.f32.ue4m3",
		Description: "Blackwell workstation NVFP4: one UE4M3 scale per 16 operands; each group of 16 products summed exactly and scaled, " +
			"the 4 group terms and C fused with 35 fraction bits, truncated to FP32 (--scaling tensor only)",
		A: e2m1, B: e2m1, K: 64, Step: Step{L: 64, F: 35, Out: RZFP32, ZeroExp: hopperZeroExp},
		Scale:  &BlockScale{Format: numerics.UE4M3, Block: 16, Group: 16},
		Source: srcMMASim, Status: Published,
	})
}
