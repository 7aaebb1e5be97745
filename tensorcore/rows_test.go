package tensorcore

// Tests of ChainLanesRows (rows.go; the wide kernels run several rows at
// once) against Chain on the pure-Go kernels, output by output and bit
// for bit.

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tcsim/tcsim/numerics"
)

// untouched fills the accumulator lanes beyond a panel's columns, which
// ChainLanesRows must leave as they are.
const untouched = 0x7FC0BEEF

// drawStepCodes draws n finite codes of f step by step (l products a
// step), each step at a magnitude of its own: ordinary, huge (results
// overflow), tiny (subnormal results) or zero; so that the rows of a
// block leave the kernels' ground at different steps.
func drawStepCodes(r *rand.Rand, f numerics.Format, n, l int) []uint32 {
	c := make([]uint32, n)
	for s := 0; s < n; s += l {
		scale := math.Ldexp(1, r.IntN(8)-4)
		switch r.IntN(10) {
		case 0:
			scale = math.Ldexp(1, f.MaxExp())
		case 1:
			scale = math.Ldexp(1, f.MinExp())
		case 2:
			scale = 0
		}
		for k := s; k < min(s+l, n); k++ {
			c[k] = f.Encode(r.NormFloat64()*scale, numerics.NearestEven, numerics.Saturate)
		}
	}
	return c
}

// compareRows runs ChainLanesRows of the rows of codes a against the
// columns cols over [lo, hi) from the accumulators c in every kernel mode
// and compares each output with Chain on the pure-Go kernels, and the
// lanes beyond the columns with c. Rows or columns the lane decoders
// refuse (Inf or NaN operands) are skipped.
func compareRows(t *testing.T, p *Preset, a, cols [][]uint32, lo, hi int, c [][Lanes]uint32) bool {
	t.Helper()
	rows := make([]LaneRow, len(a))
	for i := range a {
		if !p.DecodeRow(a[i], &rows[i]) {
			return true
		}
	}
	var pn Panel
	if !p.DecodePanel(cols, &pn) {
		return true
	}
	want := slices.Clone(c)
	vb := make([]Vector, len(cols))
	for l := range cols {
		p.DecodeB(cols[l], &vb[l])
	}
	withMode(kernelMode{"go", kernelGo}, func() {
		var va Vector
		for i := range a {
			p.DecodeA(a[i], &va)
			for l := range cols {
				want[i][l] = p.Chain(&va, &vb[l], lo, hi, c[i][l])
			}
		}
	})
	ok := true
	for _, m := range allModes() {
		got := slices.Clone(c)
		withMode(m, func() { p.ChainLanesRows(rows, &pn, lo, hi, got) })
		for i := range got {
			for l := range got[i] {
				if got[i][l] != want[i][l] && ok {
					t.Errorf("%s %s: row %d of %d, lane %d of %d, [%d,%d) from %#x: got %#x, want %#x",
						p.Name, m.name, i, len(a), l, len(cols), lo, hi, c[i][l], got[i][l], want[i][l])
					ok = false
				}
			}
		}
	}
	return ok
}

// rowAccs draws the accumulators of n rows for a panel of cols columns:
// zero, or of every class (drawAcc) in about a third of the lanes.
func rowAccs(r *rand.Rand, f numerics.Format, n, cols int) [][Lanes]uint32 {
	c := make([][Lanes]uint32, n)
	for i := range c {
		for l := range c[i] {
			switch {
			case l >= cols:
				c[i][l] = untouched
			case r.IntN(3) == 0:
				c[i][l] = drawAcc(r, f, true)
			}
		}
	}
	return c
}

// TestLanesRows compares ChainLanesRows with Chain on blocks of 1 to 20
// rows (one group of the wide kernels or two), partial panels and
// sub-ranges of k, with rows that leave the kernels' ground at different
// steps: huge, tiny and zero steps, accumulators of every class (Inf and
// NaN included), operands drawn to reach every corner of the step.
func TestLanesRows(t *testing.T) {
	n := 12
	if testing.Short() {
		n = 3
	}
	r := rand.New(rand.NewPCG(20, 20))
	for _, p := range lanePresets(t) {
		draw := func(f numerics.Format, kk int) []uint32 {
			switch r.IntN(4) {
			case 0:
				return drawCodes(r, f, kk)
			case 1:
				return benchNormal(r, f, kk)
			}
			return drawStepCodes(r, f, kk, p.L)
		}
		bad := 0
		for range n {
			kk := p.K * (1 + r.IntN(6))
			a := make([][]uint32, 1+r.IntN(20))
			for i := range a {
				a[i] = draw(p.A, kk)
			}
			cols := make([][]uint32, 1+r.IntN(Lanes))
			for l := range cols {
				cols[l] = draw(p.B, kk)
			}
			lo := p.K * r.IntN(kk/p.K)
			hi := lo + p.K*r.IntN((kk-lo)/p.K+1)
			if !compareRows(t, p, a, cols, lo, hi, rowAccs(r, p.Acc(), len(a), len(cols))) {
				if bad++; bad > 3 {
					t.Fatalf("%s: too many mismatches", p.Name)
				}
			}
		}
	}
}

// TestLanesRowsCover checks that the lane kernels run a block of rows of
// ordinary chains whole: on normally distributed operands every unit of
// every row stays in the kernel, and the results are Chain's.
func TestLanesRowsCover(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 21))
	const nrows = rowGroup
	for _, p := range lanePresets(t) {
		kk := 16 * p.unit
		rows := make([]LaneRow, nrows)
		a := make([][]uint32, nrows)
		for i := range rows {
			a[i] = benchNormal(r, p.A, kk)
			if !p.DecodeRow(a[i], &rows[i]) {
				t.Fatalf("%s: normal operands refused", p.Name)
			}
		}
		cols := make([][]uint32, Lanes)
		vb := make([]Vector, Lanes)
		for l := range cols {
			cols[l] = benchNormal(r, p.B, kk)
			p.DecodeB(cols[l], &vb[l])
		}
		var pn Panel
		if !p.DecodePanel(cols, &pn) {
			t.Fatalf("%s: normal operands refused", p.Name)
		}
		for _, m := range simdModes() {
			st := make([]laneState, nrows)
			for i := range st {
				st[i] = laneState{ae: &rows[i].exp[0], av: &rows[i].val[0]}
				if p.wide {
					st[i].aw = &rows[i].w[0]
				}
			}
			var done int
			withMode(m, func() {
				if p.wide {
					done = p.lanesWideKernel(st, &pn, 0, kk/p.unit)
				} else {
					done = p.lanesKernel(st, &pn, 0, kk/p.unit)
				}
			})
			if done*p.unit != kk {
				t.Errorf("%s %s: the kernel stopped after %d units of %d", p.Name, m.name, done, kk/p.unit)
			}
			var va Vector
			for i := range st {
				p.DecodeA(a[i], &va)
				for l := range vb {
					var want uint32
					withMode(kernelMode{"go", kernelGo}, func() { want = p.Chain(&va, &vb[l], 0, kk, 0) })
					got := st[i].acc[done%2][l]
					if p.Out == RNEFP16 {
						got = f32To16(got)
					}
					if got != want {
						t.Errorf("%s %s: row %d lane %d = %#x, want %#x", p.Name, m.name, i, l, got, want)
					}
				}
			}
		}
	}
}

// FuzzLanesRows compares ChainLanesRows with Chain on a block of rows and
// a panel of a lane preset whose operand and accumulator codes come from
// the input, over a sub-range of four instructions.
func FuzzLanesRows(f *testing.F) {
	f.Add(uint8(0), uint8(3), uint8(16), uint8(0x13), uint32(0), []byte{0x38, 0x38, 0x7E, 0xFE})
	f.Add(uint8(5), uint8(16), uint8(5), uint8(0x04), uint32(0x3F800000), []byte{0x01, 0x81, 0x7F, 0x04, 0x00})
	f.Add(uint8(9), uint8(17), uint8(9), uint8(0x24), uint32(0x7F7FFFFF), []byte{0x7E, 0x7E, 0x7E, 0x7E, 0x7E, 0x7E})
	f.Add(uint8(30), uint8(2), uint8(1), uint8(0x02), uint32(0x00000001), make([]byte, 64))
	ps := lanePresets(f)
	f.Fuzz(func(t *testing.T, which, nrows, ncols, span uint8, c uint32, data []byte) {
		p := ps[int(which)%len(ps)]
		kk := 4 * p.K
		lo := p.K * int(span&3)
		hi := lo + p.K*(int(span>>2)%(5-int(span&3)))
		pos := 0
		next := func(fm numerics.Format) uint32 {
			var buf [4]byte
			for i := range (fm.Bits() + 7) / 8 {
				if len(data) > 0 {
					buf[i] = data[pos%len(data)]
				}
				pos++
			}
			x := binary.LittleEndian.Uint32(buf[:]) & (1<<fm.Bits() - 1)
			if v := fm.Decode(x); math.IsInf(v, 0) || math.IsNaN(v) {
				return 0 // the lane decoders refuse Inf and NaN operands
			}
			return x
		}
		codes := func(fm numerics.Format) []uint32 {
			v := make([]uint32, kk)
			for k := range v {
				v[k] = next(fm)
			}
			return v
		}
		a := make([][]uint32, 1+int(nrows)%20)
		for i := range a {
			a[i] = codes(p.A)
		}
		cols := make([][]uint32, 1+int(ncols)%Lanes)
		for l := range cols {
			cols[l] = codes(p.B)
		}
		acc := make([][Lanes]uint32, len(a))
		for i := range acc {
			for l := range acc[i] {
				acc[i][l] = untouched
				if l < len(cols) {
					acc[i][l] = (c + uint32(i*Lanes+l)*0x00812345) & (1<<p.Acc().Bits() - 1)
				}
			}
		}
		compareRows(t, p, a, cols, lo, hi, acc)
	})
}
