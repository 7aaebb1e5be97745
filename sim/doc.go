// Package sim is the GEMM engine on top of the tensor-core models: how a
// kernel's main loop chains instructions, promotes partial sums into FP32
// every N_c products, splits K, and applies dequantisation scales ([GEMM]);
// quantisation of real matrices to a low-precision format with a scaling
// granularity ([Quantize], [QuantizeBlocks]); the exact product of the
// quantised operands ([ExactProduct]) and the float64 product of the
// unquantised ones ([Float64Product]); and error metrics ([Measure]).
//
// Sweeps over many configurations live in package sim/sweep, hardware
// record readers in sim/records and verification against them in
// sim/verify; sim/atomicfile and sim/parallel hold the one atomic file
// writer and the one worker pool that all of them use.
//
// Every result is deterministic: outputs are computed element by element in
// a fixed order, so they are identical bit for bit for any GOMAXPROCS.
package sim
