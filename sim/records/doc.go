// Package records reads the hardware record files that the models are
// checked against: the H100 instruction files ([InstReader]), the chain
// and promotion case inputs and outputs ([CaseInputReader],
// [CaseOutputReader]), the cuBLAS GEMM records ([GEMMReader]) and the
// Khattak–Mikaitis dot-product files ([ParseKMName], [KMLines],
// [ParseKMOperands], [ParseKMBits]). Files may be gzip-compressed.
//
// It owns the formats only: what a file holds, parsed into codes and bit
// patterns, with errors ([RecordError]) that name the file and line. Which
// datapath preset reproduces a record is the concern of package
// sim/verify; this package names no preset.
package records
