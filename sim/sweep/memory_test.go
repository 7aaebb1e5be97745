package sweep

import (
	"context"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"
)

// TestMemoryEstimate runs groups of different shapes and checks that the
// heap never exceeds [Spec.Memory], and that the estimate is not wildly
// above what is used (at most 8 times).
func TestMemoryEstimate(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates about 100 MB")
	}
	for _, s := range []Spec{
		{Presets: []string{"h100-wgmma-e4m3-e4m3"}, K: []int{8192}, Nc: []int{32, 128, NcNever},
			Dists: []string{"normal"}, Scalings: []string{"deepseek"}, M: 64, N: 32, Trials: 2, Seed: 1, Baseline: true},
		{Presets: []string{"h100-wgmma-e4m3-e4m3"}, K: []int{256}, Nc: []int{NcNever},
			Dists: []string{"pos"}, Scalings: []string{"tensor"}, M: 512, N: 512, Trials: 2, Seed: 1},
		{Presets: []string{"b200-nvf4-e2m1"}, K: []int{4096}, Nc: []int{64, NcNever},
			Dists: []string{"normal"}, Scalings: []string{"tensor"}, M: 64, N: 64, Trials: 1, Seed: 1, Baseline: true},
	} {
		gs, err := s.Groups()
		if err != nil {
			t.Fatal(err)
		}
		g := gs[0]
		runtime.GC()
		base := heapBytes()
		var peak atomic.Uint64
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				if h := heapBytes(); h > peak.Load() {
					peak.Store(h)
				}
				select {
				case <-stop:
					return
				case <-time.After(200 * time.Microsecond):
				}
			}
		}()
		if _, err := s.RunGroup(context.Background(), g); err != nil {
			t.Fatal(err)
		}
		close(stop)
		<-done
		used := float64(peak.Load()) - float64(base)
		est := s.Memory(g, runtime.GOMAXPROCS(0)) - baseMemory
		t.Logf("%s %dx%dx%d: peak heap %s, estimate %s", g.Preset.Name, s.M, s.N, g.K, Bytes(used), Bytes(est))
		if used > est || est > 8*used {
			t.Errorf("%s %dx%dx%d: peak heap %s, estimate %s", g.Preset.Name, s.M, s.N, g.K, Bytes(used), Bytes(est))
		}
	}
}

func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
