// Package train owns the training simulator's model and loop: a
// decoder-only transformer with nanoGPT's GPT architecture and parameter
// names, hand-written forward and backward passes, FP32 master weights,
// AdamW with gradient clipping and a warmup-cosine schedule, byte-level
// data, checkpoints, logs and the training run itself. Every Linear
// layer's GEMMs go through package backend as a recipe (package recipe)
// says; everything else is FP32 (float64 for the exact recipe).
//
// A run is a pure function of its configuration and seed: batches and
// initial weights come from per-step and per-run PCG streams, every sum
// has a fixed order and transcendental functions come from package fmath,
// so logs and checkpoints are byte-identical for any GOMAXPROCS and CPU.
package train
