package tensorcore

import (
	"fmt"
	"os"
)

// kernelKind is a set of step kernels: the pure-Go ones, or the SIMD ones
// of an instruction set. Every set gives the same bits.
type kernelKind uint8

const (
	kernelGo     kernelKind = iota // pure Go (fusedFixed, fusedGeneral)
	kernelAVX2                     // the AVX2 step, chain and lane kernels
	kernelAVX512                   // the AVX2 step and chain kernels, AVX-512 lane kernels
)

var kernelNames = [...]string{kernelGo: "purego", kernelAVX2: "avx2", kernelAVX512: "avx512"}

func (k kernelKind) String() string {
	if int(k) < len(kernelNames) {
		return kernelNames[k]
	}
	return fmt.Sprintf("kernelKind(%d)", k)
}

// KernelEnv is the environment variable that forces a kernel set
// (purego, avx2 or avx512), so that one CPU can check all of them.
const KernelEnv = "TCSIM_KERNEL"

// kernel is the kernel set in use: the best the CPU runs (bestKernel),
// unless KernelEnv asks for another it runs. Tests switch it.
var kernel, kernelErr = chooseKernel(os.Getenv(KernelEnv), bestKernel)

// chooseKernel returns the kernel set that env names, best when env is
// empty; an unknown name, or one the CPU cannot run, is an error (and
// best is used).
func chooseKernel(env string, best kernelKind) (kernelKind, error) {
	if env == "" {
		return best, nil
	}
	for k, n := range kernelNames {
		if n != env {
			continue
		}
		if kernelKind(k) > best {
			return best, fmt.Errorf("%s=%s: this CPU (or build) runs at most %s", KernelEnv, env, best)
		}
		return kernelKind(k), nil
	}
	return best, fmt.Errorf("%s=%q: want purego, avx2 or avx512", KernelEnv, env)
}

// Kernel names the kernel set in use: purego, avx2 or avx512.
func Kernel() string { return kernel.String() }

// KernelErr reports a value of the environment variable [KernelEnv] that
// could not be honoured (an unknown name, or a kernel set the CPU or the
// build lacks); the best kernel set runs instead.
func KernelErr() error { return kernelErr }
