package tensorcore

// ChainLanesRows runs ChainLanes for several rows of A against one panel:
// c[r][:pn.Cols()] becomes ChainLanes(&rows[r], pn, lo, hi,
// c[r][:pn.Cols()]), bit for bit, for every r. A GEMM calls it for a block
// of rows and a range of k short enough that the panel's part stays in
// the cache while every row streams past it.
func (p *Preset) ChainLanesRows(rows []LaneRow, pn *Panel, lo, hi int, c [][Lanes]uint32) {
	for r := range rows {
		p.ChainLanes(&rows[r], pn, lo, hi, c[r][:pn.cols])
	}
}
