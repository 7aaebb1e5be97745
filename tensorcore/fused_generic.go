//go:build !amd64 || purego

package tensorcore

// No SIMD kernel on this architecture: Chain runs fusedFixed and
// fusedGeneral.
const bestKernel = kernelGo

func scaledDot(sa, sb []int32, ea, eb []int16, floor, f, man int) (sum int64, emax int) {
	panic("tensorcore: no SIMD kernel on this architecture")
}

func (p *Preset) chainKernel(a, b *Vector, lo, steps int, c uint32) (uint32, int) {
	panic("tensorcore: no SIMD kernel on this architecture")
}

func (p *Preset) lanesKernel(st []laneState, pn *Panel, lo, steps int) int {
	panic("tensorcore: no SIMD kernel on this architecture")
}

func (p *Preset) lanesWideKernel(st []laneState, pn *Panel, lo, units int) int {
	panic("tensorcore: no SIMD kernel on this architecture")
}
