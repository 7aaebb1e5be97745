package tensorcore_test

import (
	"testing"
)

// FuzzChainReference compares Preset.Chain with the independent math/big
// datapath (ref_test.go) on two chained instructions whose operand and
// accumulator codes come from the input, for every Hopper FP8 family the
// reference models: wgmma with FP32 and FP16 accumulators, and mma.sync.
// Chain takes each kernel the CPU runs (SIMD step and chain kernels).
func FuzzChainReference(f *testing.F) {
	f.Add(uint8(0), uint32(0), []byte{0x38, 0xB8, 0x7E, 0x01})
	f.Add(uint8(1), uint32(0x3C00), []byte{0x7F, 0x80, 0x00, 0xFF})
	f.Add(uint8(2), uint32(0x3F800000), []byte{0x7C, 0x04, 0x83})
	f.Add(uint8(5), uint32(0x00000001), make([]byte, 128))
	cases := allCases()
	f.Fuzz(func(t *testing.T, which uint8, c uint32, data []byte) {
		pc := cases[int(which)%len(cases)]
		p := lookup(t, pc.name)
		byteAt := func(i int) uint32 {
			if len(data) == 0 {
				return 0
			}
			return uint32(data[i%len(data)])
		}
		a, b := make([]uint32, 2*p.K), make([]uint32, 2*p.K)
		for k := range a {
			a[k], b[k] = byteAt(2*k), byteAt(2*k+1)
		}
		c &= 1<<p.Acc().Bits() - 1
		// The reference runs one instruction at a time; Chain carries D
		// into the second's C.
		want := refOf(t, pc, a[:p.K], b[:p.K], c)
		want = refOf(t, pc, a[p.K:], b[p.K:], want)
		got := p.Dot(a, b, c)
		if !sameResult(pc, got, want) {
			t.Errorf("%s: A %x B %x C %#x: Chain %#x, reference %#x", pc.name, a, b, c, got, want)
		}
	})
}
