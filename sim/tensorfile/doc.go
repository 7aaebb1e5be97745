// Package tensorfile owns what the tensor-file formats (sim/npy and
// sim/safetensors) share: shape arithmetic checked for overflow, the
// little-endian element layout both store, and reads that allocate only as
// the bytes arrive.
package tensorfile
