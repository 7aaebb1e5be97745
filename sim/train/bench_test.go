package train

import (
	"testing"
	"time"

	"github.com/tcsim/tcsim/sim/train/backend"
	"github.com/tcsim/tcsim/sim/train/recipe"
)

// BenchmarkStepDeepseekVsFP32 times one training step (forward and
// backward, 4096 tokens) of the default model (2 layers, d = 64, 4 heads,
// context 64) with the deepseek and the fp32 recipes, alternating, and
// reports the time ratio and both throughputs from the same run.
func BenchmarkStepDeepseekVsFP32(b *testing.B) {
	m, err := NewModel(Config{Layers: 2, D: 64, Heads: 4, Ctx: 64, Vocab: 256, Bias: true})
	if err != nil {
		b.Fatal(err)
	}
	m.Init(1, false)
	tok, tgt := make([]int, 4096), make([]int, 4096)
	for i := range tok {
		tok[i], tgt[i] = (i*7)%256, (i*13)%256
	}
	var spent [2]time.Duration
	for b.Loop() {
		for i, name := range []string{"fp32", "deepseek"} {
			r, _ := recipe.Named(name)
			t0 := time.Now()
			if _, _, err := m.step(&backend.Backend{Recipe: r}, tok, tgt, 64, 64, true); err != nil {
				b.Fatal(err)
			}
			spent[i] += time.Since(t0)
		}
	}
	n := float64(b.N)
	b.ReportMetric(spent[1].Seconds()/spent[0].Seconds(), "deepseek/fp32")
	b.ReportMetric(4096*n/spent[0].Seconds(), "fp32-tok/s")
	b.ReportMetric(4096*n/spent[1].Seconds(), "deepseek-tok/s")
}
