package train

import (
	"math"

	"github.com/tcsim/tcsim/sim/train/backend"
	"github.com/tcsim/tcsim/sim/train/recipe"
)

// backward returns the gradient of the mean loss with respect to every
// parameter, in Params order, from the activations of a forward pass.
func (m *Model) backward(be *backend.Backend, ps *pass) ([][]float64, error) {
	c := m.Cfg
	ex := be.Recipe.Exact64
	rnd := func(x []float64) []float64 {
		if !ex {
			backend.RoundFP32(x)
		}
		return x
	}
	n, d, v := ps.n, c.D, c.Vocab
	grads := make(map[*Param][]float64, len(m.Params))
	for _, p := range m.Params {
		grads[p] = make([]float64, len(p.Data))
	}
	// Cross-entropy: dlogits = (softmax − onehot)/n.
	dl := make([]float64, n*v)
	inv := 1 / float64(n)
	for i := range n {
		for j := range v {
			p := ps.probs[i*v+j]
			if j == ps.tgt[i] {
				p--
			}
			dl[i*v+j] = float64(p * inv)
		}
	}
	rnd(dl)
	// LM head (tied): logits = xf·wteᵀ.
	dxf := rnd(backend.GEMM(dl, n, v, transpose(m.wte.Data, v, d), d, !ex))
	dwteHead := backend.GEMM(transpose(dl, n, v), v, n, transpose(ps.xf, n, d), d, !ex)
	var dlnfb []float64
	if m.lnfb != nil {
		dlnfb = grads[m.lnfb]
	}
	dx := rnd(layerNormBack(dxf, ps.xL, n, d, ps.lnfMean, ps.lnfRstd, m.lnfw, grads[m.lnfw], dlnfb))
	for l := len(m.blocks) - 1; l >= 0; l-- {
		b, a := m.blocks[l], ps.layers[l]
		// MLP.
		dg, err := m.linearBack(be, l, "mlp.c_proj", dx, a.g, n, 4*d, b.mprojW, b.mprojB, d, grads)
		if err != nil {
			return nil, err
		}
		for i, f := range a.f {
			dg[i] = float64(dg[i] * geluGrad(f))
		}
		rnd(dg)
		dh2, err := m.linearBack(be, l, "mlp.c_fc", dg, a.h2, n, d, b.fcW, b.fcB, 4*d, grads)
		if err != nil {
			return nil, err
		}
		dx1 := rnd(addVec(dx, rnd(layerNormBack(dh2, a.x1, n, d, a.m2, a.r2, b.ln2w, grads[b.ln2w], gradOf(grads, b.ln2b)))))
		// Attention.
		dy, err := m.linearBack(be, l, "attn.c_proj", dx1, a.y, n, d, b.projW, b.projB, d, grads)
		if err != nil {
			return nil, err
		}
		dqkv := m.attentionBack(dy, a.qkv, a.att, ps.bsz, ps.t, ex)
		dh1, err := m.linearBack(be, l, "attn.c_attn", dqkv, a.h1, n, d, b.attnW, b.attnB, 3*d, grads)
		if err != nil {
			return nil, err
		}
		dx = rnd(addVec(dx1, rnd(layerNormBack(dh1, a.xIn, n, d, a.m1, a.r1, b.ln1w, grads[b.ln1w], gradOf(grads, b.ln1b)))))
	}
	// Embeddings: the head's gradient plus the scattered input gradient.
	dwte, dwpe := grads[m.wte], grads[m.wpe]
	copy(dwte, dwteHead)
	for i := range n {
		tk, pos := ps.tok[i], i%ps.t
		for j := range d {
			dwte[tk*d+j] += dx[i*d+j]
			dwpe[pos*d+j] += dx[i*d+j]
		}
	}
	out := make([][]float64, len(m.Params))
	for i, p := range m.Params {
		out[i] = rnd(grads[p])
	}
	return out, nil
}

func gradOf(grads map[*Param][]float64, p *Param) []float64 {
	if p == nil {
		return nil
	}
	return grads[p]
}

// linearBack runs the backward pass of y = x·Wᵀ + b (x: n×in, W: out×in)
// for dy (n×out): wgrad dW = dyᵀ·x and dgrad dx = dy·W through the
// backend, the bias gradient as a column sum. It stores dW and db in grads
// and returns dx.
func (m *Model) linearBack(be *backend.Backend, l int, name string, dy, x []float64, n, in int, w, b *Param, out int, grads map[*Param][]float64) ([]float64, error) {
	ln := layerName(l, name)
	dw, err := be.Linear(recipe.Wgrad, ln, transpose(dy, n, out), out, n, transpose(x, n, in), in)
	if err != nil {
		return nil, err
	}
	copy(grads[w], dw)
	if b != nil {
		db := grads[b]
		for i := range n {
			for j := range out {
				db[j] += dy[i*out+j]
			}
		}
	}
	return be.Linear(recipe.Dgrad, ln, dy, n, out, transpose(w.Data, out, in), in)
}

// attentionBack returns dqkv (n×3d) for dy (n×d) through attention.
func (m *Model) attentionBack(dy, qkv, att []float64, bsz, t int, ex bool) []float64 {
	d, nh := m.Cfg.D, m.Cfg.Heads
	hd := d / nh
	scale := 1 / math.Sqrt(float64(hd))
	dqkv := make([]float64, bsz*t*3*d)
	parallelFor(bsz*nh, func(bh int) {
		b, h := bh/nh, bh%nh
		q, k, v := headMat(qkv, b, t, 3*d, h*hd, hd), headMat(qkv, b, t, 3*d, d+h*hd, hd), headMat(qkv, b, t, 3*d, 2*d+h*hd, hd)
		g := headMat(dy, b, t, d, h*hd, hd)
		p := att[bh*t*t : (bh+1)*t*t]
		// dS = P ⊙ (dP − rowsum(P ⊙ dP)) · scale, with dP = dy·vᵀ.
		ds := make([]float64, t*t)
		for i := range t {
			gi := g[i*hd : (i+1)*hd]
			s := 0.0
			for j := 0; j <= i; j++ {
				dp := dot(gi, v[j*hd:(j+1)*hd], ex)
				ds[i*t+j] = dp
				s += float64(p[i*t+j] * dp)
			}
			for j := 0; j <= i; j++ {
				ds[i*t+j] = float64(float64(p[i*t+j]*(ds[i*t+j]-s)) * scale)
			}
			if !ex {
				backend.RoundFP32(ds[i*t : i*t+i+1])
			}
		}
		kt, qt, gt := transpose(k, t, hd), transpose(q, t, hd), transpose(g, t, hd)
		dst, pt := transpose(ds, t, t), transpose(p, t, t)
		for i := range t {
			row := (b*t + i) * 3 * d
			for c := range hd {
				// dq_i = Σ_{j≤i} dS_ij k_j; dk_i = Σ_{j≥i} dS_ji q_j; dv_i = Σ_{j≥i} P_ji dy_j.
				dqkv[row+h*hd+c] = dot(ds[i*t:i*t+i+1], kt[c*t:c*t+i+1], ex)
				dqkv[row+d+h*hd+c] = dot(dst[i*t+i:(i+1)*t], qt[c*t+i:(c+1)*t], ex)
				dqkv[row+2*d+h*hd+c] = dot(pt[i*t+i:(i+1)*t], gt[c*t+i:(c+1)*t], ex)
			}
		}
	})
	return dqkv
}
