package train

import (
	"math"

	"github.com/tcsim/tcsim/sim/fmath"
)

// Hyper are the optimiser's hyperparameters.
type Hyper struct {
	LR, MinLR    float64 // peak and final learning rate
	Warmup       int     // linear warmup steps
	Steps        int     // cosine decay ends here
	Beta1, Beta2 float64
	Eps          float64
	WeightDecay  float64 // decoupled, on matrices and embeddings
	Clip         float64 // global gradient-norm clip; 0 disables
}

// LRAt is nanoGPT's schedule: linear warmup to LR over Warmup steps, then
// cosine decay to MinLR at Steps.
func (h Hyper) LRAt(step int) float64 {
	if step < h.Warmup {
		return h.LR * float64(step+1) / float64(h.Warmup+1)
	}
	if step >= h.Steps || h.Steps <= h.Warmup {
		return h.MinLR
	}
	ratio := float64(step-h.Warmup) / float64(h.Steps-h.Warmup)
	coeff := 0.5 * (1 + fmath.Cos(math.Pi*ratio))
	return h.MinLR + float64(coeff*(h.LR-h.MinLR))
}

// AdamW is PyTorch's AdamW (decoupled weight decay, bias correction) with
// its state: first and second moments per parameter, and the step count.
type AdamW struct {
	M, V [][]float64
	T    int
}

// NewAdamW allocates zero state for the parameters.
func NewAdamW(params []*Param) *AdamW {
	o := &AdamW{}
	for _, p := range params {
		o.M = append(o.M, make([]float64, len(p.Data)))
		o.V = append(o.V, make([]float64, len(p.Data)))
	}
	return o
}

// ClipGrads scales the gradients so their global L2 norm is at most clip
// (PyTorch's clip_grad_norm_: factor clip/(norm+1e-6) when above) and
// returns the norm before clipping. Sums run in float64 in parameter order.
func ClipGrads(grads [][]float64, clip float64, exact64 bool) float64 {
	s := 0.0
	for _, g := range grads {
		for _, v := range g {
			s += float64(v * v)
		}
	}
	norm := math.Sqrt(s)
	if clip > 0 && norm > clip {
		f := clip / (norm + 1e-6)
		for _, g := range grads {
			for i, v := range g {
				g[i] = round(float64(v*f), exact64)
			}
		}
	}
	return norm
}

func round(v float64, exact64 bool) float64 {
	if exact64 {
		return v
	}
	return float64(float32(v))
}

// Step applies one AdamW update with learning rate lr, as torch.optim.AdamW
// does: p ← p·(1 − lr·wd) (decayed parameters only); m ← β1·m + (1−β1)·g;
// v ← β2·v + (1−β2)·g²; p ← p − (lr/(1−β1ᵗ))·m/(√v/√(1−β2ᵗ) + ε). Values
// are FP32 (float64 when exact64).
func (o *AdamW) Step(params []*Param, grads [][]float64, h Hyper, lr float64, exact64 bool) {
	o.T++
	b1t, b2t := 1.0, 1.0
	for range o.T {
		b1t *= h.Beta1
		b2t *= h.Beta2
	}
	stepSize := lr / (1 - b1t)
	bc2 := math.Sqrt(1 - b2t)
	for pi, p := range params {
		m, v, g := o.M[pi], o.V[pi], grads[pi]
		decay := 1.0
		if p.Decay {
			decay = 1 - float64(lr*h.WeightDecay)
		}
		for i, w := range p.Data {
			w = round(float64(w*decay), exact64)
			m[i] = round(float64(h.Beta1*m[i])+float64((1-h.Beta1)*g[i]), exact64)
			v[i] = round(float64(h.Beta2*v[i])+float64(float64((1-h.Beta2)*g[i])*g[i]), exact64)
			denom := math.Sqrt(v[i])/bc2 + h.Eps
			p.Data[i] = round(w-float64(stepSize*(m[i]/denom)), exact64)
		}
	}
}
