//go:build amd64 && !purego

#include "textflag.h"
#include "rows_amd64.h"

// The wide lane kernels (wide.go): Lanes = 16 outputs of each of n rows
// of A against a panel of 16 columns of B, each output's step computed
// in float64 lanes, unit by unit (a step, or with SeparateC an
// instruction), each step for every row in turn. wide.go explains the
// method and why it is exact.
//
// Arguments: st = the n rows' states (laneState: the accumulators as
// float32 codes, the row's values (float64) and field exponents (int32)
// at the first product); bw, be = the panel's (float64, int32), 16 per k;
// units; par = the datapath's parameters (wideParams). The result is the
// number of units done for every row: the kernel stops before a unit
// that Go must run for some row. After done units a row's accumulators
// are in its acc[done%2].

// Offsets of wideParams' fields.
#define P_L 0
#define P_SPU 8
#define P_F 16
#define P_ZEROEXP 24
#define P_MINEXP 32
#define P_SEPC 40
#define P_FP16 48
#define P_MASK 56
#define P_SAFELO 64
#define P_SAFEHI 72

// Stack slots of lanesWideAVX512 (after R_UNITS to R_SRC): 2^-126 and
// 2^128 (float64 bits), 8 lanes each.
#define W5_TINY 32(SP)
#define W5_HUGE 96(SP)

// W5_EMAXK raises em to the exponent sums of k = off/4 after the loop's
// base (DI, CX). Clobbers Z4.
#define W5_EMAXK(off, em) \
	VMOVDQU32   (off*16)(CX), Z4 \
	VPADDD.BCST off(DI), Z4, Z4  \
	VPMAXSD     Z4, em, em

// W5_PRODK adds the products of k = off/8 after the loop's base (SI,
// CX), scaled by Z6 and Z7 and truncated to int64, to lo (lanes 0-7) and
// hi (8-15). Clobbers Z4, Z5.
#define W5_PRODK(off, lo, hi) \
	VBROADCASTSD off(SI), Z4             \
	VMULPD       (off*16)(CX), Z4, Z5    \
	VMULPD       (off*16+64)(CX), Z4, Z4 \
	VMULPD       Z6, Z5, Z5              \
	VMULPD       Z7, Z4, Z4              \
	VCVTTPD2QQ   Z5, Z5                  \
	VCVTTPD2QQ   Z4, Z4                  \
	VPADDQ       Z5, lo, lo              \
	VPADDQ       Z4, hi, hi

// W5_RNE16 rounds the float64 lanes of x to nearest even on FP16's grid
// into y (see rne16): 1.5·2^(g+52) is 1.5·2^42 scaled by max(e_x, -14),
// e_x = floor(log2 |x|) (-Inf for 0). Clobbers t.
#define W5_RNE16(x, t, y) \
	VGETEXPPD x, t          \
	VMAXPD    Z31, t, t     \
	VSCALEFPD t, Z17, t     \
	VADDPD    t, x, y       \
	VSUBPD    t, y, y

// Stack slots of lanesWideAVX2's constants (after R_UNITS to R_SRC), 8
// int32 or 4 int64 lanes each.
#define W_ZEROEXP 64(SP)
#define W_BIAS 96(SP)
#define W_MINEXP 128(SP)
#define W_127 160(SP)
#define W_SAFELO 192(SP)
#define W_SAFEHI 224(SP)
#define W_ABS32 256(SP)
#define W_INF32 288(SP)
#define W_INTMIN 320(SP)
#define W_MASK 352(SP)
#define W_ABS64 384(SP)
#define W_LOWM1 416(SP)
#define W_HIGHM1 448(SP)
#define W_F16MAX 480(SP)
#define W_TINY16 512(SP)
#define W_EXPMASK 544(SP)
#define W_42 576(SP)
#define W_HALF 608(SP)
#define W_2046 640(SP)

#define SPLATD(reg, slot) \
	VMOVD        reg, X12     \
	VPBROADCASTD X12, Y12     \
	VMOVDQU      Y12, slot

#define SPLATQ(reg, slot) \
	VMOVQ        reg, X12     \
	VPBROADCASTQ X12, Y12     \
	VMOVDQU      Y12, slot

// W2_DEXP raises the e_max lanes em to the field exponents of the 8 D
// lanes at src that are not zero. Clobbers Y12, Y13.
#define W2_DEXP(src, em) \
	VMOVDQU   src, Y12            \
	VPAND     W_ABS32, Y12, Y12   \
	VPXOR     Y13, Y13, Y13       \
	VPCMPEQD  Y13, Y12, Y13       \
	VPSRLD    $23, Y12, Y12       \
	VPSUBD    W_127, Y12, Y12     \
	VPMAXSD   W_MINEXP, Y12, Y12  \
	VPBLENDVB Y13, W_INTMIN, Y12, Y12 \
	VPMAXSD   Y12, em, em

// W2_POW2 sets the 4 float64 lanes lo (hi) to the powers of 2 whose
// biased exponents (in [1, 2046]) are the int32 lanes 0-3 (4-7) of src
// (ysrc, xsrc).
#define W2_POW2(ysrc, xsrc, lo, hi) \
	VPMOVZXDQ    xsrc, lo            \
	VEXTRACTI128 $1, ysrc, xsrc      \
	VPMOVZXDQ    xsrc, hi            \
	VPSLLQ       $52, lo, lo         \
	VPSLLQ       $52, hi, hi

// W2_DTERM starts the sum acc with D's 4 lanes at src times the scale s,
// truncated, added to +0: a float64 sum from +0 of integers is never -0
// (an exact cancellation gives +0), like the int64 sums of Go and
// lanesWideAVX512.
#define W2_DTERM(src, s, acc) \
	VCVTPS2PD src, Y12       \
	VMULPD    s, Y12, Y12    \
	VROUNDPD  $3, Y12, Y12   \
	VXORPD    acc, acc, acc  \
	VADDPD    Y12, acc, acc

// W2_EMAXK raises Y0 (lanes 0-7) and Y1 (8-15) to the exponent sums of
// k = off/4 after the loop's base (DI, CX). Clobbers Y12-Y14.
#define W2_EMAXK(off) \
	VPBROADCASTD off(DI), Y12              \
	VPADDD       (off*16)(CX), Y12, Y13    \
	VPMAXSD      Y13, Y0, Y0               \
	VPADDD       (off*16+32)(CX), Y12, Y14 \
	VPMAXSD      Y14, Y1, Y1

// W2_PRODK adds the truncated products of k = off/8 after the loop's
// base (SI, CX), scaled by Y4-Y7, to the sums Y8-Y11. Clobbers Y12-Y15.
#define W2_PRODK(off) \
	VBROADCASTSD off(SI), Y15                \
	W2_PROD((off*16)(CX), Y4, Y8, Y12)       \
	W2_PROD((off*16+32)(CX), Y5, Y9, Y13)    \
	W2_PROD((off*16+64)(CX), Y6, Y10, Y14)   \
	W2_PROD((off*16+96)(CX), Y7, Y11, Y12)

// W2_PROD adds the truncated products of 4 lanes at src with the
// broadcast row value Y15, scaled by s, to acc.
#define W2_PROD(src, s, acc, t) \
	VMULPD    src, Y15, t     \
	VMULPD    s, t, t        \
	VROUNDPD  $3, t, t       \
	VADDPD    t, acc, acc

// W2_RZ masks the sum acc to the register's bits and scales it by s, and
// clears the lanes of ok where the result is neither zero nor a normal
// float32. Clobbers Y12-Y14.
#define W2_RZ(acc, s, ok) \
	VPAND    W_MASK, acc, acc     \
	VMULPD   s, acc, acc          \
	VPAND    W_ABS64, acc, Y12    \
	VPCMPGTQ W_LOWM1, Y12, Y13    \
	VPCMPGTQ W_HIGHM1, Y12, Y14   \
	VPANDN   Y13, Y14, Y13        \
	VPXOR    Y14, Y14, Y14        \
	VPCMPEQQ Y14, Y12, Y14        \
	VPOR     Y14, Y13, Y13        \
	VPAND    Y13, ok, ok

// W2_RNE16 rounds the 4 float64 lanes of x to nearest even on FP16's
// grid into y (see rne16). Clobbers t.
#define W2_RNE16(x, t, y) \
	VANDPD W_ABS64, x, t    \
	VMAXPD W_TINY16, t, t   \
	VPAND  W_EXPMASK, t, t  \
	VPADDQ W_42, t, t       \
	VPOR   W_HALF, t, t     \
	VADDPD t, x, y          \
	VSUBPD t, y, y

// W2_RNE scales the sum acc by s and rounds it to FP16 in place, setting
// lanes of bad where the result overflows or a non-zero sum rounds to
// zero. Clobbers Y12-Y15.
#define W2_RNE(acc, s, bad) \
	VMULPD   s, acc, acc        \
	W2_RNE16(acc, Y12, Y13)     \
	VPAND    W_ABS64, Y13, Y14  \
	VPCMPGTQ W_F16MAX, Y14, Y15 \
	VPOR     Y15, bad, bad      \
	VPXOR    Y15, Y15, Y15      \
	VPCMPEQQ Y15, Y14, Y14      \
	VPCMPEQQ Y15, acc, Y15      \
	VPANDN   Y14, Y15, Y15      \
	VPOR     Y15, bad, bad      \
	VMOVAPD  Y13, acc

// W2_TOD stores the float64 lanes x (4) to dst as float32.
#define W2_TOD(x, dst) \
	VCVTPD2PSY x, X12 \
	VMOVDQU    X12, dst

// WIDE_ARGS loads the arguments both wide kernels take alike: R_END, R8 =
// bw, R9 = be, R_UNITS, R10 = par, R12 = L; BX = 0 (the product), R13 = 0
// and R14 = 64 (the offsets of a state's two accumulator slots).
#define WIDE_ARGS \
	ROWS_END(st+0(FP), n+8(FP)) \
	MOVQ bw+16(FP), R8          \
	MOVQ be+24(FP), R9          \
	MOVQ units+32(FP), AX       \
	MOVQ AX, R_UNITS            \
	MOVQ par+40(FP), R10        \
	MOVQ P_L(R10), R12          \
	XORQ BX, BX                 \
	XORQ R13, R13               \
	MOVQ $64, R14

// NEXT_ROW_OR_UNIT goes on to the next row's state (at check) or, after
// the last row, starts the unit's steps: R_SRC = the offset of the first
// step's input in a state (the unit's input slot R13, or with SeparateC
// the output slot R14, just set to +0: the steps chain from +0), R_STEPS =
// the steps of a unit.
#define NEXT_ROW_OR_UNIT(check) \
	ADDQ    $S_SIZE, R11     \
	CMPQ    R11, R_END       \
	JNE     check            \
	MOVQ    R13, AX          \
	CMPQ    P_SEPC(R10), $0  \
	CMOVQNE R14, AX          \
	MOVQ    AX, R_SRC        \
	MOVQ    P_SPU(R10), AX   \
	MOVQ    AX, R_STEPS

// WIDE_NEXT_ROW_OR_STEP goes on to the next row's state (at row) or, after
// the last row, to the unit's next step (at step): BX, R9 and R8 move L
// products on (int32 exponents, 16 a product, and float64 values).
#define WIDE_NEXT_ROW_OR_STEP(row, step) \
	ADDQ $S_SIZE, R11 \
	CMPQ R11, R_END   \
	JNE  row          \
	ADDQ R12, BX      \
	MOVQ R12, AX      \
	SHLQ $6, AX       \
	ADDQ AX, R9       \
	SHLQ $1, AX       \
	ADDQ AX, R8       \
	DECQ R_STEPS      \
	JNZ  step

// func lanesWideAVX512(st *laneState, n int, bw *float64, be *int32, units int, par *wideParams) int
//
// Registers: R11 = the row's state; SI, DI = its aw, ae at the step; BX =
// the products done; R8, R9 = bw, be at the step; R12 = L; R13, R14 =
// the offsets of the unit's input and output accumulators in a state (0
// and 64, swapped after each unit); R10 = the parameters. Z15 = the step's
// running result D (float32). Constants: Z20 = ZeroExp, Z21 = 1023+F,
// Z22 = the accumulator's minimum exponent, Z23 = 127, Z19, Z18 = the
// safe range of e_max (wideParams) (int32); Z24 = the register mask, Z27
// = 0x7FFF…F, Z30 = 65504, Z31 = -14.0, Z17 = 1.5·2^42 (float64 bits),
// Z16 = 2046<<52 (int64); Z25 = 0x7FFFFFFF, Z26 = 0x7F800000 (int32);
// Z28, Z29 = the indices 0, 0, 1, 1, …, 7, 7 and 8, 8, …, 15, 15, which
// with K5 = 0xAAAA move the int32 lanes 0-7 (8-15) to the high halves of
// 8 int64 lanes.
TEXT ·lanesWideAVX512(SB), NOSPLIT, $160-56
	WIDE_ARGS

	MOVQ         P_ZEROEXP(R10), AX
	VPBROADCASTD AX, Z20
	MOVQ         P_F(R10), AX
	ADDQ         $1023, AX
	VPBROADCASTD AX, Z21
	MOVQ         P_MINEXP(R10), AX
	VPBROADCASTD AX, Z22
	MOVL         $127, AX
	VPBROADCASTD AX, Z23
	MOVQ         P_SAFELO(R10), AX
	VPBROADCASTD AX, Z19
	MOVQ         P_SAFEHI(R10), AX
	VPBROADCASTD AX, Z18
	MOVQ         $0x7FE0000000000000, AX
	VPBROADCASTQ AX, Z16
	MOVQ         P_MASK(R10), AX
	VPBROADCASTQ AX, Z24
	MOVL         $0x7FFFFFFF, AX
	VPBROADCASTD AX, Z25
	MOVL         $0x7F800000, AX
	VPBROADCASTD AX, Z26
	MOVQ         $0x7FFFFFFFFFFFFFFF, AX
	VPBROADCASTQ AX, Z27
	MOVQ         $0x3810000000000000, AX
	VPBROADCASTQ AX, Z28
	VMOVDQU64    Z28, W5_TINY
	MOVQ         $0x47F0000000000000, AX
	VPBROADCASTQ AX, Z28
	VMOVDQU64    Z28, W5_HUGE
	MOVQ         $0x0303020201010000, AX
	MOVQ         $0x0707060605050404, DX
	VMOVQ        AX, X1
	VPINSRQ      $1, DX, X1, X1
	VPMOVZXBD    X1, Z28
	MOVQ         $0x0B0B0A0A09090808, AX
	MOVQ         $0x0F0F0E0E0D0D0C0C, DX
	VMOVQ        AX, X1
	VPINSRQ      $1, DX, X1, X1
	VPMOVZXBD    X1, Z29
	MOVL         $0xAAAA, AX
	KMOVW        AX, K5
	MOVQ         $0x40EFFC0000000000, AX
	VPBROADCASTQ AX, Z30
	MOVQ         $0xC02C000000000000, AX
	VPBROADCASTQ AX, Z31
	MOVQ         $0x4298000000000000, AX
	VPBROADCASTQ AX, Z17
	CMPQ         R_UNITS, $0
	JLE          w5_ret

w5_unit:
	// Stop before the unit if some row's C is Inf or NaN. A step's D
	// starts from C (fused) or from +0 (SeparateC: D is cleared here).
	MOVQ   st+0(FP), R11
	VPXORD Z1, Z1, Z1

w5_check:
	VPANDD   (R11)(R13*1), Z25, Z0
	VPCMPD   $5, Z26, Z0, K1
	KORTESTW K1, K1
	JNZ      w5_ret
	CMPQ     P_SEPC(R10), $0
	JEQ      w5_checked
	VMOVDQU32 Z1, (R11)(R14*1)

w5_checked:
	NEXT_ROW_OR_UNIT(w5_check)

w5_step:
	MOVQ st+0(FP), R11

w5_row:
	MOVQ      R_SRC, AX
	VMOVDQU32 (R11)(AX*1), Z15
	ROW_OPERANDS(S_AW, 8)

	// e_max (Z0): the zero floor and the products' exponents (four a
	// loop, two partial maxima), then D's field exponent where D is not
	// zero (last: only it waits for the previous step).
	VMOVDQA32 Z20, Z0
	VMOVDQA32 Z20, Z1
	MOVQ      R9, CX
	MOVQ      R12, DX
	SHRQ      $2, DX

w5_emax:
	W5_EMAXK(0, Z0)
	W5_EMAXK(4, Z1)
	W5_EMAXK(8, Z0)
	W5_EMAXK(12, Z1)
	ADDQ $256, CX
	ADDQ $16, DI
	DECQ DX
	JNZ  w5_emax
	VPMAXSD   Z1, Z0, Z0
	VPANDD    Z25, Z15, Z4
	VPTESTMD  Z4, Z4, K2
	VPSRLD    $23, Z4, Z4
	VPSUBD    Z23, Z4, Z4
	VPMAXSD   Z22, Z4, Z4
	VPMAXSD   Z4, Z0, K2, Z0

	// The scales 2^(F-e_max) (Z6 lanes 0-7, Z7 lanes 8-15): the biased
	// exponents 1023+F-e_max moved to bit 52 of int64 lanes.
	VPSUBD   Z0, Z21, Z2
	VPSLLD   $20, Z2, Z2
	VPERMD.Z Z2, Z28, K5, Z6
	VPERMD.Z Z2, Z29, K5, Z7

	// The terms truncated to int64, in four sums: D's and the products of
	// even k in Z10, Z11, those of odd k in Z12, Z13.
	VCVTPS2PD     (R11)(AX*1), Z10
	VCVTPS2PD     32(R11)(AX*1), Z11
	VMULPD        Z6, Z10, Z10
	VMULPD        Z7, Z11, Z11
	VCVTTPD2QQ    Z10, Z10
	VCVTTPD2QQ    Z11, Z11
	VPXORQ        Z12, Z12, Z12
	VPXORQ        Z13, Z13, Z13
	MOVQ          R8, CX
	MOVQ          R12, DX
	SHRQ          $2, DX

w5_prod:
	W5_PRODK(0, Z10, Z11)
	W5_PRODK(8, Z12, Z13)
	W5_PRODK(16, Z10, Z11)
	W5_PRODK(24, Z12, Z13)
	ADDQ $512, CX
	ADDQ $32, SI
	DECQ DX
	JNZ  w5_prod

	// The sum S as a float64 (exact).
	VPADDQ      Z12, Z10, Z10
	VPADDQ      Z13, Z11, Z11
	VCVTQQ2PD   Z10, Z10
	VCVTQQ2PD   Z11, Z11

	// 2^(e_max-F) (Z6, Z7): biased exponent 2046 minus 2^(F-e_max)'s.
	// K1 = the lanes whose e_max is outside the safe range: only their
	// results may need Go.
	VPSUBQ   Z6, Z16, Z6
	VPSUBQ   Z7, Z16, Z7
	VPCMPD   $1, Z19, Z0, K1
	VPCMPD   $6, Z18, Z0, K2
	KORW     K1, K2, K1
	CMPQ     P_FP16(R10), $0
	JNE      w5_rne

	// RZ: mask the sum to the register's bits, scale; stop where a
	// non-zero result is not a normal float32.
	VPANDQ   Z24, Z10, Z10
	VPANDQ   Z24, Z11, Z11
	VMULPD   Z6, Z10, Z10
	VMULPD   Z7, Z11, Z11
	KORTESTW K1, K1
	JZ       w5_done
	VPANDQ   Z27, Z10, Z4
	VPTESTMQ Z4, Z4, K2
	VPCMPUQ  $1, W5_TINY, Z4, K2, K3
	VPCMPUQ  $5, W5_HUGE, Z4, K4
	KORW     K3, K4, K1
	VPANDQ   Z27, Z11, Z5
	VPTESTMQ Z5, Z5, K2
	VPCMPUQ  $1, W5_TINY, Z5, K2, K3
	VPCMPUQ  $5, W5_HUGE, Z5, K4
	KORW     K3, K4, K3
	KORW     K3, K1, K1
	KORTESTW K1, K1
	JNZ      w5_ret
	JMP      w5_done

w5_rne:
	// RNE to FP16: stop where a result overflows (> 65504) or a non-zero
	// sum rounds to zero.
	VMULPD   Z6, Z10, Z10
	VMULPD   Z7, Z11, Z11
	W5_RNE16(Z10, Z4, Z8)
	W5_RNE16(Z11, Z5, Z9)
	KORTESTW K1, K1
	JZ       w5_rned
	VPANDQ   Z27, Z8, Z4
	VPCMPUQ  $6, Z30, Z4, K1
	VPTESTMQ Z10, Z10, K2
	VPTESTNMQ Z4, Z4, K2, K3
	KORW     K3, K1, K1
	VPANDQ   Z27, Z9, Z5
	VPCMPUQ  $6, Z30, Z5, K3
	KORW     K3, K1, K1
	VPTESTMQ Z11, Z11, K2
	VPTESTNMQ Z5, Z5, K2, K3
	KORW     K3, K1, K1
	KORTESTW K1, K1
	JNZ      w5_ret

w5_rned:
	VMOVAPD  Z8, Z10
	VMOVAPD  Z9, Z11

w5_done:
	// D = the step's result as float32 (exact), into the unit's output.
	VCVTPD2PS Z10, Y10
	VCVTPD2PS Z11, Y11
	VMOVDQU   Y10, (R11)(R14*1)
	VMOVDQU   Y11, 32(R11)(R14*1)

	WIDE_NEXT_ROW_OR_STEP(w5_row, w5_step)

	CMPQ P_SEPC(R10), $0
	JEQ  w5_commit
	MOVQ st+0(FP), R11

w5_add:
	VMOVDQU32 (R11)(R14*1), Z15
	CMPQ      P_FP16(R10), $0
	JNE       w5_hadd

	// FADD: D + C in float32; stop on overflow.
	VADDPS   (R11)(R13*1), Z15, Z15
	VPANDD   Z25, Z15, Z4
	VPCMPEQD Z26, Z4, K1
	KORTESTW K1, K1
	JNZ      w5_ret
	JMP      w5_added

w5_hadd:
	// HADD: D + C exactly in float64, rounded to FP16; stop on overflow.
	VCVTPS2PD     Y15, Z10
	VEXTRACTF64X4 $1, Z15, Y11
	VCVTPS2PD     Y11, Z11
	VCVTPS2PD     (R11)(R13*1), Z8
	VCVTPS2PD     32(R11)(R13*1), Z9
	VADDPD        Z8, Z10, Z10
	VADDPD        Z9, Z11, Z11
	W5_RNE16(Z10, Z4, Z8)
	W5_RNE16(Z11, Z5, Z9)
	VPANDQ        Z27, Z8, Z4
	VPCMPUQ       $6, Z30, Z4, K1
	VPANDQ        Z27, Z9, Z5
	VPCMPUQ       $6, Z30, Z5, K3
	KORW          K3, K1, K1
	KORTESTW      K1, K1
	JNZ           w5_ret
	VCVTPD2PS     Z8, Y8
	VCVTPD2PS     Z9, Y9
	VINSERTF64X4  $1, Y9, Z8, Z15

w5_added:
	VMOVDQU32 Z15, (R11)(R14*1)
	ADDQ      $S_SIZE, R11
	CMPQ      R11, R_END
	JNE       w5_add

w5_commit:
	// Every row has done the unit: its output is the next unit's input.
	XCHGQ R13, R14
	DECQ  R_UNITS
	JNZ   w5_unit

w5_ret:
	RET_DONE(units+32(FP), ret+48(FP))

// func lanesWideAVX2(st *laneState, n int, bw *float64, be *int32, units int, par *wideParams) int
//
// lanesWideAVX512 in 4-lane float64 and 8-lane int32 vectors. Registers:
// R8-R14, BX, SI, DI as in lanesWideAVX512; AX = the address of the
// step's running result D (until its term is taken). Y0, Y1 = e_max
// (int32, lanes 0-7 and 8-15); Y4-Y7 = the scales and Y8-Y11 the sums
// (float64, 4 lanes each); Y15 = the row's value.
TEXT ·lanesWideAVX2(SB), NOSPLIT, $672-56
	WIDE_ARGS

	MOVQ P_ZEROEXP(R10), AX
	SPLATD(AX, W_ZEROEXP)
	MOVQ P_F(R10), AX
	ADDQ $1023, AX
	SPLATD(AX, W_BIAS)
	MOVQ P_MINEXP(R10), AX
	SPLATD(AX, W_MINEXP)
	MOVL $127, AX
	SPLATD(AX, W_127)
	MOVQ P_SAFELO(R10), AX
	SPLATD(AX, W_SAFELO)
	MOVQ P_SAFEHI(R10), AX
	SPLATD(AX, W_SAFEHI)
	MOVL $0x7FFFFFFF, AX
	SPLATD(AX, W_ABS32)
	MOVL $0x7F800000, AX
	SPLATD(AX, W_INF32)
	MOVL $0x80000000, AX
	SPLATD(AX, W_INTMIN)
	MOVQ P_MASK(R10), AX
	SPLATQ(AX, W_MASK)
	MOVQ $0x7FFFFFFFFFFFFFFF, AX
	SPLATQ(AX, W_ABS64)
	MOVQ $0x380FFFFFFFFFFFFF, AX
	SPLATQ(AX, W_LOWM1)
	MOVQ $0x47EFFFFFFFFFFFFF, AX
	SPLATQ(AX, W_HIGHM1)
	MOVQ $0x40EFFC0000000000, AX
	SPLATQ(AX, W_F16MAX)
	MOVQ $0x3F10000000000000, AX
	SPLATQ(AX, W_TINY16)
	MOVQ $0x7FF0000000000000, AX
	SPLATQ(AX, W_EXPMASK)
	MOVQ $0x02A0000000000000, AX
	SPLATQ(AX, W_42)
	MOVQ $0x0008000000000000, AX
	SPLATQ(AX, W_HALF)
	MOVQ $0x7FE0000000000000, AX
	SPLATQ(AX, W_2046)
	CMPQ R_UNITS, $0
	JLE  w2_ret

w2_unit:
	// Stop before the unit if some row's C is Inf or NaN; with SeparateC
	// clear D.
	MOVQ  st+0(FP), R11
	VPXOR Y14, Y14, Y14

w2_check:
	VMOVDQU  (R11)(R13*1), Y12
	VMOVDQU  32(R11)(R13*1), Y13
	VPAND    W_INF32, Y12, Y2
	VPCMPEQD W_INF32, Y2, Y2
	VPAND    W_INF32, Y13, Y3
	VPCMPEQD W_INF32, Y3, Y3
	VPOR     Y2, Y3, Y3
	VPTEST   Y3, Y3
	JNZ      w2_ret
	CMPQ     P_SEPC(R10), $0
	JEQ      w2_checked
	VMOVDQU  Y14, (R11)(R14*1)
	VMOVDQU  Y14, 32(R11)(R14*1)

w2_checked:
	NEXT_ROW_OR_UNIT(w2_check)

w2_step:
	MOVQ st+0(FP), R11

w2_row:
	ROW_OPERANDS(S_AW, 8)
	VMOVDQU W_ZEROEXP, Y0
	VMOVDQA Y0, Y1
	MOVQ    R9, CX
	MOVQ    R12, DX
	SHRQ    $2, DX

w2_emax:
	W2_EMAXK(0)
	W2_EMAXK(4)
	W2_EMAXK(8)
	W2_EMAXK(12)
	ADDQ $256, CX
	ADDQ $16, DI
	DECQ DX
	JNZ  w2_emax

	// D's field exponents last: only they wait for the previous step.
	MOVQ     R_SRC, AX
	ADDQ     R11, AX
	W2_DEXP(0(AX), Y0)
	W2_DEXP(32(AX), Y1)

	// The scales 2^(F-e_max): Y4-Y7.
	VMOVDQU W_BIAS, Y2
	VPSUBD  Y0, Y2, Y2
	W2_POW2(Y2, X2, Y4, Y5)
	VMOVDQU W_BIAS, Y3
	VPSUBD  Y1, Y3, Y3
	W2_POW2(Y3, X3, Y6, Y7)

	W2_DTERM(0(AX), Y4, Y8)
	W2_DTERM(16(AX), Y5, Y9)
	W2_DTERM(32(AX), Y6, Y10)
	W2_DTERM(48(AX), Y7, Y11)
	MOVQ R8, CX
	MOVQ R12, DX
	SHRQ $2, DX

w2_prod:
	W2_PRODK(0)
	W2_PRODK(8)
	W2_PRODK(16)
	W2_PRODK(24)
	ADDQ $512, CX
	ADDQ $32, SI
	DECQ DX
	JNZ  w2_prod

	// 2^(e_max-F): Y4-Y7, biased exponent 2046 minus 2^(F-e_max)'s. Y3
	// = the lanes whose e_max is outside the safe range: only their
	// results may need Go.
	VMOVDQU  W_2046, Y2
	VPSUBQ   Y4, Y2, Y4
	VPSUBQ   Y5, Y2, Y5
	VPSUBQ   Y6, Y2, Y6
	VPSUBQ   Y7, Y2, Y7
	VMOVDQU  W_SAFELO, Y2
	VPCMPGTD Y0, Y2, Y3
	VPCMPGTD Y1, Y2, Y2
	VPOR     Y2, Y3, Y3
	VPCMPGTD W_SAFEHI, Y0, Y2
	VPOR     Y2, Y3, Y3
	VPCMPGTD W_SAFEHI, Y1, Y2
	VPOR     Y2, Y3, Y3
	CMPQ     P_FP16(R10), $0
	JNE      w2_rne

	VPTEST    Y3, Y3
	JNZ       w2_rz
	VPAND     W_MASK, Y8, Y8
	VMULPD    Y4, Y8, Y8
	VPAND     W_MASK, Y9, Y9
	VMULPD    Y5, Y9, Y9
	VPAND     W_MASK, Y10, Y10
	VMULPD    Y6, Y10, Y10
	VPAND     W_MASK, Y11, Y11
	VMULPD    Y7, Y11, Y11
	JMP       w2_done

w2_rz:
	VPCMPEQD  Y2, Y2, Y2
	W2_RZ(Y8, Y4, Y2)
	W2_RZ(Y9, Y5, Y2)
	W2_RZ(Y10, Y6, Y2)
	W2_RZ(Y11, Y7, Y2)
	VMOVMSKPD Y2, AX
	CMPL      AX, $15
	JNE       w2_ret
	JMP       w2_done

w2_rne:
	VPTEST   Y3, Y3
	JNZ      w2_rnecheck
	VMULPD   Y4, Y8, Y8
	W2_RNE16(Y8, Y12, Y8)
	VMULPD   Y5, Y9, Y9
	W2_RNE16(Y9, Y12, Y9)
	VMULPD   Y6, Y10, Y10
	W2_RNE16(Y10, Y12, Y10)
	VMULPD   Y7, Y11, Y11
	W2_RNE16(Y11, Y12, Y11)
	JMP      w2_done

w2_rnecheck:
	VPXOR  Y2, Y2, Y2
	W2_RNE(Y8, Y4, Y2)
	W2_RNE(Y9, Y5, Y2)
	W2_RNE(Y10, Y6, Y2)
	W2_RNE(Y11, Y7, Y2)
	VPTEST Y2, Y2
	JNZ    w2_ret

w2_done:
	// D = the step's result as float32 (exact), into the unit's output.
	W2_TOD(Y8, (R11)(R14*1))
	W2_TOD(Y9, 16(R11)(R14*1))
	W2_TOD(Y10, 32(R11)(R14*1))
	W2_TOD(Y11, 48(R11)(R14*1))

	WIDE_NEXT_ROW_OR_STEP(w2_row, w2_step)

	CMPQ P_SEPC(R10), $0
	JEQ  w2_commit
	MOVQ st+0(FP), R11

w2_add:
	CMPQ P_FP16(R10), $0
	JNE  w2_hadd

	// FADD: D + C in float32; stop on overflow.
	VMOVDQU  (R11)(R14*1), Y12
	VADDPS   (R11)(R13*1), Y12, Y12
	VMOVDQU  32(R11)(R14*1), Y13
	VADDPS   32(R11)(R13*1), Y13, Y13
	VMOVDQU  Y12, (R11)(R14*1)
	VMOVDQU  Y13, 32(R11)(R14*1)
	VPAND    W_ABS32, Y12, Y12
	VPCMPEQD W_INF32, Y12, Y12
	VPAND    W_ABS32, Y13, Y13
	VPCMPEQD W_INF32, Y13, Y13
	VPOR     Y12, Y13, Y13
	VPTEST   Y13, Y13
	JNZ      w2_ret
	JMP      w2_added

w2_hadd:
	// HADD: D + C exactly in float64, rounded to FP16; stop on overflow.
	VPXOR     Y2, Y2, Y2
	VCVTPS2PD (R11)(R14*1), Y8
	VCVTPS2PD (R11)(R13*1), Y12
	VADDPD    Y12, Y8, Y8
	VCVTPS2PD 16(R11)(R14*1), Y9
	VCVTPS2PD 16(R11)(R13*1), Y12
	VADDPD    Y12, Y9, Y9
	VCVTPS2PD 32(R11)(R14*1), Y10
	VCVTPS2PD 32(R11)(R13*1), Y12
	VADDPD    Y12, Y10, Y10
	VCVTPS2PD 48(R11)(R14*1), Y11
	VCVTPS2PD 48(R11)(R13*1), Y12
	VADDPD    Y12, Y11, Y11
	W2_RNE16(Y8, Y12, Y8)
	W2_RNE16(Y9, Y12, Y9)
	W2_RNE16(Y10, Y12, Y10)
	W2_RNE16(Y11, Y12, Y11)
	VPAND     W_ABS64, Y8, Y12
	VPCMPGTQ  W_F16MAX, Y12, Y12
	VPOR      Y12, Y2, Y2
	VPAND     W_ABS64, Y9, Y12
	VPCMPGTQ  W_F16MAX, Y12, Y12
	VPOR      Y12, Y2, Y2
	VPAND     W_ABS64, Y10, Y12
	VPCMPGTQ  W_F16MAX, Y12, Y12
	VPOR      Y12, Y2, Y2
	VPAND     W_ABS64, Y11, Y12
	VPCMPGTQ  W_F16MAX, Y12, Y12
	VPOR      Y12, Y2, Y2
	VPTEST    Y2, Y2
	JNZ       w2_ret
	W2_TOD(Y8, (R11)(R14*1))
	W2_TOD(Y9, 16(R11)(R14*1))
	W2_TOD(Y10, 32(R11)(R14*1))
	W2_TOD(Y11, 48(R11)(R14*1))

w2_added:
	ADDQ $S_SIZE, R11
	CMPQ R11, R_END
	JNE  w2_add

w2_commit:
	// Every row has done the unit: its output is the next unit's input.
	XCHGQ R13, R14
	DECQ  R_UNITS
	JNZ   w2_unit

w2_ret:
	RET_DONE(units+32(FP), ret+48(FP))
