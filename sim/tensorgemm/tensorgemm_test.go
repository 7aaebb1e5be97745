package tensorgemm

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/tcsim/tcsim/sim/npy"
	"github.com/tcsim/tcsim/sim/safetensors"

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

// Oracle for the operand reader on arbitrary file contents: never a panic;
// an accepted operand holds exactly the elements the npy or safetensors
// package reads from the same bytes, laid out Rows×K (transposed for a K×N
// B), with non-finite values counted and zeroed.
func FuzzLoad(f *testing.F) {
	for _, a := range []npy.Array{
		npy.FromFloat32([]int{2, 3}, []float32{1, 2, float32(math.NaN()), 4, float32(math.Inf(1)), 6}),
		npy.FromCodes(npy.BFloat16, []int{3, 2}, []uint32{0x3f80, 0xc000, 0x7fc0, 1, 2, 3}),
		npy.FromFloat64([]int{1, 2, 2}, []float64{1, 2, 3, 4}),
	} {
		b, _ := npy.Encode(a)
		f.Add(b, false)
		f.Add(b, true)
	}
	st, _ := safetensors.Encode([]safetensors.Tensor{safetensors.FromCodes("w", safetensors.F8E4M3, []int{2, 3}, []uint32{0x38, 0x7f, 0xb8, 1, 2, 3})}, nil)
	f.Add(st, true)
	f.Fuzz(func(t *testing.T, data []byte, kMajor bool) {
		path := filepath.Join(t.TempDir(), "x")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		p, err := Open(RoleB, Spec{Source: path, Format: "e5m2", KMajor: kMajor})
		if err != nil {
			p, err = Open(RoleB, Spec{Source: path, KMajor: kMajor})
		}
		if err != nil {
			return
		}
		defer p.Close()
		op, err := p.Load()
		if err != nil {
			return
		}
		// The elements as the format packages read them, C order.
		var want []float64
		if a, err := npy.Read(bytes.NewReader(data), npy.Limits{}); err == nil {
			if want, err = a.Float64s(); err != nil {
				codes, _ := a.Codes()
				f, _ := p.Format()
				for _, c := range codes {
					want = append(want, f.Decode(c))
				}
			}
		} else {
			file, err := safetensors.Decode(data, safetensors.Limits{})
			if err != nil {
				t.Fatalf("accepted what neither reader accepts: %v", err)
			}
			tn, _ := file.Tensor(file.Names()[0])
			want, _ = tn.Float64s()
		}
		if len(want) != op.Rows*op.K {
			t.Fatalf("%d elements, the operand is %d×%d", len(want), op.Rows, op.K)
		}
		nonFinite := 0
		for r := range op.Rows {
			for k := range op.K {
				w := want[r*op.K+k]
				if p.transposed {
					w = want[k*op.Rows+r]
				}
				if math.IsNaN(w) || math.IsInf(w, 0) {
					nonFinite++
					w = 0
				}
				if got := op.Values[r*op.K+k]; math.Float64bits(got) != math.Float64bits(w) {
					t.Fatalf("(%d,%d) = %v, want %v", r, k, got, w)
				}
			}
		}
		if nonFinite != op.NaN+op.Inf {
			t.Fatalf("counted %d+%d non-finite, want %d", op.NaN, op.Inf, nonFinite)
		}
	})
}
