// Package deepseek2pct tests DeepSeek-V3's statement that limited
// tensor-core accumulation gives a maximum relative error of nearly 2% at
// K = 4096: under which inputs and which error metric that holds, what
// promotion every N_c = 128 brings it to, and where the simulator agrees
// with the H100 accuracy table (testdata/gemm_scaled_mm.csv).
//
//	tcsim experiments run deepseek2pct [--short] [--out DIR]
package deepseek2pct
