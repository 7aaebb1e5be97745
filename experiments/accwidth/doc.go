// Package accwidth asks how wide the FP8 tensor-core accumulator would
// have to be for promotion to FP32 to be unnecessary: the same GEMMs with
// F = 10…25 fraction bits kept after alignment (13 on Hopper, 25 on
// Blackwell), with and without promotion.
//
//	tcsim experiments run accwidth [--short] [--out DIR]
package accwidth
