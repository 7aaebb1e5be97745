// Package npy reads and writes NumPy's .npy array files (format versions
// 1.0, 2.0 and 3.0): the magic "\x93NUMPY", a version, a little-endian
// header length, a Python-literal header dict {'descr', 'fortran_order',
// 'shape'} padded to 64 bytes, then the raw elements.
//
// [Read] accepts booleans, integers and float16/32/64 in either byte order
// and C or Fortran order, and returns the elements in C order,
// little-endian. It also accepts the types of the ml_dtypes package as
// numpy.save writes them: bfloat16 as '<V2', and the one-byte types
// (float8_e4m3fn, float8_e5m2, ...) as '<V1', a raw byte whose format the
// file does not record ([Void8]; the caller says which format it is), or
// as '<f1' (float8_e5m2 in ml_dtypes before 0.5).
//
// [Write] writes version 1.0 (2.0 for headers too long for it), C order,
// little-endian, with the bytes numpy.save produces for the same array.
// Readers allocate only what the bytes actually read justify.
package npy
