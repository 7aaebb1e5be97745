// Package formats tabulates the range and precision of the number formats
// of tensor-core GEMMs (FP32, TF32, FP16, BF16, E4M3, E5M2, E2M1), computed
// from package numerics's codecs and checked against the values the
// standards define.
//
//	tcsim experiments run formats [--short] [--out DIR]
package formats
