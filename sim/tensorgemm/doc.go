// Package tensorgemm simulates a GEMM on the user's own tensors: operands
// read from .npy files or safetensors tensors (see [Open]), quantised as a
// kernel would (FP8 operands are used as codes, with their DeepSeek-V3
// 128×128 block scales when the checkpoint has them; real-valued operands
// are quantised with a scaling scheme), run bit-exactly on tensor-core
// presets at several promotion intervals, and measured against the exact
// product of the quantised operands and the float64 product of the
// unquantised ones ([Run]). [ErrorAlongK] follows the error along K.
//
// Inputs are checked before anything large is allocated: shapes must
// agree, dtypes must be supported, and [Estimate] gives the memory a run
// needs from the headers alone. NaN and Inf inputs are counted; the outputs
// that depend on them are NaN and left out of the metrics.
package tensorgemm
