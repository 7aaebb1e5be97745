// Device code shared by the kernel units (unit_*.cu). Each unit is compiled
// on its own, so that an instruction the local ptxas rejects leaves the
// others usable (build.sh compiles a failing unit as a stub).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <string>

#include "probe.h"

namespace probe {

// Status of a unit call.
enum UnitStatus { U_NOT_MINE = -1, U_OK = 0, U_FAILED = 1, U_NOT_BUILT = 2 };

// A unit: given a path (and a batch, or null to only ask whether it runs the
// path), runs it. variant picks the shared-memory descriptor layout.
typedef int (*UnitFn)(const InstPath &p, const InstBatch *b, int variant, std::string *err);
typedef int (*CaseUnitFn)(CaseJob *jobs, int n, int variant, std::string *err);

#ifdef __CUDACC__

// ---------------------------------------------------------------------------
// Shared-memory layout for wgmma operands: K-major, no swizzle. Core
// matrices of 8 rows × 16 bytes are stored as 128 contiguous bytes (row r of
// the core matrix at r·16). The core matrix holding row r and byte kb of a
// row sits at (r/8)·mstride + (kb/16)·kstride.
__device__ __forceinline__ int coreOffset(int r, int kb, int mstride, int kstride) {
  return (r >> 3) * mstride + (kb >> 4) * kstride + (r & 7) * 16 + (kb & 15);
}

// A matrix descriptor: start address, leading- and stride-dimension byte
// offsets, no swizzle. variant 0 puts the K-direction stride in the
// leading-dimension field (CUTLASS's reading of the canonical K-major
// layout); variant 1 swaps the two, in case the hardware reads them the
// other way (the self-test decides).
__device__ __forceinline__ uint64_t smemDesc(const void *p, int mstride, int kstride, int variant) {
  uint32_t addr = (uint32_t)__cvta_generic_to_shared(p);
  uint32_t lbo = variant == 0 ? kstride : mstride;
  uint32_t sbo = variant == 0 ? mstride : kstride;
  uint64_t d = 0;
  d |= (uint64_t)((addr & 0x3FFFF) >> 4);
  d |= (uint64_t)((lbo & 0x3FFFF) >> 4) << 16;
  d |= (uint64_t)((sbo & 0x3FFFF) >> 4) << 32;
  return d;
}

__device__ __forceinline__ void fenceAsyncShared() {
  asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
}
__device__ __forceinline__ void wgFence() { asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory"); }
__device__ __forceinline__ void wgCommit() { asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory"); }
__device__ __forceinline__ void wgWait() { asm volatile("wgmma.wait_group.sync.aligned 0;\n" ::: "memory"); }

// Poison for accumulator registers that must not be read (scale-d = 0).
constexpr uint32_t POISON32 = 0x7f80dead;  // an FP32 NaN
constexpr uint32_t POISON16 = 0x7e017e01;  // two FP16 NaNs

// wgmma ops: run(d, descA, descB, scaleD). FP32 accumulators are 4 floats
// per thread for N = 8, FP16 ones 2 registers of two halves.
#define WGMMA_OP_F32(NAME, SHAPE, TYPES, TAIL)                                                  \
  struct NAME {                                                                                 \
    static constexpr bool f16acc = false;                                                       \
    __device__ __forceinline__ static void run(float *d, uint64_t da, uint64_t db, int sc) {    \
      asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %6, 0;\n"                                  \
                   "wgmma.mma_async.sync.aligned." SHAPE ".f32." TYPES                          \
                   " {%0, %1, %2, %3}, %4, %5, p, 1, 1" TAIL ";\n}\n"                            \
                   : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])                             \
                   : "l"(da), "l"(db), "r"(sc));                                                \
    }                                                                                           \
  };
#define WGMMA_OP_F16(NAME, SHAPE, TYPES, TAIL)                                                  \
  struct NAME {                                                                                 \
    static constexpr bool f16acc = true;                                                        \
    __device__ __forceinline__ static void run(uint32_t *d, uint64_t da, uint64_t db, int sc) { \
      asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %4, 0;\n"                                  \
                   "wgmma.mma_async.sync.aligned." SHAPE ".f16." TYPES                          \
                   " {%0, %1}, %2, %3, p, 1, 1" TAIL ";\n}\n"                                    \
                   : "+r"(d[0]), "+r"(d[1])                                                     \
                   : "l"(da), "l"(db), "r"(sc));                                                \
    }                                                                                           \
  };

// One instruction per 64×8 tile: 128 threads (one warpgroup) per block.
// The accumulator fragment of warp w, lane l (g = l/4, t = l%4): rows
// 16w+g and 16w+g+8, columns 2t and 2t+1.
template <class Op>
__global__ void __launch_bounds__(128) wgmmaInstKernel(const uint8_t *A, const uint8_t *B, const uint32_t *C,
                                                       int useC, uint32_t *D, int variant) {
  __shared__ __align__(128) uint8_t sA[TM * TKB];
  __shared__ __align__(128) uint8_t sB[TN * TKB];
  const int tile = blockIdx.x, tid = threadIdx.x;
  const uint8_t *a = A + (size_t)tile * TM * TKB;
  const uint8_t *b = B + (size_t)tile * TN * TKB;
  // A: 8 row groups at mstride 256, 2 K core matrices at kstride 128.
  for (int i = tid; i < TM * TKB; i += 128) sA[coreOffset(i / TKB, i % TKB, 256, 128)] = a[i];
  for (int i = tid; i < TN * TKB; i += 128) sB[coreOffset(i / TKB, i % TKB, 256, 128)] = b[i];
  fenceAsyncShared();
  __syncthreads();
  const uint64_t da = smemDesc(sA, 256, 128, variant), db = smemDesc(sB, 256, 128, variant);
  const int warp = tid / 32, lane = tid % 32, g = lane / 4, t = lane % 4;
  const int r0 = 16 * warp + g, r1 = r0 + 8, c0 = 2 * t;
  const uint32_t *c = C + (size_t)tile * TM * TN;
  uint32_t *dOut = D + (size_t)tile * TM * TN;
  if constexpr (!Op::f16acc) {
    float d[4];
    const int idx[4] = {r0 * TN + c0, r0 * TN + c0 + 1, r1 * TN + c0, r1 * TN + c0 + 1};
    for (int q = 0; q < 4; q++) d[q] = __uint_as_float(useC ? c[idx[q]] : POISON32);
    wgFence();
    Op::run(d, da, db, useC);
    wgCommit();
    wgWait();
    for (int q = 0; q < 4; q++) dOut[idx[q]] = __float_as_uint(d[q]);
  } else {
    uint32_t d[2];
    const int i0 = r0 * TN + c0, i1 = r1 * TN + c0;
    d[0] = useC ? (c[i0] & 0xffff) | (c[i0 + 1] << 16) : POISON16;
    d[1] = useC ? (c[i1] & 0xffff) | (c[i1 + 1] << 16) : POISON16;
    wgFence();
    Op::run(d, da, db, useC);
    wgCommit();
    wgWait();
    dOut[i0] = d[0] & 0xffff;
    dOut[i0 + 1] = d[0] >> 16;
    dOut[i1] = d[1] & 0xffff;
    dOut[i1 + 1] = d[1] >> 16;
  }
}

// mma.sync ops: run(d, a[4], b[2], c). Every type takes 32 bytes of K per
// row, and its fragments are the same in bytes: A register q holds row g
// (q even) or g+8 (q odd), bytes 4t..4t+3 (q < 2) or 16+4t.. (q >= 2); B
// register q holds column g, bytes 4t.. (q = 0) or 16+4t.. (q = 1).
#define MMA_OP_F32(NAME, SHAPE, TYPES)                                                                     \
  struct NAME {                                                                                            \
    static constexpr bool f16acc = false;                                                                  \
    __device__ __forceinline__ static void run(float *d, const uint32_t *a, const uint32_t *b, const float *c) { \
      asm volatile("mma.sync.aligned." SHAPE ".row.col.f32." TYPES ".f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, " \
                   "{%8, %9}, {%10, %11, %12, %13};\n"                                                     \
                   : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])                                        \
                   : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "f"(c[0]), "f"(c[1]),  \
                     "f"(c[2]), "f"(c[3]));                                                                \
    }                                                                                                      \
  };
#define MMA_OP_F16(NAME, SHAPE, TYPES)                                                                     \
  struct NAME {                                                                                            \
    static constexpr bool f16acc = true;                                                                   \
    __device__ __forceinline__ static void run(uint32_t *d, const uint32_t *a, const uint32_t *b, const uint32_t *c) { \
      asm volatile("mma.sync.aligned." SHAPE ".row.col.f16." TYPES ".f16 {%0, %1}, {%2, %3, %4, %5}, "        \
                   "{%6, %7}, {%8, %9};\n"                                                                 \
                   : "=r"(d[0]), "=r"(d[1])                                                                \
                   : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "r"(c[0]), "r"(c[1])); \
    }                                                                                                      \
  };

__device__ __forceinline__ uint32_t load4(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

// 64×8 tiles, one warp per 16 rows: 128 threads per block. C = +0 when
// useC is 0 (mma.sync has no scale-d).
template <class Op>
__global__ void __launch_bounds__(128) mmaInstKernel(const uint8_t *A, const uint8_t *B, const uint32_t *C, int useC,
                                                     uint32_t *D) {
  const int tile = blockIdx.x, tid = threadIdx.x;
  const int warp = tid / 32, lane = tid % 32, g = lane / 4, t = lane % 4;
  const uint8_t *a = A + (size_t)tile * TM * TKB;
  const uint8_t *b = B + (size_t)tile * TN * TKB;
  const int r0 = 16 * warp + g, r1 = r0 + 8, c0 = 2 * t;
  uint32_t ar[4], br[2];
  ar[0] = load4(a + r0 * TKB + 4 * t);
  ar[1] = load4(a + r1 * TKB + 4 * t);
  ar[2] = load4(a + r0 * TKB + 16 + 4 * t);
  ar[3] = load4(a + r1 * TKB + 16 + 4 * t);
  br[0] = load4(b + g * TKB + 4 * t);
  br[1] = load4(b + g * TKB + 16 + 4 * t);
  const uint32_t *c = C + (size_t)tile * TM * TN;
  uint32_t *dOut = D + (size_t)tile * TM * TN;
  if constexpr (!Op::f16acc) {
    const int idx[4] = {r0 * TN + c0, r0 * TN + c0 + 1, r1 * TN + c0, r1 * TN + c0 + 1};
    float cr[4], d[4];
    for (int q = 0; q < 4; q++) cr[q] = __uint_as_float(useC ? c[idx[q]] : 0u);
    Op::run(d, ar, br, cr);
    for (int q = 0; q < 4; q++) dOut[idx[q]] = __float_as_uint(d[q]);
  } else {
    const int i0 = r0 * TN + c0, i1 = r1 * TN + c0;
    uint32_t cr[2], d[2];
    cr[0] = useC ? (c[i0] & 0xffff) | (c[i0 + 1] << 16) : 0u;
    cr[1] = useC ? (c[i1] & 0xffff) | (c[i1 + 1] << 16) : 0u;
    Op::run(d, ar, br, cr);
    dOut[i0] = d[0] & 0xffff;
    dOut[i0 + 1] = d[0] >> 16;
    dOut[i1] = d[1] & 0xffff;
    dOut[i1 + 1] = d[1] >> 16;
  }
}

// Device buffers for one batch of instruction tiles, and the launch.
template <class Launch>
int runInstBatch(const InstBatch &b, std::string *err, Launch launch) {
  size_t nA = (size_t)b.tiles * TM * TKB, nB = (size_t)b.tiles * TN * TKB, nC = (size_t)b.tiles * TM * TN;
  uint8_t *dA = nullptr, *dB = nullptr;
  uint32_t *dC = nullptr, *dD = nullptr;
  int st = U_FAILED;
  do {
    if (cudaMalloc(&dA, nA) || cudaMalloc(&dB, nB) || cudaMalloc(&dC, nC * 4) || cudaMalloc(&dD, nC * 4)) {
      *err = "cudaMalloc failed";
      break;
    }
    cudaMemcpy(dA, b.A, nA, cudaMemcpyHostToDevice);
    cudaMemcpy(dB, b.B, nB, cudaMemcpyHostToDevice);
    cudaMemcpy(dC, b.C, nC * 4, cudaMemcpyHostToDevice);
    cudaMemset(dD, 0xA5, nC * 4); // poison: every element must be written
    launch(dA, dB, dC, dD);
    cudaError_t e = cudaGetLastError();
    if (e == cudaSuccess) e = cudaDeviceSynchronize();
    if (e != cudaSuccess) {
      *err = std::string("kernel: ") + cudaGetErrorString(e);
      break;
    }
    if (cudaMemcpy(b.D, dD, nC * 4, cudaMemcpyDeviceToHost) != cudaSuccess) {
      *err = "copy back failed";
      break;
    }
    st = U_OK;
  } while (0);
  cudaFree(dA);
  cudaFree(dB);
  cudaFree(dC);
  cudaFree(dD);
  return st;
}

template <class Op>
int wgmmaInst(const InstBatch &b, int variant, std::string *err) {
  return runInstBatch(b, err, [&](uint8_t *A, uint8_t *B, uint32_t *C, uint32_t *D) {
    wgmmaInstKernel<Op><<<b.tiles, 128>>>(A, B, C, b.useC, D, variant);
  });
}

template <class Op>
int mmaInst(const InstBatch &b, std::string *err) {
  return runInstBatch(b, err, [&](uint8_t *A, uint8_t *B, uint32_t *C, uint32_t *D) {
    mmaInstKernel<Op><<<b.tiles, 128>>>(A, B, C, b.useC, D);
  });
}

#endif // __CUDACC__

} // namespace probe
