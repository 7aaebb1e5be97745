package tensorgemm

import (
	"context"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/tcsim/tcsim/sim/sweep"
	"github.com/tcsim/tcsim/tensorcore"
)

func realOperand(role Role, rows, k int, seed uint64) *Operand {
	r := rand.New(rand.NewPCG(seed, 1))
	op := &Operand{Role: role, Rows: rows, K: k, Values: make([]float64, rows*k), Bad: make([]bool, rows), Shape: []int{rows, k}}
	for i := range op.Values {
		op.Values[i] = r.NormFloat64()
	}
	return op
}

// The error along K at the last prefix, on all outputs (at most 16×16), is
// the point's own accumulation error: the truncated sub-problems are the
// problem itself when nothing is truncated.
func TestErrorAlongKEndsAtTheResult(t *testing.T) {
	p, err := tensorcore.Lookup("h100-wgmma-e4m3-e4m3")
	if err != nil {
		t.Fatal(err)
	}
	a, b := realOperand(RoleA, 12, 640, 1), realOperand(RoleB, 9, 640, 2)
	opt := Options{Presets: []*tensorcore.Preset{p}, Scalings: []string{"deepseek", "row"}, Nc: []int{32, 128, sweep.NcNever}, Baseline: true, SplitK: 2}
	res, err := Run(context.Background(), a, b, opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Points) != 3+4 || len(res.Skipped) != 1 {
		t.Fatalf("%d points, skipped %v", len(res.Points), res.Skipped)
	}
	ks, err := ErrorAlongK(context.Background(), res, 5)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range ks {
		pt := &res.Points[i]
		if len(s.K) == 0 || s.K[len(s.K)-1] != 640 || len(s.Metrics) != len(s.K) {
			t.Fatalf("%s N_c %d: prefixes %v", pt.Scaling, pt.Nc, s.K)
		}
		if pt.Scaling == "deepseek" && s.K[0] <= 128 {
			t.Errorf("deepseek prefixes start at %d, inside the first scale block", s.K[0])
		}
		last := s.Metrics[len(s.Metrics)-1]
		if !reflect.DeepEqual(last, pt.Acc) {
			t.Errorf("%s N_c %d: at K the error is %+v, the result's %+v", pt.Scaling, pt.Nc, last, pt.Acc)
		}
	}
}

func TestPrefixes(t *testing.T) {
	cases := []struct {
		k, step, steps int
		want           []int
	}{
		{640, 128, 5, []int{128, 256, 384, 512, 640}},
		{640, 128, 32, []int{128, 256, 384, 512, 640}},
		{4096, 128, 4, []int{1024, 2048, 3072, 4096}},
		{96, 32, 32, []int{32, 64, 96}},
	}
	for _, c := range cases {
		if got := prefixes(c.k, c.step, c.steps); !reflect.DeepEqual(got, c.want) {
			t.Errorf("prefixes(%d, %d, %d) = %v, want %v", c.k, c.step, c.steps, got, c.want)
		}
	}
}
