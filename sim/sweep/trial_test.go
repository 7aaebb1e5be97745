package sweep

import (
	"bytes"
	"context"
	"testing"

	"github.com/tcsim/tcsim/tensorcore"
)

// TestTrialsEqualSweepPoints runs the trial runner as the experiments call
// it (several presets at once on shared inputs) and compares every number
// with the rows of a sweep over the same inputs: the CSV bytes agree, for a
// what-if accumulator width and for a block-scaled preset alike.
func TestTrialsEqualSweepPoints(t *testing.T) {
	for _, tc := range []struct {
		preset  string
		fbits   []int
		scaling string
		nc      []int
	}{
		{"h100-wgmma-e4m3-e4m3", []int{13, 25}, "deepseek", []int{32, 128}},
		{"h100-wgmma-e4m3-e4m3", []int{13, 25}, "tensor", []int{32, NcNever}},
		{"b200-mxf8-e4m3-e4m3", nil, "tensor", []int{64, 128, NcNever}},
	} {
		spec := Spec{Presets: []string{tc.preset}, FBits: tc.fbits, K: []int{256}, Nc: tc.nc, Dists: []string{"outlier"},
			Scalings: []string{tc.scaling}, M: 8, N: 4, Trials: 2, Seed: 5, Baseline: true}
		want, err := spec.Run(context.Background(), 0, 1, 2, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		base, err := tensorcore.Lookup(tc.preset)
		if err != nil {
			t.Fatal(err)
		}
		presets := []*tensorcore.Preset{base}
		if tc.fbits != nil {
			presets = nil
			for _, f := range tc.fbits {
				p, err := base.WithF(f)
				if err != nil {
					t.Fatal(err)
				}
				presets = append(presets, p)
			}
		}
		dist, _ := LookupDist("outlier")
		sc, _ := LookupScaling(tc.scaling)
		nc := append(append([]int(nil), tc.nc...), NcFP32)
		tr := Trials{Presets: presets, Nc: nc, Dist: dist, Scaling: sc, M: 8, N: 4, K: 256, Trials: 2, Seed: 5}
		o, err := tr.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var got []Row
		for pi, p := range presets {
			for i, c := range nc {
				got = append(got, Row{Preset: p.Name, FBits: p.F, Dist: dist.Name, Scaling: sc.Name, K: 256, Nc: c,
					M: 8, N: 4, Trials: 2, Outputs: 64, Promotions: promotions(256, c), Acc: o.Acc(pi, i), Tot: o.Tot(pi, i)})
			}
		}
		if g, w := csvBytes(t, got), csvBytes(t, want); !bytes.Equal(g, w) {
			t.Errorf("%s: trial runner and sweep differ:\n%s\n%s", tc.preset, g, w)
		}
	}
}

func TestTrialsErrors(t *testing.T) {
	e4, _ := tensorcore.Lookup("h100-wgmma-e4m3-e4m3")
	e5, _ := tensorcore.Lookup("h100-wgmma-e5m2-e5m2")
	mx, _ := tensorcore.Lookup("b200-mxf8-e4m3-e4m3")
	d, _ := LookupDist("normal")
	sc, _ := LookupScaling("tensor")
	for _, tc := range []struct {
		name string
		t    Trials
		err  string
	}{
		{"empty", Trials{}, "empty trials: presets, intervals, M, N, K and trials must be given"},
		{"formats", Trials{Presets: []*tensorcore.Preset{e4, e5}, Nc: []int{NcNever}, Dist: d, Scaling: sc, M: 1, N: 1, K: 32, Trials: 1},
			"presets h100-wgmma-e4m3-e4m3 and h100-wgmma-e5m2-e5m2 quantise their operands differently"},
		{"blocks", Trials{Presets: []*tensorcore.Preset{e4, mx}, Nc: []int{NcNever}, Dist: d, Scaling: sc, M: 1, N: 1, K: 32, Trials: 1},
			"presets h100-wgmma-e4m3-e4m3 and b200-mxf8-e4m3-e4m3 quantise their operands differently"},
		{"unscaled", Trials{Presets: []*tensorcore.Preset{mx}, Nc: []int{NcNever}, Dist: d, Scaling: sc, M: 1, N: 1, K: 32, Trials: 1, Unscaled: true},
			"b200-mxf8-e4m3-e4m3 has in-core block scales; it cannot run unscaled"},
	} {
		if _, err := tc.t.Run(context.Background()); err == nil || err.Error() != tc.err {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
		}
	}
}
