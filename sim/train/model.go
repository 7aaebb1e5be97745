package train

import (
	"fmt"
	"math"

	"github.com/tcsim/tcsim/sim/fmath"
	"github.com/tcsim/tcsim/sim/train/backend"
	"github.com/tcsim/tcsim/sim/train/recipe"
)

// Config is the model's shape.
type Config struct {
	Layers int  `json:"n_layer"`
	D      int  `json:"n_embd"`
	Heads  int  `json:"n_head"`
	Ctx    int  `json:"block_size"`
	Vocab  int  `json:"vocab_size"`
	Bias   bool `json:"bias"`
}

// Check reports whether the shape is valid.
func (c Config) Check() error {
	switch {
	case c.Layers < 1 || c.Layers > 64:
		return fmt.Errorf("layers = %d: want 1..64", c.Layers)
	case c.D < 1 || c.D > 4096:
		return fmt.Errorf("d = %d: want 1..4096", c.D)
	case c.Heads < 1 || c.D%c.Heads != 0:
		return fmt.Errorf("heads = %d must divide d = %d", c.Heads, c.D)
	case c.Ctx < 2 || c.Ctx > 4096:
		return fmt.Errorf("ctx = %d: want 2..4096", c.Ctx)
	case c.Vocab < 2 || c.Vocab > 1<<16:
		return fmt.Errorf("vocab = %d: want 2..65536", c.Vocab)
	}
	return nil
}

// Param is one parameter tensor, named as nanoGPT names it, with PyTorch's
// (out, in) layout for Linear weights.
type Param struct {
	Name  string
	Shape []int
	Data  []float64
	// Decay: AdamW weight decay applies (matrices and embeddings, as in
	// nanoGPT; not biases or LayerNorm gains).
	Decay bool
}

type block struct {
	ln1w, ln1b, attnW, attnB, projW, projB *Param
	ln2w, ln2b, fcW, fcB, mprojW, mprojB   *Param
}

// Model is the GPT: its shape and parameters. The LM head is tied to the
// token embedding.
type Model struct {
	Cfg    Config
	Params []*Param
	wte    *Param
	wpe    *Param
	blocks []block
	lnfw   *Param
	lnfb   *Param
}

// NewModel allocates the parameters (all zero) in nanoGPT's order.
func NewModel(c Config) (*Model, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	m := &Model{Cfg: c}
	add := func(name string, decay bool, shape ...int) *Param {
		n := 1
		for _, s := range shape {
			n *= s
		}
		p := &Param{Name: name, Shape: shape, Data: make([]float64, n), Decay: decay}
		m.Params = append(m.Params, p)
		return p
	}
	bias := func(name string, n int) *Param {
		if !c.Bias {
			return nil
		}
		return add(name, false, n)
	}
	d := c.D
	m.wte = add("transformer.wte.weight", true, c.Vocab, d)
	m.wpe = add("transformer.wpe.weight", true, c.Ctx, d)
	for l := range c.Layers {
		h := fmt.Sprintf("transformer.h.%d.", l)
		var b block
		b.ln1w = add(h+"ln_1.weight", false, d)
		b.ln1b = bias(h+"ln_1.bias", d)
		b.attnW = add(h+"attn.c_attn.weight", true, 3*d, d)
		b.attnB = bias(h+"attn.c_attn.bias", 3*d)
		b.projW = add(h+"attn.c_proj.weight", true, d, d)
		b.projB = bias(h+"attn.c_proj.bias", d)
		b.ln2w = add(h+"ln_2.weight", false, d)
		b.ln2b = bias(h+"ln_2.bias", d)
		b.fcW = add(h+"mlp.c_fc.weight", true, 4*d, d)
		b.fcB = bias(h+"mlp.c_fc.bias", 4*d)
		b.mprojW = add(h+"mlp.c_proj.weight", true, d, 4*d)
		b.mprojB = bias(h+"mlp.c_proj.bias", d)
		m.blocks = append(m.blocks, b)
	}
	m.lnfw = add("transformer.ln_f.weight", false, d)
	m.lnfb = bias("transformer.ln_f.bias", d)
	return m, nil
}

// NumParams counts the parameters (the tied LM head once).
func (m *Model) NumParams() int {
	n := 0
	for _, p := range m.Params {
		n += len(p.Data)
	}
	return n
}

// Init draws nanoGPT's initialisation: N(0, 0.02) for Linear weights and
// embeddings, N(0, 0.02/√(2·layers)) for the residual projections
// (c_proj), zero biases, unit LayerNorm gains. Values are rounded to FP32
// unless exact64.
func (m *Model) Init(seed uint64, exact64 bool) {
	g := newNormal(seed, streamInit)
	std := 0.02
	projStd := 0.02 / math.Sqrt(float64(2*m.Cfg.Layers))
	for _, p := range m.Params {
		switch {
		case len(p.Shape) == 1 && isGain(p.Name):
			for i := range p.Data {
				p.Data[i] = 1
			}
		case len(p.Shape) == 1:
			clear(p.Data)
		default:
			s := std
			if hasSuffix(p.Name, "c_proj.weight") {
				s = projStd
			}
			for i := range p.Data {
				p.Data[i] = float64(s * g.next())
			}
		}
		if !exact64 {
			backend.RoundFP32(p.Data)
		}
	}
}

func hasSuffix(s, suf string) bool { return len(s) >= len(suf) && s[len(s)-len(suf):] == suf }

func isGain(name string) bool {
	return hasSuffix(name, "ln_1.weight") || hasSuffix(name, "ln_2.weight") || hasSuffix(name, "ln_f.weight")
}

// pass holds one forward pass's activations for the backward pass.
type pass struct {
	n, t, bsz int
	tok, tgt  []int
	x0        []float64 // embeddings
	layers    []layerActs
	xL        []float64 // residual stream after the last block
	lnfMean   []float64
	lnfRstd   []float64
	xf        []float64
	probs     []float64 // softmax of the logits
}

type layerActs struct {
	xIn, h1, qkv, att, y, x1, h2, f, g []float64
	m1, r1, m2, r2                     []float64
}

// step runs the forward pass, and the backward pass when grads is set,
// with the backend's arithmetic for Linear GEMMs and FP32 (float64 for
// exact64) elsewhere. tok and tgt are bsz sequences of t tokens. It
// returns the mean cross-entropy loss and, with grads, the gradient of
// every parameter in Params order.
func (m *Model) step(be *backend.Backend, tok, tgt []int, bsz, t int, grads bool) (float64, [][]float64, error) {
	c := m.Cfg
	if t > c.Ctx || len(tok) != bsz*t || len(tgt) != bsz*t {
		return 0, nil, fmt.Errorf("train: batch of %d tokens is not %d×%d with t ≤ %d", len(tok), bsz, t, c.Ctx)
	}
	ex := be.Recipe.Exact64
	rnd := func(x []float64) []float64 {
		if !ex {
			backend.RoundFP32(x)
		}
		return x
	}
	n, d := bsz*t, c.D
	ps := &pass{n: n, t: t, bsz: bsz, tok: tok, tgt: tgt}
	x := make([]float64, n*d)
	for i := range n {
		te, pe := m.wte.Data[tok[i]*d:], m.wpe.Data[(i%t)*d:]
		for j := range d {
			x[i*d+j] = te[j] + pe[j]
		}
	}
	ps.x0 = rnd(x)
	for l, b := range m.blocks {
		var a layerActs
		a.xIn = x
		a.h1, a.m1, a.r1 = layerNorm(x, n, d, b.ln1w, b.ln1b, ex)
		var err error
		if a.qkv, err = m.linear(be, l, "attn.c_attn", a.h1, n, d, b.attnW, b.attnB, 3*d); err != nil {
			return 0, nil, err
		}
		a.att, a.y = m.attention(a.qkv, bsz, t, ex)
		proj, err := m.linear(be, l, "attn.c_proj", a.y, n, d, b.projW, b.projB, d)
		if err != nil {
			return 0, nil, err
		}
		a.x1 = rnd(addVec(x, proj))
		a.h2, a.m2, a.r2 = layerNorm(a.x1, n, d, b.ln2w, b.ln2b, ex)
		if a.f, err = m.linear(be, l, "mlp.c_fc", a.h2, n, d, b.fcW, b.fcB, 4*d); err != nil {
			return 0, nil, err
		}
		a.g = make([]float64, len(a.f))
		for i, v := range a.f {
			a.g[i] = gelu(v)
		}
		rnd(a.g)
		mp, err := m.linear(be, l, "mlp.c_proj", a.g, n, 4*d, b.mprojW, b.mprojB, d)
		if err != nil {
			return 0, nil, err
		}
		x = rnd(addVec(a.x1, mp))
		ps.layers = append(ps.layers, a)
	}
	ps.xL = x
	ps.xf, ps.lnfMean, ps.lnfRstd = layerNorm(x, n, d, m.lnfw, m.lnfb, ex)
	v := c.Vocab
	logits := backend.GEMM(ps.xf, n, d, m.wte.Data, v, !ex)
	ps.probs = make([]float64, n*v)
	loss := 0.0
	for i := range n {
		row := logits[i*v : (i+1)*v]
		mx := math.Inf(-1)
		for _, z := range row {
			mx = max(mx, z)
		}
		sum := 0.0
		for j, z := range row {
			e := fmath.Exp(z - mx)
			ps.probs[i*v+j] = e
			sum += e
		}
		for j := range row {
			ps.probs[i*v+j] /= sum
		}
		loss += mx + fmath.Log(sum) - row[tgt[i]]
	}
	loss /= float64(n)
	if !grads {
		return loss, nil, nil
	}
	g, err := m.backward(be, ps)
	return loss, g, err
}

// linear runs y = x·Wᵀ + b (x: n×in, W: out×in) through the backend.
func (m *Model) linear(be *backend.Backend, l int, name string, x []float64, n, in int, w, b *Param, out int) ([]float64, error) {
	y, err := be.Linear(recipe.Fprop, layerName(l, name), x, n, in, w.Data, out)
	if err != nil {
		return nil, err
	}
	if b != nil {
		for i := range n {
			for j := range out {
				y[i*out+j] += b.Data[j]
			}
		}
		if !be.Recipe.Exact64 {
			backend.RoundFP32(y)
		}
	}
	return y, nil
}

func layerName(l int, name string) string { return fmt.Sprintf("h.%d.%s", l, name) }

func addVec(x, y []float64) []float64 {
	out := make([]float64, len(x))
	for i := range x {
		out[i] = x[i] + y[i]
	}
	return out
}

// layerNorm normalises each row of x (n×d) with eps 1e-5, biased variance,
// gain w and optional bias b; it returns the output and each row's mean
// and 1/√(var+eps) (float64, for the backward pass).
func layerNorm(x []float64, n, d int, w, b *Param, ex bool) (y, mean, rstd []float64) {
	y, mean, rstd = make([]float64, n*d), make([]float64, n), make([]float64, n)
	for i := range n {
		row := x[i*d : (i+1)*d]
		mu := 0.0
		for _, v := range row {
			mu += v
		}
		mu /= float64(d)
		va := 0.0
		for _, v := range row {
			va += float64((v - mu) * (v - mu))
		}
		va /= float64(d)
		r := 1 / math.Sqrt(va+1e-5)
		mean[i], rstd[i] = mu, r
		for j, v := range row {
			o := float64(float64((v-mu)*r) * w.Data[j])
			if b != nil {
				o += b.Data[j]
			}
			y[i*d+j] = o
		}
	}
	if !ex {
		backend.RoundFP32(y)
	}
	return y, mean, rstd
}

// layerNormBack returns dx for dy through layerNorm and accumulates the
// gain and bias gradients into dw and db (db may be nil).
func layerNormBack(dy, x []float64, n, d int, mean, rstd []float64, w *Param, dw, db []float64) []float64 {
	dx := make([]float64, n*d)
	for i := range n {
		mu, r := mean[i], rstd[i]
		s1, s2 := 0.0, 0.0
		for j := range d {
			xh := float64((x[i*d+j] - mu) * r)
			g := float64(dy[i*d+j] * w.Data[j])
			s1 += g
			s2 += float64(g * xh)
		}
		s1 /= float64(d)
		s2 /= float64(d)
		for j := range d {
			xh := float64((x[i*d+j] - mu) * r)
			g := float64(dy[i*d+j] * w.Data[j])
			dx[i*d+j] = float64(r * (g - s1 - float64(xh*s2)))
			dw[j] += float64(dy[i*d+j] * xh)
			if db != nil {
				db[j] += dy[i*d+j]
			}
		}
	}
	return dx
}

const invSqrt2 = 0.70710678118654752440
const invSqrt2Pi = 0.39894228040143267794

// gelu is x·Φ(x) in its exact erf form.
func gelu(x float64) float64 { return float64(0.5*x) * (1 + fmath.Erf(float64(x*invSqrt2))) }

// geluGrad is Φ(x) + x·φ(x).
func geluGrad(x float64) float64 {
	return float64(0.5*(1+fmath.Erf(float64(x*invSqrt2)))) + float64(x*float64(invSqrt2Pi*fmath.Exp(float64(-0.5*x)*x)))
}

// attention runs causal multi-head self-attention on qkv (n×3d, q then k
// then v, head h in columns h·hd … of each) and returns the attention
// probabilities (bsz×heads×t×t, zero above the diagonal) and the output
// (n×d). Score and value products are FP32 dot products (float64 for ex).
func (m *Model) attention(qkv []float64, bsz, t int, ex bool) (att, y []float64) {
	d, nh := m.Cfg.D, m.Cfg.Heads
	hd := d / nh
	scale := 1 / math.Sqrt(float64(hd))
	att = make([]float64, bsz*nh*t*t)
	y = make([]float64, bsz*t*d)
	parallelFor(bsz*nh, func(bh int) {
		b, h := bh/nh, bh%nh
		q, k, v := headMat(qkv, b, t, 3*d, h*hd, hd), headMat(qkv, b, t, 3*d, d+h*hd, hd), headMat(qkv, b, t, 3*d, 2*d+h*hd, hd)
		vt := transpose(v, t, hd)
		p := att[bh*t*t : (bh+1)*t*t]
		for i := range t {
			mx := math.Inf(-1)
			for j := 0; j <= i; j++ {
				s := float64(dot(q[i*hd:(i+1)*hd], k[j*hd:(j+1)*hd], ex) * scale)
				if !ex {
					s = float64(float32(s))
				}
				p[i*t+j] = s
				mx = max(mx, s)
			}
			sum := 0.0
			for j := 0; j <= i; j++ {
				e := fmath.Exp(p[i*t+j] - mx)
				p[i*t+j] = e
				sum += e
			}
			for j := 0; j <= i; j++ {
				p[i*t+j] /= sum
			}
			if !ex {
				backend.RoundFP32(p[i*t : i*t+i+1])
			}
			for c := range hd {
				y[(b*t+i)*d+h*hd+c] = dot(p[i*t:i*t+i+1], vt[c*t:c*t+i+1], ex)
			}
		}
	})
	return att, y
}

// headMat copies head columns [c0, c0+hd) of sequence b's t rows of a
// matrix of width w.
func headMat(x []float64, b, t, w, c0, hd int) []float64 {
	out := make([]float64, t*hd)
	for i := range t {
		copy(out[i*hd:(i+1)*hd], x[(b*t+i)*w+c0:])
	}
	return out
}

func transpose(x []float64, rows, cols int) []float64 {
	out := make([]float64, rows*cols)
	// In tiles, so that reads and writes both stay in cache.
	const tile = 32
	for i0 := 0; i0 < rows; i0 += tile {
		i1 := min(i0+tile, rows)
		for j0 := 0; j0 < cols; j0 += tile {
			j1 := min(j0+tile, cols)
			for i := i0; i < i1; i++ {
				row := x[i*cols : i*cols+j1]
				for j := j0; j < j1; j++ {
					out[j*rows+i] = row[j]
				}
			}
		}
	}
	return out
}

// dot is an FP32 FMA chain of FP32 values (float64 for ex).
func dot(a, b []float64, ex bool) float64 {
	if ex {
		return backend.Dot64(a, b)
	}
	return backend.Dot32(a, b)
}
