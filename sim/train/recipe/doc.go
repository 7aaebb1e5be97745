// Package recipe owns the training recipes of the training simulator: for
// each of a Linear layer's three GEMMs (fprop, dgrad, wgrad) the arithmetic
// it runs in (float64, CUDA-core FP32, or a simulated tensor-core
// datapath), the datapath preset and accumulator width, the promotion
// interval N_c and the quantisation scaling. It names the recipes (exact,
// fp32, bf16, deepseek, te, fast), parses the per-kind knobs that modify
// them, and describes them one line per GEMM kind. It computes nothing.
package recipe
