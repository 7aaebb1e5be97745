package tensorcore

// Tests of the lane kernels (lanes.go, lanes_amd64.s) against Chain on
// the pure-Go kernels, output by output and bit for bit.

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tcsim/tcsim/numerics"
)

// lanePresets returns the registered presets and what-if variants that
// take the lane kernels.
func lanePresets(t testing.TB) []*Preset {
	var ps []*Preset
	for _, p := range append(Presets(), whatIfs(t)...) {
		if p.lanes {
			ps = append(ps, p)
		}
	}
	return ps
}

// TestLanesEligible pins which datapaths take the lane kernels: the
// float32 ones for the FP32-accumulator SIMD datapaths whose step sum fits
// 24 bits (Hopper and Ada FP8), the wide ones (wide.go) for every other
// NVIDIA datapath that is not block-scaled.
func TestLanesEligible(t *testing.T) {
	names := map[string]bool{}
	for _, p := range Presets() {
		narrow := p.simd && !p.SeparateC && p.Acc() == numerics.FP32 && p.narrow && p.AMD == nil
		if p.lanes && !p.wide != narrow {
			t.Errorf("%s: float32 lane kernels = %v, want %v", p.Name, p.lanes && !p.wide, narrow)
		}
		if want := p.AMD == nil && p.Scale == nil; p.lanes != want {
			t.Errorf("%s: lane kernels = %v, want %v", p.Name, p.lanes, want)
		}
		if p.wide {
			names[p.Name] = true
		}
	}
	for _, n := range []string{"h100-wgmma-bf16", "h100-wgmma-f16", "h100-wgmma-tf32", "h100-mma-e4m3-e4m3",
		"h100-wgmma-e4m3-e4m3-f16acc", "b200-tcgen05-e4m3-e4m3", "a100-mma-tf32", "v100-mma-f16-f16acc"} {
		if !names[n] {
			t.Errorf("%s: not on the wide lane kernels", n)
		}
	}
	if names["h100-wgmma-e4m3-e4m3"] {
		t.Errorf("h100-wgmma-e4m3-e4m3: on the wide lane kernels")
	}
}

// runLanes runs the lane kernel of p (float32 or wide) over [lo, hi)
// for one row from the accumulators acc (codes of Acc) and returns the
// units done.
func runLanes(p *Preset, row *LaneRow, pn *Panel, lo, hi int, acc *[Lanes]uint32) int {
	st := []laneState{{acc: [2][Lanes]uint32{*acc}, ae: &row.exp[lo]}}
	if !p.wide {
		st[0].av = &row.val[lo]
		done := p.lanesKernel(st, pn, lo, (hi-lo)/p.L)
		*acc = st[0].acc[done%2]
		return done
	}
	st[0].aw = &row.w[lo]
	if p.Out == RNEFP16 {
		for l := range acc {
			st[0].acc[0][l] = f16To32(acc[l])
		}
	}
	done := p.lanesWideKernel(st, pn, lo, (hi-lo)/p.unit)
	f := st[0].acc[done%2]
	for l := range f {
		if p.Out == RNEFP16 {
			f[l] = f32To16(f[l])
		}
	}
	*acc = f
	return done
}

// compareLanes runs ChainLanes of the row of codes a against the columns
// cols over [lo, hi) from the accumulators c in every kernel mode and
// compares each output with Chain on the pure-Go kernels. Operands with
// Inf or NaN are refused by the lane decoders, and so skipped.
func compareLanes(t *testing.T, p *Preset, a []uint32, cols [][]uint32, lo, hi int, c []uint32) bool {
	t.Helper()
	var row LaneRow
	var pn Panel
	if !p.DecodeRow(a, &row) || !p.DecodePanel(cols, &pn) {
		return true
	}
	want := make([]uint32, len(cols))
	var va, vb Vector
	p.DecodeA(a, &va)
	withMode(kernelMode{"go", kernelGo}, func() {
		for l, b := range cols {
			p.DecodeB(b, &vb)
			want[l] = p.Chain(&va, &vb, lo, hi, c[l])
		}
	})
	ok := true
	for _, m := range allModes() {
		got := append([]uint32(nil), c...)
		withMode(m, func() { p.ChainLanes(&row, &pn, lo, hi, got) })
		for l := range cols {
			if got[l] != want[l] {
				t.Errorf("%s %s: lane %d of %d, [%d,%d) from %#x: got %#x, want %#x",
					p.Name, m.name, l, len(cols), lo, hi, c[l], got[l], want[l])
				ok = false
			}
		}
	}
	return ok
}

// TestLanesRandom compares the lane kernels with Chain on rows and panels
// drawn to reach every corner of the step (see drawCodes), partial panels,
// and accumulators of every class.
func TestLanesRandom(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 40
	}
	r := rand.New(rand.NewPCG(10, 10))
	for _, p := range lanePresets(t) {
		bad := 0
		for range n {
			kk := p.K * (1 + r.IntN(8))
			a := drawCodes(r, p.A, kk)
			cols := make([][]uint32, 1+r.IntN(Lanes))
			c := make([]uint32, len(cols))
			for l := range cols {
				cols[l] = drawCodes(r, p.B, kk)
				if r.IntN(4) == 0 {
					c[l] = drawAcc(r, p.Acc(), true)
				}
			}
			lo := p.K * r.IntN(kk/p.K)
			if !compareLanes(t, p, a, cols, lo, kk, c) {
				if bad++; bad > 5 {
					t.Fatalf("%s: too many mismatches", p.Name)
				}
			}
		}
	}
}

// TestLanesEdges runs panels whose accumulators leave the kernels' ground
// mid-chain in some lanes only: overflow to Inf, tiny and subnormal
// values, C with bits below the register's width.
func TestLanesEdges(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 11))
	for _, p := range lanePresets(t) {
		fill := func(f numerics.Format, x float64, n int) []uint32 {
			c := make([]uint32, n)
			for k := range c {
				c[k] = f.Encode(x, numerics.NearestEven, numerics.Saturate)
			}
			return c
		}
		kk := 4 * p.K
		vals := []float64{1e9, -1e9, 1e-9, 0, 1, -1e-9}
		a := fill(p.A, vals[r.IntN(len(vals))], kk)
		accs := []uint32{0x7F7FFFFF, 0xFF7FFFFF, 0x7F000000, 0x00000001, 0x807FFFFF, 0x00800000,
			0x00800001, 0x0C000000, 0x3F800001, 0xBF8000FF, 0x80000000, 0x7F800000, 0x7FC00000, 0, 0x40000000, 0x01000000}
		if p.Acc() == numerics.FP16 {
			accs = []uint32{0x7BFF, 0xFBFF, 0x7800, 0x0001, 0x83FF, 0x0400,
				0x0401, 0x1000, 0x3C01, 0xBC0F, 0x8000, 0x7C00, 0x7E00, 0, 0x4000, 0x0800}
		}
		for _, x := range vals {
			cols := make([][]uint32, Lanes)
			c := make([]uint32, Lanes)
			for l := range cols {
				y := x
				if r.IntN(3) == 0 {
					y = vals[r.IntN(len(vals))]
				}
				cols[l] = fill(p.B, y, kk)
				c[l] = accs[l]
			}
			compareLanes(t, p, a, cols, 0, kk, c)
		}
	}
}

// FuzzLanes compares the lane kernels with Chain on one row and a panel
// of a lane preset whose operand and accumulator codes come from the
// input: two instructions, so that the second step chains from the first.
func FuzzLanes(f *testing.F) {
	f.Add(uint8(0), uint8(16), uint32(0), []byte{0x38, 0x38, 0x7E, 0xFE})
	f.Add(uint8(1), uint8(3), uint32(0x3F800000), []byte{0x01, 0x81, 0x7F, 0x04})
	f.Add(uint8(2), uint8(7), uint32(0x7F7FFFFF), []byte{0x7E, 0x7E, 0x7E, 0x7E, 0x7E, 0x7E})
	f.Add(uint8(3), uint8(16), uint32(0x00000001), make([]byte, 64))
	ps := lanePresets(f)
	f.Fuzz(func(t *testing.T, which, ncols uint8, c uint32, data []byte) {
		p := ps[int(which)%len(ps)]
		kk := 2 * p.K
		nc := 1 + int(ncols)%Lanes
		pos := 0
		next := func(fm numerics.Format) uint32 {
			var buf [4]byte
			for i := range (fm.Bits() + 7) / 8 {
				if len(data) > 0 {
					buf[i] = data[pos%len(data)]
				}
				pos++
			}
			return binary.LittleEndian.Uint32(buf[:]) & (1<<fm.Bits() - 1)
		}
		codes := func(fm numerics.Format) []uint32 {
			v := make([]uint32, kk)
			for k := range v {
				v[k] = next(fm)
			}
			return v
		}
		a := codes(p.A)
		cols := make([][]uint32, nc)
		acc := make([]uint32, nc)
		for l := range cols {
			cols[l] = codes(p.B)
			acc[l] = (c + uint32(l)*0x00812345) & (1<<p.Acc().Bits() - 1)
		}
		compareLanes(t, p, a, cols, 0, kk, acc)
	})
}

// TestLanesCover checks that the lane kernels run ordinary chains whole:
// on normally distributed operands every step stays in the kernel, and its
// result is Chain's.
func TestLanesCover(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 12))
	for _, p := range lanePresets(t) {
		kk := 64 * p.K
		a := benchNormal(r, p.A, kk)
		cols := normalCols(r, p.B, kk)
		var row LaneRow
		var pn Panel
		if !p.DecodeRow(a, &row) || !p.DecodePanel(cols, &pn) {
			t.Fatalf("%s: normal operands refused", p.Name)
		}
		var va, vb Vector
		p.DecodeA(a, &va)
		for _, m := range simdModes() {
			var acc [Lanes]uint32
			var done int
			withMode(m, func() { done = runLanes(p, &row, &pn, 0, kk, &acc) })
			if done*p.unit != kk {
				t.Errorf("%s %s: the kernel stopped after %d units of %d", p.Name, m.name, done, kk)
			}
			for l, b := range cols {
				var want uint32
				p.DecodeB(b, &vb)
				withMode(kernelMode{"go", kernelGo}, func() { want = p.Chain(&va, &vb, 0, kk, 0) })
				if acc[l] != want {
					t.Errorf("%s %s: lane %d = %#x, want %#x", p.Name, m.name, l, acc[l], want)
				}
			}
		}
	}
}

// benchNormal draws n codes of f from a standard normal distribution.
func benchNormal(r *rand.Rand, f numerics.Format, n int) []uint32 {
	v := make([]uint32, n)
	for i := range v {
		v[i] = f.Encode(r.NormFloat64(), numerics.NearestEven, numerics.Saturate)
	}
	return v
}

// normalCols draws Lanes columns of n normal values in format f.
func normalCols(r *rand.Rand, f numerics.Format, n int) [][]uint32 {
	cols := make([][]uint32, Lanes)
	for l := range cols {
		cols[l] = benchNormal(r, f, n)
	}
	return cols
}

// BenchmarkLanes times a row against a full panel over K = 4096 (16
// outputs) with ChainLanes, and the same 16 outputs with Chain.
func BenchmarkLanes(b *testing.B) {
	for _, name := range []string{"h100-wgmma-e4m3-e4m3", "h100-wgmma-e5m2-e5m2"} {
		p, _ := Lookup(name)
		r := rand.New(rand.NewPCG(13, 13))
		const kk = 4096
		cols := normalCols(r, p.B, kk)
		var row LaneRow
		var pn Panel
		p.DecodeRow(benchNormal(r, p.A, kk), &row)
		p.DecodePanel(cols, &pn)
		for _, m := range allModes() {
			b.Run(name+"/lanes-"+m.name, func(b *testing.B) {
				withMode(m, func() {
					c := make([]uint32, Lanes)
					for b.Loop() {
						clear(c)
						p.ChainLanes(&row, &pn, 0, kk, c)
					}
				})
				b.ReportMetric(float64(b.N)*kk*Lanes/b.Elapsed().Seconds()/1e9, "GMAC/s")
			})
		}
	}
}

// TestChooseKernel checks the parsing of the kernel environment variable.
func TestChooseKernel(t *testing.T) {
	for _, c := range []struct {
		env  string
		best kernelKind
		want kernelKind
		err  bool
	}{
		{"", kernelAVX512, kernelAVX512, false},
		{"", kernelGo, kernelGo, false},
		{"purego", kernelAVX512, kernelGo, false},
		{"avx2", kernelAVX512, kernelAVX2, false},
		{"avx512", kernelAVX512, kernelAVX512, false},
		{"avx512", kernelAVX2, kernelAVX2, true},
		{"avx2", kernelGo, kernelGo, true},
		{"AVX2", kernelAVX512, kernelAVX512, true},
		{"sse", kernelAVX2, kernelAVX2, true},
	} {
		got, err := chooseKernel(c.env, c.best)
		if got != c.want || (err != nil) != c.err {
			t.Errorf("chooseKernel(%q, %s) = %s, %v; want %s, error %v", c.env, c.best, got, err, c.want, c.err)
		}
	}
}

// familyPresets are one preset of each kernel family, for
// BenchmarkFamilies; the first is the reference, Hopper FP8 wgmma.
var familyPresets = []string{
	"h100-wgmma-e4m3-e4m3", "h100-wgmma-bf16", "h100-wgmma-f16", "h100-wgmma-tf32",
	"h100-mma-e4m3-e4m3", "h100-wgmma-e4m3-e4m3-f16acc", "h100-mma-f16-f16acc",
	"h100-mma-e4m3-e4m3-f16acc", "a100-mma-bf16", "a100-mma-tf32", "a100-mma-f16-f16acc",
	"ada-mma-e4m3-e4m3", "ada-mma-e4m3-e4m3-f16acc", "b200-tcgen05-e4m3-e4m3",
	"b200-tcgen05-bf16", "v100-mma-f16",
}

// BenchmarkFamilies times 16 outputs of one row over K = 4096 with the
// kernel set in use, by ChainLanes ("lanes", where the preset has lane
// kernels) and by Chain per output ("chain"); and a block of 16 rows
// against the same 16 columns by ChainLanesRows over k ranges of
// rowsBlock products ("rows"), as a GEMM runs it. ns/MAC is per product.
func BenchmarkFamilies(b *testing.B) {
	const kk, nrows, rowsBlock = 4096, 16, 512
	for _, name := range familyPresets {
		p, err := Lookup(name)
		if err != nil {
			b.Fatal(err)
		}
		r := rand.New(rand.NewPCG(14, 14))
		a := benchNormal(r, p.A, kk)
		cols := normalCols(r, p.B, kk)
		var pn Panel
		var va Vector
		vb := make([]Vector, Lanes)
		rows := make([]LaneRow, nrows)
		lanes := p.DecodeRow(a, &rows[0]) && p.DecodePanel(cols, &pn)
		for i := 1; i < nrows && lanes; i++ {
			lanes = p.DecodeRow(benchNormal(r, p.A, kk), &rows[i])
		}
		p.DecodeA(a, &va)
		for l := range cols {
			p.DecodeB(cols[l], &vb[l])
		}
		c := make([]uint32, Lanes)
		cr := make([][Lanes]uint32, nrows)
		for _, how := range []string{"lanes", "rows", "chain"} {
			if how != "chain" && !lanes {
				continue
			}
			b.Run(name+"/"+how, func(b *testing.B) {
				n := kk * Lanes
				for b.Loop() {
					switch how {
					case "lanes":
						clear(c)
						p.ChainLanes(&rows[0], &pn, 0, kk, c)
					case "rows":
						clear(cr)
						for lo := 0; lo < kk; lo += rowsBlock {
							p.ChainLanesRows(rows, &pn, lo, lo+rowsBlock, cr)
						}
					default:
						for l := range vb {
							c[l] = p.Chain(&va, &vb[l], 0, kk, 0)
						}
					}
				}
				if how == "rows" {
					n *= nrows
				}
				b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N)/float64(n), "ns/MAC")
			})
		}
	}
}

// TestF16Codes checks the conversions between FP16 codes and the float32
// codes of their values on every finite FP16 code.
func TestF16Codes(t *testing.T) {
	for h := range uint32(1 << 16) {
		if h&0x7C00 == 0x7C00 {
			continue
		}
		x := f16To32(h)
		if v := numerics.FP16.Decode(h); float64(math.Float32frombits(x)) != v || math.Signbit(v) != (x>>31 != 0) {
			t.Fatalf("f16To32(%#04x) = %#08x, value %v", h, x, v)
		}
		if back := f32To16(x); back != h {
			t.Fatalf("f32To16(f16To32(%#04x)) = %#04x", h, back)
		}
	}
}

// BenchmarkDecodeLanes times DecodeRow and DecodePanel per code.
func BenchmarkDecodeLanes(b *testing.B) {
	const kk = 4096
	for _, name := range []string{"h100-wgmma-e4m3-e4m3", "h100-wgmma-bf16"} {
		p, _ := Lookup(name)
		r := rand.New(rand.NewPCG(15, 15))
		cols := normalCols(r, p.B, kk)
		b.Run(name+"/row", func(b *testing.B) {
			var row LaneRow
			for b.Loop() {
				p.DecodeRow(cols[0], &row)
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N)/kk, "ns/code")
		})
		b.Run(name+"/row-fresh", func(b *testing.B) {
			for b.Loop() {
				var row LaneRow
				p.DecodeRow(cols[0], &row)
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N)/kk, "ns/code")
		})
		b.Run(name+"/panel", func(b *testing.B) {
			var pn Panel
			for b.Loop() {
				p.DecodePanel(cols, &pn)
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N)/(kk*Lanes), "ns/code")
		})
	}
}
