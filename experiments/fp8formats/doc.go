// Package fp8formats compares E4M3, E5M2 and mixed FP8 GEMMs on
// forward-like (activations × weights) and backward-like (heavy-tailed
// gradients × weights) inputs, per tensor and with fine-grained scaling.
//
//	tcsim experiments run fp8formats [--short] [--out DIR]
package fp8formats
