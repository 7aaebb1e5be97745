// Package training is the accumulation ablation: the same small GPT
// (package sim/train) trained from identical weights on identical batches
// with recipes that differ only in how their GEMMs accumulate (or only in
// how they quantise), over paired seeds, with verdicts computed from the
// paired differences against the seed noise of the fp32 arm, and the
// measured variance retention of each GEMM kind beside the first-order
// prediction for truncated accumulation (after Sakr et al., ICLR 2019).
//
//	tcsim experiments run training [--short] [--out DIR]
package training
