package sweep

import (
	"bytes"
	"context"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/golden_results.csv")

// goldenSpec is a small sweep with every kind of row: each input
// distribution, block-wise and per-tensor scaling, promotion, no promotion
// and the FP32 baseline, an FP8 and a block-scaled datapath.
func goldenSpec() Spec {
	return Spec{Presets: []string{"h100-wgmma-e4m3-e4m3", "b200-mxf8-e4m3-e4m3"},
		K: []int{128, 512}, Nc: []int{64, 128, NcNever}, Dists: []string{"normal", "pos", "outlier", "wide", "studentt"},
		Scalings: []string{"deepseek", "tensor"}, M: 8, N: 8, Trials: 2, Seed: 1, Baseline: true}
}

// TestGoldenResults pins the bytes of results.csv for a small sweep: a
// change to the input streams, quantisation, headroom, references or
// metrics shows here. The same bytes are expected on every CPU and build
// (.ci/crossarch checks the binaries).
func TestGoldenResults(t *testing.T) {
	s := goldenSpec()
	rows, err := s.Run(context.Background(), 0, 1, 2, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := csvBytes(t, rows)
	path := filepath.Join("testdata", "golden_results.csv")
	if *updateGolden {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("results.csv differs from %s at line %d:\n got: %s\nwant: %s", path, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("results.csv has %d lines, %s %d", len(gl), path, len(wl))
	}
}

// TestNormalStream pins the first values of the normal sampler, including
// draws from the ziggurat's base strip and wedges (which use the logarithm
// and exponential), as bits.
func TestNormalStream(t *testing.T) {
	r := stream(1, "normal", 128, 0, RoleA)
	var sum, sumSq float64
	var h uint64
	const n = 200000
	for range n {
		x := Normal(r)
		sum += x
		sumSq += float64(x * x)
		h = h*1099511628211 ^ math.Float64bits(x)
	}
	mean, variance := sum/n, sumSq/n-float64(sum/n*sum/n)
	if mean < -0.01 || mean > 0.01 || variance < 0.99 || variance > 1.01 {
		t.Errorf("mean %g, variance %g of %d draws", mean, variance, n)
	}
	if h != normalStreamHash {
		t.Errorf("hash of the stream %#x, want %#x", h, uint64(normalStreamHash))
	}
}

// normalStreamHash is the hash of the first 200,000 draws of TestNormalStream.
const normalStreamHash = 0xaa640e16d0a996e2
