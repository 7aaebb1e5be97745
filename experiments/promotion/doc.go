// Package promotion measures the promotion-interval trade-off of Hopper
// FP8 GEMMs: accumulation error against N_c at fixed K, next to the number
// of FP32 promotions per output (the cost), and where the knee lies.
//
//	tcsim experiments run promotion [--short] [--out DIR]
package promotion
