package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tcsim/tcsim/sim/train/backend"
	"github.com/tcsim/tcsim/sim/train/recipe"
)

// tinyModel is a randomised tiny model: every parameter perturbed away
// from its initial value so no gradient is trivially zero.
func tinyModel(t *testing.T, bias bool) *Model {
	t.Helper()
	m, err := NewModel(Config{Layers: 2, D: 8, Heads: 2, Ctx: 8, Vocab: 256, Bias: bias})
	if err != nil {
		t.Fatal(err)
	}
	m.Init(3, true)
	r := rand.New(rand.NewPCG(4, 5))
	for _, p := range m.Params {
		for i := range p.Data {
			p.Data[i] += 0.1 * r.NormFloat64()
		}
	}
	return m
}

func tinyBatch(bsz, t int) (tok, tgt []int) {
	r := rand.New(rand.NewPCG(6, 7))
	for range bsz * t {
		tok = append(tok, r.IntN(256))
		tgt = append(tgt, r.IntN(256))
	}
	return tok, tgt
}

func exactBackend(t *testing.T) *backend.Backend {
	r, err := recipe.Named("exact")
	if err != nil {
		t.Fatal(err)
	}
	return &backend.Backend{Recipe: r}
}

// TestGradCheck compares the gradient of every parameter tensor with
// central finite differences of the float64 loss.
func TestGradCheck(t *testing.T) {
	for _, bias := range []bool{true, false} {
		m := tinyModel(t, bias)
		be := exactBackend(t)
		tok, tgt := tinyBatch(2, 8)
		_, grads, err := m.step(be, tok, tgt, 2, 8, true)
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(8, 9))
		worst := 0.0
		for pi, p := range m.Params {
			idx := []int{0, len(p.Data) - 1}
			for range 6 {
				idx = append(idx, r.IntN(len(p.Data)))
			}
			if p == m.wte {
				idx = append(idx, tok[0]*m.Cfg.D, tgt[3]*m.Cfg.D+1) // rows the batch uses
			}
			for _, i := range idx {
				const h = 1e-5
				old := p.Data[i]
				p.Data[i] = old + h
				lp, _, _ := m.step(be, tok, tgt, 2, 8, false)
				p.Data[i] = old - h
				lm, _, _ := m.step(be, tok, tgt, 2, 8, false)
				p.Data[i] = old
				num := (lp - lm) / (2 * h)
				ana := grads[pi][i]
				rel := math.Abs(num-ana) / max(math.Abs(num)+math.Abs(ana), 1e-6)
				worst = max(worst, rel)
				if rel > 1e-5 {
					t.Errorf("bias=%v %s[%d]: analytic %.10g, numeric %.10g (rel %.2g)", bias, p.Name, i, ana, num, rel)
				}
			}
		}
		t.Logf("bias=%v: %d tensors, worst relative difference %.2g", bias, len(m.Params), worst)
	}
}

// TestExactMatchesReference compares the exact recipe's loss with an
// independent, naive implementation of the GPT.
func TestExactMatchesReference(t *testing.T) {
	for _, bias := range []bool{true, false} {
		m := tinyModel(t, bias)
		tok, tgt := tinyBatch(3, 7)
		got, _, err := m.step(exactBackend(t), tok, tgt, 3, 7, false)
		if err != nil {
			t.Fatal(err)
		}
		want := referenceLoss(m, tok, tgt, 3, 7)
		if math.Abs(got-want) > 1e-12*want {
			t.Errorf("bias=%v: loss %.17g, reference %.17g", bias, got, want)
		}
	}
}

// referenceLoss is a direct transcription of nanoGPT's forward pass, one
// token at a time, with the standard library's math.
func referenceLoss(m *Model, tok, tgt []int, bsz, t int) float64 {
	c := m.Cfg
	d, hd := c.D, c.D/c.Heads
	get := func(name string) []float64 {
		for _, p := range m.Params {
			if p.Name == name {
				return p.Data
			}
		}
		return nil
	}
	ln := func(x []float64, pre string) []float64 {
		w, b := get(pre+".weight"), get(pre+".bias")
		mu, va := 0.0, 0.0
		for _, v := range x {
			mu += v / float64(len(x))
		}
		for _, v := range x {
			va += (v - mu) * (v - mu) / float64(len(x))
		}
		out := make([]float64, len(x))
		for j, v := range x {
			out[j] = (v - mu) / math.Sqrt(va+1e-5) * w[j]
			if b != nil {
				out[j] += b[j]
			}
		}
		return out
	}
	lin := func(x []float64, pre string) []float64 {
		w, b := get(pre+".weight"), get(pre+".bias")
		out := make([]float64, len(w)/len(x))
		for o := range out {
			for i, v := range x {
				out[o] += w[o*len(x)+i] * v
			}
			if b != nil {
				out[o] += b[o]
			}
		}
		return out
	}
	total := 0.0
	for s := range bsz {
		xs := make([][]float64, t)
		for i := range t {
			xs[i] = make([]float64, d)
			for j := range d {
				xs[i][j] = get("transformer.wte.weight")[tok[s*t+i]*d+j] + get("transformer.wpe.weight")[i*d+j]
			}
		}
		for l := range c.Layers {
			pre := "transformer.h." + string(rune('0'+l)) + "."
			qkv := make([][]float64, t)
			for i := range t {
				qkv[i] = lin(ln(xs[i], pre+"ln_1"), pre+"attn.c_attn")
			}
			for i := range t {
				y := make([]float64, d)
				for h := range c.Heads {
					w := make([]float64, i+1)
					sum := 0.0
					for j := 0; j <= i; j++ {
						for e := range hd {
							w[j] += qkv[i][h*hd+e] * qkv[j][d+h*hd+e]
						}
						w[j] = math.Exp(w[j] / math.Sqrt(float64(hd)))
						sum += w[j]
					}
					for j := 0; j <= i; j++ {
						for e := range hd {
							y[h*hd+e] += w[j] / sum * qkv[j][2*d+h*hd+e]
						}
					}
				}
				a := lin(y, pre+"attn.c_proj")
				for j := range d {
					xs[i][j] += a[j]
				}
			}
			for i := range t {
				f := lin(ln(xs[i], pre+"ln_2"), pre+"mlp.c_fc")
				for j, v := range f {
					f[j] = 0.5 * v * (1 + math.Erf(v/math.Sqrt2))
				}
				mo := lin(f, pre+"mlp.c_proj")
				for j := range d {
					xs[i][j] += mo[j]
				}
			}
		}
		for i := range t {
			xf := ln(xs[i], "transformer.ln_f")
			wte := get("transformer.wte.weight")
			z := 0.0
			var logit []float64
			for v := range c.Vocab {
				l := 0.0
				for j := range d {
					l += wte[v*d+j] * xf[j]
				}
				logit = append(logit, l)
				z += math.Exp(l)
			}
			total += math.Log(z) - logit[tgt[s*t+i]]
		}
	}
	return total / float64(bsz*t)
}
