#!/usr/bin/env bash
# Builds the probe.
#
#   probe/build.sh          for the GPU in this machine (nvcc): writes probe/probe
#   probe/build.sh --cpu    the CPU float64 emulation (g++), no GPU needed:
#                           writes probe/probe-cpu (or $PROBE_BIN), to test the harness
#
# The GPU build reads the compute capability of GPU 0 (nvidia-smi) and
# compiles for it; Hopper (9.0) gets sm_90a, which wgmma needs. Set
# PROBE_ARCH (e.g. 90a, 89, 100a) to build for another GPU. Each kernel unit
# is compiled on its own: one that this nvcc or GPU cannot compile (wgmma
# off Hopper, say) is built as a stub that reports its paths as not built,
# and the reason is kept in probe/build/<unit>.log.
set -euo pipefail
cd "$(dirname "$0")"
if [ "${1:-}" = "--cpu" ]; then
	bin=${PROBE_BIN:-probe-cpu}
	${CXX:-g++} -O2 -std=c++17 -ffp-contract=off -Wall -Wextra -Werror -o "$bin" src/host.cpp src/formats.cpp src/emulate.cpp
	echo "built $bin (CPU float64 emulation)"
	exit 0
fi
if ! command -v nvcc >/dev/null; then
	echo "build.sh: no nvcc on PATH (without a GPU toolchain: probe/build.sh --cpu)" >&2
	exit 2
fi
arch=${PROBE_ARCH:-}
if [ -z "$arch" ]; then
	cap=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d ' .')
	if [ -z "$cap" ]; then
		echo "build.sh: no GPU found by nvidia-smi; set PROBE_ARCH (e.g. 90a)" >&2
		exit 2
	fi
	case $cap in
	90 | 100 | 101 | 103 | 110 | 120 | 121) arch=${cap}a ;; # the arch-specific features (wgmma on 9.0)
	*) arch=$cap ;;
	esac
fi
gencode="-gencode=arch=compute_${arch},code=sm_${arch}"
flags=(-std=c++17 -O2 -Xcompiler -ffp-contract=off "-DPROBE_ARCH=\"$arch\"")
mkdir -p build
echo "nvcc $(nvcc --version | tail -1); building for sm_$arch"
# Units compile in parallel; each writes its object and build/<unit>.log.
compile() {
	local src=$1 o=build/$(basename "${1%.cu}").o log=build/$(basename "${1%.cu}").log
	if nvcc "${flags[@]}" "$gencode" -c -o "$o" "$src" >"$log" 2>&1; then
		echo ok >"$log.status"
	else
		echo stub >"$log.status"
		nvcc "${flags[@]}" "$gencode" -DPROBE_STUB -c -o "$o" "$src" >>"$log" 2>&1 || echo failed >"$log.status"
	fi
}
srcs=(src/unit_*.cu src/gpu_backend.cu)
for src in "${srcs[@]}"; do compile "$src" & done
wait
objs=()
for src in "${srcs[@]}"; do
	log=build/$(basename "${src%.cu}").log
	case $(cat "$log.status") in
	ok) echo "  $src: ok" ;;
	stub)
		echo "  $src: FAILED to compile, built as a stub (see probe/$log):"
		grep -m 3 -i error "$log" | sed 's/^/    /' || true
		;;
	*)
		echo "build.sh: $src does not compile even as a stub:" >&2
		cat "$log" >&2
		exit 1
		;;
	esac
	objs+=("build/$(basename "${src%.cu}").o")
done
nvcc "${flags[@]}" "$gencode" -o probe src/host.cpp src/formats.cpp "${objs[@]}"
echo "built probe/probe for sm_$arch"
