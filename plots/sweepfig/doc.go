// Package sweepfig owns the figures of a tcsim sweep: it turns the rows of
// results.csv ([sweep.Row]) into PNG images, one set per datapath preset,
// laid out with package plots; and the figures of one simulated GEMM
// (GEMMErrorDistribution, GEMMErrorAlongK) that 'tcsim gemm' draws.
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
// datapath adds, not FP8 quantisation. Values that a log axis cannot show
// are dropped and counted in a caption. Files are written atomically.
package sweepfig
