// wgmma with 16-bit operands (m64n8k16 BF16 and FP16) and TF32 (m64n8k8),
// FP32 accumulator, both operands K-major from shared memory.
#include "gpu.cuh"

namespace probe {
#ifndef PROBE_STUB
WGMMA_OP_F32(WgBF16, "m64n8k16", "bf16.bf16", ", 0, 0")
WGMMA_OP_F32(WgF16, "m64n8k16", "f16.f16", ", 0, 0")
WGMMA_OP_F32(WgTF32, "m64n8k8", "tf32.tf32", "")
#endif

int unitWgmma16(const InstPath &p, const InstBatch *b, int variant, std::string *err) {
  if (p.instr != WGMMA || p.f16acc || p.a != p.b || p.a <= E5M2) return U_NOT_MINE;
#ifdef PROBE_STUB
  return U_NOT_BUILT;
#else
  if (!b) return U_OK;
  switch (p.a) {
  case BF16: return wgmmaInst<WgBF16>(*b, variant, err);
  case F16: return wgmmaInst<WgF16>(*b, variant, err);
  default: return wgmmaInst<WgTF32>(*b, variant, err);
  }
#endif
}
} // namespace probe
