package tensorcore

import "fmt"

// ChainLanesRows runs ChainLanes for several rows of A against one panel:
// c[r][:pn.Cols()] becomes ChainLanes(&rows[r], pn, lo, hi,
// c[r][:pn.Cols()]), bit for bit, for every r. A GEMM calls it for a block
// of rows and a range of k short enough that the panel's part stays in
// the cache while every row streams past it.
//
// On the SIMD kernels the wide presets run up to wideGroup rows through
// the kernels at once (chainWide), step by step for every row in turn, so
// that the latency of one row's step, a chain of dependent operations,
// overlaps the work of the next row's.
func (p *Preset) ChainLanesRows(rows []LaneRow, pn *Panel, lo, hi int, c [][Lanes]uint32) {
	if len(c) != len(rows) {
		panic(fmt.Sprintf("tensorcore: %s: ChainLanesRows with %d accumulator rows for %d rows", p.Name, len(c), len(rows)))
	}
	for r := range rows {
		p.checkLanes(&rows[r], pn, lo, hi)
	}
	if !p.wide || kernel < kernelAVX2 {
		for r := range rows {
			p.ChainLanes(&rows[r], pn, lo, hi, c[r][:pn.cols])
		}
		return
	}
	for g := 0; g < len(rows); g += wideGroup {
		rs := rows[g:min(g+wideGroup, len(rows))]
		var acc [wideGroup][Lanes]uint32
		for r := range rs {
			copy(acc[r][:pn.cols], c[g+r][:pn.cols])
		}
		p.chainWide(rs, pn, lo, hi, acc[:len(rs)])
		for r := range rs {
			copy(c[g+r][:pn.cols], acc[r][:pn.cols])
		}
	}
}
