// wgmma m64n8k32 with FP8 operands (all four E4M3/E5M2 pairs) and an FP32
// accumulator.
#include "gpu.cuh"

namespace probe {
#ifndef PROBE_STUB
WGMMA_OP_F32(WgE4E4, "m64n8k32", "e4m3.e4m3", "")
WGMMA_OP_F32(WgE4E5, "m64n8k32", "e4m3.e5m2", "")
WGMMA_OP_F32(WgE5E4, "m64n8k32", "e5m2.e4m3", "")
WGMMA_OP_F32(WgE5E5, "m64n8k32", "e5m2.e5m2", "")
#endif

int unitWgmmaFP8(const InstPath &p, const InstBatch *b, int variant, std::string *err) {
  if (p.instr != WGMMA || p.f16acc || p.a > E5M2 || p.b > E5M2) return U_NOT_MINE;
#ifdef PROBE_STUB
  return U_NOT_BUILT;
#else
  if (!b) return U_OK;
  switch (p.a * 2 + p.b) {
  case 0: return wgmmaInst<WgE4E4>(*b, variant, err);
  case 1: return wgmmaInst<WgE4E5>(*b, variant, err);
  case 2: return wgmmaInst<WgE5E4>(*b, variant, err);
  default: return wgmmaInst<WgE5E5>(*b, variant, err);
  }
#endif
}
} // namespace probe
