// The CPU backend: a float64 emulation in place of the GPU kernels, so that
// the harness (input generation and parsing, tile packing, record writing,
// file layout) runs and is tested without a GPU. It is NOT a model of any
// tensor core: every dot product is summed in float64 in k order (C first)
// and rounded once to the accumulator format; promotion adds in FP32. A NaN
// result is written as the canonical 7fffffff (7fff for FP16).
#include <cmath>
#include <cstring>
#include <string>

#include "probe.h"

namespace probe {

namespace {

double accDecode(bool f16, uint32_t bits) { return f16 ? decodeF16((uint16_t)bits) : decodeF32(bits); }

uint32_t accEncode(bool f16, double x) {
  if (std::isnan(x)) return f16 ? 0x7fffu : 0x7fffffffu;
  return f16 ? encodeF16(x) : encodeF32(x);
}

float asFloat(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

uint32_t bitsOf(float f) {
  if (std::isnan(f)) return 0x7fffffffu;
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// dot sums products k in [k0, k1) of row a and column b after start.
double dot(Fmt fa, Fmt fb, const uint8_t *a, const uint8_t *b, int k0, int k1, double start) {
  double s = start;
  for (int k = k0; k < k1; k++) s += decode(fa, codeAt(fa, a, k)) * decode(fb, codeAt(fb, b, k));
  return s;
}

} // namespace

std::string Backend::name() { return "CPU float64 emulation"; }

std::string Backend::info() {
  return "device: none (CPU float64 emulation: harness test only, not a tensor-core model)\n";
}

bool Backend::has(const InstPath &) { return true; }
bool Backend::hasCases() { return true; }
void Backend::setLayoutVariant(int) {}

std::string Backend::runInst(const InstPath &p, const InstBatch &b) {
  const int K = TKB / elemBytes(p.a);
  for (int t = 0; t < b.tiles; t++) {
    const uint8_t *A = b.A + (size_t)t * TM * TKB, *B = b.B + (size_t)t * TN * TKB;
    const uint32_t *C = b.C + (size_t)t * TM * TN;
    uint32_t *D = b.D + (size_t)t * TM * TN;
    for (int i = 0; i < TM; i++)
      for (int j = 0; j < TN; j++) {
        double c = b.useC ? accDecode(p.f16acc, C[i * TN + j]) : 0.0;
        D[i * TN + j] = accEncode(p.f16acc, dot(p.a, p.b, A + i * TKB, B + j * TKB, 0, K, c));
      }
  }
  return "";
}

std::string Backend::runCases(CaseJob *jobs, int n) {
  for (int x = 0; x < n; x++) {
    CaseJob &j = jobs[x];
    const int KB = j.K / 128;
    for (int i = 0; i < TM; i++)
      for (int c = 0; c < TN; c++) {
        const uint8_t *a = j.A + (size_t)i * j.K, *b = j.B + (size_t)c * j.K;
        if (j.kernel == CHAIN) {
          double c0 = j.useC ? decodeF32(j.C[i * TN + c]) : 0.0;
          j.D[i * TN + c] = accEncode(false, dot(j.a, j.b, a, b, 0, j.K, c0));
          continue;
        }
        float sum = 0.0f;
        for (int k0 = 0, iv = 0; k0 < j.K; k0 += j.Nc, iv++) {
          float part = asFloat(accEncode(false, dot(j.a, j.b, a, b, k0, k0 + j.Nc, 0.0)));
          int blk = k0 / 128;
          switch (j.kernel) {
          case PROMO:
            sum = iv == 0 ? part : sum + part;
            break;
          case PROMO_FMA:
            sum = std::fma(part, j.SA[i * KB + blk] * j.SB[c * KB + blk], sum);
            break;
          default:
            sum = sum + part * j.SA[i * KB + blk] * j.SB[c * KB + blk];
          }
        }
        j.D[i * TN + c] = bitsOf(sum);
      }
  }
  return "";
}

} // namespace probe
