// Offsets in a row's state (laneState): acc[0], acc[1] (64 bytes each),
// ae, av, aw; its size.
#define S_AE 128
#define S_AV 136
#define S_AW 144
#define S_SIZE 152

// ROWS_END sets R_END to the end of the n rows' states from st (clobbers
// AX, DX).
#define ROWS_END(st, n) \
	MOVQ n, AX              \
	LEAQ (AX)(AX*8), DX     \
	LEAQ (AX)(DX*2), AX     \
	SHLQ $3, AX             \
	ADDQ st, AX             \
	MOVQ AX, R_END

// ROW_OPERANDS points SI at the values of the row whose state is at R11
// (state field f, elements of sz bytes) and DI at its exponents, both at
// product BX.
#define ROW_OPERANDS(f, sz) \
	MOVQ f(R11), SI        \
	LEAQ (SI)(BX*sz), SI   \
	MOVQ S_AE(R11), DI     \
	LEAQ (DI)(BX*4), DI

// RET_DONE returns the units done, those asked for (the argument at
// total) less R_UNITS, at ret.
#define RET_DONE(total, ret) \
	MOVQ       total, DX      \
	SUBQ       R_UNITS, DX    \
	MOVQ       DX, ret        \
	VZEROUPPER                \
	RET

// Stack slots of the row kernels: the units (steps) left, the steps left
// in a unit, the end of the rows' states, the offset of a step's running
// result in a state.
#define R_UNITS 0(SP)
#define R_STEPS 8(SP)
#define R_END 16(SP)
#define R_SRC 24(SP)
