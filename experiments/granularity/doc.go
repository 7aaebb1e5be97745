// Package granularity compares quantisation scaling granularities (per
// tensor, per row, 1×128 tiles, 128×128 blocks, DeepSeek-V3's mix) on
// activations with injected outlier channels, separating the error of
// rounding the inputs to FP8 from the error of accumulating them.
//
//	tcsim experiments run granularity [--short] [--out DIR]
package granularity
