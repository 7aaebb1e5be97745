// mma.sync m16n8k32 with FP8 operands (all four pairs), FP16 accumulator.
#include "gpu.cuh"

namespace probe {
#ifndef PROBE_STUB
MMA_OP_F16(MhE4E4, "m16n8k32", "e4m3.e4m3")
MMA_OP_F16(MhE4E5, "m16n8k32", "e4m3.e5m2")
MMA_OP_F16(MhE5E4, "m16n8k32", "e5m2.e4m3")
MMA_OP_F16(MhE5E5, "m16n8k32", "e5m2.e5m2")
#endif

int unitMmaFP8H(const InstPath &p, const InstBatch *b, int, std::string *err) {
  if (p.instr != MMA || !p.f16acc || p.a > E5M2 || p.b > E5M2) return U_NOT_MINE;
#ifdef PROBE_STUB
  return U_NOT_BUILT;
#else
  if (!b) return U_OK;
  switch (p.a * 2 + p.b) {
  case 0: return mmaInst<MhE4E4>(*b, err);
  case 1: return mmaInst<MhE4E5>(*b, err);
  case 2: return mmaInst<MhE5E4>(*b, err);
  default: return mmaInst<MhE5E5>(*b, err);
  }
#endif
}
} // namespace probe
