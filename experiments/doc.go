// Package experiments is the registry of the reproducible experiments on
// FP8 accumulation. Each is a package in its own directory exposing
// Run(ctx, lab.Config); the tcsim binary runs one with
//
//	tcsim experiments run <name> [--short] [--out DIR]
//
// with a fixed seed. It writes DIR/data.csv, PNG figures and DIR/summary.md
// (the claim, the setup, the measured numbers and a verdict computed from
// them); DIR defaults to out/<name>. Experiments made of independent jobs
// (training) also run as shards of a cluster array and merge:
//
//	tcsim experiments run training --shard i/n --out DIR_i
//	tcsim experiments merge training --out DIR DIR_0 ... DIR_n-1
//
// Each has a golden test at reduced size:
//
//	go test ./experiments/...
//
// README.md in this directory lists the verdicts of the full-size runs.
package experiments
