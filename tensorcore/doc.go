// Package tensorcore owns the bit-exact models of tensor-core datapaths: the
// truncated fused dot-product-add step, how one matrix instruction splits its
// K products into chained steps, the special-value rules, and the named
// presets that pin these parameters to real GPUs and instructions.
//
// The model (docs/datapath.md §1): a step takes up to L exact
// products and an accumulator C, finds the largest exponent e_max among them
// (zero terms count as [Step.ZeroExp]), truncates every term toward zero onto
// the grid 2^(e_max-F), adds the truncated terms exactly in an int64, and
// converts the exact sum once ([Conversion]). Instructions whose K exceeds L
// chain ⌈K/L⌉ steps, each step's output being the next one's C.
//
// Operands are decoded once into a [Vector] (signed significand and field
// exponent per element), so the hot loop is integer multiply, shift and add
// with no table look-up or allocation per step. On amd64 CPUs with AVX2,
// steps of FP8 or FP16 products (a multiple of 8 of them) run in assembly
// kernels that give the same bits (fused.go says how); elsewhere, and with
// the purego build tag, they run in Go. [Preset.Chain] runs a sequence of
// instructions over a K range as a chained accumulation, which is what a
// GEMM main loop without promotion does.
package tensorcore
