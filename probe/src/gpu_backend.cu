// The GPU backend: runs each path on the kernel unit that holds it.
#include <cstdio>
#include <string>

#include "gpu.cuh"

namespace probe {

int unitWgmmaFP8(const InstPath &, const InstBatch *, int, std::string *);
int unitWgmmaFP8H(const InstPath &, const InstBatch *, int, std::string *);
int unitWgmma16(const InstPath &, const InstBatch *, int, std::string *);
int unitMmaFP8(const InstPath &, const InstBatch *, int, std::string *);
int unitMmaFP8H(const InstPath &, const InstBatch *, int, std::string *);
int unitMma16(const InstPath &, const InstBatch *, int, std::string *);
int unitCases(CaseJob *, int, int, std::string *);

namespace {
const UnitFn units[] = {unitWgmmaFP8, unitWgmmaFP8H, unitWgmma16, unitMmaFP8, unitMmaFP8H, unitMma16};
int layoutVariant = 0;

int dispatch(const InstPath &p, const InstBatch *b, std::string *err) {
  for (UnitFn u : units) {
    int st = u(p, b, layoutVariant, err);
    if (st != U_NOT_MINE) return st;
  }
  return U_NOT_MINE;
}
} // namespace

std::string Backend::name() {
  cudaDeviceProp prop;
  if (cudaGetDeviceProperties(&prop, 0) != cudaSuccess) return "no CUDA device";
  return prop.name;
}

std::string Backend::info() {
  cudaDeviceProp prop;
  int drv = 0, rt = 0;
  cudaDriverGetVersion(&drv);
  cudaRuntimeGetVersion(&rt);
  char buf[512];
  if (cudaGetDeviceProperties(&prop, 0) != cudaSuccess) return "no CUDA device";
  snprintf(buf, sizeof buf,
           "device: %s, compute capability %d.%d, %d SMs, %.1f GiB\n"
           "CUDA driver API %d.%d, runtime %d.%d, built for sm_%s\n",
           prop.name, prop.major, prop.minor, prop.multiProcessorCount, prop.totalGlobalMem / 1073741824.0,
           drv / 1000, drv % 1000 / 10, rt / 1000, rt % 1000 / 10, PROBE_ARCH);
  return buf;
}

bool Backend::has(const InstPath &p) {
  std::string err;
  return dispatch(p, nullptr, &err) == U_OK;
}

bool Backend::hasCases() {
  std::string err;
  return unitCases(nullptr, 0, 0, &err) == U_OK;
}

std::string Backend::runInst(const InstPath &p, const InstBatch &b) {
  std::string err;
  switch (dispatch(p, &b, &err)) {
  case U_OK: return "";
  case U_NOT_BUILT: return "not built (its kernel did not compile: see the build log)";
  case U_NOT_MINE: return "no kernel for this path";
  }
  return err;
}

std::string Backend::runCases(CaseJob *jobs, int n) {
  std::string err;
  switch (unitCases(jobs, n, layoutVariant, &err)) {
  case U_OK: return "";
  case U_NOT_BUILT: return "not built (its kernel did not compile: see the build log)";
  }
  return err;
}

void Backend::setLayoutVariant(int v) { layoutVariant = v; }

} // namespace probe
