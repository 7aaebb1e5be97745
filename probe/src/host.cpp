// probe: record the tensor-core outputs of this GPU in the record formats
// that `tcsim verify` and `tcsim fit` read.
//
//   probe --out DIR [--seed N] [--tiles T] [--paths wgmma,mma,chain,promo,scaled] [--kmax K]
//   probe --out DIR --inputs FILE      run the vectors of an instruction-record
//                                      input file (from `tcsim fit --suggest`)
//
// Generated mode writes DIR/inst_wgmma.csv, inst_mma.csv, chain_inputs.csv,
// promo_inputs.csv, multi_outputs.csv, promo_scaled_inputs.csv and
// promo_scaled_outputs.csv (the layout of the H100 recordings); --inputs
// mode writes DIR/<name of FILE>.csv with d_hex filled in. Every path is
// self-tested first on inputs whose exact results are known (one-hot
// operands), which checks the operand and accumulator layouts; a path that
// fails is reported and not recorded.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "probe.h"

using namespace probe;

namespace {

// ---------------------------------------------------------------------------
// Errors: usage errors exit 2, runtime failures 1, each with one line.

[[noreturn]] void die(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("probe: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(code);
}

// ---------------------------------------------------------------------------
// Random numbers: splitmix64, seeded per tile from a hash of what the tile
// is, so the same seed gives the same inputs whatever else is recorded.

struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed) {}
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return (next() >> 11) * (1.0 / 9007199254740992.0); }
  int intn(int n) { return (int)(uniform() * n); }
  double normal() {
    double u1 = uniform(), u2 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
};

uint64_t hashKey(uint64_t seed, std::initializer_list<uint64_t> parts) {
  Rng r(seed);
  uint64_t h = r.next();
  for (uint64_t p : parts) {
    r.s ^= p + 0x632be59bd9b4e019ull + (h << 6);
    h = r.next();
  }
  return h;
}

// ---------------------------------------------------------------------------
// Format facts for generating codes.

struct Bits {
  int e, m;
  bool ieee; // exponent all ones is Inf/NaN (else E4M3: only S.1111.111 is NaN)
};
Bits bitsOf(Fmt f) {
  switch (f) {
  case E4M3: return {4, 3, false};
  case E5M2: return {5, 2, true};
  case F16: return {5, 10, true};
  case BF16: return {8, 7, true};
  default: return {8, 10, true};
  }
}
uint32_t mk(Fmt f, bool neg, uint32_t e, uint32_t m) {
  Bits b = bitsOf(f);
  return (neg ? 1u << (b.e + b.m) : 0) | e << b.m | m;
}
bool isNaNInf(Fmt f, uint32_t code) {
  Bits b = bitsOf(f);
  uint32_t e = (code >> b.m) & ((1u << b.e) - 1), m = code & ((1u << b.m) - 1);
  if (b.ieee) return e == (1u << b.e) - 1;
  return e == (1u << b.e) - 1 && m == (1u << b.m) - 1;
}
double maxFinite(Fmt f) { return decode(f, encode(f, INFINITY, true)); }

// Input distributions (the H100 recordings' six, plus special values and
// overflow).
enum Dist { BITS, NORMAL, WIDE, POS, CANCEL, SUB, SPECIAL, OVERFLOW, NDIST };
const char *distNames[] = {"bits", "normal", "wide", "pos", "cancel", "sub", "special", "overflow"};

int wideRange(Fmt f, int *lo) {
  switch (f) {
  case E4M3: *lo = -10; return 7;
  case E5M2: *lo = -18; return 14;
  case F16: *lo = -18; return 12;
  default: *lo = -40; return 40;
  }
}

// genCode draws one operand element; n is the length of the dot product,
// which sets how rare NaN and Inf are in the special distribution.
uint32_t genCode(Fmt f, Dist d, Rng &r, int n) {
  Bits b = bitsOf(f);
  uint32_t emax = (1u << b.e) - 1;
  auto bits = [&]() {
    for (;;) {
      uint32_t c = (uint32_t)(r.next() & ((1ull << (1 + b.e + b.m)) - 1));
      if (!isNaNInf(f, c)) return c;
    }
  };
  switch (d) {
  case BITS: return bits();
  case NORMAL: return encode(f, r.normal(), true);
  case WIDE: {
    int lo, hi = wideRange(f, &lo);
    return encode(f, std::ldexp(r.normal(), lo + r.intn(hi - lo + 1)), true);
  }
  case POS: return encode(f, 2 * r.uniform(), true);
  case SUB: {
    double u = r.uniform();
    bool neg = r.next() & 1;
    if (u < 0.5) return mk(f, neg, 0, (uint32_t)(r.next() & ((1u << b.m) - 1)));
    if (u < 0.8) return mk(f, neg, 1 + r.intn(2), (uint32_t)(r.next() & ((1u << b.m) - 1)));
    return bits();
  }
  case SPECIAL: {
    double u = r.uniform() * n;
    bool neg = r.next() & 1;
    if (u < 0.35) { // NaN, any payload
      uint32_t m = b.ieee ? 1 + (uint32_t)(r.next() % ((1u << b.m) - 1)) : (1u << b.m) - 1;
      return mk(f, neg, emax, m);
    }
    if (u < 0.7) return b.ieee ? mk(f, neg, emax, 0) : encode(f, neg ? -INFINITY : INFINITY, true);
    double v = r.uniform();
    if (v < 0.15) return mk(f, neg, 0, 0);                                              // ±0
    if (v < 0.35) return mk(f, neg, 0, 1 + (uint32_t)(r.next() % ((1u << b.m) - 1))); // subnormal
    if (v < 0.45) return encode(f, neg ? -INFINITY : INFINITY, true);                    // ±max finite
    int lo, hi = wideRange(f, &lo);
    return encode(f, std::ldexp(r.normal(), lo + r.intn(hi - lo + 1)), true);
  }
  case OVERFLOW: {
    double v = maxFinite(f) * (0.5 + 0.5 * r.uniform());
    return encode(f, r.uniform() < 0.85 ? v : -v, true);
  }
  default: return 0; // CANCEL is drawn in pairs by genTile
  }
}

// genAcc draws an accumulator value (FP32 or FP16 bits) for C.
uint32_t genAcc(bool f16, Dist d, Rng &r) {
  auto enc = [&](double x) -> uint32_t { return f16 ? encodeF16(x) : encodeF32(x); };
  const double maxv = f16 ? 65504.0 : 3.4028234663852886e38;
  bool neg = r.next() & 1;
  switch (d) {
  case BITS:
    for (;;) {
      uint32_t c = f16 ? (uint32_t)(r.next() & 0xffff) : (uint32_t)r.next();
      if (f16 ? ((c >> 10) & 31) != 31 : ((c >> 23) & 255) != 255) return c;
    }
  case SUB:
    if (r.uniform() < 0.5) return f16 ? (neg ? 0x8000u : 0) | (uint32_t)(1 + r.next() % 1023)
                                      : (neg ? 0x80000000u : 0) | (uint32_t)(1 + r.next() % 0x7fffff);
    return enc(std::ldexp(r.normal(), -10));
  case SPECIAL: {
    double u = r.uniform();
    if (u < 0.05) return f16 ? 0x7c00u | (neg ? 0x8000u : 0) | (uint32_t)(1 + r.next() % 1023)
                             : 0x7f800000u | (neg ? 0x80000000u : 0) | (uint32_t)(1 + r.next() % 0x7fffff);
    if (u < 0.10) return enc(neg ? -INFINITY : INFINITY);
    if (u < 0.20) return enc(neg ? -0.0 : 0.0);
    if (u < 0.30) return f16 ? (neg ? 0x8000u : 0) | (uint32_t)(1 + r.next() % 1023)
                             : (neg ? 0x80000000u : 0) | (uint32_t)(1 + r.next() % 0x7fffff);
    if (u < 0.35) return enc(neg ? -maxv : maxv);
    return enc(std::ldexp(r.normal(), r.intn(9) - 4));
  }
  case OVERFLOW: return enc((r.uniform() < 0.85 ? 1 : -1) * maxv * (0.5 + 0.5 * r.uniform()));
  default: return enc(std::ldexp(r.normal(), r.intn(9) - 4));
  }
}

// genTile fills one instruction tile: A 64 rows and B 8 columns of n
// elements, and C (when useC).
void genTile(Fmt fa, Fmt fb, bool f16acc, bool useC, Dist d, Rng &r, uint8_t *A, uint8_t *B, uint32_t *C) {
  const int n = TKB / elemBytes(fa);
  if (d == CANCEL) {
    // 75% of k pairs nearly cancel (b equal, a opposite to 1/8); the rest
    // are 16x smaller.
    std::vector<bool> pair(n / 2);
    for (auto &&p : pair) p = r.uniform() < 0.75;
    for (int i = 0; i < TM; i++)
      for (int m = 0; m < n / 2; m++) {
        double x = r.normal();
        double y = pair[m] ? -x * (1 + (r.uniform() - 0.5) / 4) : r.normal() / 4;
        if (!pair[m]) x /= 4;
        putCode(fa, A + i * TKB, 2 * m, encode(fa, x, true));
        putCode(fa, A + i * TKB, 2 * m + 1, encode(fa, y, true));
      }
    for (int j = 0; j < TN; j++)
      for (int m = 0; m < n / 2; m++) {
        double x = r.normal(), y = pair[m] ? x : r.normal();
        if (!pair[m]) x /= 4, y /= 4;
        putCode(fb, B + j * TKB, 2 * m, encode(fb, x, true));
        putCode(fb, B + j * TKB, 2 * m + 1, encode(fb, y, true));
      }
  } else {
    for (int i = 0; i < TM; i++)
      for (int k = 0; k < n; k++) putCode(fa, A + i * TKB, k, genCode(fa, d, r, 2 * n));
    for (int j = 0; j < TN; j++)
      for (int k = 0; k < n; k++) putCode(fb, B + j * TKB, k, genCode(fb, d, r, 2 * n));
  }
  for (int e = 0; e < TM * TN; e++) C[e] = useC ? genAcc(f16acc, d, r) : 0;
}

// ---------------------------------------------------------------------------
// Paths and their config names (as tcsim's instruction files spell them).

std::string configName(const InstPath &p, bool useC) {
  std::string s = p.instr == WGMMA ? "wgmma_" : "mma_";
  s += fmtName(p.a);
  s += "_";
  s += fmtName(p.b);
  if (p.f16acc) s += "_f16";
  return s + (useC ? "_cR" : "_c0");
}

bool parseFmt(const std::string &s, Fmt *f) {
  for (int i = 0; i < NFMT; i++)
    if (s == fmtName((Fmt)i)) {
      *f = (Fmt)i;
      return true;
    }
  return false;
}

// parseConfig parses <wgmma|mma>_<a>_<b>[_f16]_<c0|cR>.
bool parseConfig(const std::string &name, InstPath *p, bool *useC) {
  std::vector<std::string> parts;
  size_t st = 0;
  for (;;) {
    size_t u = name.find('_', st);
    parts.push_back(name.substr(st, u - st));
    if (u == std::string::npos) break;
    st = u + 1;
  }
  if (parts.size() != 4 && parts.size() != 5) return false;
  if (parts[0] == "wgmma") p->instr = WGMMA;
  else if (parts[0] == "mma") p->instr = MMA;
  else return false;
  if (!parseFmt(parts[1], &p->a) || !parseFmt(parts[2], &p->b)) return false;
  if (elemBytes(p->a) != elemBytes(p->b) || (elemBytes(p->a) > 1 && p->a != p->b)) return false;
  p->f16acc = parts.size() == 5;
  if (p->f16acc && parts[3] != "f16") return false;
  if (parts.back() == "c0") *useC = false;
  else if (parts.back() == "cR") *useC = true;
  else return false;
  return true;
}

std::vector<InstPath> allPaths(Instr in) {
  std::vector<InstPath> v;
  for (int acc = 0; acc < 2; acc++)
    for (int a = E4M3; a <= E5M2; a++)
      for (int b = E4M3; b <= E5M2; b++) v.push_back({in, (Fmt)a, (Fmt)b, acc == 1});
  v.push_back({in, BF16, BF16, false});
  v.push_back({in, F16, F16, false});
  if (in == MMA) v.push_back({in, F16, F16, true});
  v.push_back({in, TF32, TF32, false});
  return v;
}

// ---------------------------------------------------------------------------
// Output files: written to NAME.tmp, renamed when complete.

struct Out {
  FILE *f = nullptr;
  std::string path, tmp;
  std::vector<char> buf;
  Out(const std::string &dir, const std::string &name, const char *header) : buf(1 << 20) {
    path = dir + "/" + name;
    tmp = path + ".tmp";
    f = fopen(tmp.c_str(), "w");
    if (!f) die(1, "%s: %s", tmp.c_str(), strerror(errno));
    setvbuf(f, buf.data(), _IOFBF, buf.size());
    fputs(header, f);
    fputc('\n', f);
  }
  void close() {
    if (fflush(f) != 0 || ferror(f) || fclose(f) != 0) die(1, "%s: write failed", tmp.c_str());
    if (rename(tmp.c_str(), path.c_str()) != 0) die(1, "%s: %s", path.c_str(), strerror(errno));
    chmod(path.c_str(), 0644);
  }
};

void hexBytes(FILE *f, const uint8_t *b, size_t n) {
  static const char d[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    fputc(d[b[i] >> 4], f);
    fputc(d[b[i] & 15], f);
  }
}
void hexWord(FILE *f, uint32_t x, bool f16) { fprintf(f, f16 ? "%04x" : "%08x", x); }

// ---------------------------------------------------------------------------
// Self-test: one-hot operands make every result an exact small integer in
// every datapath, and tell each operand element and each accumulator
// element apart.

double smallInt(uint64_t h) { return (double)(1 + h % 8) * ((h >> 3) & 1 ? -1 : 1); }

std::string selfTest(Backend &be, const InstPath &p) {
  const int n = TKB / elemBytes(p.a);
  std::vector<uint8_t> A(TM * TKB), B(TN * TKB);
  std::vector<uint32_t> C(TM * TN), D(TM * TN);
  std::vector<double> want(TM * TN);
  auto check = [&](const char *what, bool useC) -> std::string {
    InstBatch b{1, A.data(), B.data(), C.data(), useC, D.data()};
    std::string err = be.runInst(p, b);
    if (!err.empty()) return err;
    for (int e = 0; e < TM * TN; e++) {
      uint32_t w = p.f16acc ? encodeF16(want[e]) : encodeF32(want[e]);
      if (D[e] != w) {
        char buf[200];
        snprintf(buf, sizeof buf, "self-test %s: D[%d][%d] = %x, want %x (%g)", what, e / TN, e % TN, D[e], w, want[e]);
        return buf;
      }
    }
    return "";
  };
  // A layout: A distinct, B one-hot per column.
  for (int t = 0; t < (n + TN - 1) / TN; t++) {
    std::fill(A.begin(), A.end(), 0);
    std::fill(B.begin(), B.end(), 0);
    for (int i = 0; i < TM; i++)
      for (int k = 0; k < n; k++) putCode(p.a, A.data() + i * TKB, k, encode(p.a, smallInt(hashKey(7, {(uint64_t)i, (uint64_t)k})), true));
    for (int j = 0; j < TN; j++) {
      int k = (t * TN + j) % n;
      putCode(p.b, B.data() + j * TKB, k, encode(p.b, 1.0, true));
      for (int i = 0; i < TM; i++) want[i * TN + j] = decode(p.a, codeAt(p.a, A.data() + i * TKB, k));
    }
    std::string e = check("A layout", false);
    if (!e.empty()) return e;
  }
  // B layout: B distinct, A one-hot per row.
  for (int t = 0; t < 2; t++) {
    std::fill(A.begin(), A.end(), 0);
    std::fill(B.begin(), B.end(), 0);
    for (int j = 0; j < TN; j++)
      for (int k = 0; k < n; k++) putCode(p.b, B.data() + j * TKB, k, encode(p.b, smallInt(hashKey(9, {(uint64_t)j, (uint64_t)k})), true));
    for (int i = 0; i < TM; i++) {
      int k = (i + t * 5) % n;
      putCode(p.a, A.data() + i * TKB, k, encode(p.a, 1.0, true));
      for (int j = 0; j < TN; j++) want[i * TN + j] = decode(p.b, codeAt(p.b, B.data() + j * TKB, k));
    }
    std::string e = check("B layout", false);
    if (!e.empty()) return e;
  }
  // C and D layout: D = A·B + C with A one-hot and B distinct.
  for (int e = 0; e < TM * TN; e++) {
    double c = (double)(e - 256);
    C[e] = p.f16acc ? encodeF16(c) : encodeF32(c);
    want[e] += c;
  }
  return check("C layout", true);
}

// ---------------------------------------------------------------------------
// Generated instruction records.

struct Options {
  std::string out, inputs, paths = "wgmma,mma,chain,promo,scaled";
  uint64_t seed = 1;
  int tiles = 2;
  int kmax = 16384; // longest K of the tile cases
  bool want(const char *p) const {
    std::string s = "," + paths + ",";
    return s.find(std::string(",") + p + ",") != std::string::npos;
  }
};

size_t recordInst(Backend &be, const Options &o, Instr in, const std::vector<InstPath> &ok, const char *file) {
  Out out(o.out, file, "config,a_hex,b_hex,c_hex,d_hex,dist,tile,row,col");
  size_t n = 0;
  const int T = o.tiles;
  std::vector<uint8_t> A((size_t)T * TM * TKB), B((size_t)T * TN * TKB);
  std::vector<uint32_t> C((size_t)T * TM * TN), D((size_t)T * TM * TN);
  for (const InstPath &p : ok) {
    if (p.instr != in) continue;
    for (int useC = 0; useC < 2; useC++) {
      std::string cfg = configName(p, useC);
      for (int d = 0; d < NDIST; d++) {
        for (int t = 0; t < T; t++) {
          // The same inputs for wgmma and mma: the key leaves out the instruction.
          Rng r(hashKey(o.seed, {(uint64_t)p.a, (uint64_t)p.b, (uint64_t)p.f16acc, (uint64_t)useC, (uint64_t)d, (uint64_t)t}));
          genTile(p.a, p.b, p.f16acc, useC, (Dist)d, r, &A[(size_t)t * TM * TKB], &B[(size_t)t * TN * TKB], &C[(size_t)t * TM * TN]);
        }
        InstBatch b{T, A.data(), B.data(), C.data(), useC == 1, D.data()};
        std::string err = be.runInst(p, b);
        if (!err.empty()) die(1, "%s: %s", cfg.c_str(), err.c_str());
        for (int t = 0; t < T; t++)
          for (int i = 0; i < TM; i++)
            for (int j = 0; j < TN; j++) {
              size_t e = (size_t)t * TM * TN + i * TN + j;
              fprintf(out.f, "%s,", cfg.c_str());
              hexBytes(out.f, &A[((size_t)t * TM + i) * TKB], TKB);
              fputc(',', out.f);
              hexBytes(out.f, &B[((size_t)t * TN + j) * TKB], TKB);
              fputc(',', out.f);
              hexWord(out.f, C[e], p.f16acc);
              fputc(',', out.f);
              hexWord(out.f, D[e], p.f16acc);
              fprintf(out.f, ",%s,%d,%d,%d\n", distNames[d], t, i, j);
              n++;
            }
      }
    }
  }
  out.close();
  return n;
}

// ---------------------------------------------------------------------------
// Tile cases: chains, promotion, scaled promotion.

struct Case {
  std::string name;
  const char *dist;
  Fmt a, b;
  int K;
  std::vector<uint8_t> A, B; // 64×K, 8×K codes (FP8: one byte each)
  std::vector<uint32_t> C;   // 512 FP32, or empty
  std::vector<float> SA, SB; // scales, or empty
};

// genCaseOperands fills A and B; promo cases scale each matrix so that its
// largest magnitude is the format's largest finite value.
void genCaseOperands(Case &c, Dist d, Rng &r, bool toAmax) {
  c.A.resize((size_t)TM * c.K);
  c.B.resize((size_t)TN * c.K);
  auto fill = [&](std::vector<uint8_t> &m, Fmt f) {
    if (!toAmax) {
      for (auto &x : m) x = (uint8_t)genCode(f, d, r, 2 * c.K);
      return;
    }
    std::vector<double> v(m.size());
    double amax = 0;
    for (auto &x : v) {
      x = d == POS ? 2 * r.uniform() : d == WIDE ? std::ldexp(r.normal(), r.intn(18) - 10) : r.normal();
      amax = std::max(amax, std::fabs(x));
    }
    double s = maxFinite(f) / amax;
    for (size_t i = 0; i < m.size(); i++) m[i] = (uint8_t)encode(f, v[i] * s, true);
  };
  fill(c.A, c.a);
  fill(c.B, c.b);
}

void writeCaseInput(Out &o, const Case &c, bool scaled) {
  fprintf(o.f, "%s,%s,%s,%s,%d,", c.name.c_str(), c.dist, fmtName(c.a), fmtName(c.b), c.K);
  hexBytes(o.f, c.A.data(), c.A.size());
  fputc(',', o.f);
  hexBytes(o.f, c.B.data(), c.B.size());
  fputc(',', o.f);
  for (uint32_t x : c.C) hexWord(o.f, x, false);
  if (scaled) {
    fputc(',', o.f);
    for (float x : c.SA) hexWord(o.f, encodeF32(x), false);
    fputc(',', o.f);
    for (float x : c.SB) hexWord(o.f, encodeF32(x), false);
  }
  fputc('\n', o.f);
}

struct Output {
  const Case *c;
  const char *kernel;
  int Nc;
  bool useC, serial;
  std::vector<uint32_t> D;
};

// runOutputs runs every output's job, grouped by operand pair.
void runOutputs(Backend &be, std::vector<Output> &outs) {
  for (int pair = 0; pair < 4; pair++) {
    std::vector<CaseJob> jobs;
    std::vector<Output *> who;
    for (Output &o : outs) {
      if (o.c->a * 2 + o.c->b != pair) continue;
      o.D.assign(TM * TN, 0);
      CaseJob j{};
      j.a = o.c->a, j.b = o.c->b, j.K = o.c->K, j.Nc = o.Nc;
      std::string k = o.kernel;
      j.kernel = k == "wgmma_chain" ? CHAIN : k == "wgmma_promo" ? PROMO : k == "wgmma_promo_scaled_fma" ? PROMO_FMA : PROMO_MULMUL;
      j.useC = o.useC, j.serial = o.serial;
      j.A = o.c->A.data(), j.B = o.c->B.data();
      j.C = o.c->C.empty() ? nullptr : o.c->C.data();
      bool scaled = j.kernel == PROMO_FMA || j.kernel == PROMO_MULMUL;
      j.SA = scaled ? o.c->SA.data() : nullptr;
      j.SB = scaled ? o.c->SB.data() : nullptr;
      j.D = o.D.data();
      jobs.push_back(j);
      who.push_back(&o);
    }
    if (jobs.empty()) continue;
    std::string err = be.runCases(jobs.data(), (int)jobs.size());
    if (!err.empty()) die(1, "tile cases (%s x %s): %s", fmtName(jobs[0].a), fmtName(jobs[0].b), err.c_str());
  }
}

size_t writeOutputs(Out &o, const std::vector<Output> &outs) {
  for (const Output &x : outs) {
    fprintf(o.f, "%s,%s,%d,%d,%d,%d,", x.c->name.c_str(), x.kernel, x.c->K, x.Nc, x.useC ? 1 : 0, x.serial ? 1 : 0);
    for (uint32_t d : x.D) hexWord(o.f, d, false);
    fputc('\n', o.f);
  }
  return outs.size() * TM * TN;
}

const char *caseHeader = "case,dist,fmt_a,fmt_b,K,a_hex,b_hex,c_hex";
const char *outHeader = "case,kernel,K,N_c,use_c,serial,d_hex";

size_t recordCases(Backend &be, const Options &o) {
  std::vector<Case> chains, promos;
  const Fmt pairs[4][2] = {{E4M3, E4M3}, {E4M3, E5M2}, {E5M2, E4M3}, {E5M2, E5M2}};
  if (o.want("chain")) {
    const Dist dists[] = {NORMAL, POS, WIDE, BITS, SPECIAL};
    const int Ks[] = {64, 256, 512, 1024};
    for (auto &pr : pairs)
      for (Dist d : dists)
        for (int K : Ks) {
          if (K > o.kmax) continue;
          Case c;
          c.name = "chain_" + std::to_string(10000 + chains.size()).substr(1);
          c.dist = distNames[d], c.a = pr[0], c.b = pr[1], c.K = K;
          Rng r(hashKey(o.seed, {100, (uint64_t)pr[0], (uint64_t)pr[1], (uint64_t)d, (uint64_t)K}));
          genCaseOperands(c, d, r, false);
          c.C.resize(TM * TN);
          for (auto &x : c.C) x = genAcc(false, d == SPECIAL ? SPECIAL : NORMAL, r);
          chains.push_back(std::move(c));
        }
  }
  if (o.want("promo")) {
    const Dist dists[] = {NORMAL, POS, WIDE};
    for (auto &pr : pairs)
      for (Dist d : dists)
        for (int K : {128, 1024, 4096, 16384}) {
          if (K > o.kmax || (K == 16384 && (pr[0] != E4M3 || pr[1] != E4M3))) continue;
          Case c;
          c.name = "promo_" + std::to_string(10000 + promos.size()).substr(1);
          c.dist = distNames[d], c.a = pr[0], c.b = pr[1], c.K = K;
          Rng r(hashKey(o.seed, {200, (uint64_t)pr[0], (uint64_t)pr[1], (uint64_t)d, (uint64_t)K}));
          genCaseOperands(c, d, r, true);
          promos.push_back(std::move(c));
        }
  }
  size_t n = 0;
  if (!chains.empty() || !promos.empty()) {
    std::vector<Output> outs;
    for (const Case &c : chains) {
      outs.push_back({&c, "wgmma_chain", c.K, false, false, {}});
      outs.push_back({&c, "wgmma_chain", c.K, true, false, {}});
      outs.push_back({&c, "wgmma_chain", c.K, false, true, {}});
    }
    for (const Case &c : promos) {
      for (int nc : {32, 64, 128, 256, 512})
        if (nc < c.K) outs.push_back({&c, "wgmma_promo", nc, false, false, {}});
      outs.push_back({&c, "wgmma_promo", c.K, false, false, {}});
    }
    runOutputs(be, outs);
    if (!chains.empty()) {
      Out ci(o.out, "chain_inputs.csv", caseHeader);
      for (const Case &c : chains) writeCaseInput(ci, c, false);
      ci.close();
    }
    if (!promos.empty()) {
      Out pi(o.out, "promo_inputs.csv", caseHeader);
      for (const Case &c : promos) writeCaseInput(pi, c, false);
      pi.close();
    }
    Out mo(o.out, "multi_outputs.csv", outHeader);
    n += writeOutputs(mo, outs);
    mo.close();
  }
  if (o.want("scaled") && o.kmax >= 512) {
    // DeepSeek-style: each 1×128 slice of a row of A and each 128×1 slice of
    // a column of B quantised with its own FP32 scale amax/fmt_max.
    std::vector<Case> sc;
    const Dist dists[] = {NORMAL, POS, WIDE};
    for (int v = 0; v < 12; v++) {
      Case c;
      Dist d = dists[v % 3];
      c.name = "pscaled_" + std::to_string(10000 + v).substr(1);
      c.dist = distNames[d], c.a = E4M3, c.b = E4M3, c.K = 512;
      Rng r(hashKey(o.seed, {300, (uint64_t)v}));
      const int KB = c.K / 128;
      c.A.resize((size_t)TM * c.K);
      c.B.resize((size_t)TN * c.K);
      auto quant = [&](std::vector<uint8_t> &m, std::vector<float> &s, int rows) {
        s.resize((size_t)rows * KB);
        for (int i = 0; i < rows; i++)
          for (int kb = 0; kb < KB; kb++) {
            double v2[128], amax = 0, mag = std::ldexp(1.0, r.intn(17) - 8);
            for (double &x : v2) {
              x = mag * (d == POS ? 2 * r.uniform() : d == WIDE ? std::ldexp(r.normal(), r.intn(12) - 6) : r.normal());
              amax = std::max(amax, std::fabs(x));
            }
            float scale = (float)(amax / 448.0);
            s[(size_t)i * KB + kb] = scale;
            for (int k = 0; k < 128; k++) m[(size_t)i * c.K + kb * 128 + k] = (uint8_t)encode(E4M3, v2[k] / scale, true);
          }
      };
      quant(c.A, c.SA, TM);
      quant(c.B, c.SB, TN);
      sc.push_back(std::move(c));
    }
    std::vector<Output> outs;
    for (const Case &c : sc) {
      outs.push_back({&c, "wgmma_promo", 128, false, false, {}});
      for (int nc : {128, 64}) {
        outs.push_back({&c, "wgmma_promo_scaled_fma", nc, false, false, {}});
        outs.push_back({&c, "wgmma_promo_scaled_mulmul", nc, false, false, {}});
      }
    }
    runOutputs(be, outs);
    Out si(o.out, "promo_scaled_inputs.csv", "case,dist,fmt_a,fmt_b,K,a_hex,b_hex,c_hex,sa_hex,sb_hex");
    for (const Case &c : sc) writeCaseInput(si, c, true);
    si.close();
    Out so(o.out, "promo_scaled_outputs.csv", outHeader);
    n += writeOutputs(so, outs);
    so.close();
  }
  return n;
}

// ---------------------------------------------------------------------------
// Input files from `tcsim fit --suggest`: instruction records with d_hex
// empty. Each line is run as its own dot product: up to 8 lines of one
// config share a tile, on its diagonal (row i, column i, C[i][i]).

// splitCSV splits one CSV line (RFC 4180 quoting) into fields.
bool splitCSV(const std::string &line, std::vector<std::string> *f) {
  f->clear();
  std::string cur;
  bool q = false, wasQuoted = false;
  for (size_t i = 0; i < line.size(); i++) {
    char ch = line[i];
    if (q) {
      if (ch == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') cur += '"', i++;
        else q = false;
      } else cur += ch;
    } else if (ch == '"' && cur.empty() && !wasQuoted) {
      q = wasQuoted = true;
    } else if (ch == ',') {
      f->push_back(cur);
      cur.clear();
      wasQuoted = false;
    } else cur += ch;
  }
  if (q) return false;
  f->push_back(cur);
  return true;
}

std::string csvField(const std::string &s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string o = "\"";
  for (char c : s) {
    if (c == '"') o += '"';
    o += c;
  }
  return o + "\"";
}

bool parseHex(const std::string &s, std::vector<uint8_t> *b) {
  if (s.size() % 2) return false;
  b->resize(s.size() / 2);
  for (size_t i = 0; i < s.size(); i += 2) {
    char t[3] = {s[i], s[i + 1], 0};
    char *end;
    long v = strtol(t, &end, 16);
    if (*end || !isxdigit((unsigned char)t[0]) || !isxdigit((unsigned char)t[1])) return false;
    (*b)[i / 2] = (uint8_t)v;
  }
  return true;
}

size_t runInputFile(Backend &be, const Options &o, std::string *outName) {
  std::string cmd = o.inputs;
  bool gz = cmd.size() > 3 && cmd.compare(cmd.size() - 3, 3, ".gz") == 0;
  FILE *in;
  if (gz) {
    FILE *t = fopen(o.inputs.c_str(), "r");
    if (!t) die(2, "%s: %s", o.inputs.c_str(), strerror(errno));
    fclose(t);
    in = popen(("gzip -dc '" + o.inputs + "'").c_str(), "r");
  } else in = fopen(o.inputs.c_str(), "r");
  if (!in) die(2, "%s: %s", o.inputs.c_str(), strerror(errno));
  struct Line {
    std::vector<std::string> f;
    InstPath p;
    bool useC;
    std::vector<uint8_t> a, b;
    uint32_t c, d;
  };
  std::vector<Line> lines;
  std::string header, s;
  std::vector<std::string> hf;
  int ln = 0;
  char buf[1 << 16];
  while (fgets(buf, sizeof buf, in)) {
    s += buf;
    if (s.empty() || s.back() != '\n') {
      if (!feof(in)) continue;
    }
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    ln++;
    if (ln == 1) {
      if (!splitCSV(s, &hf) || hf.size() < 5 || hf[0] != "config" || hf[1] != "a_hex" || hf[2] != "b_hex" ||
          hf[3] != "c_hex" || hf[4] != "d_hex")
        die(2, "%s:1: header does not begin with config,a_hex,b_hex,c_hex,d_hex", o.inputs.c_str());
      s.clear();
      continue;
    }
    if (s.empty()) {
      s.clear();
      continue;
    }
    Line l;
    if (!splitCSV(s, &l.f) || l.f.size() != hf.size()) die(2, "%s:%d: want %zu fields", o.inputs.c_str(), ln, hf.size());
    if (!parseConfig(l.f[0], &l.p, &l.useC)) die(2, "%s:%d: unknown config %s", o.inputs.c_str(), ln, l.f[0].c_str());
    if (!parseHex(l.f[1], &l.a) || l.a.size() != TKB) die(2, "%s:%d: a_hex must be %d bytes of hex", o.inputs.c_str(), ln, TKB);
    if (!parseHex(l.f[2], &l.b) || l.b.size() != TKB) die(2, "%s:%d: b_hex must be %d bytes of hex", o.inputs.c_str(), ln, TKB);
    std::vector<uint8_t> cb;
    size_t cw = l.p.f16acc ? 2 : 4;
    if (!parseHex(l.f[3], &cb) || cb.size() != cw) die(2, "%s:%d: c_hex must be %zu hex digits", o.inputs.c_str(), ln, 2 * cw);
    l.c = 0;
    for (uint8_t x : cb) l.c = l.c << 8 | x;
    if (!l.useC && l.c != 0) die(2, "%s:%d: a c0 config must have c_hex 0", o.inputs.c_str(), ln);
    if (!be.has(l.p)) die(1, "%s:%d: %s: this build has no kernel for it", o.inputs.c_str(), ln, l.f[0].c_str());
    lines.push_back(std::move(l));
    s.clear();
  }
  if (gz ? pclose(in) != 0 : ferror(in)) die(2, "%s: read failed", o.inputs.c_str());
  if (!gz) fclose(in);
  if (lines.empty()) die(2, "%s: no records", o.inputs.c_str());
  // Group by config, 8 lines a tile.
  std::map<std::string, std::vector<size_t>> groups;
  for (size_t i = 0; i < lines.size(); i++) groups[lines[i].f[0]].push_back(i);
  for (auto &g : groups) {
    const Line &first = lines[g.second[0]];
    int T = (int)(g.second.size() + TN - 1) / TN;
    std::vector<uint8_t> A((size_t)T * TM * TKB), B((size_t)T * TN * TKB);
    std::vector<uint32_t> C((size_t)T * TM * TN), D((size_t)T * TM * TN);
    for (size_t x = 0; x < g.second.size(); x++) {
      const Line &l = lines[g.second[x]];
      size_t t = x / TN, i = x % TN;
      memcpy(&A[(t * TM + i) * TKB], l.a.data(), TKB);
      memcpy(&B[(t * TN + i) * TKB], l.b.data(), TKB);
      C[t * TM * TN + i * TN + i] = l.c;
    }
    InstBatch b{T, A.data(), B.data(), C.data(), first.useC, D.data()};
    std::string err = be.runInst(first.p, b);
    if (!err.empty()) die(1, "%s: %s", first.f[0].c_str(), err.c_str());
    for (size_t x = 0; x < g.second.size(); x++) lines[g.second[x]].d = D[(x / TN) * TM * TN + (x % TN) * (TN + 1)];
  }
  std::string base = o.inputs.substr(o.inputs.find_last_of('/') + 1);
  if (gz) base.resize(base.size() - 3);
  if (base.size() < 4 || base.compare(base.size() - 4, 4, ".csv") != 0) base += ".csv";
  *outName = base;
  std::string hdr;
  for (size_t i = 0; i < hf.size(); i++) hdr += (i ? "," : "") + csvField(hf[i]);
  Out out(o.out, base, hdr.c_str());
  for (const Line &l : lines) {
    fprintf(out.f, "%s,%s,%s,%s,", csvField(l.f[0]).c_str(), l.f[1].c_str(), l.f[2].c_str(), l.f[3].c_str());
    hexWord(out.f, l.d, l.p.f16acc);
    for (size_t i = 5; i < l.f.size(); i++) fprintf(out.f, ",%s", csvField(l.f[i]).c_str());
    fputc('\n', out.f);
  }
  out.close();
  return lines.size();
}

const char *usage =
    "Usage: probe --out DIR [--seed N] [--tiles T] [--paths LIST] [--kmax K]\n"
    "       probe --out DIR --inputs FILE\n"
    "\n"
    "Records tensor-core outputs of this GPU (wgmma and mma.sync, FP8/FP16/BF16/TF32,\n"
    "FP32 and FP16 accumulators, wgmma chains over K and promotion to FP32 with and\n"
    "without scales) in the record formats tcsim verify reads.\n"
    "\n"
    "Flags:\n"
    "  --out DIR      directory for the record files (created; must hold none yet)\n"
    "  --seed N       seed of the generated inputs (default 1)\n"
    "  --tiles T      64x8 tiles per instruction config and distribution (default 2)\n"
    "  --paths LIST   any of wgmma,mma,chain,promo,scaled (default all)\n"
    "  --kmax K       leave out tile cases longer than K (default 16384)\n"
    "  --inputs FILE  run the vectors of an instruction-record file with empty d_hex\n"
    "                 (tcsim fit --suggest) instead of generating inputs\n"
    "\n"
    "Examples:\n"
    "  ./probe --out h200-records && gzip -n h200-records/*.csv\n"
    "  ./probe --out fit-run --inputs suggest/inst_suggest.csv\n";

} // namespace

int main(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) die(2, "%s needs a value", a.c_str());
      return argv[++i];
    };
    auto num = [&](long lo, long hi) -> long {
      std::string v = val();
      char *end;
      errno = 0;
      long x = strtol(v.c_str(), &end, 10);
      if (v.empty() || *end || errno || x < lo || x > hi) die(2, "%s: %s is not an integer in [%ld, %ld]", a.c_str(), v.c_str(), lo, hi);
      return x;
    };
    if (a == "-h" || a == "--help") {
      fputs(usage, stdout);
      return 0;
    } else if (a == "--out") o.out = val();
    else if (a == "--inputs") o.inputs = val();
    else if (a == "--paths") o.paths = val();
    else if (a == "--seed") o.seed = (uint64_t)num(0, 0x7fffffffffffffffL);
    else if (a == "--tiles") o.tiles = (int)num(1, 4096);
    else if (a == "--kmax") o.kmax = (int)num(64, 16384);
    else die(2, "unknown flag %s (see --help)", a.c_str());
  }
  if (o.out.empty()) die(2, "--out DIR is required (see --help)");
  {
    std::string s = "," + o.paths + ",";
    for (const char *p : {"wgmma", "mma", "chain", "promo", "scaled"}) {
      std::string k = std::string(",") + p + ",";
      size_t at;
      while ((at = s.find(k)) != std::string::npos) s.erase(at, k.size() - 1);
    }
    if (s != ",") die(2, "--paths: unknown path in %s (want wgmma,mma,chain,promo,scaled)", o.paths.c_str());
  }
  // The output directory must not hold record files of an earlier run.
  mkdir(o.out.c_str(), 0755);
  struct stat st;
  if (stat(o.out.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) die(2, "--out %s: not a directory", o.out.c_str());
  for (const char *n : {"inst_wgmma", "inst_mma", "chain_inputs", "promo_inputs", "multi_outputs", "promo_scaled_inputs",
                        "promo_scaled_outputs"})
    for (const char *ext : {".csv", ".csv.gz"})
      if (stat((o.out + "/" + n + ext).c_str(), &st) == 0) die(2, "--out %s already holds %s%s: use a new directory", o.out.c_str(), n, ext);

  Backend be;
  printf("%s", be.info().c_str());
  if (!o.inputs.empty()) {
    std::string name;
    size_t n = runInputFile(be, o, &name);
    printf("%zu records -> %s/%s\n", n, o.out.c_str(), name.c_str());
    return 0;
  }
  // Self-test every path; the wgmma descriptor layout is settled on the
  // first wgmma path that passes.
  std::vector<InstPath> ok;
  int variant = -1;
  for (Instr in : {WGMMA, MMA}) {
    for (const InstPath &p : allPaths(in)) {
      std::string cfg = configName(p, false);
      if (!be.has(p)) {
        printf("self-test %-22s SKIPPED: not built\n", cfg.c_str());
        continue;
      }
      std::string err;
      if (in == WGMMA && variant < 0) {
        for (int v = 0; v < 2; v++) {
          be.setLayoutVariant(v);
          err = selfTest(be, p);
          if (err.empty()) {
            variant = v;
            break;
          }
        }
      } else err = selfTest(be, p);
      printf("self-test %-22s %s\n", cfg.c_str(), err.empty() ? "ok" : ("FAILED: " + err).c_str());
      if (err.empty()) ok.push_back(p);
    }
  }
  if (variant >= 0) {
    be.setLayoutVariant(variant);
    printf("wgmma shared-memory descriptor variant %d\n", variant);
  }
  bool wgOK = variant >= 0;
  size_t total = 0;
  if (o.want("wgmma")) {
    size_t n = recordInst(be, o, WGMMA, ok, "inst_wgmma.csv");
    printf("inst_wgmma.csv: %zu records\n", n);
    total += n;
  }
  if (o.want("mma")) {
    size_t n = recordInst(be, o, MMA, ok, "inst_mma.csv");
    printf("inst_mma.csv: %zu records\n", n);
    total += n;
  }
  if (o.want("chain") || o.want("promo") || o.want("scaled")) {
    if (!be.hasCases()) printf("tile cases SKIPPED: not built\n");
    else if (!wgOK) printf("tile cases SKIPPED: no wgmma path passed its self-test\n");
    else {
      size_t n = recordCases(be, o);
      printf("tile cases (chain, promo, scaled): %zu records\n", n);
      total += n;
    }
  }
  printf("%zu records in all, in %s\n", total, o.out.c_str());
  return 0;
}
