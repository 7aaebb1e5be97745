package sim

import (
	"encoding/binary"
	"math"
	"math/big"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/tcsim/tcsim/numerics"
)

// The fixed-point reference paths against the math/big oracle bigExact,
// bit for bit, for every operand format, with and without scales.

var exactFormats = []numerics.Format{numerics.E4M3, numerics.E5M2, numerics.E4M3FNUZ, numerics.E5M2FNUZ,
	numerics.E2M1, numerics.FP16, numerics.BF16, numerics.TF32, numerics.FP32}

// specialCode returns a finite code of f drawn to hit the edges: signed
// zeros, subnormals, the largest values and a narrow binade band where sums
// cancel.
func specialCode(r *rand.Rand, f numerics.Format) uint32 {
	mask := uint64(1)<<f.Bits() - 1
	for {
		var c uint32
		switch r.IntN(5) {
		case 0: // ±0 or a subnormal: exponent field 0
			c = uint32(r.Uint64() & (1<<f.ManBits() - 1))
		case 1: // near the largest finite value
			c = f.MaxFinite() - uint32(r.IntN(4))
		case 2: // binades 0..3 above the bias: sums cancel and carry
			c = uint32(f.Bias()+r.IntN(4))<<f.ManBits() | uint32(r.Uint64()&(1<<f.ManBits()-1))
		default:
			c = uint32(r.Uint64() & mask)
		}
		if f.Signed() && r.IntN(2) == 0 {
			c |= f.SignBit()
		}
		c &= uint32(mask)
		if v := f.Decode(c); !math.IsNaN(v) && !math.IsInf(v, 0) {
			return c
		}
	}
}

// scaledProblem adds outer scales (block sb along K) and in-core block
// scales of bf (block bs), each when its block is nonzero.
func scaledProblem(r *rand.Rand, p *Problem, sb int, bf *numerics.Format, bs int) {
	if sb > 0 {
		p.ScaleBlock = sb
		p.SA, p.SB = make([]float32, p.M*p.K/sb), make([]float32, p.N*p.K/sb)
		for _, s := range [][]float32{p.SA, p.SB} {
			for i := range s {
				s[i] = float32(math.Ldexp(1+r.Float64(), r.IntN(60)-30))
				if r.IntN(8) == 0 {
					s[i] = -s[i]
				}
			}
		}
	}
	if bf != nil {
		p.BlockFormat, p.BlockSize = bf, bs
		p.BA, p.BB = make([]uint32, p.M*p.K/bs), make([]uint32, p.N*p.K/bs)
		for _, s := range [][]uint32{p.BA, p.BB} {
			for i := range s {
				s[i] = specialCode(r, *bf)
			}
		}
	}
}

func checkExact(t *testing.T, p *Problem, fa, fb numerics.Format) {
	t.Helper()
	ex := ExactProduct(p, fa, fb)
	for i := range p.M {
		for j := range p.N {
			want, wantAbs := bigExact(p, fa, fb, i, j)
			got, gotAbs := ex.D[i*p.N+j], ex.AbsDot[i*p.N+j]
			if math.Float64bits(got) != math.Float64bits(want) || math.Float64bits(gotAbs) != math.Float64bits(wantAbs) {
				t.Fatalf("%v×%v K=%d scales %d/%v (%d,%d): %v, Σ|ab| %v; want %v, %v",
					fa.Name(), fb.Name(), p.K, p.ScaleBlock, p.BlockFormat != nil, i, j, got, gotAbs, want, wantAbs)
			}
		}
	}
}

func TestExactProductEveryFormat(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	ue4m3, e8m0 := numerics.UE4M3, numerics.E8M0
	for _, fa := range exactFormats {
		for _, fb := range exactFormats {
			for _, sc := range []struct {
				outer int
				bf    *numerics.Format
				bs    int
			}{{0, nil, 0}, {64, nil, 0}, {0, &ue4m3, 16}, {128, &e8m0, 32}} {
				m, n, k := 2, 3, 128
				p := &Problem{M: m, N: n, K: k, A: make([]uint32, m*k), B: make([]uint32, n*k)}
				for x := range p.A {
					p.A[x] = specialCode(r, fa)
				}
				for x := range p.B {
					p.B[x] = specialCode(r, fb)
				}
				// Column 0 cancels row 0 exactly: Σ a·b - a·b = +0.
				for x := range k / 2 {
					p.A[x+k/2] = p.A[x] ^ fa.SignBit()
					p.B[x+k/2] = p.B[x]
				}
				scaledProblem(r, p, sc.outer, sc.bf, sc.bs)
				checkExact(t, p, fa, fb)
			}
		}
	}
}

// FuzzExactProduct compares the fixed-point reference with the math/big
// oracle on arbitrary codes of every format pair, unscaled, with outer
// scales and with in-core block scales.
func FuzzExactProduct(f *testing.F) {
	f.Add(uint8(6), uint8(6), uint8(0), uint64(1), []byte{0x80, 0x00, 0x00, 0x00, 0x01, 0x00, 0x7f, 0x7f})
	f.Add(uint8(7), uint8(8), uint8(1), uint64(2), []byte{0xff, 0x7f, 0x01, 0x00, 0x00, 0x80, 0x12, 0x34})
	f.Add(uint8(1), uint8(1), uint8(2), uint64(3), []byte{0x7b, 0x7b, 0x01, 0x80, 0x03, 0x83})
	f.Fuzz(func(t *testing.T, ia, ib, scaling uint8, seed uint64, data []byte) {
		fa, fb := exactFormats[int(ia)%len(exactFormats)], exactFormats[int(ib)%len(exactFormats)]
		const m, n, k = 2, 2, 32
		p := &Problem{M: m, N: n, K: k, A: make([]uint32, m*k), B: make([]uint32, n*k)}
		next := func(f numerics.Format) uint32 {
			var w [4]byte
			data = data[copy(w[:], data):]
			c := binary.LittleEndian.Uint32(w[:]) & uint32(f.NumCodes()-1)
			if v := f.Decode(c); math.IsNaN(v) || math.IsInf(v, 0) {
				return 0
			}
			return c
		}
		for x := range p.A {
			p.A[x] = next(fa)
		}
		for x := range p.B {
			p.B[x] = next(fb)
		}
		r := rand.New(rand.NewPCG(seed, 0))
		ue4m3, e8m0 := numerics.UE4M3, numerics.E8M0
		switch scaling % 4 {
		case 1:
			scaledProblem(r, p, 16, nil, 0)
		case 2:
			scaledProblem(r, p, 0, &ue4m3, 16)
		case 3:
			scaledProblem(r, p, 32, &e8m0, 32)
		}
		checkExact(t, p, fa, fb)
	})
}

// TestRoundFloat64 checks the one rounding from 128 bits and a sticky tail
// against math/big on random and tie-breaking inputs.
func TestRoundFloat64(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		hi, lo := r.Uint64()>>r.IntN(65), r.Uint64()>>r.IntN(65)
		if r.IntN(4) == 0 { // an exact tie at 53 bits, above it when sticky
			hi, lo = (r.Uint64()|1<<63)&^(1<<10-1)|1<<10, 0
		}
		sticky := r.IntN(2) == 0 && hi != 0
		e := r.IntN(400) - 200
		got, ok := roundFloat64(hi, lo, sticky, e)
		x := new(big.Int).SetUint64(hi)
		x.Lsh(x, 64).Or(x, new(big.Int).SetUint64(lo))
		x.Lsh(x, 1) // room for the tail: +1/2 stands for any t in (0, 1)
		if sticky {
			x.Or(x, big.NewInt(1))
		}
		want, _ := new(big.Float).SetMantExp(new(big.Float).SetInt(x), e-1).Float64()
		if !ok || math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("%#x:%#x sticky=%v e=%d: %v (ok=%v), want %v", hi, lo, sticky, e, got, ok, want)
		}
	}
}

// TestExactProductFixedWidth: the exact reference of the wide formats (BF16,
// TF32, FP32) runs in fixed-width integers, allocating per row and not per
// output or product: the math/big fallback it replaced made BF16 and TF32
// sweeps 150–300 times slower than FP8 (a 64×64×1024 trial: 12.6 s BF16
// against 0.05 s FP8).
func TestExactProductFixedWidth(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	const m, n, k = 16, 16, 256
	for _, f := range []numerics.Format{numerics.BF16, numerics.TF32, numerics.FP16, numerics.E4M3} {
		p := &Problem{M: m, N: n, K: k, A: make([]uint32, m*k), B: make([]uint32, n*k)}
		for i := range p.A {
			p.A[i] = f.Encode(r.NormFloat64(), numerics.NearestEven, numerics.Saturate)
		}
		for i := range p.B {
			p.B[i] = f.Encode(r.NormFloat64(), numerics.NearestEven, numerics.Saturate)
		}
		allocs := testing.AllocsPerRun(2, func() { ExactProduct(p, f, f) })
		t.Logf("%s: %.0f allocations for %d outputs", f, allocs, m*n)
		if allocs > float64(8*m+4*runtime.GOMAXPROCS(0)+64) { // per row and per worker
			t.Errorf("%s: %.0f allocations for a %d×%d×%d product: not fixed-width", f, allocs, m, n, k)
		}
	}
}
