//go:build amd64 && !purego

#include "textflag.h"

// The AVX2 step kernels. fused.go explains the method and why it is exact.
//
// Registers shared by both kernels: SI = sa, DI = sb (int32 significands),
// R8 = ea, R9 = eb (int16 field exponents) at the step's first product,
// R12 = L (a positive multiple of 8). Constants: Y8 = 1 and Y9 = 127-man
// in each int32 lane (man = ManBits(A)+ManBits(B)), X13 = 0x7FFF in each
// word. Y15 is not used (Go keeps it zero).

// EMAX sets AX to the int16 maximum of ea[k]+eb[k] over k < L, 16 at a time
// and 8 for the rest. Starting from -32768 (every sum is at least -20000),
// it reads nothing of the previous step, so the CPU runs it ahead.
// Clobbers BX, DX, Y0, Y1.
#define EMAX(lbl16, lblfold, lblh) \
	VPCMPEQW     Y0, Y0, Y0         \
	VPSLLW       $15, Y0, Y0        \
	XORQ         BX, BX             \
	MOVQ         R12, DX            \
	ANDQ         $-16, DX           \
	JZ           lblfold            \
lbl16:                              \
	VMOVDQU      (R8)(BX*2), Y1     \
	VPADDW       (R9)(BX*2), Y1, Y1 \
	VPMAXSW      Y1, Y0, Y0         \
	ADDQ         $16, BX            \
	CMPQ         BX, DX             \
	JB           lbl16              \
lblfold:                            \
	VEXTRACTI128 $1, Y0, X1         \
	VPMAXSW      X1, X0, X0         \
	CMPQ         BX, R12            \
	JAE          lblh               \
	VMOVDQU      (R8)(BX*2), X1     \
	VPADDW       (R9)(BX*2), X1, X1 \
	VPMAXSW      X1, X0, X0         \
lblh:                               \
	VPXOR        X13, X0, X0        \
	VPHMINPOSUW  X0, X0             \
	VMOVD        X0, AX             \
	XORL         $0x7FFF, AX        \
	MOVWQSX      AX, AX

// PRODUCT8 adds to the int32 lanes of acc the products k = BX+off/4 ...
// BX+off/4+7 (see PRODUCTS), using the temporaries t, u, v.
#define PRODUCT8(off, acc, t, u, v) \
	VMOVDQU    off(SI)(BX*4), t        \
	VPMULLD    off(DI)(BX*4), t, t     \
	VCVTDQ2PS  t, t                    \
	VPMOVSXWD  (off/2)(R8)(BX*2), u    \
	VPMOVSXWD  (off/2)(R9)(BX*2), v    \
	VPADDD     v, u, u                 \
	VPADDD     Y9, u, u                \
	VPMAXSD    Y8, u, u                \
	VPSLLD     $23, u, u               \
	VMULPS     u, t, t                 \
	VMULPS     Y2, t, t                \
	VCVTTPS2DQ t, t                    \
	VPADDD     t, acc, acc

// PRODUCTS adds to the int32 lanes of Y4, for k < L, the product
// sa[k]·sb[k]·2^(ea[k]+eb[k]-man) (exact in float32) times the scale in
// Y2, truncated toward zero. A zero operand (sentinel exponent) has a zero
// significand; its exponent is clamped to keep the power of two finite.
// Two accumulators (Y4, Y0) halve the chain of additions. Clobbers BX, DX,
// Y0, Y1, Y3, Y5-Y7.
#define PRODUCTS(lbl16, lbltail, lbldone) \
	VPXOR      Y0, Y0, Y0            \
	XORQ       BX, BX                \
	MOVQ       R12, DX               \
	ANDQ       $-16, DX              \
	JZ         lbltail               \
lbl16:                               \
	PRODUCT8(0, Y4, Y6, Y7, Y5)      \
	PRODUCT8(32, Y0, Y1, Y3, Y5)     \
	ADDQ       $16, BX               \
	CMPQ       BX, DX                \
	JB         lbl16                 \
lbltail:                             \
	CMPQ       BX, R12               \
	JAE        lbldone               \
	PRODUCT8(0, Y4, Y6, Y7, Y5)      \
lbldone:                             \
	VPADDD     Y0, Y4, Y4

// SUM64 adds the int32 lanes of Y4 as int64 into DX. Clobbers Y1, Y4, Y5.
#define SUM64 \
	VEXTRACTI128 $1, Y4, X1    \
	VPMOVSXDQ    X4, Y4        \
	VPMOVSXDQ    X1, Y1        \
	VPADDQ       Y1, Y4, Y4    \
	VEXTRACTI128 $1, Y4, X1    \
	VPADDQ       X1, X4, X4    \
	VPSHUFD      $0x4E, X4, X1 \
	VPADDQ       X1, X4, X4    \
	VMOVQ        X4, DX

// CONSTS sets Y8, Y9 and X13 from man (in DX).
#define CONSTS \
	MOVL         $127, CX  \
	SUBL         DX, CX    \
	VMOVD        CX, X9    \
	VPBROADCASTD X9, Y9    \
	MOVL         $1, CX    \
	VMOVD        CX, X8    \
	VPBROADCASTD X8, Y8    \
	VPCMPEQW     X13, X13, X13 \
	VPSRLW       $1, X13, X13

// func scaledDotAVX2(sa, sb *int32, ea, eb *int16, n, floor, f, man int) (sum int64, emax int)
//
// One step: e_max = max(floor, ea[k]+eb[k]) and the sum of the products
// truncated onto the grid 2^(e_max-f), for n a positive multiple of 8.
TEXT ·scaledDotAVX2(SB), NOSPLIT, $0-80
	MOVQ sa+0(FP), SI
	MOVQ sb+8(FP), DI
	MOVQ ea+16(FP), R8
	MOVQ eb+24(FP), R9
	MOVQ n+32(FP), R12
	MOVQ man+56(FP), DX
	CONSTS

	EMAX(sd_emax16, sd_fold, sd_h)
	MOVQ    floor+40(FP), DX
	CMPQ    AX, DX
	CMOVQLT DX, AX
	MOVQ    AX, emax+72(FP)

	// Y2 = 2^(f-e_max) as float32, the biased exponent clamped to
	// [1, 254].
	MOVQ         f+48(FP), DX
	ADDQ         $127, DX
	SUBQ         AX, DX
	MOVQ         $1, R10
	CMPQ         DX, R10
	CMOVQLT      R10, DX
	MOVQ         $254, R10
	CMPQ         DX, R10
	CMOVQGT      R10, DX
	SHLQ         $23, DX
	VMOVD        DX, X2
	VPBROADCASTD X2, Y2

	VPXOR Y4, Y4, Y4
	PRODUCTS(sd_loop16, sd_tail8, sd_done)
	SUM64
	MOVQ DX, sum+64(FP)
	VZEROUPPER
	RET

// func chainAVX2(sa, sb *int32, ea, eb *int16, steps, l, f, man, zeroExp int, regMask uint64, narrow bool, fmask, c uint32) (d uint32, done int)
//
// Runs up to steps chained steps of l products from the FP32 accumulator
// c, each converted by truncation to the significant bits that regMask
// keeps (its top RegBits bits set; fmask is the same as a mask on FP32
// codes) as a normal FP32 number; C is fused (not SeparateC). It stops
// before a step whose C is subnormal, Inf or NaN, whose e_max is below
// f-126 with a non-zero C, or whose result is not a normal number (Go runs
// that step), and returns the accumulator and the number of steps done.
// narrow: the step's sum with C fits 24 bits.
//
// Across steps: R11 = C, Y12 = C in every lane before the truncation to
// the register's bits (which changes no exponent), X14 = the mask that
// gives C's exact value from lane 0 of Y12 (all ones for the c passed in,
// fmask after a step of this loop; other lanes zero), R13 the steps left,
// Y10 = 0x7F800000 and Y11 = (254+f)<<23 in each lane.
TEXT ·chainAVX2(SB), NOSPLIT, $0-112
	MOVQ sa+0(FP), SI
	MOVQ sb+8(FP), DI
	MOVQ ea+16(FP), R8
	MOVQ eb+24(FP), R9
	MOVQ steps+32(FP), R13
	MOVQ l+40(FP), R12
	MOVQ man+56(FP), DX
	CONSTS
	MOVL         $0x7F800000, DX
	VMOVD        DX, X10
	VPBROADCASTD X10, Y10
	MOVQ         f+48(FP), DX
	ADDQ         $254, DX
	SHLQ         $23, DX
	VMOVD        DX, X11
	VPBROADCASTD X11, Y11
	MOVL         $-1, DX
	VMOVD        DX, X14
	MOVL         c+88(FP), R11
	VMOVD        R11, X12
	VPBROADCASTD X12, Y12
	MOVL         R11, d+96(FP)
	TESTQ        R13, R13
	JLE          ch_ret

ch_step:
	MOVL R11, d+96(FP) // returned if Go has to run this step

	// e_max of the products and the zero floor (AX), independent of C.
	EMAX(ch_emax16, ch_fold, ch_h)
	MOVQ    zeroExp+64(FP), DX
	CMPQ    AX, DX
	CMOVQLT DX, AX

	// The scale 2^(f-e_max) is min(2^(f-max(AX, f-127)), 2^(f-e_C)) (Y2):
	// the first does not depend on C; the second comes straight from
	// C's exponent field as (254+f-field)<<23, and for a zero C (field 0)
	// it is above every normal scale as an unsigned number, so the minimum
	// ignores it.
	MOVQ         f+48(FP), CX
	LEAQ         -127(CX), DX
	MOVQ         AX, R10
	CMPQ         R10, DX
	CMOVQLT      DX, R10
	LEAQ         127(CX), DX
	SUBQ         R10, DX
	SHLQ         $23, DX
	VMOVD        DX, X2
	VPBROADCASTD X2, Y2
	VANDPS       Y10, Y12, Y3
	VPSUBD       Y3, Y11, Y3
	VPMINUD      Y3, Y2, Y2

	// C on the grid (addC) is C times the scale, truncated: lane 0 of the
	// accumulator.
	VANDPS     Y14, Y12, Y4
	VMULPS     Y2, Y4, Y4
	VCVTTPS2DQ Y4, Y4
	PRODUCTS(ch_loop16, ch_tail8, ch_done)

	// e_max with C (AX).
	MOVL R11, CX
	ANDL $0x7FFFFFFF, CX
	JZ   ch_czero
	SHRL $23, CX
	LEAL -1(CX), BX
	CMPL BX, $253
	JA   ch_ret           // subnormal, Inf or NaN C
	SUBQ $127, CX         // e_C
	CMPQ AX, CX
	CMOVQLT CX, AX
	MOVQ f+48(FP), DX
	SUBQ $126, DX
	CMPQ AX, DX
	JLT  ch_ret           // the scales would leave the normal range

ch_czero:
	CMPB narrow+80(FP), $0
	JEQ  ch_wide

	// convert, in the vector unit: the sum (< 2^24, in every lane) to
	// float32 exactly, times 2^(e_max-f); the truncation to the register's
	// bits is the mask fmask, applied to R11 here and to C's lane in the
	// next step. For a non-zero sum some product or C is non-zero, so
	// e_max-f >= -126 and the result is a normal number unless it
	// overflows.
	VPSHUFD    $0x4E, Y4, Y1
	VPADDD     Y1, Y4, Y4
	VPSHUFD    $0xB1, Y4, Y1
	VPADDD     Y1, Y4, Y4
	VPERM2I128 $0x01, Y4, Y4, Y1
	VPADDD     Y1, Y4, Y4
	MOVQ       AX, DX
	SUBQ       f+48(FP), DX
	ADDQ       $127, DX
	MOVL       $1, CX
	CMPQ       DX, CX
	CMOVQLT    CX, DX     // a zero sum: any scale
	SHLL       $23, DX
	VMOVD      DX, X5
	VPBROADCASTD X5, Y5
	VCVTDQ2PS  Y4, Y4
	VMULPS     Y5, Y4, Y12
	MOVL       fmask+84(FP), DX
	VMOVD      DX, X14
	VMOVD      X12, R11
	ANDL       DX, R11
	MOVL       R11, DX
	ANDL       $0x7F800000, DX
	CMPL       DX, $0x7F800000
	JEQ        ch_ret     // overflow: Go's convert
	JMP        ch_next

ch_wide:
	// convert in integers: RZ to the register's bits.
	SUM64
	TESTQ DX, DX
	JZ    ch_zero
	MOVQ  DX, CX
	SARQ  $63, CX         // 0 or -1: the sign
	XORQ  CX, DX
	SUBQ  CX, DX          // magnitude
	BSRQ  DX, BX          // its leading bit
	MOVQ  AX, R10
	SUBQ  f+48(FP), R10
	ADDQ  BX, R10         // the result's exponent
	CMPQ  R10, $-126
	JLT   ch_ret          // a subnormal result: Go's convert
	CMPQ  R10, $127
	JGT   ch_ret          // overflow
	MOVQ  CX, AX          // the sign
	MOVQ  $63, CX
	SUBQ  BX, CX
	SHLQ  CX, DX          // leading bit at bit 63
	ANDQ  regMask+72(FP), DX
	SHRQ  $40, DX
	ANDL  $0x7FFFFF, DX
	ADDQ  $127, R10
	SHLL  $23, R10
	ORL   DX, R10
	ANDL  $0x80000000, AX
	ORL   AX, R10
	MOVL  R10, R11
	VMOVD R11, X12
	VPBROADCASTD X12, Y12
	JMP   ch_next

ch_zero:
	XORL  R11, R11
	VPXOR Y12, Y12, Y12

ch_next:
	MOVQ R12, DX
	SHLQ $2, DX
	ADDQ DX, SI
	ADDQ DX, DI
	SHRQ $1, DX
	ADDQ DX, R8
	ADDQ DX, R9
	DECQ R13
	JNZ  ch_step
	MOVL R11, d+96(FP)

ch_ret:
	MOVQ steps+32(FP), DX
	SUBQ R13, DX
	MOVQ DX, done+104(FP)
	VZEROUPPER
	RET
