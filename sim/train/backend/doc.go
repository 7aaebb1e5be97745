// Package backend owns the GEMMs of the training simulator: it runs a
// Linear layer's fprop, dgrad or wgrad as a recipe says (float64, CUDA-core
// FP32, or quantised operands on a simulated tensor-core datapath through
// package sim), provides the FP32 and float64 products the rest of the
// model uses, and, when probing, measures each simulated GEMM against the
// exact product of its quantised operands and the float64 product of the
// unquantised ones.
//
// Every result is a pure function of its inputs: outputs are computed
// element by element in k order, so the bits do not depend on GOMAXPROCS.
package backend
