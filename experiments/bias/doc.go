// Package bias measures the sign of the accumulation error: truncation
// toward zero makes sums of all-positive products drift low. It reports
// signed error distributions and the fraction of outputs below the exact
// value against K, for all-positive, zero-mean and attention-like inputs.
//
//	tcsim experiments run bias [--short] [--out DIR]
package bias
