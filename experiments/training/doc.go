// Package training is the accumulation ablation: the same small GPT
// (package sim/train) trained from identical weights on identical batches
// with recipes that differ only in how their GEMMs accumulate (or only in
// how they quantise), over paired seeds, with verdicts computed from the
// paired differences against the seed noise of the fp32 arm; a phase
// diagram of the loss gap over wgrad K × N_c × F; and the measured
// variance retention of each GEMM kind over training beside the
// first-order estimate for truncated accumulation.
//
// The study is a set of independent jobs (arm × seed, phase point ×
// seed). A run keeps each finished job in <out>/jobs (resuming without
// recomputing), --shard i/n runs a cost-balanced share of them, and Merge
// joins the shards into the bytes of an unsharded run:
//
//	tcsim experiments run training [--short | --reduced] [--shard i/n] [--out DIR]
//	tcsim experiments merge training --out DIR SHARD_DIR...
package training
