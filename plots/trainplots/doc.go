// Package trainplots owns the figures of a tcsim training run (package
// sim/train): loss curves (training and validation loss over tokens seen,
// against the text's unigram entropy) and the GEMM errors probed during
// training (normwise relative error by GEMM kind and layer over steps).
// It draws with the shared layout of package plots; sim never imports it.
package trainplots
