// Package plots owns the figures of a tcsim sweep: it turns the rows of
// results.csv ([sweep.Row]) into PNG images, one set per datapath preset.
//
// [Figures] writes every figure for a set of rows. Each figure is a grid of
// panels, one row of panels per input distribution and one column per
// scaling granularity, with the promotion interval N_c as the series:
//
//   - error_vs_k.png ([ErrorVsK]): median elementwise relative
//     accumulation error against K on log–log axes, with a 10th–90th
//     percentile band per N_c and the FP32 CUDA-core baseline dashed.
//   - heatmap.png ([Heatmap]): the normwise relative accumulation error
//     over (K, N_c) as colour, with the value written in each cell.
//   - bias_vs_k.png ([BiasVsK]): the truncation bias (mean signed relative
//     error, in percent) against K.
//
// All figures plot the accumulation error (Row.Acc: against the exact
// product of the quantised operands), so they show what the tensor-core
// datapath adds, not FP8 quantisation.
//
// The package draws with gonum.org/v1/plot and works around its pitfalls
// (see design/libraries.md): values that a log axis cannot show are dropped
// and counted in a caption, axis ranges and ticks are always set
// explicitly, tick labels are written as 1e-5 rather than with superscripts,
// and text goes through the plain text handler. Files are rendered at [DPI]
// and written atomically (a temporary file in the same directory, then a
// rename), so a reader never sees a half-written image.
//
// # Layout for other figures
//
// The sweep figures are built on an exported layout that other figures
// (those of the experiments) share, so that every figure of the project
// looks alike: [Page] lays out a title, a subtitle, a grid of panels, a
// [Side] strip (a [Legend]) and a caption, and renders them to PNG at [DPI]
// ([Page.Save] writes atomically); [NewPanel] styles a panel; [TextStyle],
// [GridLines], [LogRange], [DecadeTicks], [DecadeLabel] and [Log2Axis]
// style its text and axes.
//
// Dependencies point one way: plots imports sim; sim never imports plots,
// and plots imports nothing of the experiments, which import plots.
package plots
