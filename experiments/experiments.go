// Package experiments indexes the reproducible experiments on FP8
// accumulation. Each is a Go program in its own directory, run from the
// repository root as
//
//	go run ./experiments/<name> [--short] [--out DIR]
//
// with a fixed seed. It writes DIR/data.csv, PNG figures and DIR/summary.md
// (the claim, the setup, the measured numbers and a verdict computed from
// them); DIR defaults to out/<name>. Each has a golden test at reduced size:
//
//	go test ./experiments/...
//
// README.md in this directory lists the verdicts of the full-size runs.
package experiments

// Info describes one experiment.
type Info struct {
	Name  string // directory under experiments/
	Title string
	Claim string // the statement under test, one sentence
}

// All lists the experiments in reading order.
var All = []Info{
	{"deepseek2pct", "DeepSeek's \"nearly 2% at K = 4096\"",
		"Limited tensor-core accumulation gives about 2% maximum relative error at K = 4096; N_c = 128 fixes it. " +
			"Under which inputs and metric, and does the H100 table agree?"},
	{"promotion", "Promotion interval trade-off",
		"N_c = 128 sits at the knee of the error/cost curve and is a good choice for K = 4096 and K = 16384."},
	{"accwidth", "Accumulator width what-if",
		"How many fraction bits (13 on Hopper, 25 on Blackwell) make promotion unnecessary at K = 16384?"},
	{"granularity", "Scaling granularity with outlier channels",
		"Finer scales (1×128 tiles, 128×128 blocks) cut the error of activations with outlier channels; " +
			"granularity affects quantisation, not accumulation."},
	{"fp8formats", "E4M3 vs E5M2 (and mixed)",
		"E4M3 for forward-pass activations and weights, E5M2 for heavy-tailed backward-pass gradients."},
	{"mmasync", "wgmma vs mma.sync on Hopper",
		"FP8 mma.sync runs on the FP16 path with FP32 accumulation and is about 10,000× more accurate than wgmma."},
	{"bias", "Truncation bias",
		"With all-positive inputs and no promotion every output is below the exact value: −7.4% at K = 4096, −25% at K = 16384."},
	{"formats", "Number formats table",
		"Range and precision of FP32, TF32, FP16, BF16, E4M3, E5M2 and E2M1 as computed by the codecs equal the standards."},
}
