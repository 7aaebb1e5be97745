package tensorcore

import "fmt"

// ChainLanesRows runs ChainLanes for several rows of A against one panel:
// c[r][:pn.Cols()] becomes ChainLanes(&rows[r], pn, lo, hi,
// c[r][:pn.Cols()]), bit for bit, for every r. A GEMM calls it for a block
// of rows and a range of k short enough that the panel's part stays in
// the cache while every row streams past it.
//
// On the SIMD kernels it runs up to rowGroup rows through the kernels at
// once (chainRows).
func (p *Preset) ChainLanesRows(rows []LaneRow, pn *Panel, lo, hi int, c [][Lanes]uint32) {
	if len(c) != len(rows) {
		panic(fmt.Sprintf("tensorcore: %s: ChainLanesRows with %d accumulator rows for %d rows", p.Name, len(c), len(rows)))
	}
	for r := range rows {
		p.checkLanes(&rows[r], pn, lo, hi)
	}
	if kernel < kernelAVX2 {
		for r := range rows {
			p.ChainLanes(&rows[r], pn, lo, hi, c[r][:pn.cols])
		}
		return
	}
	for g := 0; g < len(rows); g += rowGroup {
		rs := rows[g:min(g+rowGroup, len(rows))]
		var acc [rowGroup][Lanes]uint32
		for r := range rs {
			copy(acc[r][:pn.cols], c[g+r][:pn.cols])
		}
		p.chainRows(rs, pn, lo, hi, acc[:len(rs)])
		for r := range rs {
			copy(c[g+r][:pn.cols], acc[r][:pn.cols])
		}
	}
}

// rowGroup is the most rows that chainRows runs through the kernels at
// once.
const rowGroup = 16

// laneState is a row's state in the lane kernels (lanes_amd64.s and
// wide_amd64.s read it by offset, see rows_amd64.h).
type laneState struct {
	acc [2][Lanes]uint32 // the accumulators as float32 codes: after u units, acc[u%2]
	ae  *int32           // the row's field exponents at the first product
	av  *float32         // and its values, for the float32 kernels
	aw  *float64         // or as float64, for the wide kernels
}

// chainRows is ChainLanes for each row of rows (at most rowGroup): acc[r]
// holds the Lanes accumulators of row r as codes of Acc (zero in the
// lanes the panel does not use). On the Go kernels it takes one row.
//
// The SIMD kernels run the rows' chains side by side, each step of a unit
// (a step, or with SeparateC an instruction) for every row in turn, so
// that the dependent operations of one row's step overlap the next row's
// and the cost of a call is shared. They commit a unit for all rows at
// once, when every row has finished it: they write a unit's results
// beside its inputs (laneState.acc, two slots used in turn), so that an
// unfinished unit leaves every row's accumulators as they were. A unit
// that a kernel leaves to Go for some row is run row by row: alone on the
// kernel, and where the kernel leaves it to Go again, for every lane on
// fusedGeneral (laneUnit). A row whose accumulators hold Inf or NaN
// (which stay so: the operands are finite) goes on alone, so that it does
// not stop the others at every unit.
func (p *Preset) chainRows(rows []LaneRow, pn *Panel, lo, hi int, acc [][Lanes]uint32) {
	fp16 := p.Out == RNEFP16
	var st [rowGroup]laneState
	var at [rowGroup]int // the row of each state
	n := len(rows)
	for r := range n {
		at[r] = r
	}
	for lo < hi {
		m := 0
		for _, r := range at[:n] {
			f := acc[r]
			if fp16 {
				for l := range f {
					f[l] = f16To32(f[l])
				}
			}
			if n > 1 && infNaN(&f) {
				p.chainRows(rows[r:r+1], pn, lo, hi, acc[r:r+1])
				continue
			}
			st[m] = laneState{acc: [2][Lanes]uint32{f}, ae: &rows[r].exp[lo]}
			if p.wide {
				st[m].aw = &rows[r].w[lo]
			} else {
				st[m].av = &rows[r].val[lo]
			}
			at[m] = r
			m++
		}
		if n = m; n == 0 {
			return
		}
		done := p.runUnits(&rows[at[0]], st[:n], pn, lo, (hi-lo)/p.unit)
		if done > 0 {
			for i, r := range at[:n] {
				f := st[i].acc[done%2]
				if fp16 {
					for l := range f {
						f[l] = f32To16(f[l])
					}
				}
				acc[r] = f
			}
		}
		if lo += done * p.unit; lo == hi {
			return
		}
		// A unit the kernel leaves to Go: row by row.
		for _, r := range at[:n] {
			if n > 1 {
				p.chainRows(rows[r:r+1], pn, lo, lo+p.unit, acc[r:r+1])
				continue
			}
			for l := range pn.cols {
				acc[r][l] = p.laneUnit(&rows[r], pn, l, lo, acc[r][l])
			}
		}
		lo += p.unit
	}
}

// runUnits runs up to units units of the lane kernels for the rows of st
// from lo on and returns the number done for all of them; the Go kernels
// take one row, a.
func (p *Preset) runUnits(a *LaneRow, st []laneState, pn *Panel, lo, units int) int {
	switch {
	case kernel >= kernelAVX2 && p.wide:
		return p.lanesWideKernel(st, pn, lo, units)
	case kernel >= kernelAVX2:
		return p.lanesKernel(st, pn, lo, units)
	}
	var done int
	if p.wide {
		done = p.lanesWideGo(a, pn, lo, units, &st[0].acc[0])
	} else {
		done = p.lanesGo(a, pn, lo, units, &st[0].acc[0])
	}
	st[0].acc[done%2] = st[0].acc[0]
	return done
}

// infNaN reports whether some float32 code of f is Inf or NaN.
func infNaN(f *[Lanes]uint32) bool {
	for _, x := range f {
		if x&0x7F800000 == 0x7F800000 {
			return true
		}
	}
	return false
}
