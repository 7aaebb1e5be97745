// Package verify checks the models bit for bit against recorded hardware
// outputs ([Verify]): it discovers the record sets among the files and
// folders it is given, is the one place that maps record names (H100
// instruction configs, K–M folders, cuBLAS kernels) to datapath presets,
// reproduces every recorded output with the tensor-core models and the GEMM
// engine, infers the split-K slicing of split cuBLAS GEMMs, and reports
// matches and mismatches ([Report]).
//
// Reading the files is package sim/records' concern.
package verify
