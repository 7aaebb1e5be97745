package train

import (
	"math"
	"math/rand/v2"

	"github.com/tcsim/tcsim/sim/fmath"
)

// PCG streams of a run with seed s: initial weights draw from
// PCG(s, streamInit); the batch of step i from PCG(s, streamBatch+i).
const (
	streamInit  = 1
	streamBatch = 1 << 32
)

// normal draws standard normal deviates by Marsaglia's polar method, with
// the portable logarithm so the bits are the same on every CPU.
type normal struct {
	r     *rand.Rand
	spare float64
	have  bool
}

func newNormal(seed, stream uint64) *normal {
	return &normal{r: rand.New(rand.NewPCG(seed, stream))}
}

func (g *normal) next() float64 {
	if g.have {
		g.have = false
		return g.spare
	}
	for {
		u, v := 2*g.r.Float64()-1, 2*g.r.Float64()-1
		s := float64(u*u) + float64(v*v)
		if s >= 1 || s == 0 {
			continue
		}
		f := math.Sqrt(-2 * fmath.Log(s) / s)
		g.spare, g.have = float64(v*f), true
		return float64(u * f)
	}
}
