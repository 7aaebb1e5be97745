package plots

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"math"

	"github.com/tcsim/tcsim/sim/atomicfile"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// DPI is the resolution of the PNG files (Plot.Save would give 96).
const DPI = 150

// Page geometry.
const (
	defaultPanelW = 4.3 * vg.Inch
	defaultPanelH = 3.2 * vg.Inch
	minWidth      = 7.5 * vg.Inch
	margin        = 0.18 * vg.Inch
	blockGap      = 0.12 * vg.Inch
)

// A Side is drawn in a strip right of a [Page]'s grid of panels: a
// [Legend], a colour bar.
type Side interface {
	// Width is the width of the strip.
	Width() vg.Length
	// Draw draws into c, the strip; data spans the panels' data areas
	// vertically (the top of the first row's to the bottom of the last
	// row's), for aligning with them.
	Draw(c draw.Canvas, data vg.Rectangle)
}

// Page is a figure on one PNG image: a bold title and an optional subtitle,
// centred; a grid of panels; an optional [Side] strip right of the grid
// (a legend or a colour bar); and a caption under the grid, left aligned.
// Texts wider than the page are wrapped.
//
// Page draws the panels' titles and axis labels itself, where gonum/plot
// would place them badly: each title centred on its panel's data area
// (smaller where it would not fit), and each axis label (Plot.X.Label.Text,
// Plot.Y.Label.Text) centred on the data area, not on the linear midpoint
// of a log axis. A label equal to that of the next panel below (x) or to
// the left (y) is drawn only there, so a label shared by a column or a row
// is drawn once. Rendering restores the panels' titles and labels. The
// data areas are aligned across rows and columns ([plot.Align]).
//
// Style panels with [NewPanel], and their axes with [DecadeTicks] and
// [Log2Axis]: the fonts and colours of the page assume it.
type Page struct {
	Title    string
	Subtitle string // optional, grey
	// Panels are the rows of the grid; a nil cell is left empty, and a
	// short row is padded with empty cells.
	Panels [][]*plot.Plot
	// PanelW and PanelH are the size of one grid cell, axes and panel
	// title included; zero means 4.3 × 3.2 inches. The page is at least
	// 7.5 inches wide: a narrower grid is widened.
	PanelW, PanelH vg.Length
	Side           Side     // optional
	Caption        []string // paragraphs, each starting on a new line
}

// panelSize returns the size of a grid cell.
func (pg *Page) panelSize() (w, h vg.Length) {
	w, h = pg.PanelW, pg.PanelH
	if w == 0 {
		w = defaultPanelW
	}
	if h == 0 {
		h = defaultPanelH
	}
	return w, h
}

func (pg *Page) sideWidth() vg.Length {
	if pg.Side == nil {
		return 0
	}
	return pg.Side.Width()
}

// width is the width of the page with cols panel columns.
func (pg *Page) width(cols int) vg.Length {
	pw, _ := pg.panelSize()
	return max(minWidth, vg.Length(cols)*pw+pg.sideWidth()+2*margin)
}

// DataSize estimates the size of a panel's data area (the grid cell less
// its axes and title) on the page with cols panel columns, for fitting
// tick labels (see [Log2Axis]) before the panels are drawn. PanelW,
// PanelH and Side must be set.
func (pg *Page) DataSize(cols int) (w, h vg.Length) {
	_, ph := pg.panelSize()
	w = (pg.width(cols)-pg.sideWidth()-2*margin)/vg.Length(cols) - 0.95*vg.Inch
	return w, ph - 0.85*vg.Inch
}

// Save renders the page and writes it to path as a PNG at [DPI],
// atomically: a temporary file in path's directory, renamed to path, so
// path is either absent, the old file or the complete new one. The
// directory must exist.
func (pg *Page) Save(path string) error {
	img, err := pg.render()
	if err != nil {
		return fmt.Errorf("plots: drawing %s: %v", path, err)
	}
	if err := atomicfile.Write(path, func(w io.Writer) error {
		_, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(w)
		return err
	}); err != nil {
		return fmt.Errorf("plots: writing %s: %v", path, err)
	}
	return nil
}

// WriteTo renders the page and writes it to w as a PNG at [DPI]. A page
// that cannot be drawn (no panels; an axis range gonum/plot rejects)
// writes nothing and returns the error.
func (pg *Page) WriteTo(w io.Writer) (int64, error) {
	img, err := pg.render()
	if err != nil {
		return 0, fmt.Errorf("plots: drawing: %v", err)
	}
	return vgimg.PngCanvas{Canvas: img}.WriteTo(w)
}

// PNG renders the page as a PNG at [DPI].
func (pg *Page) PNG() ([]byte, error) {
	var b bytes.Buffer
	if _, err := pg.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// panelText is what the page draws for a panel in place of gonum/plot.
type panelText struct {
	title, x, y  string
	titleColor   color.Color
	drawX, drawY bool
}

// render draws the page.
func (pg *Page) render() (img *vgimg.Canvas, err error) {
	defer func() {
		// gonum/plot reports bad ranges and palettes by panicking; one
		// figure must not take the caller down.
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	rows := len(pg.Panels)
	cols := 0
	for _, r := range pg.Panels {
		cols = max(cols, len(r))
	}
	if rows == 0 || cols == 0 {
		return nil, fmt.Errorf("nothing to draw")
	}
	grid := make([][]*plot.Plot, rows)
	for i := range grid {
		grid[i] = make([]*plot.Plot, cols)
		copy(grid[i], pg.Panels[i])
	}
	texts := takeTexts(grid)
	defer restoreTexts(grid, texts)

	_, ph := pg.panelSize()
	sideW := pg.sideWidth()
	w := pg.width(cols)
	inner := w - 2*margin

	titleSty := TextStyle(SizeFigTitle, true)
	subSty := TextStyle(SizeSubtitle, false)
	capSty := TextStyle(SizeCaption, false)
	titleLines := wrap(titleSty, pg.Title, inner)
	var subLines []string
	if pg.Subtitle != "" {
		subLines = wrap(subSty, pg.Subtitle, inner)
	}
	var capLines []string
	for _, p := range pg.Caption {
		capLines = append(capLines, wrap(capSty, p, inner)...)
	}
	lineH := func(sty text.Style) vg.Length { return sty.FontExtents().Height }
	titleH := vg.Length(len(titleLines))*lineH(titleSty) + vg.Length(len(subLines))*lineH(subSty)
	capH := vg.Length(len(capLines)) * lineH(capSty)
	gridH := vg.Length(rows) * ph
	h := margin + titleH + blockGap + gridH + margin
	if capH > 0 {
		h += blockGap + capH
	}

	img = vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(DPI))
	dc := draw.New(img)

	// Title block, centred.
	y := h - margin
	y = drawLines(dc, titleSty, nil, draw.XCenter, w/2, y, titleLines)
	y = drawLines(dc, subSty, axisColor, draw.XCenter, w/2, y, subLines)
	gridTop := y - blockGap
	gridBottom := gridTop - gridH

	// Caption, left aligned.
	drawLines(dc, capSty, axisColor, draw.XLeft, margin, gridBottom-blockGap, capLines)

	// Panels, with room for the axis labels drawn here.
	gridRight := w - margin - sideW
	gc := draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
		Min: vg.Point{X: margin, Y: gridBottom}, Max: vg.Point{X: gridRight, Y: gridTop}}}
	labSty := TextStyle(SizeAxisLabel, false)
	yRoom := lineH(labSty) + vg.Points(4)
	xRoom := lineH(labSty) + vg.Points(2)
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(24), PadY: vg.Points(14),
		PadRight: vg.Points(6)}
	for i := range texts {
		for j, t := range texts[i] {
			switch {
			case t.drawY && j == 0:
				tiles.PadLeft = yRoom
			case t.drawY:
				tiles.PadX = vg.Points(12) + yRoom
			}
			switch {
			case t.drawX && i == rows-1:
				tiles.PadBottom = xRoom
			case t.drawX:
				tiles.PadY = vg.Points(6) + xRoom
			}
		}
	}
	cs := plot.Align(grid, tiles, gc)
	// The left edge of each column's axes and the bottom of each row's.
	colLeft := make([]vg.Length, cols)
	rowBottom := make([]vg.Length, rows)
	for j := range colLeft {
		colLeft[j] = vg.Length(math.Inf(1))
	}
	for i := range rowBottom {
		rowBottom[i] = vg.Length(math.Inf(1))
	}
	for i := range grid {
		for j, p := range grid[i] {
			if p != nil {
				colLeft[j] = min(colLeft[j], cs[i][j].Min.X)
				rowBottom[i] = min(rowBottom[i], cs[i][j].Min.Y)
			}
		}
	}
	data := vg.Rectangle{Min: vg.Point{X: margin, Y: gridBottom}, Max: vg.Point{X: gridRight, Y: gridTop}}
	topSet, bottomSet := false, false
	for i := range grid {
		for j, p := range grid[i] {
			if p == nil {
				continue
			}
			t := texts[i][j]
			p.Draw(cs[i][j])
			dca := p.DataCanvas(cs[i][j])
			// A title wider than its panel is set smaller rather than
			// run into the next one.
			ts := TextStyle(SizePanelTitle, true)
			for size := vg.Length(SizePanelTitle); ts.Width(t.title) > dca.Size().X+vg.Points(20) && size > 7; {
				size -= 0.5
				ts = TextStyle(size, true)
			}
			ts.XAlign, ts.YAlign = draw.XCenter, draw.YBottom
			dc.FillText(ts, vg.Point{X: dca.Center().X, Y: dca.Max.Y + p.Title.Padding +
				ts.FontExtents().Descent}, t.title)
			if t.drawY {
				ls := labSty
				ls.Rotation = math.Pi / 2
				ls.XAlign, ls.YAlign = draw.XCenter, draw.YTop
				dc.FillText(ls, vg.Point{X: colLeft[j] - yRoom, Y: dca.Center().Y}, t.y)
			}
			if t.drawX {
				ls := labSty
				ls.XAlign, ls.YAlign = draw.XCenter, draw.YBottom
				dc.FillText(ls, vg.Point{X: dca.Center().X, Y: rowBottom[i] - xRoom + labSty.FontExtents().Descent},
					t.x)
			}
			if i == 0 && !topSet {
				data.Max.Y, topSet = dca.Max.Y, true
			}
			if i == rows-1 && !bottomSet {
				data.Min.Y, bottomSet = dca.Min.Y, true
			}
		}
	}
	if pg.Side != nil {
		sc := draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: gridRight, Y: gridBottom}, Max: vg.Point{X: w - margin, Y: gridTop}}}
		pg.Side.Draw(sc, data)
	}
	return img, nil
}

// drawLines writes lines downwards from y, aligned at x, in sty (and col,
// where not nil), and returns the y below them.
func drawLines(dc draw.Canvas, sty text.Style, col color.Color, align draw.XAlignment, x, y vg.Length,
	lines []string) vg.Length {
	sty.XAlign, sty.YAlign = align, draw.YTop
	if col != nil {
		sty.Color = col
	}
	for _, l := range lines {
		dc.FillText(sty, vg.Point{X: x, Y: y}, l)
		y -= sty.FontExtents().Height
	}
	return y
}

// takeTexts takes the titles and axis labels out of the panels of grid,
// for the page to draw, and decides which labels it draws.
func takeTexts(grid [][]*plot.Plot) [][]panelText {
	texts := make([][]panelText, len(grid))
	for i := range grid {
		texts[i] = make([]panelText, len(grid[i]))
		for j, p := range grid[i] {
			if p == nil {
				continue
			}
			texts[i][j] = panelText{title: p.Title.Text, x: p.X.Label.Text, y: p.Y.Label.Text,
				titleColor: p.Title.TextStyle.Color}
			// gonum/plot still reserves the title's room, drawing it
			// transparent; the labels take no room.
			p.Title.TextStyle.Color = color.Transparent
			p.X.Label.Text, p.Y.Label.Text = "", ""
		}
	}
	for i := range grid {
		for j, p := range grid[i] {
			if p == nil {
				continue
			}
			t := &texts[i][j]
			t.drawY = t.y != ""
			for l := j - 1; l >= 0; l-- { // the nearest panel to the left
				if grid[i][l] != nil {
					t.drawY = t.drawY && texts[i][l].y != t.y
					break
				}
			}
			t.drawX = t.x != ""
			for b := i + 1; b < len(grid); b++ { // the nearest panel below
				if grid[b][j] != nil {
					t.drawX = t.drawX && texts[b][j].x != t.x
					break
				}
			}
		}
	}
	return texts
}

// restoreTexts puts back what takeTexts took.
func restoreTexts(grid [][]*plot.Plot, texts [][]panelText) {
	for i := range grid {
		for j, p := range grid[i] {
			if p != nil {
				p.Title.TextStyle.Color = texts[i][j].titleColor
				p.X.Label.Text, p.Y.Label.Text = texts[i][j].x, texts[i][j].y
			}
		}
	}
}
