// Operand and accumulator formats: codes to and from float64.
#include <cmath>
#include <cstring>

#include "probe.h"

namespace probe {

namespace {
struct Spec {
  int ebits, mbits, bias;
  bool inf;      // exponent all ones, mantissa 0 is Inf (IEEE style)
  bool nanOnes;  // E4M3: only S.1111.111 is NaN, no Inf
};
Spec spec(Fmt f) {
  switch (f) {
  case E4M3: return {4, 3, 7, false, true};
  case E5M2: return {5, 2, 15, true, false};
  case F16: return {5, 10, 15, true, false};
  case BF16: return {8, 7, 127, true, false};
  default: return {8, 10, 127, true, false}; // TF32 (19-bit code)
  }
}
} // namespace

const char *fmtName(Fmt f) {
  static const char *n[] = {"e4m3", "e5m2", "f16", "bf16", "tf32"};
  return n[f];
}

int elemBytes(Fmt f) { return f <= E5M2 ? 1 : (f == TF32 ? 4 : 2); }

int codeBits(Fmt f) {
  Spec s = spec(f);
  return 1 + s.ebits + s.mbits;
}

double decode(Fmt f, uint32_t code) {
  Spec s = spec(f);
  int bits = 1 + s.ebits + s.mbits;
  bool neg = (code >> (bits - 1)) & 1;
  uint32_t e = (code >> s.mbits) & ((1u << s.ebits) - 1);
  uint32_t m = code & ((1u << s.mbits) - 1);
  uint32_t emax = (1u << s.ebits) - 1;
  double v;
  if (s.nanOnes && e == emax && m == (1u << s.mbits) - 1) return NAN;
  if (!s.nanOnes && e == emax) {
    if (m != 0) return NAN;
    v = INFINITY;
  } else if (e == 0) {
    v = std::ldexp((double)m, 1 - s.bias - s.mbits);
  } else {
    v = std::ldexp((double)(m | (1u << s.mbits)), (int)e - s.bias - s.mbits);
  }
  return neg ? -v : v;
}

uint32_t encode(Fmt f, double x, bool saturate) {
  Spec s = spec(f);
  int bits = 1 + s.ebits + s.mbits;
  uint32_t sign = std::signbit(x) ? 1u << (bits - 1) : 0;
  uint32_t emax = (1u << s.ebits) - 1;
  // The largest finite code's magnitude bits.
  uint32_t maxf = s.nanOnes ? (emax << s.mbits) | ((1u << s.mbits) - 2) : ((emax - 1) << s.mbits) | ((1u << s.mbits) - 1);
  uint32_t inf = s.nanOnes ? (emax << s.mbits) | ((1u << s.mbits) - 1) : emax << s.mbits;
  if (std::isnan(x)) return (emax << s.mbits) | ((1u << s.mbits) - 1); // canonical NaN, all ones
  double a = std::fabs(x);
  if (a == 0) return sign;
  if (std::isinf(a)) return sign | (saturate ? maxf : inf);
  int e;
  std::frexp(a, &e);
  e -= 1; // a in [2^e, 2^(e+1))
  int emin = 1 - s.bias;
  if (e < emin) e = emin;
  double q = std::nearbyint(std::ldexp(a, s.mbits - e)); // ties to even (default mode)
  if (q >= std::ldexp(1.0, s.mbits + 1)) {
    q /= 2;
    e++;
  }
  uint32_t mag;
  if (q < std::ldexp(1.0, s.mbits)) {
    mag = (uint32_t)q; // subnormal (e == emin) or zero
  } else {
    int ef = e + s.bias;
    if (ef > (int)emax - (s.nanOnes ? 0 : 1)) return sign | (saturate ? maxf : inf);
    mag = ((uint32_t)ef << s.mbits) | ((uint32_t)q - (1u << s.mbits));
  }
  if (mag > maxf) return sign | (saturate ? maxf : inf);
  return sign | mag;
}

uint32_t encodeF32(double x) {
  float f = (float)x; // round to nearest even
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

uint16_t encodeF16(double x) { return (uint16_t)encode(F16, x, false); }

double decodeF16(uint16_t h) { return decode(F16, h); }

double decodeF32(uint32_t x) {
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

uint32_t codeAt(Fmt f, const uint8_t *row, int k) {
  int w = elemBytes(f);
  uint32_t v = 0;
  for (int i = w - 1; i >= 0; i--) v = v << 8 | row[k * w + i];
  if (f == TF32) v >>= 13;
  return v;
}

void putCode(Fmt f, uint8_t *row, int k, uint32_t code) {
  int w = elemBytes(f);
  if (f == TF32) code <<= 13;
  for (int i = 0; i < w; i++) row[k * w + i] = (uint8_t)(code >> (8 * i));
}

} // namespace probe
