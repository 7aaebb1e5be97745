// Command promotion measures the promotion-interval trade-off of Hopper
// FP8 GEMMs: accumulation error against N_c at fixed K, next to the number
// of FP32 promotions per output (the cost), and where the knee lies.
//
//	go run ./experiments/promotion [--short] [--out DIR]
package main

import "github.com/tcsim/tcsim/experiments/internal/lab"

func main() { lab.Main(name, Run) }
