// Tile cases over long K: chains of back-to-back m64n8k32 FP8 wgmmas
// accumulating in the tensor core (FP32 accumulator), and promotion of the
// tensor-core partial sum into FP32 registers every N_c products, unscaled
// or with FP32 dequantisation scales (FFMA, or FMUL·FMUL then FADD).
#include <vector>

#include "gpu.cuh"

namespace probe {

// A job as the device sees it.
struct CaseDev {
  const uint8_t *A, *B;
  const uint32_t *C;
  const float *SA, *SB;
  uint32_t *D;
  int K, Nc, kernel, useC, serial;
};

#ifndef PROBE_STUB
WGMMA_OP_F32(CsE4E4, "m64n8k32", "e4m3.e4m3", "")
WGMMA_OP_F32(CsE4E5, "m64n8k32", "e4m3.e5m2", "")
WGMMA_OP_F32(CsE5E4, "m64n8k32", "e5m2.e4m3", "")
WGMMA_OP_F32(CsE5E5, "m64n8k32", "e5m2.e5m2", "")

constexpr int WIN = 512; // K bytes of A and B staged in shared memory at a time

// One job per block of one warpgroup. K is staged through shared memory in
// windows of WIN; all wgmmas of a window are issued back to back (serial:
// waiting after each), and the block waits for them before the next window
// is loaded. The accumulator stays in registers throughout.
template <class Op>
__global__ void __launch_bounds__(128) caseKernel(const CaseDev *jobs, int variant) {
  __shared__ __align__(128) uint8_t sA[TM * WIN];
  __shared__ __align__(128) uint8_t sB[TN * WIN];
  const CaseDev j = jobs[blockIdx.x];
  const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32, g = lane / 4, t = lane % 4;
  const int r0 = 16 * warp + g, r1 = r0 + 8, c0 = 2 * t;
  const int idx[4] = {r0 * TN + c0, r0 * TN + c0 + 1, r1 * TN + c0, r1 * TN + c0 + 1};
  const int rows[4] = {r0, r0, r1, r1}, cols[4] = {c0, c0 + 1, c0, c0 + 1};
  const int W = j.K < WIN ? j.K : WIN;
  const int mstride = 8 * W; // (W/16) core matrices of 128 bytes per 8-row group
  const int spi = j.Nc / 32; // wgmmas per promotion interval
  const int KB = j.K / 128;  // scale blocks per row
  float acc[4], sum[4];
  for (int q = 0; q < 4; q++) {
    acc[q] = __uint_as_float(j.kernel == CHAIN && j.useC ? j.C[idx[q]] : POISON32);
    sum[q] = 0.0f;
  }
  for (int w0 = 0; w0 < j.K; w0 += W) {
    __syncthreads();
    for (int i = tid; i < TM * W; i += 128) {
      int r = i / W, kb = i % W;
      sA[coreOffset(r, kb, mstride, 128)] = j.A[(size_t)r * j.K + w0 + kb];
    }
    for (int i = tid; i < TN * W; i += 128) {
      int r = i / W, kb = i % W;
      sB[coreOffset(r, kb, mstride, 128)] = j.B[(size_t)r * j.K + w0 + kb];
    }
    fenceAsyncShared();
    __syncthreads();
    for (int s = 0; s < W / 32; s++) {
      const int gs = w0 / 32 + s;
      const int scaleD = j.kernel == CHAIN ? (gs > 0 || j.useC) : (gs % spi != 0);
      const uint64_t da = smemDesc(sA + 256 * s, mstride, 128, variant);
      const uint64_t db = smemDesc(sB + 256 * s, mstride, 128, variant);
      wgFence();
      Op::run(acc, da, db, scaleD);
      wgCommit();
      if (j.serial) wgWait();
      if (j.kernel != CHAIN && (gs + 1) % spi == 0) {
        wgWait();
        const int iv = gs / spi, blk = iv * j.Nc / 128;
        for (int q = 0; q < 4; q++) {
          switch (j.kernel) {
          case PROMO:
            sum[q] = iv == 0 ? acc[q] : __fadd_rn(sum[q], acc[q]);
            break;
          case PROMO_FMA: {
            float s2 = __fmul_rn(j.SA[rows[q] * KB + blk], j.SB[cols[q] * KB + blk]);
            sum[q] = __fmaf_rn(acc[q], s2, sum[q]);
            break;
          }
          default:
            sum[q] = __fadd_rn(sum[q], __fmul_rn(__fmul_rn(acc[q], j.SA[rows[q] * KB + blk]), j.SB[cols[q] * KB + blk]));
          }
        }
      }
    }
    wgWait();
  }
  for (int q = 0; q < 4; q++) j.D[idx[q]] = __float_as_uint(j.kernel == CHAIN ? acc[q] : sum[q]);
}

template <class Op>
int runCaseJobs(CaseJob *jobs, int n, int variant, std::string *err) {
  std::vector<CaseDev> dev(n);
  std::vector<void *> bufs;
  int st = U_FAILED;
  auto upload = [&](const void *src, size_t bytes) -> void * {
    if (!src) return nullptr;
    void *p = nullptr;
    if (cudaMalloc(&p, bytes) != cudaSuccess) return nullptr;
    bufs.push_back(p);
    cudaMemcpy(p, src, bytes, cudaMemcpyHostToDevice);
    return p;
  };
  CaseDev *dJobs = nullptr;
  do {
    bool ok = true;
    for (int i = 0; i < n && ok; i++) {
      const CaseJob &c = jobs[i];
      CaseDev &d = dev[i];
      size_t kb = c.K / 128;
      d.A = (const uint8_t *)upload(c.A, (size_t)TM * c.K);
      d.B = (const uint8_t *)upload(c.B, (size_t)TN * c.K);
      d.C = (const uint32_t *)upload(c.C, TM * TN * 4);
      d.SA = (const float *)upload(c.SA, TM * kb * 4);
      d.SB = (const float *)upload(c.SB, TN * kb * 4);
      void *out = nullptr;
      if (cudaMalloc(&out, TM * TN * 4) != cudaSuccess) ok = false;
      else {
        bufs.push_back(out);
        cudaMemset(out, 0xA5, TM * TN * 4);
      }
      d.D = (uint32_t *)out;
      d.K = c.K, d.Nc = c.Nc, d.kernel = c.kernel, d.useC = c.useC, d.serial = c.serial;
      ok = ok && d.A && d.B && (!c.C || d.C) && (!c.SA || d.SA) && (!c.SB || d.SB);
    }
    if (!ok || cudaMalloc(&dJobs, n * sizeof(CaseDev)) != cudaSuccess) {
      *err = "cudaMalloc failed";
      break;
    }
    cudaMemcpy(dJobs, dev.data(), n * sizeof(CaseDev), cudaMemcpyHostToDevice);
    caseKernel<Op><<<n, 128>>>(dJobs, variant);
    cudaError_t e = cudaGetLastError();
    if (e == cudaSuccess) e = cudaDeviceSynchronize();
    if (e != cudaSuccess) {
      *err = std::string("case kernel: ") + cudaGetErrorString(e);
      break;
    }
    st = U_OK;
    for (int i = 0; i < n; i++)
      if (cudaMemcpy(jobs[i].D, dev[i].D, TM * TN * 4, cudaMemcpyDeviceToHost) != cudaSuccess) st = U_FAILED;
    if (st != U_OK) *err = "copy back failed";
  } while (0);
  cudaFree(dJobs);
  for (void *p : bufs) cudaFree(p);
  return st;
}
#endif

int unitCases(CaseJob *jobs, int n, int variant, std::string *err) {
#ifdef PROBE_STUB
  (void)jobs, (void)n, (void)variant, (void)err;
  return U_NOT_BUILT;
#else
  if (n == 0) return U_OK;
  switch (jobs[0].a * 2 + jobs[0].b) {
  case 0: return runCaseJobs<CsE4E4>(jobs, n, variant, err);
  case 1: return runCaseJobs<CsE4E5>(jobs, n, variant, err);
  case 2: return runCaseJobs<CsE5E4>(jobs, n, variant, err);
  default: return runCaseJobs<CsE5E5>(jobs, n, variant, err);
  }
#endif
}

} // namespace probe
