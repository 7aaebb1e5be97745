package probe

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tcsim/tcsim/numerics"
	"github.com/tcsim/tcsim/sim/records"
	"github.com/tcsim/tcsim/sim/verify"
)

// probeBin is the CPU build of the probe, made once by TestMain ("" when
// g++ is missing: CI installs it, see .ci/run).
var probeBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "probe-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if _, err := exec.LookPath("g++"); err == nil {
		bin := filepath.Join(dir, "probe-cpu")
		cmd := exec.Command("bash", "build.sh", "--cpu")
		cmd.Env = append(os.Environ(), "PROBE_BIN="+bin)
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "build.sh --cpu: %v\n%s", err, out)
			os.Exit(1)
		}
		probeBin = bin
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func needProbe(t *testing.T) {
	t.Helper()
	if probeBin == "" {
		t.Skip("g++ is not installed (apt-get install g++); CI installs it")
	}
}

// runProbe runs the CPU probe and returns its exit code and output.
func runProbe(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var o, e bytes.Buffer
	cmd := exec.Command(probeBin, args...)
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), o.String(), e.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, o.String(), e.String()
}

// The float64 emulation, as src/emulate.cpp computes it: products summed in
// float64 in k order after C, one rounding to the accumulator format; NaN
// written canonically.

func accDecode(f16 bool, bits uint32) float64 {
	if f16 {
		return numerics.FP16.Decode(bits)
	}
	return float64(math.Float32frombits(bits))
}

func accEncode(f16 bool, x float64) uint32 {
	switch {
	case math.IsNaN(x) && f16:
		return 0x7fff
	case math.IsNaN(x):
		return 0x7fffffff
	case f16:
		return numerics.FP16.Encode(x, numerics.NearestEven, numerics.ToInf)
	}
	return math.Float32bits(float32(x))
}

func dot(fa, fb numerics.Format, a, b []uint32, start float64) float64 {
	return dotValues(decodeAll(fa, a), decodeAll(fb, b), start)
}

func dotValues(a, b []float64, start float64) float64 {
	s := start
	for k := range a {
		s += float64(a[k] * b[k])
	}
	return s
}

func decodeAll(f numerics.Format, codes []uint32) []float64 {
	v := make([]float64, len(codes))
	for i, c := range codes {
		v[i] = f.Decode(c)
	}
	return v
}

// decodedCase is a case's operands decoded once.
type decodedCase struct {
	in   *records.CaseInput
	a, b []float64
}

func decodeCase(in *records.CaseInput) *decodedCase {
	return &decodedCase{in: in, a: decodeAll(in.FmtA, in.A), b: decodeAll(in.FmtB, in.B)}
}

func f32bits(x float32) uint32 {
	if x != x {
		return 0x7fffffff
	}
	return math.Float32bits(x)
}

// emulateCase computes one output element (row i, column j) of a case.
func emulateCase(dc *decodedCase, out *records.CaseOutput, i, j int) uint32 {
	in, K := dc.in, dc.in.K
	a, b := dc.a[i*K:(i+1)*K], dc.b[j*K:(j+1)*K]
	if out.Kernel == "wgmma_chain" {
		start := 0.0
		if out.UseC {
			start = float64(math.Float32frombits(in.C[i*in.N+j]))
		}
		return accEncode(false, dotValues(a, b, start))
	}
	kb := K / 128
	var sum float32
	for k0, iv := 0, 0; k0 < K; k0, iv = k0+out.Nc, iv+1 {
		part := math.Float32frombits(accEncode(false, dotValues(a[k0:k0+out.Nc], b[k0:k0+out.Nc], 0)))
		blk := k0 / 128
		switch out.Kernel {
		case "wgmma_promo":
			if iv == 0 {
				sum = part
			} else {
				sum = float32(sum + part)
			}
		case "wgmma_promo_scaled_fma":
			sum = numerics.FMA32(part, float32(in.SA[i*kb+blk]*in.SB[j*kb+blk]), sum)
		case "wgmma_promo_scaled_mulmul":
			sum = float32(sum + float32(float32(part*in.SA[i*kb+blk])*in.SB[j*kb+blk]))
		default:
			panic("unknown kernel " + out.Kernel)
		}
	}
	return f32bits(sum)
}

func open(t *testing.T, path string) io.ReadCloser {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// readInst reads an instruction file with tcsim's reader.
func readInst(t *testing.T, path string) []*records.InstRecord {
	t.Helper()
	f := open(t, path)
	defer f.Close()
	r, err := records.NewInstReader(path, f)
	if err != nil {
		t.Fatal(err)
	}
	var recs []*records.InstRecord
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return recs
		}
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
}

// checkInst recomputes every record of an instruction file and returns the
// records per config.
func checkInst(t *testing.T, path string) map[string]int {
	t.Helper()
	per := map[string]int{}
	bad := 0
	for _, rec := range readInst(t, path) {
		c := rec.Config
		want := accEncode(c.F16Acc, dot(c.A, c.B, rec.A, rec.B, accDecode(c.F16Acc, rec.C)))
		if rec.D != want {
			if bad++; bad <= 5 {
				t.Errorf("%s:%d %s: d = %x, the emulation gives %x", filepath.Base(path), rec.Line, c.Name, rec.D, want)
			}
		}
		if !c.UseC && rec.C != 0 {
			t.Errorf("%s:%d: c0 config with c_hex %x", filepath.Base(path), rec.Line, rec.C)
		}
		per[c.Name]++
	}
	if bad > 0 {
		t.Errorf("%s: %d records differ from the emulation", path, bad)
	}
	return per
}

// readCases reads case input files into a map by case name.
func readCases(t *testing.T, paths ...string) map[string]*records.CaseInput {
	t.Helper()
	cases := map[string]*records.CaseInput{}
	for _, p := range paths {
		f := open(t, p)
		r, err := records.NewCaseInputReader(p, f)
		if err != nil {
			t.Fatal(err)
		}
		for {
			in, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if in.M != 64 || in.N != 8 {
				t.Errorf("%s: case %s is %d×%d, want 64×8", p, in.Case, in.M, in.N)
			}
			cases[in.Case] = in
		}
		f.Close()
	}
	return cases
}

// checkOutputs recomputes every element of a case output file and returns
// the outputs per kernel.
func checkOutputs(t *testing.T, path string, cases map[string]*records.CaseInput) map[string]int {
	t.Helper()
	f := open(t, path)
	defer f.Close()
	r, err := records.NewCaseOutputReader(path, f)
	if err != nil {
		t.Fatal(err)
	}
	per := map[string]int{}
	bad := 0
	decoded := map[string]*decodedCase{}
	for {
		out, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		in := cases[out.Case]
		if in == nil || out.K != in.K || len(out.D) != in.M*in.N {
			t.Fatalf("%s:%d: output of case %s does not fit its input", path, out.Line, out.Case)
		}
		dc := decoded[out.Case]
		if dc == nil {
			dc = decodeCase(in)
			decoded[out.Case] = dc
		}
		for e, d := range out.D {
			if want := emulateCase(dc, out, e/in.N, e%in.N); d != want {
				if bad++; bad <= 5 {
					t.Errorf("%s:%d %s %s N_c=%d element %d: d = %08x, the emulation gives %08x", filepath.Base(path), out.Line, out.Case, out.Kernel, out.Nc, e, d, want)
				}
			}
		}
		per[out.Kernel]++
	}
	if bad > 0 {
		t.Errorf("%s: %d elements differ from the emulation", path, bad)
	}
	return per
}

// expectedConfigs are the instruction configs the probe records.
func expectedConfigs(instr string) []string {
	var paths []string
	for _, acc := range []string{"", "_f16"} {
		for _, a := range []string{"e4m3", "e5m2"} {
			for _, b := range []string{"e4m3", "e5m2"} {
				paths = append(paths, instr+"_"+a+"_"+b+acc)
			}
		}
	}
	paths = append(paths, instr+"_bf16_bf16", instr+"_f16_f16")
	if instr == "mma" {
		paths = append(paths, "mma_f16_f16_f16")
	}
	paths = append(paths, instr+"_tf32_tf32")
	var cfgs []string
	for _, p := range paths {
		cfgs = append(cfgs, p+"_c0", p+"_cR")
	}
	slices.Sort(cfgs)
	return cfgs
}

// TestCPUPipeline runs the whole harness on the CPU build and reads every
// file it writes with tcsim's readers: each record must be the float64
// emulation of the inputs written beside it, so a record whose operands,
// accumulator or position got mixed up in packing or writing fails.
func TestCPUPipeline(t *testing.T) {
	needProbe(t)
	dir := filepath.Join(t.TempDir(), "rec")
	code, stdout, stderr := runProbe(t, "--out", dir, "--tiles", "1", "--kmax", "512", "--seed", "3")
	if code != 0 {
		t.Fatalf("probe: exit %d: %s", code, stderr)
	}
	if strings.Count(stdout, " ok\n") != 23 || strings.Contains(stdout, "FAILED") {
		t.Errorf("self-tests: want 23 ok, got:\n%s", stdout)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
		if st, _ := e.Info(); st.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v, want 0644", e.Name(), st.Mode().Perm())
		}
	}
	want := []string{"chain_inputs.csv", "inst_mma.csv", "inst_wgmma.csv", "multi_outputs.csv", "promo_inputs.csv",
		"promo_scaled_inputs.csv", "promo_scaled_outputs.csv"}
	if !slices.Equal(names, want) {
		t.Fatalf("files %v, want %v", names, want)
	}
	total := 0
	for _, instr := range []string{"wgmma", "mma"} {
		per := checkInst(t, filepath.Join(dir, "inst_"+instr+".csv"))
		var cfgs []string
		for c, n := range per {
			cfgs = append(cfgs, c)
			if n != 8*64*8 {
				t.Errorf("%s: %d records, want 8 distributions × 1 tile × 512", c, n)
			}
			total += n
		}
		slices.Sort(cfgs)
		if !slices.Equal(cfgs, expectedConfigs(instr)) {
			t.Errorf("%s configs %v, want %v", instr, cfgs, expectedConfigs(instr))
		}
	}
	cases := readCases(t, filepath.Join(dir, "chain_inputs.csv"), filepath.Join(dir, "promo_inputs.csv"))
	per := checkOutputs(t, filepath.Join(dir, "multi_outputs.csv"), cases)
	// Chains: 4 pairs × 5 distributions × K 64, 256, 512, three outputs
	// each; promotion: 4 pairs × 3 distributions × K 128 (N_c 32, 64, K).
	if per["wgmma_chain"] != 180 || per["wgmma_promo"] != 12*3 || len(per) != 2 {
		t.Errorf("multi_outputs: %v", per)
	}
	sc := readCases(t, filepath.Join(dir, "promo_scaled_inputs.csv"))
	per2 := checkOutputs(t, filepath.Join(dir, "promo_scaled_outputs.csv"), sc)
	if len(sc) != 12 || per2["wgmma_promo"] != 12 || per2["wgmma_promo_scaled_fma"] != 24 || per2["wgmma_promo_scaled_mulmul"] != 24 {
		t.Errorf("promo_scaled: %d cases, outputs %v", len(sc), per2)
	}
	total += (180 + 36 + 60) * 512
	if !strings.Contains(stdout, fmt.Sprintf("%d records in all", total)) {
		t.Errorf("want %d records in all, got:\n%s", total, stdout)
	}
}

// TestCPUVerifyFindsEverything checks that tcsim verify recognises every
// file the probe writes (a short run: verify recomputes the model).
func TestCPUVerifyFindsEverything(t *testing.T) {
	needProbe(t)
	dir := filepath.Join(t.TempDir(), "rec")
	if code, _, stderr := runProbe(t, "--out", dir, "--tiles", "1", "--kmax", "512", "--paths", "wgmma,mma,chain,promo,scaled"); code != 0 {
		t.Fatalf("probe: %s", stderr)
	}
	rep, err := verify.Verify([]string{dir}, verify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]int{}
	for _, g := range rep.Groups {
		files[filepath.Base(g.File)] += g.Records
	}
	want := map[string]int{
		"inst_wgmma.csv":           22 * 8 * 512,
		"inst_mma.csv":             24 * 8 * 512,
		"multi_outputs.csv":        (4*5*3*3 + 4*3*3) * 512, // chains K 64, 256, 512; promotion K 128
		"promo_scaled_outputs.csv": 12 * 5 * 512,
	}
	for f, n := range want {
		if files[f] != n {
			t.Errorf("verify read %d records of %s, want %d", files[f], f, n)
		}
	}
	if len(files) != len(want) {
		t.Errorf("verify read %v", files)
	}
}

// TestCPUDeterministic: the same seed gives the same bytes.
func TestCPUDeterministic(t *testing.T) {
	needProbe(t)
	var prev map[string][]byte
	for run := range 2 {
		dir := filepath.Join(t.TempDir(), fmt.Sprint(run))
		if code, _, stderr := runProbe(t, "--out", dir, "--paths", "wgmma,chain", "--kmax", "64", "--seed", "9"); code != 0 {
			t.Fatal(stderr)
		}
		got := map[string][]byte{}
		for _, n := range []string{"inst_wgmma.csv", "chain_inputs.csv", "multi_outputs.csv"} {
			b, err := os.ReadFile(filepath.Join(dir, n))
			if err != nil {
				t.Fatal(err)
			}
			got[n] = b
		}
		for n, b := range prev {
			if !bytes.Equal(b, got[n]) {
				t.Errorf("%s differs between two runs with one seed", n)
			}
		}
		prev = got
	}
}

// TestCPUInputs runs an instruction-record input file (the format of tcsim
// fit --suggest: d_hex empty) and checks that every line comes back in
// order, with its labels, its d_hex the emulation of its own inputs.
func TestCPUInputs(t *testing.T) {
	needProbe(t)
	dir := t.TempDir()
	gen := filepath.Join(dir, "gen")
	if code, _, stderr := runProbe(t, "--out", gen, "--paths", "wgmma,mma"); code != 0 {
		t.Fatal(stderr)
	}
	// 9, 1 and 17 lines of three configs, interleaved: more than one tile.
	var src []*records.InstRecord
	for _, f := range []string{"inst_wgmma.csv", "inst_mma.csv"} {
		for _, r := range readInst(t, filepath.Join(gen, f)) {
			switch n := r.Config.Name; {
			case n == "wgmma_e5m2_e4m3_f16_cR" && r.Line%101 == 0,
				n == "mma_tf32_tf32_c0" && r.Line%1009 == 0,
				n == "wgmma_bf16_bf16_cR" && r.Line%59 == 0:
				src = append(src, r)
			}
		}
	}
	slices.SortStableFunc(src, func(a, b *records.InstRecord) int { return (a.Line*7)%13 - (b.Line*7)%13 })
	var in strings.Builder
	in.WriteString("config,a_hex,b_hex,c_hex,d_hex,why\n")
	for i, r := range src {
		c := fmt.Sprintf("%08x", r.C)
		if r.Config.F16Acc {
			c = fmt.Sprintf("%04x", r.C)
		}
		fmt.Fprintf(&in, "%s,%s,%s,%s,,\"candidate %d, split\"\n", r.Config.Name, r.AHex, r.BHex, c, i)
	}
	for _, gz := range []bool{false, true} {
		name := filepath.Join(dir, "suggest.csv")
		data := []byte(in.String())
		if gz {
			name += ".gz"
			var b bytes.Buffer
			w := gzip.NewWriter(&b)
			w.Write(data)
			w.Close()
			data = b.Bytes()
		}
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, fmt.Sprint("run", gz))
		code, stdout, stderr := runProbe(t, "--out", out, "--inputs", name)
		if code != 0 {
			t.Fatalf("probe --inputs: %s", stderr)
		}
		if !strings.Contains(stdout, fmt.Sprintf("%d records", len(src))) {
			t.Errorf("stdout: %s", stdout)
		}
		got := readInst(t, filepath.Join(out, "suggest.csv"))
		if len(got) != len(src) || len(src) < 20 {
			t.Fatalf("%d records back for %d lines", len(got), len(src))
		}
		for i, g := range got {
			s := src[i]
			if g.Config.Name != s.Config.Name || g.AHex != s.AHex || g.BHex != s.BHex || g.C != s.C || g.D != s.D ||
				!slices.Equal(g.Labels, []string{fmt.Sprintf("candidate %d, split", i)}) {
				t.Errorf("line %d: got %s %s %s c=%x d=%x %q, want %s c=%x d=%x", i+2, g.Config.Name, g.AHex, g.BHex, g.C, g.D, g.Labels,
					s.Config.Name, s.C, s.D)
			}
		}
	}
}

// TestCPUBadInput: bad flags and input files exit 2 with one line on
// stderr, before writing anything.
func TestCPUBadInput(t *testing.T) {
	needProbe(t)
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := strings.Repeat("3c", 32)
	used := filepath.Join(dir, "used")
	os.Mkdir(used, 0o755)
	write("used/inst_mma.csv.gz", "")
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--bogus"}, "unknown flag --bogus"},
		{[]string{"--tiles", "2"}, "--out DIR is required"},
		{[]string{"--out", dir + "/x", "--tiles", "0"}, "--tiles: 0 is not an integer"},
		{[]string{"--out", dir + "/x", "--paths", "wgmma,hmma"}, "--paths: unknown path"},
		{[]string{"--out", used}, "already holds inst_mma.csv.gz"},
		{[]string{"--out", dir + "/x", "--inputs", dir + "/none.csv"}, "none.csv: No such file"},
		{[]string{"--out", dir + "/x", "--inputs", write("h.csv", "config,a_hex,b_hex,d_hex\n")}, "h.csv:1: header"},
		{[]string{"--out", dir + "/x", "--inputs", write("c.csv", "config,a_hex,b_hex,c_hex,d_hex\nhmma_e4m3_e4m3_c0,"+a+","+a+",00000000,\n")}, "c.csv:2: unknown config hmma_e4m3_e4m3_c0"},
		{[]string{"--out", dir + "/x", "--inputs", write("m.csv", "config,a_hex,b_hex,c_hex,d_hex\nwgmma_bf16_f16_c0,"+a+","+a+",00000000,\n")}, "m.csv:2: unknown config"},
		{[]string{"--out", dir + "/x", "--inputs", write("a.csv", "config,a_hex,b_hex,c_hex,d_hex\nwgmma_e4m3_e4m3_c0,3c3c,"+a+",00000000,\n")}, "a.csv:2: a_hex must be 32 bytes"},
		{[]string{"--out", dir + "/x", "--inputs", write("w.csv", "config,a_hex,b_hex,c_hex,d_hex\nwgmma_e4m3_e4m3_f16_cR,"+a+","+a+",00000000,\n")}, "w.csv:2: c_hex must be 4 hex digits"},
		{[]string{"--out", dir + "/x", "--inputs", write("z.csv", "config,a_hex,b_hex,c_hex,d_hex\nwgmma_e4m3_e4m3_c0,"+a+","+a+",3f800000,\n")}, "z.csv:2: a c0 config must have c_hex 0"},
		{[]string{"--out", dir + "/x", "--inputs", write("e.csv", "config,a_hex,b_hex,c_hex,d_hex\n")}, "e.csv: no records"},
	} {
		code, stdout, stderr := runProbe(t, tc.args...)
		if code != 2 || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "probe: ") || !strings.Contains(stderr, tc.msg) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and one line with %q", tc.args, code, stderr, tc.msg)
		}
		if strings.Contains(stdout, "records") {
			t.Errorf("%v: wrote records: %s", tc.args, stdout)
		}
	}
	if ents, _ := os.ReadDir(dir + "/x"); len(ents) != 0 {
		t.Errorf("files written on bad input: %v", ents)
	}
}
