// Package sim owns GEMM-level simulation on top of the tensor-core models:
// how a kernel's main loop chains instructions, promotes partial sums into
// FP32 every N_c products, splits K, and applies dequantisation scales
// ([GEMM]); quantisation of real matrices to FP8 with a scaling granularity
// ([Quantize]); exact references ([ExactProduct]); error metrics
// ([Measure]); and checking all of it against recorded hardware outputs
// ([Verify]).
//
// Every result is deterministic: outputs are computed element by element in
// a fixed order, so they are identical bit for bit for any GOMAXPROCS.
package sim
