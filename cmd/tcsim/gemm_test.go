package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"image/png"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/tcsim/tcsim/numerics"
	"github.com/tcsim/tcsim/sim"
	"github.com/tcsim/tcsim/sim/npy"
	"github.com/tcsim/tcsim/sim/records"
	"github.com/tcsim/tcsim/sim/safetensors"
	"github.com/tcsim/tcsim/sim/sweep"
	"github.com/tcsim/tcsim/tensorcore"
)

var update = flag.Bool("update", false, "rewrite the golden files of tcsim gemm")

func writeNpy(t *testing.T, path string, a npy.Array) {
	t.Helper()
	b, err := npy.Encode(a)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeST(t *testing.T, path string, ts ...safetensors.Tensor) {
	t.Helper()
	b, err := safetensors.Encode(ts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// gemmRun runs tcsim gemm in dir and returns its exit status and output.
func gemmRun(t *testing.T, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	t.Chdir(dir)
	code = run(&o, &e, append([]string{"gemm"}, args...))
	return code, o.String(), e.String()
}

func mustGEMM(t *testing.T, dir string, args ...string) string {
	t.Helper()
	code, stdout, stderr := gemmRun(t, dir, args...)
	if code != 0 {
		t.Fatalf("tcsim gemm %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
	}
	return stdout
}

// readD reads an output .npy of float32.
func readD(t *testing.T, path string) []float32 {
	t.Helper()
	a, err := npy.ReadFile(path, npy.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	codes, err := a.Codes()
	if err != nil || a.DType != npy.Float32 {
		t.Fatalf("%s: %v %v", path, a.DType, err)
	}
	d := make([]float32, len(codes))
	for i, c := range codes {
		d[i] = math.Float32frombits(c)
	}
	return d
}

func toCodes(b []byte) []uint32 {
	c := make([]uint32, len(b))
	for i, x := range b {
		c[i] = uint32(x)
	}
	return c
}

const h100Dir = "../../testdata/h100"

// The cuBLAS GEMMs recorded on an H100, written as an ml_dtypes-style .npy
// (A) and a safetensors F8_E4M3 PyTorch weight (B), come out of tcsim gemm
// bit for bit: one tensor-core chain over K for the fast kernel (split-K
// into 6 slices for gemm_03), N_c = 128 for the others.
func TestGEMMReproducesH100GEMMRecords(t *testing.T) {
	path, _ := filepath.Abs(filepath.Join(h100Dir, "gemm_cases.csv.gz"))
	total, matched := 0, 0
	err := records.Each(records.OpenOS, path, records.NewGEMMReader, func(_ *records.GEMMReader, gc *records.GEMMCase) error {
		dir := t.TempDir()
		writeNpy(t, filepath.Join(dir, "a.npy"), npy.FromCodes(npy.Void8, []int{gc.M, gc.K}, toCodes(gc.A)))
		writeST(t, filepath.Join(dir, "w.safetensors"), safetensors.FromCodes("weight", safetensors.F8E4M3, []int{gc.N, gc.K}, toCodes(gc.B)))
		base := []string{"--a", "a.npy", "--a-format", "e4m3", "--b", "w.safetensors:weight", "--b-transpose", "--no-baseline"}
		split := []string{}
		if gc.Case == "gemm_03" {
			split = []string{"--split-k", "6"}
		}
		mustGEMM(t, dir, append(append(base, "--nc", "never", "--out", "fast"), split...)...)
		mustGEMM(t, dir, append(base, "--nc", "128", "--out", "chunk")...)
		for _, out := range gc.Outputs {
			file := "chunk/d_h100-wgmma-e4m3-e4m3_none_nc-128.npy"
			if out.What == "D_fast" {
				file = "fast/d_h100-wgmma-e4m3-e4m3_none_nc-never.npy"
			}
			d := readD(t, filepath.Join(dir, file))
			for e, want := range out.D {
				total++
				if math.Float32bits(d[e]) == want {
					matched++
				}
			}
			t.Logf("%s %s: %d×%d×%d", gc.Case, out.What, gc.M, gc.N, gc.K)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cuBLAS GEMM outputs reproduced: %d of %d", matched, total)
	if total != 196608+768 || matched != total {
		t.Errorf("reproduced %d of %d recorded outputs, want all of 197376", matched, total)
	}
}

// The single-instruction records (C = 0) of both H100 instruction files:
// the operands of each configuration stacked as the rows of a safetensors
// A and the columns of a K×N .npy B; the diagonal of D is the recorded
// outputs, bit for bit.
func TestGEMMReproducesH100InstructionRecords(t *testing.T) {
	if testing.Short() {
		t.Skip("1.5 s: the cuBLAS GEMM test covers the -short run")
	}
	total, matched := 0, 0
	dir, _ := filepath.Abs(h100Dir)
	for _, file := range []string{"inst_wgmma.csv.gz", "inst_mma.csv.gz"} {
		byConfig := map[string][]*records.InstRecord{}
		var order []string
		err := records.Each(records.OpenOS, filepath.Join(dir, file), records.NewInstReader, func(_ *records.InstReader, rec *records.InstRecord) error {
			if rec.Config.UseC || rec.Config.F16Acc {
				return nil
			}
			if byConfig[rec.Config.Name] == nil {
				order = append(order, rec.Config.Name)
			}
			byConfig[rec.Config.Name] = append(byConfig[rec.Config.Name], rec)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range order {
			all := byConfig[name]
			m := 0
			for lo := 0; lo < len(all); lo += 128 { // one GEMM per 128 records
				m += diagonalMatches(t, all[lo:min(lo+128, len(all))])
			}
			t.Logf("%s %s: %d of %d", file, name, m, len(all))
			total, matched = total+len(all), matched+m
		}
	}
	t.Logf("instruction outputs reproduced: %d of %d", matched, total)
	if total != 6*768 || matched != total {
		t.Errorf("reproduced %d of %d instruction outputs, want all of %d", matched, total, 6*768)
	}
}

// diagonalMatches runs the records' operands as one GEMM (A from
// safetensors, B as a K×N .npy) and counts the diagonal outputs that equal
// the recorded ones.
func diagonalMatches(t *testing.T, recs []*records.InstRecord) int {
	cfg := recs[0].Config
	preset := fmt.Sprintf("h100-%s-%s-%s", cfg.Instr, cfg.A, cfg.B)
	k, n := len(recs[0].A), len(recs)
	a, bT := make([]uint32, 0, n*k), make([]uint32, n*k)
	for j, rec := range recs {
		a = append(a, rec.A...)
		for kk, c := range rec.B {
			bT[kk*n+j] = c // B stored K×N: column j is record j's b
		}
	}
	dir := t.TempDir()
	dtype := map[string]safetensors.DType{"e4m3": safetensors.F8E4M3, "e5m2": safetensors.F8E5M2}[cfg.A.Name()]
	writeST(t, filepath.Join(dir, "a.safetensors"), safetensors.FromCodes("x", dtype, []int{n, k}, a))
	writeNpy(t, filepath.Join(dir, "b.npy"), npy.FromCodes(npy.Void8, []int{k, n}, bT))
	mustGEMM(t, dir, "--a", "a.safetensors", "--b", "b.npy", "--b-format", cfg.B.Name(), "--preset", preset,
		"--nc", "never", "--no-baseline", "--out", "out")
	d := readD(t, filepath.Join(dir, "out", fmt.Sprintf("d_%s_none_nc-never.npy", preset)))
	m := 0
	for j, rec := range recs {
		if math.Float32bits(d[j*n+j]) == rec.D {
			m++
		}
	}
	return m
}

// sweepInputs are the inputs the sweep draws for one trial (its stream
// function: the seed, then FNV-1a of "dist/k/trial/role").
func sweepInputs(d sweep.Dist, seed uint64, m, n, k int) (x, w []float64) {
	x, w = make([]float64, m*k), make([]float64, n*k)
	for role, v := range [][]float64{x, w} {
		h := fnv.New64a()
		fmt.Fprintf(h, "%s/%d/%d/%d", d.Name, k, 0, role)
		rows := m
		if role == 1 {
			rows = n
		}
		d.Fill(rand.New(rand.NewPCG(seed, h.Sum64())), v, rows, k, sweep.Role(role))
	}
	return x, w
}

// tcsim gemm on float64 files of the sweep's own inputs gives exactly the
// sweep's rows: every metric, bit for bit.
func TestGEMMAgreesWithSweep(t *testing.T) {
	const m, n, k, seed = 16, 8, 512, 5
	spec := sweep.Spec{Presets: []string{"h100-wgmma-e4m3-e4m3"}, K: []int{k}, Nc: sweep.NcList{32, 128, sweep.NcNever},
		Dists: []string{"outlier"}, Scalings: []string{"deepseek", "tensor"}, M: m, N: n, Trials: 1, Seed: seed, Baseline: true}
	groups, err := spec.Groups()
	if err != nil {
		t.Fatal(err)
	}
	var want []sweep.Row
	for _, g := range groups {
		rows, err := spec.RunGroup(context.Background(), g)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, rows...)
	}
	x, w := sweepInputs(groups[0].Dist, seed, m, n, k)
	dir := t.TempDir()
	writeNpy(t, filepath.Join(dir, "x.npy"), npy.FromFloat64([]int{m, k}, x))
	writeST(t, filepath.Join(dir, "w.safetensors"), safetensors.FromFloat64("w", []int{n, k}, w))
	mustGEMM(t, dir, "--a", "x.npy", "--b", "w.safetensors", "--b-transpose", "--nc", "32,128,never", "--scaling", "deepseek,tensor", "--out", "out")
	f, err := os.Open(filepath.Join(dir, "out", "results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := sweep.ReadCSV(f, "results.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d rows, the sweep has %d", len(got), len(want))
	}
	for i := range want {
		g := got[i]
		g.Dist = want[i].Dist
		want[i].Acc.N, want[i].Tot.N = 0, 0 // not in results.csv
		if !reflect.DeepEqual(fmt.Sprint(g), fmt.Sprint(want[i])) {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, g, want[i])
		}
	}
}

// Operands read from F32 safetensors and bfloat16 .npy files give the same
// bytes as float64 files of the same values: every output, reference and
// metric.
func TestGEMMReadsF32AndBF16(t *testing.T) {
	const m, n, k = 8, 12, 256
	r := rand.New(rand.NewPCG(9, 9))
	x32 := make([]float32, m*k)
	x64 := make([]float64, m*k)
	for i := range x32 {
		x32[i] = float32(r.NormFloat64())
		x64[i] = float64(x32[i])
	}
	wbf := make([]uint32, n*k)
	w64 := make([]float64, n*k)
	for i := range wbf {
		wbf[i] = numerics.BF16.Encode(r.NormFloat64()*0.02, numerics.NearestEven, numerics.Saturate)
		w64[i] = numerics.BF16.Decode(wbf[i])
	}
	dir := t.TempDir()
	writeST(t, filepath.Join(dir, "x.safetensors"), safetensors.FromCodes("x", safetensors.F32, []int{m, k}, func() []uint32 {
		c := make([]uint32, len(x32))
		for i, v := range x32 {
			c[i] = math.Float32bits(v)
		}
		return c
	}()))
	writeNpy(t, filepath.Join(dir, "w.npy"), npy.FromCodes(npy.BFloat16, []int{n, k}, wbf))
	writeNpy(t, filepath.Join(dir, "x64.npy"), npy.FromFloat64([]int{m, k}, x64))
	writeNpy(t, filepath.Join(dir, "w64.npy"), npy.FromFloat64([]int{n, k}, w64))
	args := []string{"--b-transpose", "--nc", "64,128", "--scaling", "deepseek,row", "--preset", "h100-wgmma-e4m3-e4m3,h100-wgmma-e5m2-e5m2"}
	mustGEMM(t, dir, append([]string{"--a", "x.safetensors:x", "--b", "w.npy", "--out", "narrow"}, args...)...)
	mustGEMM(t, dir, append([]string{"--a", "x64.npy", "--b", "w64.npy", "--out", "wide"}, args...)...)
	entries, err := os.ReadDir(filepath.Join(dir, "wide"))
	if err != nil {
		t.Fatal(err)
	}
	compared := 0
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".npy") && e.Name() != "results.csv" {
			continue
		}
		if !bytes.Equal(readFile(t, filepath.Join(dir, "wide", e.Name())), readFile(t, filepath.Join(dir, "narrow", e.Name()))) {
			t.Errorf("%s differs between F32/BF16 and float64 inputs", e.Name())
		}
		compared++
	}
	if compared != 2*2*3+4+1+1 {
		t.Errorf("compared %d files", compared)
	}
	// And the D files are the sim engine's own GEMM of the same quantisation.
	p, _ := tensorcore.Lookup("h100-wgmma-e4m3-e4m3")
	qa, _ := sim.Quantize(x64, m, k, p.A, sim.PerRow, false, sim.Headroom(p.A, p.Acc(), k))
	qb, _ := sim.Quantize(w64, n, k, p.B, sim.PerRow, false, sim.Headroom(p.B, p.Acc(), k))
	prob, err := sim.NewScaledProblem(qa, qb)
	if err != nil {
		t.Fatal(err)
	}
	want, err := sim.GEMM(sim.Config{Preset: p, Nc: 64}, prob)
	if err != nil {
		t.Fatal(err)
	}
	got := readD(t, filepath.Join(dir, "narrow", "d_h100-wgmma-e4m3-e4m3_row_nc-64.npy"))
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("D[%d] = %v, the engine gives %v", i, got[i], want[i])
		}
	}
}

// goldenOperands writes a small deterministic GEMM's operands: an
// activation with an outlier channel (float32 .npy) and a PyTorch-layout
// weight (bfloat16 safetensors).
func goldenOperands(t *testing.T, dir string) {
	const m, n, k = 6, 10, 256
	r := rand.New(rand.NewPCG(2026, 13))
	x := make([]float32, m*k)
	for i := range x {
		x[i] = float32(r.NormFloat64())
		if i%k == 17 {
			x[i] *= 40
		}
	}
	w := make([]uint32, n*k)
	for i := range w {
		w[i] = numerics.BF16.Encode(0.05*r.NormFloat64(), numerics.NearestEven, numerics.Saturate)
	}
	writeNpy(t, filepath.Join(dir, "x.npy"), npy.FromFloat32([]int{2, m / 2, k}, x))
	writeST(t, filepath.Join(dir, "layer.safetensors"), safetensors.FromCodes("proj.weight", safetensors.BF16, []int{n, k}, w),
		safetensors.FromFloat32("proj.bias", []int{n}, make([]float32, n)))
}

// Golden files for the report: report.json, results.csv, error_vs_k.csv
// and the printed table (go test ./cmd/tcsim -run TestGEMMGolden -update
// rewrites them).
func TestGEMMGolden(t *testing.T) {
	golden, _ := filepath.Abs(filepath.Join("testdata", "gemm"))
	dir := t.TempDir()
	goldenOperands(t, dir)
	stdout := mustGEMM(t, dir, "--a", "x.npy", "--b", "layer.safetensors:proj.weight", "--b-transpose",
		"--preset", "h100-wgmma-e4m3-e4m3,h100-wgmma-e5m2-e5m2", "--nc", "32,128,never", "--scaling", "deepseek,tensor",
		"--error-vs-k", "--out", "out")
	rep := readFile(t, filepath.Join(dir, "out", "report.json"))
	var m map[string]any
	if err := json.Unmarshal(rep, &m); err != nil {
		t.Fatal(err)
	}
	if m["version"] != version {
		t.Errorf("report version %v, want %s", m["version"], version)
	}
	rep = bytes.Replace(rep, []byte(`"version": "`+version+`"`), []byte(`"version": "VERSION"`), 1)
	got := map[string][]byte{
		"report.json":    rep,
		"results.csv":    readFile(t, filepath.Join(dir, "out", "results.csv")),
		"error_vs_k.csv": readFile(t, filepath.Join(dir, "out", "error_vs_k.csv")),
		"table.txt":      []byte(stdout),
	}
	for name, b := range got {
		path := filepath.Join(golden, name)
		if *update {
			if err := os.MkdirAll(golden, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if want := readFile(t, path); !bytes.Equal(b, want) {
			t.Errorf("%s differs from %s:\n%s", name, path, b)
		}
	}
	for _, name := range []string{"rel_error.png", "error_vs_k.png"} {
		f, err := os.Open(filepath.Join(dir, "out", name))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil || img.Bounds().Dx() < 1000 {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Bad inputs: one line on stderr, exit 2, and no output directory.
func TestGEMMBadInput(t *testing.T) {
	dir := t.TempDir()
	goldenOperands(t, dir)
	x := readFile(t, filepath.Join(dir, "x.npy"))
	files := map[string][]byte{
		"trunc.npy":        x[:len(x)-5],
		"text.npy":         []byte("hello, this is not an array\n"),
		"ints.npy":         mustEncode(t, npy.FromInt64([]int{6, 256}, make([]int64, 6*256))),
		"v1.npy":           mustEncode(t, npy.FromCodes(npy.Void8, []int{6, 256}, make([]uint32, 6*256))),
		"e5m2.safetensors": mustST(t, safetensors.FromCodes("w", safetensors.F8E5M2, []int{10, 256}, make([]uint32, 2560))),
		"i32.safetensors":  mustST(t, safetensors.Tensor{Name: "w", DType: safetensors.I32, Shape: []int{10, 256}, Data: make([]byte, 10240)}),
		"trunc.safetensors": func() []byte {
			b := mustST(t, safetensors.FromFloat32("w", []int{10, 256}, make([]float32, 2560)))
			return b[:len(b)-1]
		}(),
		"scaled.safetensors": mustST(t, safetensors.FromCodes("w", safetensors.F8E4M3, []int{10, 256}, make([]uint32, 2560)),
			safetensors.FromFloat32("w_scale_inv", []int{2, 2}, []float32{1, 1, 1, 1})),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(filepath.Join(dir, "full"), 0o755)
	os.WriteFile(filepath.Join(dir, "full", "f"), nil, 0o644)
	w := "layer.safetensors:proj.weight"
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--a", "x.npy", "--b", w}, "A x.npy of shape [2 3 256] and B layer.safetensors:proj.weight of shape [10 256] do not multiply"},
		{[]string{"--a", "trunc.npy", "--b", w, "--b-transpose"}, "A: trunc.npy: npy: float32[2 3 256] needs 6144 bytes of data: file truncated"},
		{[]string{"--a", "text.npy", "--b", w, "--b-transpose"}, "A: text.npy: neither a .npy nor a safetensors file"},
		{[]string{"--a", "missing.npy", "--b", w, "--b-transpose"}, "A: missing.npy: open missing.npy: no such file"},
		{[]string{"--a", "ints.npy", "--b", w, "--b-transpose"}, "unsupported dtype int64"},
		{[]string{"--a", "v1.npy", "--b", w, "--b-transpose"}, "name it (e4m3 or e5m2) with --a-format"},
		{[]string{"--a", "x.npy", "--a-format", "e4m3", "--b", w, "--b-transpose"}, "already says what its elements are"},
		{[]string{"--a", "x.npy", "--b", "i32.safetensors:w", "--b-transpose"}, "unsupported dtype I32"},
		{[]string{"--a", "x.npy", "--b", "trunc.safetensors", "--b-transpose"}, "file truncated"},
		{[]string{"--a", "x.npy", "--b", "layer.safetensors", "--b-transpose"}, "the file holds 2 tensors: name one as FILE.safetensors:TENSOR (proj.bias, proj.weight)"},
		{[]string{"--a", "x.npy", "--b", "layer.safetensors:nope", "--b-transpose"}, `no tensor "nope" in the file`},
		{[]string{"--a", "x.npy", "--b", "e5m2.safetensors:w", "--b-transpose", "--preset", "h100-wgmma-e4m3-e4m3"}, "holds e5m2 codes, and preset h100-wgmma-e4m3-e4m3 takes e4m3 for B"},
		{[]string{"--a", "x.npy", "--b", "scaled.safetensors:w", "--b-transpose"}, "scales of shape [2 2] do not fit [10 256]: want one per 128×128 block, [1 2]"},
		{[]string{"--a", "x.npy", "--b", w, "--b-transpose", "--max-memory", "1KiB"}, "over --max-memory 1KiB"},
		{[]string{"--a", "x.npy", "--b", w, "--b-transpose", "--out", "full"}, "--out full exists and is not empty"},
		{[]string{"--a", "x.npy", "--b", w, "--b-transpose", "--scaling", "nope"}, "unknown scaling"},
		{[]string{"--a", "x.npy", "--b", w, "--b-transpose", "--nc", "fp32"}, `--nc "fp32"`},
		{[]string{"--a", "x.npy", "--b", w, "--b-transpose", "--scaling", "none"}, "values are not exact in e4m3"},
		{[]string{"--a", "x.npy"}, "--a and --b are required"},
	}
	for _, c := range cases {
		args := c.args
		if !slices.Contains(args, "--out") {
			args = append(args, "--out", "o")
		}
		code, stdout, stderr := gemmRun(t, dir, args...)
		first, _, _ := strings.Cut(stderr, "\n")
		if code != 2 || !strings.Contains(first, c.want) || stdout != "" {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", c.args, code, stderr, c.want)
		}
		if strings.Count(stderr, "\n") > 2 {
			t.Errorf("%v: more than one line of error: %q", c.args, stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "o")); err == nil {
			t.Fatalf("%v: wrote an output directory", c.args)
		}
	}
}

func mustEncode(t *testing.T, a npy.Array) []byte {
	b, err := npy.Encode(a)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustST(t *testing.T, ts ...safetensors.Tensor) []byte {
	b, err := safetensors.Encode(ts, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// NaN and Inf inputs are counted; the outputs that depend on them are left
// out of the metrics; real NaN/Inf give NaN outputs, FP8 NaN codes give
// what the datapath gives (canonical NaN).
func TestGEMMNonFinite(t *testing.T) {
	const m, n, k = 5, 4, 128
	r := rand.New(rand.NewPCG(4, 4))
	x := make([]float32, m*k)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	x[1*k+5], x[3*k+100] = float32(math.NaN()), float32(math.Inf(-1))
	w := make([]uint32, n*k)
	for i := range w {
		w[i] = numerics.E4M3.Encode(r.NormFloat64(), numerics.NearestEven, numerics.Saturate)
	}
	w[2*k+7] = 0x7f // e4m3 NaN in column 2
	dir := t.TempDir()
	writeNpy(t, filepath.Join(dir, "x.npy"), npy.FromFloat32([]int{m, k}, x))
	writeST(t, filepath.Join(dir, "w.safetensors"), safetensors.FromCodes("w", safetensors.F8E4M3, []int{n, k}, w))
	code, stdout, stderr := gemmRun(t, dir, "--a", "x.npy", "--b", "w.safetensors", "--b-transpose", "--nc", "128", "--scaling", "tensor", "--no-baseline", "--out", "o")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "A (x.npy) holds 1 NaN and 1 Inf") || !strings.Contains(stderr, "B (w.safetensors) holds 1 NaN and 0 Inf") {
		t.Errorf("stderr does not count the non-finite inputs:\n%s", stderr)
	}
	poisoned := 2*n + m - 2
	if !strings.Contains(stdout, fmt.Sprintf("%d outputs depend on NaN or Inf inputs", poisoned)) {
		t.Errorf("stdout:\n%s", stdout)
	}
	var rep struct {
		A, B     struct{ NaN, Inf int }
		Poisoned int `json:"outputs_with_nonfinite_inputs"`
	}
	if err := json.Unmarshal(readFile(t, filepath.Join(dir, "o", "report.json")), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.A.NaN != 1 || rep.A.Inf != 1 || rep.B.NaN != 1 || rep.B.Inf != 0 || rep.Poisoned != poisoned {
		t.Errorf("report counts %+v", rep)
	}
	d := readD(t, filepath.Join(dir, "o", "d_h100-wgmma-e4m3-e4m3_tensor_nc-128.npy"))
	ex, _ := npy.ReadFile(filepath.Join(dir, "o", "exact_h100-wgmma-e4m3-e4m3_tensor.npy"), npy.Limits{})
	exact, _ := ex.Float64s()
	for i := range m {
		for j := range n {
			e := i*n + j
			bad := i == 1 || i == 3 || j == 2
			if bad != math.IsNaN(exact[e]) {
				t.Errorf("exact[%d,%d] = %v", i, j, exact[e])
			}
			if bad && math.Float32bits(d[e]) != 0x7fffffff || !bad && math.IsNaN(float64(d[e])) {
				t.Errorf("D[%d,%d] = %#x", i, j, math.Float32bits(d[e]))
			}
		}
	}
	f, _ := os.Open(filepath.Join(dir, "o", "results.csv"))
	defer f.Close()
	rows, err := sweep.ReadCSV(f, "results.csv")
	if err != nil || rows[0].Outputs != m*n-poisoned || rows[0].Acc.NonFinite != 0 {
		t.Errorf("results.csv: %+v, %v", rows, err)
	}
}

// A DeepSeek-V3-style FP8 weight with its weight_scale_inv (one FP32 per
// 128×128 block, w = q·s) is read with its scales: the exact reference is
// Σ a·q·s computed independently with math/big, and D is the engine's
// GEMM with the scales applied at promotion. The same weight stored K×N
// with its scales in a .npy file gives the same bytes.
func TestGEMMDeepSeekScales(t *testing.T) {
	const m, n, k = 3, 200, 384
	r := rand.New(rand.NewPCG(7, 1))
	enc := func(v float64) uint32 { return numerics.E4M3.Encode(v, numerics.NearestEven, numerics.Saturate) }
	a := make([]uint32, m*k)
	for i := range a {
		a[i] = enc(r.NormFloat64() * 20)
	}
	q := make([]uint32, n*k)
	for i := range q {
		q[i] = enc(r.NormFloat64() * 100)
	}
	nb, kb := (n+127)/128, k/128
	s := make([]float32, nb*kb)
	for i := range s {
		s[i] = float32(math.Ldexp(1+r.Float64(), -10-r.IntN(4)))
	}
	dir := t.TempDir()
	writeNpy(t, filepath.Join(dir, "a.npy"), npy.FromCodes(npy.Void8, []int{m, k}, a))
	writeST(t, filepath.Join(dir, "ckpt.safetensors"),
		safetensors.FromCodes("mlp.down_proj.weight", safetensors.F8E4M3, []int{n, k}, q),
		safetensors.FromFloat32("mlp.down_proj.weight_scale_inv", []int{nb, kb}, s))
	qT := make([]uint32, k*n)
	for j := range n {
		for kk := range k {
			qT[kk*n+j] = q[j*k+kk]
		}
	}
	sT := make([]float32, kb*nb)
	for bj := range nb {
		for bk := range kb {
			sT[bk*nb+bj] = s[bj*kb+bk]
		}
	}
	writeNpy(t, filepath.Join(dir, "qT.npy"), npy.FromCodes(npy.Void8, []int{k, n}, qT))
	writeNpy(t, filepath.Join(dir, "sT.npy"), npy.FromFloat32([]int{kb, nb}, sT))
	mustGEMM(t, dir, "--a", "a.npy", "--a-format", "e4m3", "--b", "ckpt.safetensors:mlp.down_proj.weight", "--b-transpose",
		"--nc", "64,128", "--out", "st")
	mustGEMM(t, dir, "--a", "a.npy", "--a-format", "e4m3", "--b", "qT.npy", "--b-format", "e4m3", "--b-scale", "sT.npy",
		"--nc", "64,128", "--out", "np")
	for _, f := range []string{"d_h100-wgmma-e4m3-e4m3_none_nc-64.npy", "d_h100-wgmma-e4m3-e4m3_none_nc-128.npy",
		"d_h100-wgmma-e4m3-e4m3_none_nc-fp32.npy", "exact_h100-wgmma-e4m3-e4m3_none.npy", "float64_product.npy"} {
		if !bytes.Equal(readFile(t, filepath.Join(dir, "st", f)), readFile(t, filepath.Join(dir, "np", f))) {
			t.Errorf("%s: the K×N layout gives other bytes", f)
		}
	}
	ex, _ := npy.ReadFile(filepath.Join(dir, "st", "exact_h100-wgmma-e4m3-e4m3_none.npy"), npy.Limits{})
	exact, _ := ex.Float64s()
	for i := range m {
		for j := range n {
			sum := new(big.Float).SetPrec(256)
			for kk := range k {
				t := new(big.Float).SetPrec(256).SetFloat64(numerics.E4M3.Decode(a[i*k+kk]))
				t.Mul(t, new(big.Float).SetFloat64(numerics.E4M3.Decode(q[j*k+kk])))
				t.Mul(t, new(big.Float).SetFloat64(float64(s[j/128*kb+kk/128])))
				sum.Add(sum, t)
			}
			want, _ := sum.Float64()
			if math.Float64bits(exact[i*n+j]) != math.Float64bits(want) {
				t.Fatalf("exact[%d,%d] = %v, want %v", i, j, exact[i*n+j], want)
			}
		}
	}
	p, _ := tensorcore.Lookup("h100-wgmma-e4m3-e4m3")
	prob := &sim.Problem{M: m, N: n, K: k, A: a, B: q, SA: make([]float32, m*kb), SB: make([]float32, n*kb), ScaleBlock: 128}
	for i := range prob.SA {
		prob.SA[i] = 1
	}
	for j := range n {
		for b := range kb {
			prob.SB[j*kb+b] = s[j/128*kb+b]
		}
	}
	want, err := sim.GEMM(sim.Config{Preset: p, Nc: 64}, prob)
	if err != nil {
		t.Fatal(err)
	}
	got := readD(t, filepath.Join(dir, "st", "d_h100-wgmma-e4m3-e4m3_none_nc-64.npy"))
	for e := range want {
		if math.Float32bits(got[e]) != math.Float32bits(want[e]) {
			t.Fatalf("D[%d] = %v, the engine gives %v", e, got[e], want[e])
		}
	}
}

// Every output file is the same bytes whatever GOMAXPROCS.
func TestGEMMDeterministic(t *testing.T) {
	dir := t.TempDir()
	goldenOperands(t, dir)
	args := []string{"--a", "x.npy", "--b", "layer.safetensors:proj.weight", "--b-transpose", "--nc", "32,never",
		"--scaling", "deepseek,tensor", "--split-k", "2", "--error-vs-k"}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for i, procs := range []int{1, 5} {
		runtime.GOMAXPROCS(procs)
		mustGEMM(t, dir, append(args, "--out", fmt.Sprint("p", i))...)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "p0"))
	if err != nil || len(entries) < 10 {
		t.Fatalf("%d files, %v", len(entries), err)
	}
	for _, e := range entries {
		if !bytes.Equal(readFile(t, filepath.Join(dir, "p0", e.Name())), readFile(t, filepath.Join(dir, "p1", e.Name()))) {
			t.Errorf("%s differs between GOMAXPROCS 1 and 5", e.Name())
		}
	}
}

// The files of tcsim train are valid inputs: its --save-batch file (F32
// weights, F64 gradients, named FILE:TENSOR although it does not end in
// .safetensors) gives the engine's GEMM of the same quantised values.
func TestGEMMReadsTrainBatch(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if code := run(&out, &errb, []string{"train", "--short", "--steps", "0", "--recipe", "fp32", "--batch-tokens", "256",
		"--ctx", "16", "--eval-seqs", "4", "--save-batch", filepath.Join(dir, "b.st")}); code != 0 {
		t.Fatalf("train: exit %d: %s", code, errb.String())
	}
	const a, b = "transformer.wte.weight", "grad.transformer.h.0.mlp.c_fc.weight"
	mustGEMM(t, dir, "--a", "b.st:"+a, "--b", "b.st:"+b, "--b-transpose", "--scaling", "tensor", "--nc", "32", "--no-baseline", "--out", "o")
	f, err := safetensors.Open(filepath.Join(dir, "b.st"), safetensors.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	values := func(name string) ([]float64, []int) {
		tn, err := f.Tensor(name)
		if err != nil {
			t.Fatal(err)
		}
		v, err := tn.Float64s()
		if err != nil {
			t.Fatal(err)
		}
		return v, tn.Shape
	}
	x, xs := values(a)
	w, ws := values(b)
	p, _ := tensorcore.Lookup("h100-wgmma-e4m3-e4m3")
	m, n, k := xs[0], ws[0], xs[1]
	qa, _ := sim.Quantize(x, m, k, p.A, sim.PerTensor, false, sim.Headroom(p.A, p.Acc(), k))
	qb, _ := sim.Quantize(w, n, k, p.B, sim.PerTensor, false, sim.Headroom(p.B, p.Acc(), k))
	prob, err := sim.NewScaledProblem(qa, qb)
	if err != nil {
		t.Fatal(err)
	}
	want, err := sim.GEMM(sim.Config{Preset: p, Nc: 32}, prob)
	if err != nil {
		t.Fatal(err)
	}
	got := readD(t, filepath.Join(dir, "o", "d_h100-wgmma-e4m3-e4m3_tensor_nc-32.npy"))
	if len(got) != m*n {
		t.Fatalf("%d outputs, want %d×%d", len(got), m, n)
	}
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("D[%d] = %v, the engine gives %v", i, got[i], want[i])
		}
	}
}
