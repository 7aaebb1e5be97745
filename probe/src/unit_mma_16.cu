// mma.sync with FP16 (m16n8k16, FP32 and FP16 accumulators), BF16
// (m16n8k16, FP32) and TF32 (m16n8k8, FP32) operands.
#include "gpu.cuh"

namespace probe {
#ifndef PROBE_STUB
MMA_OP_F32(MmF16, "m16n8k16", "f16.f16")
MMA_OP_F16(MhF16, "m16n8k16", "f16.f16")
MMA_OP_F32(MmBF16, "m16n8k16", "bf16.bf16")
MMA_OP_F32(MmTF32, "m16n8k8", "tf32.tf32")
#endif

int unitMma16(const InstPath &p, const InstBatch *b, int, std::string *err) {
  if (p.instr != MMA || p.a != p.b || p.a <= E5M2 || (p.f16acc && p.a != F16)) return U_NOT_MINE;
#ifdef PROBE_STUB
  return U_NOT_BUILT;
#else
  if (!b) return U_OK;
  if (p.f16acc) return mmaInst<MhF16>(*b, err);
  switch (p.a) {
  case F16: return mmaInst<MmF16>(*b, err);
  case BF16: return mmaInst<MmBF16>(*b, err);
  default: return mmaInst<MmTF32>(*b, err);
  }
#endif
}
} // namespace probe
