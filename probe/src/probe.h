// probe: records tensor-core outputs of the GPU it runs on in the record
// formats tcsim verify reads. This header is shared by the host harness
// (host.cpp), the GPU kernels (kernels.cu) and the CPU emulation
// (emulate.cpp), which replaces the kernels in a build without a GPU.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace probe {

// Operand formats, as tcsim's record files name them.
enum Fmt { E4M3, E5M2, F16, BF16, TF32, NFMT };

const char *fmtName(Fmt f);
// elemBytes is the bytes one element takes in memory (TF32: an FP32
// container, the value in its top 19 bits).
int elemBytes(Fmt f);

// Every instruction tile is 64 rows (M) by 8 columns (N) and 32 bytes of K
// per row: K = 32 FP8, 16 FP16/BF16 or 8 TF32 elements.
constexpr int TM = 64, TN = 8, TKB = 32;

enum Instr { WGMMA, MMA };

// An instruction path: one PTX instruction with its types.
struct InstPath {
  Instr instr;
  Fmt a, b;
  bool f16acc; // FP16 C and D (else FP32)
};

// Tile data handed to a backend. A: tiles × 64 rows × 32 bytes; B: tiles ×
// 8 columns × 32 bytes (column j of the K×8 operand contiguous); C, D:
// tiles × 64 × 8 accumulator bit patterns (FP16 ones in the low half),
// element (i, j) at i·8+j.
struct InstBatch {
  int tiles;
  const uint8_t *A, *B;
  const uint32_t *C;
  bool useC; // false: scale-d = 0, C not read
  uint32_t *D;
};

// A tile case run as a sequence of m64n8k32 FP8 wgmmas accumulating in the
// tensor core (FP32 accumulator), with optional promotion to FP32 registers.
enum CaseKernel { CHAIN, PROMO, PROMO_FMA, PROMO_MULMUL };

struct CaseJob {
  Fmt a, b;
  int K;               // a multiple of 32
  int Nc;              // promotion interval (K: never); CHAIN: K
  CaseKernel kernel;
  bool useC, serial;   // CHAIN: C preloaded; wait after every wgmma
  const uint8_t *A;    // 64 × K bytes, row-major
  const uint8_t *B;    // 8 × K bytes, column j contiguous
  const uint32_t *C;   // 64 × 8 FP32 (useC)
  const float *SA;     // 64 × K/128 scales (PROMO_FMA, PROMO_MULMUL)
  const float *SB;     // 8 × K/128
  uint32_t *D;         // 64 × 8 FP32 out
};

// The backend: the GPU kernels or the CPU emulation. Each returns "" on
// success or why the path cannot run.
struct Backend {
  // name says what runs the paths (the GPU's name, or the emulation).
  std::string name();
  // info is a few lines about the device and toolchain for the log.
  std::string info();
  // has reports whether the path was built (a path whose kernel did not
  // compile is missing).
  bool has(const InstPath &p);
  bool hasCases();
  std::string runInst(const InstPath &p, const InstBatch &b);
  // runCases runs jobs of one shape (same a, b, K) together.
  std::string runCases(CaseJob *jobs, int n);
  // layoutVariant selects the shared-memory descriptor variant (0 or 1) the
  // self-test settled on; the CPU backend ignores it.
  void setLayoutVariant(int v);
};

// Shared helpers (formats.cpp).
double decode(Fmt f, uint32_t code);
uint32_t encode(Fmt f, double x, bool saturate); // RNE
uint32_t encodeF32(double x);                     // RNE to FP32 bits
uint16_t encodeF16(double x);                     // RNE to FP16 bits, overflow to Inf
double decodeF16(uint16_t h);
double decodeF32(uint32_t x);
uint32_t codeAt(Fmt f, const uint8_t *row, int k); // element k of a row in memory
void putCode(Fmt f, uint8_t *row, int k, uint32_t code);
int codeBits(Fmt f);

} // namespace probe
