package tensorcore

import (
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/tcsim/tcsim/numerics"
)

// Preset is a named datapath: one matrix instruction of one GPU, with the
// parameters of the model that reproduces it.
type Preset struct {
	Name        string
	GPU         string // e.g. "H100"
	Instr       string // the PTX instruction
	Description string
	A, B        numerics.Format // operand formats as stored in memory
	// Via, when set, is a format the operands are exactly converted to
	// before the tensor core sees them (Hopper mma.sync FP8 runs on the
	// FP16 datapath); exponents are then those of Via.
	Via *numerics.Format
	K   int // products per instruction
	Step
	// Interleave sets which step a product goes to: product k of an
	// instruction belongs to step (k/Interleave) mod (K/L). Zero means L
	// (contiguous groups).
	Interleave int
	// SeparateC: the steps chain from +0 and C is added to their result by
	// one round-to-nearest add in the accumulator format: an FP32 add
	// (FADD) for FP32 steps, an FP16 add (HADD) for RNE-FP16 steps. This is
	// how Hopper and Blackwell run the legacy mma.sync FP8 instructions.
	SeparateC bool
	// Scale, when set, makes the datapath block-scaled (see [BlockScale]);
	// such a preset runs only through [Preset.MMAScaled].
	Scale *BlockScale
	// AMD, when set, is an AMD matrix-core datapath used instead of Step
	// (amd.go).
	AMD    *AMDPath
	Source string // where the parameters come from
	Status Status // how far the model is validated
	// Verified lists the hardware record sets the preset reproduces and
	// how many records of each it matches. The counts are recomputed from
	// the records by tests (sim/verify/km_test.go), never taken on trust.
	Verified []Verification

	da, db *decoder
	fixed  bool  // use the fixed-point kernel (products fit an int64 grid)
	simd   bool  // the SIMD kernel (fusedScaled) is exact for this datapath
	lanes  bool  // so are the lane kernels (ChainLanes)
	wide   bool  // the lane kernels are the wide ones (wide.go)
	unit   int   // products per unit of the wide kernels: L, or K with SeparateC
	perm   []int // lane layout of an instruction with interleaved steps (wide.go)
	// For the SIMD chain kernel (fused.go): the top regBits() bits set,
	// and whether a step's sum with C always fits 24 bits.
	regMask uint64
	narrow  bool
	shiftP  int // F minus the fraction bits of a product
	gridP   int // exponent of the product grid for the fixed-point kernel
}

// Status is how far a preset's model is validated against hardware.
type Status uint8

// The statuses; the zero value is a custom preset that names none.
const (
	// Measured: reproduces hardware records bit for bit (see
	// [Preset.Verified]).
	Measured Status = iota + 1
	// Published: a published model that no record here checks.
	Published
	// Unverified: this project's extrapolation of a measured model (named
	// in [Preset.Source]).
	Unverified
	// WhatIf: a variant made by a constructor ([Preset.WithF]).
	WhatIf
)

// String is the status as "tcsim presets" prints it.
func (s Status) String() string {
	switch s {
	case Measured:
		return "measured"
	case Published:
		return "published, unverified"
	case Unverified:
		return "unverified"
	case WhatIf:
		return "what-if"
	}
	return ""
}

// Verification counts the records of one hardware record set that a
// preset reproduces bit for bit.
type Verification struct {
	Records string `json:"records"` // e.g. "km A100/fp16 d_fp32" (../shared/hw/km/A100/fp16/d_A100_fp32.txt.gz)
	Matched int    `json:"matched"`
	Total   int    `json:"total"`
}

func (v Verification) String() string {
	return fmt.Sprintf("%d/%d %s", v.Matched, v.Total, v.Records)
}

// Acc is the format of C and D.
func (p *Preset) Acc() numerics.Format { return p.Out.Out() }

// InFormats returns the formats the datapath decodes operands in.
func (p *Preset) inFormats() (numerics.Format, numerics.Format) {
	if p.Via != nil {
		return *p.Via, *p.Via
	}
	return p.A, p.B
}

// init checks the parameters and builds the decode tables.
func (p *Preset) init() error {
	if p.Interleave == 0 {
		p.Interleave = p.L
	}
	fa, fb := p.inFormats()
	switch {
	case !p.A.Valid() || !p.B.Valid() || !fa.Valid() || !fb.Valid() || p.Scale != nil && !p.Scale.Format.Valid():
		return fmt.Errorf("tensorcore: preset %s: an operand or scale format is not set", p.Name)
	case p.L <= 0 || p.K <= 0 || p.K%p.L != 0:
		return fmt.Errorf("tensorcore: preset %s: K=%d is not a multiple of L=%d", p.Name, p.K, p.L)
	case p.RegBits < 0 || p.RegBits > 24:
		return fmt.Errorf("tensorcore: preset %s: RegBits=%d outside [1, 24]", p.Name, p.RegBits)
	case p.F < fa.ManBits()+fb.ManBits() || p.F > 40:
		return fmt.Errorf("tensorcore: preset %s: F=%d outside [%d, 40]", p.Name, p.F, fa.ManBits()+fb.ManBits())
	}
	if err := p.initScale(); err != nil {
		return err
	}
	if err := p.initAMD(); err != nil {
		return err
	}
	if p.Via != nil {
		for _, f := range []numerics.Format{p.A, p.B} {
			if !exactIn(f, *p.Via) {
				return fmt.Errorf("tensorcore: preset %s: %s is not exact in %s", p.Name, f, p.Via)
			}
		}
	}
	p.shiftP = p.F - fa.ManBits() - fb.ManBits()
	p.gridP = fa.MinExp() - fa.ManBits() + fb.MinExp() - fb.ManBits()
	// The fixed-point kernel needs both operands' fixed-point values
	// (< 2^(MaxExp-MinExp+ManBits+1)) to multiply within 62 bits.
	span := func(f numerics.Format) int { return f.MaxExp() - f.MinExp() + f.ManBits() + 1 }
	p.fixed = p.Interleave == p.L && span(fa)+span(fb) <= 62 && p.Scale == nil
	p.simd = p.Interleave == p.L && p.Scale == nil && scaledExact(fa, fb, p.L, p.F, p.ZeroExp)
	p.regMask = ^uint64(0) << uint(64-p.regBits())
	p.narrow = int64(2*p.L+1)<<uint(p.F+1) <= 1<<24
	if p.AMD != nil {
		p.fixed, p.simd = false, false
	}
	p.lanes = !p.SeparateC && p.Out != RNEFP16 && p.AMD == nil && lanesOK(fa, fb, p.L, p.narrow, p.simd)
	p.wide = !p.lanes && p.AMD == nil && p.Scale == nil && wideOK(fa, fb, p.L, p.F, p.ZeroExp)
	p.lanes = p.lanes || p.wide
	p.unit, p.perm = p.L, nil
	if p.SeparateC {
		p.unit = p.K
	}
	if p.wide && p.Interleave != p.L {
		for s := range p.K / p.L {
			for _, k := range p.stepIndices(nil, 0, s) {
				p.perm = append(p.perm, k)
			}
		}
	}
	p.da, p.db = newDecoder(p.A, fa, p.fixed, p.lanes), newDecoder(p.B, fb, p.fixed, p.lanes)
	return nil
}

// NewPreset checks a custom datapath and prepares it for use, for models
// beyond the built-in presets (a what-if variant, a candidate model fitted
// to records). The result is not registered: [Lookup] does not find it.
func NewPreset(p Preset) (*Preset, error) {
	if err := p.init(); err != nil {
		return nil, err
	}
	return &p, nil
}

// WithF returns a copy of the preset with F fraction bits (a what-if
// accumulator width), named "<name>-f<F>". An RZ-E8M13 register widens
// with F (F+1 significant bits, at most FP32's 24), so F = 13 is Hopper FP8
// and F = 25 the published Blackwell FP8 datapath; set Step.RegBits on a
// copy first to keep a register of fixed width.
func (p *Preset) WithF(f int) (*Preset, error) {
	q := *p
	q.F = f
	q.Name = fmt.Sprintf("%s-f%d", p.Name, f)
	q.Status = WhatIf
	q.Verified = nil
	if err := q.init(); err != nil {
		return nil, err
	}
	return &q, nil
}

// clone returns a copy of p that shares nothing a caller can change with
// p (the decode tables it shares are unexported). The registry hands out
// clones, so a caller that changes a field of what [Lookup] returned
// changes neither the registry nor what a later Lookup returns.
func (p *Preset) clone() *Preset {
	q := *p
	if p.Via != nil {
		v := *p.Via
		q.Via = &v
	}
	if p.Scale != nil {
		s := *p.Scale
		q.Scale = &s
	}
	if p.AMD != nil {
		a := *p.AMD
		q.AMD = &a
	}
	q.Verified = slices.Clone(p.Verified)
	return &q
}

// DecodeA decodes A operand codes into v (reusing its storage).
func (p *Preset) DecodeA(codes []uint32, v *Vector) { p.da.decode(codes, v) }

// DecodeB decodes B operand codes into v (reusing its storage).
func (p *Preset) DecodeB(codes []uint32, v *Vector) { p.db.decode(codes, v) }

// MMA returns D = A·B + C for one instruction's worth of one output
// element: len(a) == len(b) == K codes, c and the result in [Preset.Acc].
func (p *Preset) MMA(a, b []uint32, c uint32) uint32 {
	if len(a) != p.K || len(b) != p.K {
		panic(fmt.Sprintf("tensorcore: %s: MMA needs %d operands, got %d and %d", p.Name, p.K, len(a), len(b)))
	}
	return p.Dot(a, b, c)
}

// Dot decodes a and b (whose length must be a multiple of K) and runs the
// chain of instructions over them from C = c.
func (p *Preset) Dot(a, b []uint32, c uint32) uint32 {
	var va, vb Vector
	p.DecodeA(a, &va)
	p.DecodeB(b, &vb)
	return p.Chain(&va, &vb, 0, len(a), c)
}

// exactCache memoises exactIn: candidate datapaths (tcsim fit) ask it
// thousands of times.
var exactCache sync.Map // [2]numerics.Format → bool

// exactIn reports whether every non-NaN value of f is exact in via.
func exactIn(f, via numerics.Format) bool {
	key := [2]numerics.Format{f, via}
	if ok, hit := exactCache.Load(key); hit {
		return ok.(bool)
	}
	ok := true
	for c := range f.NumCodes() {
		v := f.Decode(uint32(c))
		if !math.IsNaN(v) && via.Decode(via.Encode(v, numerics.NearestEven, numerics.ToInf)) != v {
			ok = false
			break
		}
	}
	exactCache.Store(key, ok)
	return ok
}
