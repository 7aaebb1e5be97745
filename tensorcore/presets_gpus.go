package tensorcore

import (
	"fmt"
	"strings"

	"github.com/tcsim/tcsim/numerics"
)

// Presets for GPUs other than the Hopper FP8 wgmma of presets.go
// (docs/datapath.md §5). Their parameters are those of the published models,
// Khattak & Mikaitis (arXiv 2512.07004, "K–M") and MMA-Sim (Xie et al.,
// arXiv 2511.10909); where records exist (docs/records.md §5, subsets in
// testdata/km) the Verified counts say how many each preset reproduces, and
// sim/verify/km_test.go recomputes them.
//
// K is the K of the named instruction. The K–M records hold one hardware
// step's products each: they were made with wmma fragments of the
// instruction's K holding the record's products followed by zeros
// (model_validation/CUDA/wmma_fp16_bf16_tf32_input.cu), so the verifier pads
// them with zeros the same way. Zero products take no part in a step, and a
// step of zero products passes its C through unchanged, so the padding adds
// nothing: the records check the first step exactly.
//
// The exponent given to zero terms (Step.ZeroExp) is where the two models
// differ: K–M give −131 on Volta, −132 on Ampere and Ada, −133 on Hopper and
// Blackwell; MMA-Sim gives zero terms no exponent at all (no floor). No
// record decides it: e_max lies in [−5, 2] in every K–M record, far above
// any floor, and TestKMZeroExpUndecided (sim/verify/km_test.go) shows every floor
// from −10000 to −120 reproducing them all. The code keeps the K–M values;
// only BF16/TF32 sums whose every term lies below 2^−131 (and block-scaled
// corners) can tell the two apart.
const (
	voltaZeroExp  = -131
	ampereZeroExp = -132 // Ampere and Ada
)

// km is a verification against all 5000 records of one K–M record file.
func km(gpu, format, out string) []Verification {
	return []Verification{{Records: "km " + gpu + "/" + format + " d_" + out, Matched: 5000, Total: 5000}}
}

const (
	srcKM     = "Khattak & Mikaitis arXiv 2512.07004; docs/datapath.md §5"
	srcMMASim = "MMA-Sim arXiv 2511.10909; docs/datapath.md §5"
)

func init() {
	fp16, bf16, tf32 := numerics.FP16, numerics.BF16, numerics.TF32

	// Volta: mma.sync m8n8k4 is one step of 4 (wmma m16n16k16 compiles to
	// four of them).
	register(&Preset{
		Name: "v100-mma-f16", GPU: "V100", Instr: "mma.sync.aligned.m8n8k4.row.col.f32.f16.f16.f32",
		Description: "Volta FP16, FP32 accumulator: 4 products and C fused, 23 fraction bits, truncated to FP32",
		A:           fp16, B: fp16, K: 4,
		Step:   Step{L: 4, F: 23, Out: RZFP32, ZeroExp: voltaZeroExp},
		Source: srcKM, Status: Measured, Verified: km("V100", "fp16", "fp32"),
	}, &Preset{
		Name: "v100-mma-f16-f16acc", GPU: "V100", Instr: "mma.sync.aligned.m8n8k4.row.col.f16.f16.f16.f16",
		Description: "Volta FP16, FP16 accumulator: the same fused step with an FP16 C, rounded once to nearest FP16",
		A:           fp16, B: fp16, K: 4,
		Step:   Step{L: 4, F: 23, Out: RNEFP16, ZeroExp: voltaZeroExp},
		Source: srcKM, Status: Measured, Verified: km("V100", "fp16", "fp16"),
	})

	// Ampere and Ada: steps of 8 (FP16, BF16) or 4 (TF32) products, two per
	// m16n8k16 / m16n8k8 instruction.
	for _, g := range []struct{ gpu, desc string }{
		{"A100", "Ampere (A100)"}, {"A2", "Ampere (A2)"}, {"Ada", "Ada (RTX Ada)"}, {"L40S", "Ada (L40S)"},
	} {
		lower := strings.ToLower(g.gpu)
		register(&Preset{
			Name: lower + "-mma-f16", GPU: g.gpu, Instr: "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32",
			Description: g.desc + " FP16, FP32 accumulator: two chained steps of 8 products, 24 fraction bits, truncated to FP32",
			A:           fp16, B: fp16, K: 16,
			Step:   Step{L: 8, F: 24, Out: RZFP32, ZeroExp: ampereZeroExp},
			Source: srcKM, Status: Measured, Verified: km(g.gpu, "fp16", "fp32"),
		}, &Preset{
			Name: lower + "-mma-f16-f16acc", GPU: g.gpu, Instr: "mma.sync.aligned.m16n8k16.row.col.f16.f16.f16.f16",
			Description: g.desc + " FP16, FP16 accumulator: two chained steps of 8, each rounded to nearest FP16",
			A:           fp16, B: fp16, K: 16,
			Step:   Step{L: 8, F: 24, Out: RNEFP16, ZeroExp: ampereZeroExp},
			Source: srcKM, Status: Measured, Verified: km(g.gpu, "fp16", "fp16"),
		}, &Preset{
			Name: lower + "-mma-bf16", GPU: g.gpu, Instr: "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32",
			Description: g.desc + " BF16, FP32 accumulator: two chained steps of 8 products, 24 fraction bits, truncated to FP32",
			A:           bf16, B: bf16, K: 16,
			Step:   Step{L: 8, F: 24, Out: RZFP32, ZeroExp: ampereZeroExp},
			Source: srcKM, Status: Measured, Verified: km(g.gpu, "bf16", "fp32"),
		}, &Preset{
			Name: lower + "-mma-tf32", GPU: g.gpu, Instr: "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32",
			Description: g.desc + " TF32, FP32 accumulator: two chained steps of 4 products, 24 fraction bits, truncated to FP32",
			A:           tf32, B: tf32, K: 8,
			Step:   Step{L: 4, F: 24, Out: RZFP32, ZeroExp: ampereZeroExp},
			Source: srcKM, Status: Measured, Verified: km(g.gpu, "tf32", "fp32"),
		})
	}

	// Ada FP8: m16n8k32 is two chained steps of 16 with 13 fraction bits;
	// the FP32 form truncates each step to 14 significant bits, the FP16
	// form rounds each step to nearest FP16 (its C is FP16).
	for _, gpu := range []string{"Ada", "L40S"} {
		lower := strings.ToLower(gpu)
		for _, a := range fp8 {
			for _, b := range fp8 {
				same := a == b
				st, ver := Unverified, []Verification(nil)
				var ver16 []Verification
				if same {
					st, ver = Measured, km(gpu, fp8Folder(a), "fp32")
					if gpu == "Ada" { // only the Ada folders have d_fp16 files
						ver16 = km(gpu, fp8Folder(a), "fp16")
					}
				}
				st16 := Unverified
				if ver16 != nil {
					st16 = Measured
				}
				src := srcKM
				if !same {
					src += "; the model of the measured same-type pairs applied to a mixed pair"
				}
				register(&Preset{
					Name: fmt.Sprintf("%s-mma-%s-%s", lower, a, b), GPU: gpu,
					Instr:       fmt.Sprintf("mma.sync.aligned.m16n8k32.row.col.f32.%s.%s.f32", a, b),
					Description: "Ada FP8, FP32 accumulator: two chained steps of 16 products, 13 fraction bits, each truncated to 14 significant bits",
					A:           a, B: b, K: 32,
					Step:   Step{L: 16, F: 13, Out: RZE8M13, ZeroExp: ampereZeroExp},
					Source: src, Status: st, Verified: ver,
				}, &Preset{
					Name: fmt.Sprintf("%s-mma-%s-%s-f16acc", lower, a, b), GPU: gpu,
					Instr:       fmt.Sprintf("mma.sync.aligned.m16n8k32.row.col.f16.%s.%s.f16", a, b),
					Description: "Ada FP8, FP16 accumulator: two chained steps of 16 products, 13 fraction bits, each rounded to nearest FP16",
					A:           a, B: b, K: 32,
					Step:   Step{L: 16, F: 13, Out: RNEFP16, ZeroExp: ampereZeroExp},
					Source: src, Status: st16, Verified: ver16,
				})
			}
		}
	}

	// Hopper and Blackwell FP16/BF16/TF32: one step takes all 16 (8 for
	// TF32) products of the instruction. The records were made through
	// wmma, i.e. mma.sync; the wgmma and tcgen05 forms share the step in
	// the published models but no record here checks them.
	for _, g := range []struct {
		gpu, desc, newName string
		newInstr           func(k int, f numerics.Format, kind string) string
	}{
		{"H100", "Hopper", "wgmma", func(k int, f numerics.Format, _ string) string {
			return fmt.Sprintf("wgmma.mma_async.sync.aligned.m64nNk%d.f32.%s.%s", k, f, f)
		}},
		{"B200", "Blackwell", "tcgen05", func(k int, f numerics.Format, kind string) string {
			return fmt.Sprintf("tcgen05.mma.cta_group::1.kind::%s (K=%d, f32 accumulator, %s×%s)", kind, k, f, f)
		}},
	} {
		lower := strings.ToLower(g.gpu)
		for _, in := range []struct {
			f    numerics.Format
			name string // K–M folder
			k    int
			kind string
		}{{fp16, "fp16", 16, "f16"}, {bf16, "bf16", 16, "f16"}, {tf32, "tf32", 8, "tf32"}} {
			mmaK := "m16n8k16"
			if in.k == 8 {
				mmaK = "m16n8k8"
			}
			desc := fmt.Sprintf("%s %s, FP32 accumulator: %d products and C fused, 25 fraction bits, truncated to FP32",
				g.desc, strings.ToUpper(in.name), in.k)
			register(&Preset{
				Name: fmt.Sprintf("%s-mma-%s", lower, in.f), GPU: g.gpu,
				Instr:       fmt.Sprintf("mma.sync.aligned.%s.row.col.f32.%s.%s.f32", mmaK, in.f, in.f),
				Description: desc,
				A:           in.f, B: in.f, K: in.k,
				Step:   Step{L: in.k, F: 25, Out: RZFP32, ZeroExp: hopperZeroExp, PlusZero: g.gpu == "H100" && in.f == tf32},
				Source: srcKM, Status: Measured, Verified: km(g.gpu, in.name, "fp32"),
			}, &Preset{
				Name: fmt.Sprintf("%s-%s-%s", lower, g.newName, in.f), GPU: g.gpu,
				Instr:       g.newInstr(in.k, in.f, in.kind),
				Description: desc + fmt.Sprintf(" (the step of %s-mma-%s)", lower, in.f),
				A:           in.f, B: in.f, K: in.k,
				Step:   Step{L: in.k, F: 25, Out: RZFP32, ZeroExp: hopperZeroExp, PlusZero: g.gpu == "H100"},
				Source: srcKM + "; " + srcMMASim, Status: Published,
			})
			if in.f == fp16 {
				register(&Preset{
					Name: fmt.Sprintf("%s-mma-f16-f16acc", lower), GPU: g.gpu,
					Instr:       "mma.sync.aligned.m16n8k16.row.col.f16.f16.f16.f16",
					Description: g.desc + " FP16, FP16 accumulator: 16 products and C fused, 25 fraction bits, rounded once to nearest FP16",
					A:           fp16, B: fp16, K: 16,
					Step:   Step{L: 16, F: 25, Out: RNEFP16, ZeroExp: hopperZeroExp, PlusZero: g.gpu == "H100"},
					Source: srcKM, Status: Measured, Verified: km(g.gpu, "fp16", "fp16"),
				})
			}
		}
	}

	// Legacy mma.sync FP8 on Hopper and Blackwell is not an FP8 datapath:
	// the operands are converted to FP16 (exactly) and run through two
	// FP16 steps of 16 (k mod 4 in {0,1}, then {2,3}) chained from +0, and
	// C is added by the CUDA cores. With an FP32 accumulator that is FADD
	// (docs/datapath.md §3, measured on H100); with an FP16 accumulator each
	// step rounds to nearest FP16 and C (FP16) is added by HADD. This
	// project found both forms in the K–M records, which the published
	// models leave open: B200 d_fp32 and H100/B200 d_fp16 are reproduced
	// in full (5000/5000 each). In d_fp16 the alternatives fail: C fused
	// into the first step matches 61–63%, contiguous steps of 16 70–77%,
	// one fused step of 32 with an FP16 C (as tcgen05) 62–68%. In B200
	// d_fp32 only the separate FP32 add of C is decisive (C fused: 55%;
	// the published tcgen05 model, 25 fraction bits over 32 products and
	// C, 64–65%); the step layout there is the one measured on H100.
	for _, gpu := range []string{"H100", "B200"} {
		lower := strings.ToLower(gpu)
		for _, a := range fp8 {
			for _, b := range fp8 {
				st, ver, ver16 := Unverified, []Verification(nil), []Verification(nil)
				src := "this project's fit to the K–M records (H100, B200 d_fp16; B200 d_fp32); docs/datapath.md §3"
				if a == b {
					st = Measured
					ver16 = km(gpu, fp8Folder(a), "fp16")
					if gpu == "B200" {
						ver = km(gpu, fp8Folder(a), "fp32")
					}
				} else {
					src += "; a mixed pair: the model of the measured same-type pairs"
				}
				if gpu == "B200" {
					register(&Preset{
						Name: fmt.Sprintf("b200-mma-%s-%s", a, b), GPU: gpu,
						Instr: fmt.Sprintf("mma.sync.aligned.m16n8k32.row.col.f32.%s.%s.f32", a, b),
						Description: "Blackwell legacy mma.sync FP8 (as on Hopper): converted to FP16, two FP16 steps of 16 " +
							"(k mod 4 in {0,1}, then {2,3}), then an FP32 add of C",
						A: a, B: b, Via: &fp16, K: 32,
						Step:       Step{L: 16, F: 25, Out: RZFP32, ZeroExp: hopperZeroExp},
						Interleave: 2, SeparateC: true,
						Source: src, Status: st, Verified: ver,
					})
				}
				register(&Preset{
					Name: fmt.Sprintf("%s-mma-%s-%s-f16acc", lower, a, b), GPU: gpu,
					Instr: fmt.Sprintf("mma.sync.aligned.m16n8k32.row.col.f16.%s.%s.f16", a, b),
					Description: "legacy mma.sync FP8, FP16 accumulator: converted to FP16, two FP16 steps of 16 " +
						"(k mod 4 in {0,1}, then {2,3}) each rounded to nearest FP16, then an FP16 add of C",
					A: a, B: b, Via: &fp16, K: 32,
					Step:       Step{L: 16, F: 25, Out: RNEFP16, ZeroExp: hopperZeroExp},
					Interleave: 2, SeparateC: true,
					Source: src, Status: st, Verified: ver16,
				})
			}
		}
	}

	// Blackwell tcgen05 FP8 (kind::f8f6f4): one fused step of 32 with 25
	// fraction bits; the 14-bit accumulator of Hopper wgmma is gone.
	for _, a := range fp8 {
		for _, b := range fp8 {
			register(&Preset{
				Name: fmt.Sprintf("b200-tcgen05-%s-%s", a, b), GPU: "B200",
				Instr:       fmt.Sprintf("tcgen05.mma.cta_group::1.kind::f8f6f4 (K=32, f32 accumulator, %s×%s)", a, b),
				Description: "Blackwell FP8, FP32 accumulator: 32 products and C fused, 25 fraction bits, truncated to FP32",
				A:           a, B: b, K: 32,
				Step:   Step{L: 32, F: 25, Out: RZFP32, ZeroExp: hopperZeroExp},
				Source: srcMMASim + "; " + srcKM, Status: Published,
			}, &Preset{
				Name: fmt.Sprintf("b200-mxf8-%s-%s", a, b), GPU: "B200",
				Instr: fmt.Sprintf("tcgen05.mma.cta_group::1.kind::mxf8f6f4.block_scale.scale_vec::1X "+
					"(K=32, f32 accumulator, %s×%s, ue8m0 scales)", a, b),
				Description: "Blackwell MXFP8: one E8M0 scale per 32 operands added to the product exponents, " +
					"32 products and C fused, 25 fraction bits, truncated to FP32. Sweeps quantise for it " +
					"with OCP MX E8M0 block scales (--scaling tensor only)",
				A: a, B: b, K: 32,
				Step:   Step{L: 32, F: 25, Out: RZFP32, ZeroExp: hopperZeroExp},
				Scale:  &BlockScale{Format: numerics.E8M0, Block: 32},
				Source: srcMMASim, Status: Published,
			})
		}
	}
	e2m1 := numerics.E2M1
	register(&Preset{
		Name: "b200-mxf4-e2m1", GPU: "B200",
		Instr: "tcgen05.mma.cta_group::1.kind::mxf4.block_scale.scale_vec::2X (K=64, f32 accumulator, e2m1×e2m1, ue8m0 scales)",
		Description: "Blackwell MXFP4: one E8M0 scale per 32 operands; each group of 16 products summed exactly and scaled, " +
			"the 4 group terms and C fused with 35 fraction bits, truncated to FP32. Sweeps quantise for it " +
			"with OCP MX E8M0 block scales (--scaling tensor only)",
		A: e2m1, B: e2m1, K: 64,
		Step:   Step{L: 64, F: 35, Out: RZFP32, ZeroExp: hopperZeroExp},
		Scale:  &BlockScale{Format: numerics.E8M0, Block: 32, Group: 16},
		Source: srcMMASim, Status: Published,
	}, &Preset{
		Name: "b200-nvf4-e2m1", GPU: "B200",
		Instr: "tcgen05.mma.cta_group::1.kind::mxf4nvf4.block_scale.scale_vec::4X (K=64, f32 accumulator, e2m1×e2m1, ue4m3 scales)",
		Description: "Blackwell NVFP4: one UE4M3 scale per 16 operands; each group of 16 products summed exactly and " +
			"scaled, the 4 group terms and C fused with 35 fraction bits, truncated to FP32. Sweeps quantise for it " +
			"with UE4M3 block scales under an FP32 per-tensor scale (--scaling tensor only)",
		A: e2m1, B: e2m1, K: 64,
		Step:   Step{L: 64, F: 35, Out: RZFP32, ZeroExp: hopperZeroExp},
		Scale:  &BlockScale{Format: numerics.UE4M3, Block: 16, Group: 16},
		Source: srcMMASim, Status: Published,
	})
}

// fp8Folder is the K–M folder name of an FP8 format.
func fp8Folder(f numerics.Format) string { return strings.ToUpper(f.Name()) }
