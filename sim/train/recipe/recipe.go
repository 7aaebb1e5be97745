package recipe

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tcsim/tcsim/tensorcore"
)

// Kind is one of a Linear layer's three GEMMs. With X the input (tokens ×
// in), W the weight (out × in) and dY the output gradient (tokens × out):
type Kind uint8

const (
	// Fprop: Y = X·Wᵀ, K = in. A = X (activations), B = W (weights).
	Fprop Kind = iota
	// Dgrad: dX = dY·W, K = out. A = dY (gradients), B = Wᵀ (weights).
	Dgrad
	// Wgrad: dW = dYᵀ·X, K = tokens per step. A = dYᵀ (gradients), B = Xᵀ
	// (activations).
	Wgrad
	// NumKinds is the number of GEMM kinds.
	NumKinds = 3
)

var kindNames = [...]string{Fprop: "fprop", Dgrad: "dgrad", Wgrad: "wgrad"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// Kinds lists the GEMM kinds in order.
func Kinds() []Kind { return []Kind{Fprop, Dgrad, Wgrad} }

// ParseKind parses fprop, dgrad or wgrad.
func ParseKind(s string) (Kind, error) {
	for i, n := range kindNames {
		if n == s {
			return Kind(i), nil
		}
	}
	return 0, fmt.Errorf("unknown GEMM kind %q (want fprop, dgrad or wgrad)", s)
}

// Arith is the arithmetic a GEMM runs in.
type Arith uint8

const (
	// Exact: float64 operands and products, summed in float64 in k order.
	Exact Arith = iota
	// FP32: FP32 operands, CUDA-core FP32 fused multiply-adds in k order
	// (one rounding per product), the baseline an FP32 GEMM gives.
	FP32
	// TensorCore: operands quantised to the preset's formats and
	// accumulated by the simulated datapath (package sim).
	TensorCore
	// QuantExact: operands quantised exactly as TensorCore's (the
	// preset's formats and the scaling), their products summed exactly
	// and the sum rounded once to FP32: the same quantisation with an
	// ideal accumulator, which isolates quantisation from accumulation.
	QuantExact
)

var arithNames = [...]string{Exact: "float64", FP32: "fp32", TensorCore: "tensorcore", QuantExact: "exact-acc"}

func (a Arith) String() string {
	if int(a) < len(arithNames) {
		return arithNames[a]
	}
	return fmt.Sprintf("Arith(%d)", a)
}

// Scaling is how tensor-core operands are scaled before quantisation.
type Scaling uint8

const (
	// NoScaling: values are rounded to the operand format as they are
	// (BF16 and FP16 GEMMs).
	NoScaling Scaling = iota
	// PerTensor: one FP32 scale per operand maps its amax to the format's
	// largest value; scales are applied in the epilogue (Transformer
	// Engine's delayed-free "current" scaling, torchao's tensorwise).
	PerTensor
	// Blocks: DeepSeek-V3's fine-grained scaling: 1×128 tiles along K for
	// activations and gradients, 128×128 blocks for weights, each scale
	// applied to the partial sum as it is promoted (DeepGEMM). Needs N_c
	// dividing 128.
	Blocks
)

var scalingNames = [...]string{NoScaling: "none", PerTensor: "tensor", Blocks: "blocks"}

func (s Scaling) String() string {
	if int(s) < len(scalingNames) {
		return scalingNames[s]
	}
	return fmt.Sprintf("Scaling(%d)", s)
}

// ParseScaling parses none, tensor or blocks.
func ParseScaling(s string) (Scaling, error) {
	for i, n := range scalingNames {
		if n == s {
			return Scaling(i), nil
		}
	}
	return 0, fmt.Errorf("unknown scaling %q (want none, tensor or blocks)", s)
}

// GEMM is how one kind of GEMM computes.
type GEMM struct {
	Arith Arith
	// Preset is the tensor-core datapath (TensorCore only); its formats
	// are the operand formats, A first.
	Preset *tensorcore.Preset
	// Nc is the promotion interval in products; 0 means never (one
	// tensor-core chain over K: fast accumulation).
	Nc      int
	Scaling Scaling
}

// String describes the GEMM on one line.
func (g GEMM) String() string {
	switch g.Arith {
	case TensorCore:
		return fmt.Sprintf("%s (%s×%s, F=%d) N_c=%s scaling=%s", g.Preset.Name, g.Preset.A, g.Preset.B, g.Preset.F, NcLabel(g.Nc), g.Scaling)
	case QuantExact:
		return fmt.Sprintf("%s×%s operands of %s, scaling=%s, exact accumulation rounded once to fp32", g.Preset.A, g.Preset.B, g.Preset.Name, g.Scaling)
	}
	return g.Arith.String()
}

// Quantized reports whether the GEMM quantises its operands to a preset's
// formats (TensorCore and QuantExact).
func (g GEMM) Quantized() bool { return g.Arith == TensorCore || g.Arith == QuantExact }

// NcLabel writes a promotion interval: a number, or never for 0.
func NcLabel(nc int) string {
	if nc == 0 {
		return "never"
	}
	return strconv.Itoa(nc)
}

// Check reports whether the GEMM is runnable.
func (g GEMM) Check() error {
	if !g.Quantized() {
		return nil
	}
	p := g.Preset
	switch {
	case p == nil:
		return fmt.Errorf("no preset")
	case p.BlockScaled():
		return fmt.Errorf("preset %s is block-scaled (MX/NVFP4), which training does not support", p.Name)
	case g.Arith == QuantExact:
		return nil // no datapath: N_c and F do not apply
	case g.Nc < 0 || g.Nc%p.K != 0:
		return fmt.Errorf("N_c = %d is not a multiple of %s's instruction K = %d", g.Nc, p.Name, p.K)
	case g.Scaling == Blocks && (g.Nc == 0 || 128%g.Nc != 0):
		return fmt.Errorf("blocks scaling applies scales at promotion, so N_c must divide 128 (got %s)", NcLabel(g.Nc))
	}
	return nil
}

// Recipe is a training recipe: the arithmetic of each GEMM kind of every
// Linear layer. Attention products, norms, softmax, embeddings and the LM
// head run in FP32 (float64 when Exact64 is set).
type Recipe struct {
	Name string
	GEMM [NumKinds]GEMM
	// Exact64 runs everything, master weights included, in float64.
	Exact64 bool
}

// Describe lists the recipe one line per GEMM kind.
func (r Recipe) Describe() string {
	var b strings.Builder
	other := "fp32"
	if r.Exact64 {
		other = "float64"
	}
	fmt.Fprintf(&b, "%s (attention, norms, LM head and weights: %s)\n", r.Name, other)
	for _, k := range Kinds() {
		fmt.Fprintf(&b, "  %-5s %s\n", k, r.GEMM[k])
	}
	return b.String()
}

// Check reports whether every GEMM of the recipe is runnable.
func (r Recipe) Check() error {
	for _, k := range Kinds() {
		if err := r.GEMM[k].Check(); err != nil {
			return fmt.Errorf("recipe %s, %s: %v", r.Name, k, err)
		}
	}
	return nil
}

func mustPreset(name string) *tensorcore.Preset {
	p, err := tensorcore.Lookup(name)
	if err != nil {
		panic("recipe: " + err.Error())
	}
	return p
}

// The Hopper datapaths the recipes use.
const (
	presetE4M3  = "h100-wgmma-e4m3-e4m3"
	presetE5E4  = "h100-wgmma-e5m2-e4m3"
	presetBF16  = "h100-wgmma-bf16"
	deepseekNc  = 128
	recipeNames = "exact, fp32, bf16, deepseek, te, te-e5m2, fast"
)

// Names lists the named recipes.
func Names() []string { return strings.Split(recipeNames, ", ") }

// Named returns a named recipe:
//
//   - exact: float64 everywhere (gradient checks);
//   - fp32: FP32 GEMMs with CUDA-core accumulation (the baseline);
//   - bf16: BF16 operands on Hopper's BF16 wgmma datapath, no promotion;
//   - deepseek: E4M3 operands with 1×128/128×128 scaling, promotion every
//     128 with scales applied at promotion (DeepSeek-V3, DeepGEMM);
//   - te: E4M3 per-tensor scaling, fast accumulation (no promotion) in
//     fprop, promotion every 128 in dgrad and wgrad (Transformer Engine's
//     and torchao's default); te-e5m2 the same with E5M2 gradients;
//   - fast: te with fast accumulation in all three GEMMs (cuBLAS
//     use_fast_accum everywhere).
func Named(name string) (Recipe, error) {
	tc := func(preset string, nc int, s Scaling) GEMM {
		return GEMM{Arith: TensorCore, Preset: mustPreset(preset), Nc: nc, Scaling: s}
	}
	r := Recipe{Name: name}
	switch name {
	case "exact":
		r.Exact64 = true
		r.GEMM = [NumKinds]GEMM{{Arith: Exact}, {Arith: Exact}, {Arith: Exact}}
	case "fp32":
		r.GEMM = [NumKinds]GEMM{{Arith: FP32}, {Arith: FP32}, {Arith: FP32}}
	case "bf16":
		g := tc(presetBF16, 0, NoScaling)
		r.GEMM = [NumKinds]GEMM{g, g, g}
	case "deepseek":
		g := tc(presetE4M3, deepseekNc, Blocks)
		r.GEMM = [NumKinds]GEMM{g, g, g}
	case "te", "te-e5m2", "fast":
		grad := presetE4M3
		if name == "te-e5m2" {
			grad = presetE5E4
		}
		nc := deepseekNc
		if name == "fast" {
			nc = 0
		}
		r.GEMM = [NumKinds]GEMM{tc(presetE4M3, 0, PerTensor), tc(grad, nc, PerTensor), tc(grad, nc, PerTensor)}
	default:
		return r, fmt.Errorf("unknown recipe %q (want %s)", name, recipeNames)
	}
	return r, nil
}

// Knob names a per-kind setting that modifies a recipe.
type Knob uint8

const (
	// KnobPreset sets the datapath preset (and makes the GEMM a
	// tensor-core one; the value fp32 or float64 sets the arithmetic).
	KnobPreset Knob = iota
	// KnobNc sets the promotion interval (a number or never).
	KnobNc
	// KnobScaling sets the scaling (none, tensor or blocks).
	KnobScaling
	// KnobFbits sets the accumulator fraction bits F (a what-if datapath
	// from tensorcore.Preset.WithF).
	KnobFbits
	// KnobAcc sets how a quantised GEMM accumulates: datapath (the
	// preset's tensor-core datapath) or exact (the QuantExact arithmetic:
	// same quantisation, ideal accumulator).
	KnobAcc
)

var knobNames = [...]string{KnobPreset: "preset", KnobNc: "nc", KnobScaling: "scaling", KnobFbits: "fbits", KnobAcc: "acc"}

// Knobs lists the knobs in the order they apply.
func Knobs() []Knob { return []Knob{KnobPreset, KnobNc, KnobScaling, KnobFbits, KnobAcc} }

func (k Knob) String() string { return knobNames[k] }

// Set applies a knob to the GEMM kinds a spec names. The spec is either a
// value for all three kinds ("never") or a comma-separated list of
// kind=value ("fprop=never,wgrad=64"). Presets apply before F, so --preset
// and --fbits compose whatever their order.
func (r *Recipe) Set(k Knob, spec string) error {
	vals, err := parseSpec(spec)
	if err != nil {
		return fmt.Errorf("--%s: %v", k, err)
	}
	for _, kind := range Kinds() {
		v, ok := vals[kind]
		if !ok {
			continue
		}
		if err := r.set(kind, k, v); err != nil {
			return fmt.Errorf("--%s %s: %v", k, kind, err)
		}
	}
	r.Name += fmt.Sprintf("+%s=%s", k, spec)
	return nil
}

// parseSpec splits "v" or "kind=v,...".
func parseSpec(spec string) (map[Kind]string, error) {
	out := map[Kind]string{}
	if spec == "" {
		return nil, fmt.Errorf("empty value")
	}
	if !strings.Contains(spec, "=") {
		for _, k := range Kinds() {
			out[k] = spec
		}
		return out, nil
	}
	for part := range strings.SplitSeq(spec, ",") {
		name, v, ok := strings.Cut(part, "=")
		if !ok || v == "" {
			return nil, fmt.Errorf("%q is not kind=value", part)
		}
		kind, err := ParseKind(name)
		if err != nil {
			return nil, err
		}
		if _, dup := out[kind]; dup {
			return nil, fmt.Errorf("%s given twice", kind)
		}
		out[kind] = v
	}
	return out, nil
}

func (r *Recipe) set(kind Kind, k Knob, v string) error {
	g := &r.GEMM[kind]
	if r.Exact64 && k != KnobPreset {
		return fmt.Errorf("the exact recipe has no tensor-core knobs")
	}
	switch k {
	case KnobPreset:
		switch v {
		case "float64":
			*g = GEMM{Arith: Exact}
		case "fp32":
			*g = GEMM{Arith: FP32}
		default:
			p, err := tensorcore.Lookup(v)
			if err != nil {
				return err
			}
			if !g.Quantized() {
				*g = GEMM{Arith: TensorCore, Scaling: PerTensor}
				if p.A.Bits() > 8 {
					g.Scaling = NoScaling
				}
			}
			if g.Preset != nil && g.Preset.Status == tensorcore.WhatIf {
				// keep a --fbits given before --preset
				if p, err = p.WithF(g.Preset.F); err != nil {
					return err
				}
			}
			g.Preset = p
		}
		return nil
	}
	if !g.Quantized() {
		return fmt.Errorf("%s runs in %s: set a tensor-core preset first", kind, g.Arith)
	}
	switch k {
	case KnobAcc:
		switch v {
		case "datapath":
			g.Arith = TensorCore
		case "exact":
			g.Arith = QuantExact
		default:
			return fmt.Errorf("accumulation %q: want datapath or exact", v)
		}
	case KnobNc:
		if v == "never" {
			g.Nc = 0
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return fmt.Errorf("N_c %q is not a positive integer or never", v)
		}
		g.Nc = n
	case KnobScaling:
		s, err := ParseScaling(v)
		if err != nil {
			return err
		}
		g.Scaling = s
	case KnobFbits:
		f, err := strconv.Atoi(v)
		if err != nil || f < 1 || f > 40 {
			return fmt.Errorf("F %q is not an integer in 1..40", v)
		}
		base := g.Preset
		if base.Status == tensorcore.WhatIf {
			name := strings.TrimSuffix(base.Name, fmt.Sprintf("-f%d", base.F))
			if base, err = tensorcore.Lookup(name); err != nil {
				return err
			}
		}
		p, err := base.WithF(f)
		if err != nil {
			return err
		}
		g.Preset = p
	}
	return nil
}

// List describes every named recipe.
func List() string {
	var b strings.Builder
	for _, n := range Names() {
		r, _ := Named(n)
		b.WriteString(r.Describe())
	}
	return b.String()
}
