// Package mmasync runs the same FP8 GEMMs through Hopper's two tensor-core
// paths: wgmma (the FP8 datapath, 14-bit accumulation) and mma.sync (FP8
// converted to FP16 and accumulated in FP32 steps), with and without
// promotion, against the FP32 CUDA-core baseline.
//
//	tcsim experiments run mmasync [--short] [--out DIR]
package mmasync
