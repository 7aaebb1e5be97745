// Package plots owns the layout every figure of the project shares, so
// that they all look alike: [Page] lays out a title, a subtitle, a grid of
// panels, a [Side] strip (a [Legend]) and a caption, and renders them to
// PNG at [DPI] ([Page.Save] writes atomically); [NewPanel] styles a panel;
// [TextStyle], [GridLines], [LogRange], [DecadeTicks], [DecadeLabel],
// [Log2Axis] and [IntTicks] style its text and axes.
//
// The package draws with gonum.org/v1/plot and works around its pitfalls
// (see design/libraries.md): axis ranges and ticks are always set
// explicitly, tick labels are written as 1e-5 rather than with
// superscripts, and text goes through the plain text handler.
//
// It knows nothing of the simulator: the sweep figures are in package
// plots/sweepfig and the experiments' figures in experiments/internal/lab,
// both built on this layout.
package plots
