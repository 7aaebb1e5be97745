package tensorgemm

import (
	"errors"
	"fmt"
	"math"

	"github.com/tcsim/tcsim/numerics"
)

// Role is which operand of D = A·B a tensor is.
type Role uint8

const (
	// RoleA is the left operand, M×K (activations).
	RoleA Role = iota
	// RoleB is the right operand, K×N (weights).
	RoleB
)

func (r Role) String() string {
	if r == RoleA {
		return "A"
	}
	return "B"
}

// ScaleBlock is the side of a DeepSeek-V3 weight scale block.
const ScaleBlock = 128

// Spec says where an operand comes from and how to read it.
type Spec struct {
	// Source is PATH (a .npy file, or a safetensors file of one tensor),
	// PATH.safetensors:TENSOR, or PATH:TENSOR for an existing safetensors
	// file of another name.
	Source string
	// Format names the floating-point format of a raw container that does
	// not say (numpy's '<V1' of ml_dtypes float8 types, uint8 or uint16
	// views): e4m3, e5m2, bf16 or f16. Empty for self-describing dtypes.
	Format string
	// Scale is where the FP32 block scales of an FP8 operand come from
	// (one per 128×128 block of the stored tensor, w = q·s): "" looks for
	// TENSOR_scale_inv beside a safetensors tensor (DeepSeek-V3
	// checkpoints), "none" uses none, anything else is a source as above.
	Scale string
	// KMajor: the tensor is stored rows×K (A always; B when it is a
	// PyTorch Linear weight [out, in], y = x·Wᵀ). B is otherwise stored
	// K×N, as for numpy's A @ B.
	KMajor bool
}

// Pending is an operand whose headers have been read and checked and whose
// data has not: its size is known before anything large is allocated.
type Pending struct {
	Role    Role
	Rows, K int // the operand as used: Rows×K, K-major
	// stored says the data is laid out K×Rows and must be transposed.
	transposed bool
	s          *stored
	scale      *stored
}

// Open reads and checks the headers of an operand (and of its scales).
// Errors about the input are *InputError.
func Open(role Role, spec Spec) (*Pending, error) {
	fail := func(src string, err error) error { return &InputError{Operand: role.String(), Source: src, Err: err} }
	s, err := openStored(spec.Source, spec.Format)
	if err != nil {
		return nil, fail(spec.Source, err)
	}
	p := &Pending{Role: role, s: s}
	if err := p.orient(spec.KMajor || role == RoleA); err != nil {
		s.close()
		return nil, fail(spec.Source, err)
	}
	if err := p.openScale(spec); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// orient maps the stored shape onto Rows×K.
func (p *Pending) orient(kMajor bool) error {
	sh := p.s.shape
	for _, d := range sh {
		if d == 0 {
			return fmt.Errorf("shape %v has no elements", sh)
		}
	}
	switch {
	case len(sh) == 0:
		return errors.New("a scalar is not a matrix")
	case p.Role == RoleA:
		p.Rows, p.K = p.s.elements()/sh[len(sh)-1], sh[len(sh)-1]
	case len(sh) > 2:
		return fmt.Errorf("shape %v: B must be 1- or 2-dimensional", sh)
	case len(sh) == 1:
		p.Rows, p.K = 1, sh[0]
	case kMajor:
		p.Rows, p.K = sh[0], sh[1]
	default:
		p.Rows, p.K, p.transposed = sh[1], sh[0], true
	}
	return nil
}

func (p *Pending) openScale(spec Spec) error {
	s := p.s
	src := spec.Scale
	switch {
	case src == "none":
		return nil
	case src == "":
		if !s.codes || s.st == nil {
			return nil
		}
		name := s.tensor + "_scale_inv"
		if _, ok := s.st.Info(name); !ok {
			return nil
		}
		path, _ := splitSource(s.source)
		src = path + ":" + name
	}
	fail := func(err error) error { return &InputError{Operand: p.Role.String(), Source: src, Err: err} }
	if !s.codes {
		return fail(fmt.Errorf("block scales apply to FP8 operands, and %s is %s", s.source, s.dtype))
	}
	if len(s.shape) != 2 {
		return fail(fmt.Errorf("block scales need a 2-D operand, and %s is %v", s.source, s.shape))
	}
	sc, err := openStored(src, "")
	if err != nil {
		return fail(err)
	}
	p.scale = sc
	want := []int{(s.shape[0] + ScaleBlock - 1) / ScaleBlock, (s.shape[1] + ScaleBlock - 1) / ScaleBlock}
	switch {
	case sc.codes:
		return fail(fmt.Errorf("scales must be real numbers, not %s", sc.dtype))
	case len(sc.shape) != 2 || sc.shape[0] != want[0] || sc.shape[1] != want[1]:
		return fail(fmt.Errorf("scales of shape %v do not fit %v: want one per 128×128 block, %v", sc.shape, s.shape, want))
	case p.K%ScaleBlock != 0:
		return fail(fmt.Errorf("128×128 block scales need K a multiple of 128, and K = %d", p.K))
	}
	return nil
}

// Close releases the files.
func (p *Pending) Close() {
	p.s.close()
	if p.scale != nil {
		p.scale.close()
	}
}

// Shape is the stored shape.
func (p *Pending) Shape() []int { return append([]int{}, p.s.shape...) }

// Codes reports whether the operand holds FP8 codes.
func (p *Pending) Codes() bool { return p.s.codes }

// Format is the format of the operand's codes or values (FP64 operands
// report ok false).
func (p *Pending) Format() (f numerics.Format, ok bool) { return p.s.format, !p.s.f64 }

// Operand is a loaded GEMM operand, Rows×K and K-major.
type Operand struct {
	Role    Role
	Source  string
	DType   string
	Shape   []int // as stored
	Rows, K int
	// Format is the codes' format for an FP8 operand, nil for real values.
	Format *numerics.Format
	Codes  []uint32 // Rows×K codes, NaN and Inf included
	// Scales are the block scales, Rows × K/128 (each row's value for each
	// 128-wide K block), or nil.
	Scales      []float32
	ScaleSource string
	// Values are the real values (dequantised for FP8 operands), Rows×K,
	// non-finite ones replaced by 0.
	Values []float64
	// NaN and Inf count the non-finite elements; Bad marks the rows that
	// hold any.
	NaN, Inf int
	Bad      []bool
}

// Load reads the data.
func (p *Pending) Load() (*Operand, error) {
	fail := func(src string, err error) error { return &InputError{Operand: p.Role.String(), Source: src, Err: err} }
	vals, codes, err := p.s.load()
	if err != nil {
		return nil, fail(p.s.source, err)
	}
	op := &Operand{Role: p.Role, Source: p.s.source, DType: p.s.dtype, Shape: p.Shape(), Rows: p.Rows, K: p.K, Bad: make([]bool, p.Rows)}
	// index maps (row, k) of the operand to the stored element.
	index := func(r, k int) int { return r*p.K + k }
	if p.transposed {
		index = func(r, k int) int { return k*p.Rows + r }
	}
	var scale func(r, k int) float64
	if p.scale != nil {
		sv, _, err := p.scale.load()
		if err != nil {
			return nil, fail(p.scale.source, err)
		}
		cols := p.scale.shape[1]
		for _, v := range sv {
			if math.IsNaN(v) || math.IsInf(v, 0) || v == 0 || float64(float32(v)) != v {
				return nil, fail(p.scale.source, fmt.Errorf("scale %v is not a finite non-zero FP32 value", v))
			}
		}
		scale = func(r, k int) float64 { return sv[r/ScaleBlock*cols+k/ScaleBlock] }
		if p.transposed {
			scale = func(r, k int) float64 { return sv[k/ScaleBlock*cols+r/ScaleBlock] }
		}
		op.ScaleSource = p.scale.source
		kb := p.K / ScaleBlock
		op.Scales = make([]float32, p.Rows*kb)
		for r := range p.Rows {
			for b := range kb {
				op.Scales[r*kb+b] = float32(scale(r, b*ScaleBlock))
			}
		}
	}
	n := p.Rows * p.K
	op.Values = make([]float64, n)
	if codes != nil {
		f := p.s.format
		op.Format = &f
		op.Codes = make([]uint32, n)
	}
	for r := range p.Rows {
		for k := range p.K {
			i, j := r*p.K+k, index(r, k)
			var v float64
			if codes != nil {
				v = op.Format.Decode(codes[j])
			} else {
				v = vals[j]
			}
			switch {
			case math.IsNaN(v):
				op.NaN++
			case math.IsInf(v, 0):
				op.Inf++
			default:
				if scale != nil {
					v *= scale(r, k)
				}
				op.Values[i] = v
			}
			if codes != nil {
				op.Codes[i] = codes[j]
			}
			if op.Values[i] != v {
				op.Bad[r] = true // the value stays 0
			}
		}
	}
	return op, nil
}
