// Package probe holds the tests of the GPU probe kit in this directory: a
// CUDA program (src/, built by build.sh) that records the tensor-core
// outputs of the GPU it runs on in the record formats tcsim verify reads.
// There is no Go API here. The tests build the kit's CPU variant, in which
// a float64 emulation replaces the kernels, run it, and read everything it
// writes with tcsim's record readers, recomputing the emulation in Go: so
// input generation, tile packing, the record layout and the file names are
// checked without a GPU. They also verify the committed H200 records
// (../testdata/h200) bit for bit.
package probe
