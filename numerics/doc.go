// Package numerics owns the number formats tcsim simulates: bit-level codecs
// for the narrow floating-point formats used by tensor cores (FP8 E4M3 and
// E5M2, FP16, BF16, TF32, FP32, and the block-scaling formats E2M1, UE4M3 and
// E8M0), rounding of real values into them, and the exact arithmetic helpers
// (a correctly rounded FP32 fused multiply-add) that the higher layers need.
//
// A [Format] is a constant of a small enum (E4M3, E5M2, FP16, BF16, TF32,
// FP32, E2M1, UE4M3, E8M0, E4M3FNUZ, E5M2FNUZ); its properties (ExpBits,
// ManBits, Bias, ...) are methods over a fixed table, so no caller can alter
// a format others use, and the zero Format means "no format" (see
// [Format.Valid]). [Formats] lists them and [ByName] finds one by the name
// tcsim uses in flags and files. Decoding is exact: each
// code maps to a float64 that holds its value exactly. Encoding rounds a
// float64 with an explicit [Rounding] mode and [Overflow] policy.
//
// Conventions used throughout tcsim: a code is the format's bit pattern in
// the low bits of a uint32; "field exponent" means the unbiased exponent of
// the exponent field, taking the minimum normal exponent for subnormals, so a
// significand is in [1,2) for normal numbers and in [0,1) for subnormals.
package numerics
