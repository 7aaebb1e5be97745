//go:build amd64 && !purego

#include "textflag.h"
#include "rows_amd64.h"

// The lane kernels: Lanes = 16 outputs of each of n rows of A against a
// panel of 16 columns of B, one output per 32-bit lane, step by step, each
// step for every row in turn. lanes.go explains the method and why it is
// exact.
//
// Arguments: st = the n rows' states (laneState: the accumulators as FP32
// codes, the row's values (float32) and field exponents (int32) at the
// first product); bv, be = the panel's, 16 per k; steps; l = L (a
// positive multiple of 4); f = F; zeroExp; fmask = the mask that
// truncates an FP32 code to the register's significant bits. The result
// is the number of steps done for every row: the kernel stops before a
// step that Go must run for some row. After done steps a row's
// accumulators are in its acc[done%2].

// Stack slots of lanesAVX2's constants (after R_UNITS to R_SRC), 8 lanes
// each.
#define C_ZEROEXP 32(SP)
#define C_127F 64(SP)
#define C_ONE 96(SP)
#define C_254 128(SP)
#define C_127MF 160(SP)
#define C_FMASK 192(SP)
#define C_ABS 224(SP)
#define C_F126 256(SP)
#define C_INF 288(SP)
#define C_127 320(SP)
#define C_SUBMAX 352(SP)
#define C_FINMAX 384(SP)

#define SPLAT(reg, slot) \
	VMOVD        reg, X10     \
	VPBROADCASTD X10, Y10     \
	VMOVDQU      Y10, slot

// CHECKC sets bad (all ones in a lane) where the accumulator c is Inf,
// NaN or subnormal, or non-zero with e_max below F-126, after raising e_max
// (em) to C's field exponent minus 127. Clobbers Y10, Y11, Y12 (bad),
// Y13, Y14.
#define CHECKC(c, em, bad) \
	VPAND     C_ABS, c, Y10    \
	VPSRLD    $23, Y10, Y11    \
	VPSUBD    C_127, Y11, Y11  \
	VPMAXSD   Y11, em, em      \
	VPCMPGTD  C_FINMAX, Y10, bad \
	VPXOR     Y13, Y13, Y13    \
	VPCMPGTD  Y13, Y10, Y13    \
	VPCMPGTD  C_SUBMAX, Y10, Y14 \
	VPANDN    Y13, Y14, Y14    \
	VPOR      Y14, bad, bad    \
	VMOVDQU   C_F126, Y11      \
	VPCMPGTD  em, Y11, Y11     \
	VPAND     Y13, Y11, Y11    \
	VPOR      Y11, bad, bad

// SCALE sets s to 2^(F-e_max) from em.
#define SCALE(em, s) \
	VMOVDQU C_127F, s   \
	VPSUBD  em, s, s    \
	VPMAXSD C_ONE, s, s \
	VPMINSD C_254, s, s \
	VPSLLD  $23, s, s

// CONVERT converts the lane sums acc with e_max em to the register's
// format and sets over where a result overflows. Clobbers t.
#define CONVERT(acc, em, t, over) \
	VCVTDQ2PS acc, acc        \
	VPADDD    C_127MF, em, t  \
	VPMAXSD   C_ONE, t, t     \
	VPMINSD   C_254, t, t     \
	VPSLLD    $23, t, t       \
	VMULPS    t, acc, acc     \
	VPAND     C_FMASK, acc, acc \
	VPAND     C_ABS, acc, over  \
	VPCMPEQD  C_INF, over, over

// PROD adds the truncated product of k = off/4 (after the loop's base)
// to acc0 (lanes 0-7) and acc1 (8-15).
#define PROD(off, acc0, acc1, t0, t1) \
	VBROADCASTSS off(SI), Y10         \
	VMULPS       (off*16)(CX), Y10, t0 \
	VMULPS       Y4, t0, t0           \
	VCVTTPS2DQ   t0, t0               \
	VPADDD       t0, acc0, acc0       \
	VMULPS       (off*16+32)(CX), Y10, t1 \
	VMULPS       Y5, t1, t1           \
	VCVTTPS2DQ   t1, t1               \
	VPADDD       t1, acc1, acc1

// EMAXK raises Y2 (lanes 0-7) and Y3 (8-15) to the exponent sums of
// k = off/4.
#define EMAXK(off) \
	VPBROADCASTD off(DI), Y10          \
	VPADDD       (off*16)(CX), Y10, Y11 \
	VPMAXSD      Y11, Y2, Y2           \
	VPADDD       (off*16+32)(CX), Y10, Y12 \
	VPMAXSD      Y12, Y3, Y3

// NEXT_ROW_OR_STEP goes on to the next row's state (at row) or, after the
// last row, to the next step (at step) until the units are done. Every
// row has then done the step: its output slot becomes the next step's
// input.
#define NEXT_ROW_OR_STEP(row, step) \
	ADDQ  $S_SIZE, R11       \
	CMPQ  R11, R_END         \
	JNE   row                \
	LEAQ  (BX)(R12*4), BX    \
	ADDQ  R10, R8            \
	ADDQ  R10, R9            \
	XCHGQ R13, R14           \
	DECQ  R_UNITS            \
	JNZ   step

// func lanesAVX512(st *laneState, n int, bv *float32, be *int32, steps, l, f, zeroExp int, fmask uint32) int
//
// Registers: R11 = the row's state; SI, DI = its av, ae at the step; BX =
// the products done; R8, R9 = bv, be at the step; R10 = 64·L, their
// stride per step; R12 = L/4; R13, R14 = the offsets of the step's input
// and output accumulators in a state (0 and 64, swapped after each step).
// Z16 = the row's accumulators. Constants: Z20 = zeroExp, Z21 = 127+F, Z22 = 1,
// Z23 = 254, Z24 = 127-F, Z25 = fmask, Z26 = 0x7FFFFFFF, Z27 = F-126,
// Z28 = 0x7F800000, Z29 = 127, Z30 = 0x00800000.
TEXT ·lanesAVX512(SB), NOSPLIT, $32-80
	ROWS_END(st+0(FP), n+8(FP))
	MOVQ bv+16(FP), R8
	MOVQ be+24(FP), R9
	MOVQ steps+32(FP), AX
	MOVQ AX, R_UNITS
	MOVQ l+40(FP), R12
	MOVQ R12, R10
	SHLQ $6, R10
	SHRQ $2, R12
	XORQ BX, BX
	XORQ R13, R13
	MOVQ $64, R14

	MOVQ         zeroExp+56(FP), AX
	VPBROADCASTD AX, Z20
	MOVQ         f+48(FP), AX
	LEAQ         127(AX), DX
	VPBROADCASTD DX, Z21
	MOVL         $127, DX
	SUBQ         AX, DX
	VPBROADCASTD DX, Z24
	LEAQ         -126(AX), DX
	VPBROADCASTD DX, Z27
	MOVL         $1, DX
	VPBROADCASTD DX, Z22
	MOVL         $254, DX
	VPBROADCASTD DX, Z23
	MOVL         fmask+64(FP), DX
	VPBROADCASTD DX, Z25
	MOVL         $0x7FFFFFFF, DX
	VPBROADCASTD DX, Z26
	MOVL         $0x7F800000, DX
	VPBROADCASTD DX, Z28
	MOVL         $127, DX
	VPBROADCASTD DX, Z29
	MOVL         $0x00800000, DX
	VPBROADCASTD DX, Z30
	CMPQ         R_UNITS, $0
	JLE          l5_ret

l5_step:
	MOVQ st+0(FP), R11

l5_row:
	ROW_OPERANDS(S_AV, 4)
	VMOVDQU32 (R11)(R13*1), Z16

	// e_max of the products and the zero floor, four partial maxima (Z0).
	VMOVDQA32 Z20, Z0
	VMOVDQA32 Z20, Z1
	VMOVDQA32 Z20, Z2
	VMOVDQA32 Z20, Z3
	MOVQ      R9, CX
	MOVQ      R12, DX

l5_emax:
	VMOVDQU32   (CX), Z4
	VPADDD.BCST (DI), Z4, Z4
	VPMAXSD     Z4, Z0, Z0
	VMOVDQU32   64(CX), Z5
	VPADDD.BCST 4(DI), Z5, Z5
	VPMAXSD     Z5, Z1, Z1
	VMOVDQU32   128(CX), Z6
	VPADDD.BCST 8(DI), Z6, Z6
	VPMAXSD     Z6, Z2, Z2
	VMOVDQU32   192(CX), Z7
	VPADDD.BCST 12(DI), Z7, Z7
	VPMAXSD     Z7, Z3, Z3
	ADDQ        $256, CX
	ADDQ        $16, DI
	DECQ        DX
	JNZ         l5_emax
	VPMAXSD     Z1, Z0, Z0
	VPMAXSD     Z3, Z2, Z2
	VPMAXSD     Z2, Z0, Z0

	// C: t = |C| as bits (Z5); e_max with C's field exponent minus 127
	// (see lanes.go). Stop before the step if some C is Inf, NaN or
	// subnormal (K1, K3), or non-zero with e_max below F-126 (K4).
	VPANDD    Z26, Z16, Z5
	VPSRLD    $23, Z5, Z4
	VPSUBD    Z29, Z4, Z4
	VPMAXSD   Z4, Z0, Z0
	VPCMPD    $5, Z28, Z5, K1
	VPTESTMD  Z5, Z5, K2
	VPCMPD    $1, Z30, Z5, K2, K3
	VPCMPD    $1, Z27, Z0, K2, K4
	KORW      K1, K3, K1
	KORW      K1, K4, K1
	KORTESTW  K1, K1
	JNZ       l5_ret

	// The scale 2^(F-e_max) (Z6), its biased exponent clamped to [1, 254].
	VPSUBD  Z0, Z21, Z6
	VPMAXSD Z22, Z6, Z6
	VPMINSD Z23, Z6, Z6
	VPSLLD  $23, Z6, Z6

	// C's term (Z7) and the truncated products, four partial sums.
	VMULPS     Z6, Z16, Z7
	VCVTTPS2DQ Z7, Z7
	VPXORD     Z8, Z8, Z8
	VPXORD     Z9, Z9, Z9
	VPXORD     Z10, Z10, Z10
	MOVQ       R8, CX
	MOVQ       R12, DX

l5_prod:
	VMOVUPS     (CX), Z11
	VMULPS.BCST (SI), Z11, Z11
	VMULPS      Z6, Z11, Z11
	VCVTTPS2DQ  Z11, Z11
	VPADDD      Z11, Z7, Z7
	VMOVUPS     64(CX), Z12
	VMULPS.BCST 4(SI), Z12, Z12
	VMULPS      Z6, Z12, Z12
	VCVTTPS2DQ  Z12, Z12
	VPADDD      Z12, Z8, Z8
	VMOVUPS     128(CX), Z13
	VMULPS.BCST 8(SI), Z13, Z13
	VMULPS      Z6, Z13, Z13
	VCVTTPS2DQ  Z13, Z13
	VPADDD      Z13, Z9, Z9
	VMOVUPS     192(CX), Z14
	VMULPS.BCST 12(SI), Z14, Z14
	VMULPS      Z6, Z14, Z14
	VCVTTPS2DQ  Z14, Z14
	VPADDD      Z14, Z10, Z10
	ADDQ        $256, CX
	ADDQ        $16, SI
	DECQ        DX
	JNZ         l5_prod
	VPADDD      Z8, Z7, Z7
	VPADDD      Z10, Z9, Z9
	VPADDD      Z9, Z7, Z7

	// convert: the sum (< 2^24) to float32, times 2^(e_max-F), truncated
	// to the register's bits by fmask. Stop if a result overflows.
	VCVTDQ2PS Z7, Z7
	VPADDD    Z24, Z0, Z11
	VPMAXSD   Z22, Z11, Z11
	VPMINSD   Z23, Z11, Z11
	VPSLLD    $23, Z11, Z11
	VMULPS    Z11, Z7, Z7
	VPANDD    Z25, Z7, Z7
	VPANDD    Z26, Z7, Z11
	VPCMPEQD  Z28, Z11, K1
	KORTESTW  K1, K1
	JNZ       l5_ret
	VMOVDQU32 Z7, (R11)(R14*1)

	NEXT_ROW_OR_STEP(l5_row, l5_step)

l5_ret:
	RET_DONE(steps+32(FP), ret+72(FP))

// func lanesAVX2(st *laneState, n int, bv *float32, be *int32, steps, l, f, zeroExp int, fmask uint32) int
//
// The same as lanesAVX512, each 16-lane vector as two 8-lane halves.
// Registers: as lanesAVX512 for the pointers and counts; Y0, Y1 = the
// row's accumulators; Y2, Y3 = e_max; Y4, Y5 = the scales; Y6-Y9 the
// sums.
TEXT ·lanesAVX2(SB), NOSPLIT, $416-80
	ROWS_END(st+0(FP), n+8(FP))
	MOVQ bv+16(FP), R8
	MOVQ be+24(FP), R9
	MOVQ steps+32(FP), AX
	MOVQ AX, R_UNITS
	MOVQ l+40(FP), R12
	MOVQ R12, R10
	SHLQ $6, R10
	SHRQ $2, R12
	XORQ BX, BX
	XORQ R13, R13
	MOVQ $64, R14

	MOVQ zeroExp+56(FP), AX
	SPLAT(AX, C_ZEROEXP)
	MOVQ f+48(FP), AX
	LEAQ 127(AX), DX
	SPLAT(DX, C_127F)
	MOVL $127, DX
	SUBQ AX, DX
	SPLAT(DX, C_127MF)
	LEAQ -126(AX), DX
	SPLAT(DX, C_F126)
	MOVL $1, DX
	SPLAT(DX, C_ONE)
	MOVL $254, DX
	SPLAT(DX, C_254)
	MOVL fmask+64(FP), DX
	SPLAT(DX, C_FMASK)
	MOVL $0x7FFFFFFF, DX
	SPLAT(DX, C_ABS)
	MOVL $0x7F800000, DX
	SPLAT(DX, C_INF)
	MOVL $127, DX
	SPLAT(DX, C_127)
	MOVL $0x007FFFFF, DX
	SPLAT(DX, C_SUBMAX)
	MOVL $0x7F7FFFFF, DX
	SPLAT(DX, C_FINMAX)
	CMPQ R_UNITS, $0
	JLE  l2_ret

l2_step:
	MOVQ st+0(FP), R11

l2_row:
	ROW_OPERANDS(S_AV, 4)
	VMOVDQU (R11)(R13*1), Y0
	VMOVDQU 32(R11)(R13*1), Y1
	VMOVDQU C_ZEROEXP, Y2
	VMOVDQA Y2, Y3
	MOVQ    R9, CX
	MOVQ    R12, DX

l2_emax:
	EMAXK(0)
	EMAXK(4)
	EMAXK(8)
	EMAXK(12)
	ADDQ $256, CX
	ADDQ $16, DI
	DECQ DX
	JNZ  l2_emax

	CHECKC(Y0, Y2, Y12)
	VMOVDQA Y12, Y9
	CHECKC(Y1, Y3, Y12)
	VPOR    Y9, Y12, Y12
	VPTEST  Y12, Y12
	JNZ     l2_ret

	SCALE(Y2, Y4)
	SCALE(Y3, Y5)
	VMULPS     Y4, Y0, Y6
	VCVTTPS2DQ Y6, Y6
	VMULPS     Y5, Y1, Y7
	VCVTTPS2DQ Y7, Y7
	VPXOR      Y8, Y8, Y8
	VPXOR      Y9, Y9, Y9
	MOVQ       R8, CX
	MOVQ       R12, DX

l2_prod:
	PROD(0, Y6, Y7, Y11, Y12)
	PROD(4, Y8, Y9, Y13, Y14)
	PROD(8, Y6, Y7, Y11, Y12)
	PROD(12, Y8, Y9, Y13, Y14)
	ADDQ $256, CX
	ADDQ $16, SI
	DECQ DX
	JNZ  l2_prod
	VPADDD Y8, Y6, Y6
	VPADDD Y9, Y7, Y7

	CONVERT(Y6, Y2, Y10, Y11)
	CONVERT(Y7, Y3, Y10, Y12)
	VPOR   Y11, Y12, Y12
	VPTEST Y12, Y12
	JNZ    l2_ret
	VMOVDQU Y6, (R11)(R14*1)
	VMOVDQU Y7, 32(R11)(R14*1)

	NEXT_ROW_OR_STEP(l2_row, l2_step)

l2_ret:
	RET_DONE(steps+32(FP), ret+72(FP))
