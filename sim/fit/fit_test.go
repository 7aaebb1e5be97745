package fit

import (
	"bytes"
	"context"
	"encoding/hex"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tcsim/tcsim/numerics"
	"github.com/tcsim/tcsim/sim/records"
	"github.com/tcsim/tcsim/tensorcore"
)

const testdata = "../../testdata"

var leaveOneOut = flag.Bool("leaveoneout", false, "run the leave-one-out over ../shared/hw (minutes) and print its table")

// shipped is the preset a family's records were made with. The fit never
// sees it: the test reads it from the file and folder names afterwards.
func shipped(t *testing.T, fam *Family, pair [2]numerics.Format) (*tensorcore.Preset, bool) {
	t.Helper()
	var name string
	czero := false
	in := pair[0].Name()
	if pair[0].Bits() == 8 || pair[0] != pair[1] {
		in += "-" + pair[1].Name()
	}
	if !fam.KM {
		name = fmt.Sprintf("h100-%s-%s", fam.Instr, in)
	} else {
		// "<GPU>/<fmt>/d_<GPU>_<out>...": the K–M folder names.
		gpu := strings.ToLower(strings.SplitN(fam.Name, "/", 2)[0])
		name = gpu + "-mma-" + in
		if gpu == "h100" && pair[0].Bits() == 8 && fam.Acc == numerics.FP32 {
			name, czero = "h100-wgmma-"+in, true // recorded with C = 0
		}
	}
	if fam.Acc == numerics.FP16 {
		name += "-f16acc"
	}
	q, err := tensorcore.Lookup(name)
	if err != nil {
		t.Fatalf("%s: %v", fam.Name, err)
	}
	return q, czero
}

// presetParams is the parameter set of preset q as seen by records of k
// products (K–M records hold the first k products of an instruction, the
// rest zero: a first step holding them all is one step of k).
func presetParams(q *tensorcore.Preset, k int, czero bool) Params {
	p := Params{L: q.L, Interleave: q.Interleave, F: q.F, RNE16: q.Out == tensorcore.RNEFP16,
		ZeroExp: q.ZeroExp, SeparateC: q.SeparateC, ViaFP16: q.Via != nil, CZero: czero}
	if k < q.K && q.L >= k {
		p.L, p.Interleave = k, k
	}
	if !p.RNE16 {
		p.RegBits = 24
		if r := q.Rounding(); strings.HasPrefix(r, "rz-e8m") {
			fmt.Sscanf(r, "rz-e8m%d", &p.RegBits)
			p.RegBits++
		}
	}
	return p
}

// checkLeaveOneOut fits every family and checks that the shipped preset's
// parameters are among the candidates and that the candidates name it.
func checkLeaveOneOut(t *testing.T, fams []*Family) []*Result {
	var out []*Result
	for _, fam := range fams {
		r := mustFit(t, fam)
		out = append(out, r)
		if len(r.Candidates) == 0 {
			t.Errorf("%s: no candidate reproduces the %d records", fam.Name, len(fam.Records))
			continue
		}
		for _, pair := range fam.Pairs {
			q, czero := shipped(t, fam, pair)
			want := presetParams(q, fam.K, czero)
			if !slices.ContainsFunc(r.Candidates, func(c Candidate) bool { return c.Params == want }) {
				t.Errorf("%s: the parameters of %s (%v) are not among the %d candidates", fam.Name, q.Name, want, len(r.Candidates))
			}
			if !slices.ContainsFunc(r.Candidates, func(c Candidate) bool { return slices.Contains(c.Presets, q.Name) }) {
				t.Errorf("%s: no candidate names %s", fam.Name, q.Name)
			}
		}
		// No record here has every non-zero term below 2^-126: the
		// zero-term exponent stays open.
		if !slices.ContainsFunc(r.Undecided, func(u Undecided) bool { return u.Name == "zero_exp" }) {
			t.Errorf("%s: zero_exp decided (%v)", fam.Name, r.Undecided)
		}
	}
	return out
}

func TestLeaveOneOut(t *testing.T) {
	fams, skipped, err := Load([]string{testdata + "/h100", testdata + "/km"})
	if err != nil {
		t.Fatal(err)
	}
	if len(fams) != 42 {
		t.Errorf("%d families, want 2 instruction families and 40 K–M outputs", len(fams))
	}
	if len(skipped) != 5 {
		t.Errorf("skipped %v, want the 5 promotion and GEMM files", skipped)
	}
	// The wgmma family holds the chained outputs too (K = 64 … 1024).
	chained := 0
	for _, f := range fams {
		for _, r := range f.Records {
			if len(r.A) > f.K {
				chained++
			}
		}
	}
	if chained != 7680 {
		t.Errorf("%d chained records, want the 7680 wgmma_chain outputs of testdata/h100", chained)
	}
	rs := checkLeaveOneOut(t, fams)
	// What the subset decides, spot-checked: Hopper wgmma FP8 and mma.sync
	// FP8 are pinned down but for the zero-term exponent.
	for _, r := range rs[:2] {
		if len(r.Candidates) != len(zeroExps) || len(r.Undecided) != 1 {
			t.Errorf("%s: %d candidates, undecided %v; want only zero_exp open", r.Family.Name, len(r.Candidates), r.Undecided)
		}
	}
}

// TestLeaveOneOutShared runs the leave-one-out over the full records and
// prints the README's table (go test ./sim/fit -run Shared -leaveoneout -v).
func TestLeaveOneOutShared(t *testing.T) {
	if !*leaveOneOut {
		t.Skip("needs -leaveoneout (minutes)")
	}
	root := "../../../shared/hw"
	if _, err := os.Stat(root); err != nil {
		t.Skip("no ../shared/hw")
	}
	fams, _, err := Load([]string{root + "/h100", root + "/km"})
	if err != nil {
		t.Fatal(err)
	}
	rs := checkLeaveOneOut(t, fams)
	var b strings.Builder
	b.WriteString("| records | n | 100% sets | shipped preset among them | decided | undecided |\n| --- | --- | --- | --- | --- | --- |\n")
	for _, r := range rs {
		var names []string
		for _, pair := range r.Family.Pairs {
			q, _ := shipped(t, r.Family, pair)
			names = append(names, q.Name)
		}
		var und []string
		for _, u := range r.Undecided {
			und = append(und, u.Name+" "+strings.Join(u.Values, ","))
		}
		fam := strings.SplitN(r.Family.Name, ":", 2)[0]
		fmt.Fprintf(&b, "| %s | %d | %d | %s | %s | %s |\n", fam, len(r.Family.Records), len(r.Candidates),
			strings.Join(names, ", "), decided(r), strings.Join(und, "; "))
	}
	t.Log("\n" + b.String())
}

// TestMismatchPattern corrupts one record: nothing fits all, the best set
// misses exactly that record, and the pattern says where and which bit.
func TestMismatchPattern(t *testing.T) {
	fams, _, err := Load([]string{testdata + "/h100/inst_wgmma.csv.gz"})
	if err != nil {
		t.Fatal(err)
	}
	fam := fams[0]
	bad := 777
	fam.Records[bad].D ^= 1 << 3
	r := mustFit(t, fam)
	if len(r.Candidates) != 0 || len(r.Best) == 0 {
		t.Fatalf("%d candidates, %d best", len(r.Candidates), len(r.Best))
	}
	n := len(fam.Records)
	if b := r.Best[0]; b.Matched != n-1 || b.Params.L != 32 || b.Params.F != 13 || b.Params.RegBits != 14 {
		t.Errorf("best %v matches %d of %d", b.Params, b.Matched, n)
	}
	p := r.Pattern
	for i, c := range p.HighBit {
		if want := b2i(i == 3); c != want {
			t.Errorf("high bit %d: %d mismatches, want %d", i, c, want)
		}
	}
	for _, g := range p.Groups {
		if want := b2i(g.Group == fam.Records[bad].Group); g.Mismatches != want {
			t.Errorf("group %s: %d mismatches, want %d", g.Group, g.Mismatches, want)
		}
	}
	var text bytes.Buffer
	r.WriteText(&text)
	if !strings.Contains(text.String(), fmt.Sprintf("%d/%d", n-1, n)) || !strings.Contains(text.String(), "highest differing bit (got XOR recorded): 3:1") {
		t.Errorf("report:\n%s", text.String())
	}
}

// TestSuggestSplits fits a few mma.sync records, which leave many
// candidates, asks for input vectors, runs them through the true datapath
// (as a GPU would), and checks that the new records cut the candidates
// down while keeping the true one: the suggestion file is read back by the
// same loader.
func TestSuggestSplits(t *testing.T) {
	fams, _, err := Load([]string{testdata + "/h100/inst_mma.csv.gz"})
	if err != nil {
		t.Fatal(err)
	}
	fam := fams[0]
	fam.Records = fam.Records[:2]
	r := mustFit(t, fam)
	before := len(r.Candidates)
	if before < 100 {
		t.Fatalf("two records leave %d candidates; the test needs many", before)
	}
	rows, err := Suggest(context.Background(), r, 12, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 12 {
		t.Fatalf("%d rows", len(rows))
	}
	if again, _ := Suggest(context.Background(), r, 12, 1); !slices.EqualFunc(rows, again, func(a, b SuggestRow) bool {
		return a.Config == b.Config && bytes.Equal(a.A, b.A) && bytes.Equal(a.B, b.B) && a.C == b.C && a.Dist == b.Dist
	}) {
		t.Error("Suggest is not deterministic")
	}
	dir := t.TempDir()
	path, err := WriteSuggestions(dir, rows)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm()&0o644 != 0o644 {
		t.Fatalf("%v %v", st, err)
	}
	data, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if lines[0] != "config,a_hex,b_hex,c_hex,d_hex,dist" || len(lines) != 13 {
		t.Fatalf("file:\n%s", data)
	}
	// The GPU's turn: fill d_hex with the true datapath's output.
	var out strings.Builder
	out.WriteString(lines[0] + "\n")
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		if f[4] != "" {
			t.Fatalf("d_hex not empty: %s", l)
		}
		parts := strings.Split(f[0], "_")
		fa, _ := numerics.ByName(parts[1])
		fb, _ := numerics.ByName(parts[2])
		q, err := tensorcore.Lookup("h100-mma-" + parts[1] + "-" + parts[2])
		if err != nil {
			t.Fatal(err)
		}
		a, _ := hex.DecodeString(f[1])
		b, _ := hex.DecodeString(f[2])
		var c uint32
		fmt.Sscanf(f[3], "%x", &c)
		d := q.MMA(codes(a, fa), codes(b, fb), c)
		f[4] = fmt.Sprintf("%08x", d)
		out.WriteString(strings.Join(f, ",") + "\n")
	}
	filled := filepath.Join(dir, "inst_probe.csv")
	os.WriteFile(filled, []byte(out.String()), 0o644)
	more, _, err := Load([]string{filled})
	if err != nil {
		t.Fatal(err)
	}
	fam2 := more[0]
	for _, rec := range fam.Records {
		rec.Pair = fam2.pairIndex(fam.Pairs[rec.Pair][0], fam.Pairs[rec.Pair][1])
		fam2.Records = append(fam2.Records, rec)
	}
	r2 := mustFit(t, fam2)
	q, _ := tensorcore.Lookup("h100-mma-e4m3-e4m3")
	want := presetParams(q, 32, false)
	if !slices.ContainsFunc(r2.Candidates, func(c Candidate) bool { return c.Params == want }) {
		t.Errorf("the true datapath is lost: %d candidates", len(r2.Candidates))
	}
	if len(r2.Candidates)*10 > before {
		t.Errorf("12 suggested vectors cut %d candidates only to %d", before, len(r2.Candidates))
	}
}

// codes reads 1-byte operand codes (the FP8 formats of the test).
func codes(b []byte, f numerics.Format) []uint32 {
	if f.Bits() != 8 {
		panic("FP8 only")
	}
	c := make([]uint32, len(b))
	for i, x := range b {
		c[i] = uint32(x)
	}
	return c
}

func mustFit(t *testing.T, fam *Family) *Result {
	t.Helper()
	r, err := Fit(context.Background(), fam, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestFitCancel: a cancelled context stops the search with its error.
func TestFitCancel(t *testing.T) {
	fams, _, err := Load([]string{testdata + "/km/A100/bf16"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Fit(ctx, fams[0], Options{}); err != context.Canceled {
		t.Errorf("err %v", err)
	}
}

// TestFitExpressesAMD: records made by the published AMD datapaths (no
// hardware records exist here) are fitted to their own parameters, and no
// NVIDIA-style step reproduces them.
func TestFitExpressesAMD(t *testing.T) {
	for _, name := range []string{"mi300x-mfma-f16", "mi250x-mfma-bf16", "mi100-mfma-f16", "mi300x-mfma-e4m3fnuz-e5m2fnuz"} {
		q, err := tensorcore.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		fam := &Family{Name: name + " (synthetic)", Instr: "mfma", Acc: numerics.FP32, K: q.K, Pairs: [][2]numerics.Format{{q.A, q.B}}}
		rng := rand.New(rand.NewPCG(5, 6))
		for i := range 400 {
			r := drawRecord(rng, fam, 0, suggestDists[i%len(suggestDists)].name)
			r.D = q.MMA(r.A, r.B, r.C)
			fam.Records = append(fam.Records, r)
		}
		r := mustFit(t, fam)
		if len(r.Candidates) == 0 {
			t.Errorf("%s: no candidate; best %v", name, r.Best)
			continue
		}
		for _, c := range r.Candidates {
			if c.Params.Path == PathNV {
				t.Errorf("%s: an NVIDIA step reproduces it: %v", name, c.Params)
			}
		}
		if !slices.ContainsFunc(r.Candidates, func(c Candidate) bool { return slices.Contains(c.Presets, name) }) {
			t.Errorf("%s: not among the candidates' presets: %v", name, r.Candidates)
		}
	}
}

// TestSuggestRowsRead: every row Suggest can write, for every family the
// loader finds in the committed records (mma.sync and wgmma, FP32 and FP16
// accumulators, every operand type, K–M folders) and every distribution,
// is an instruction record that package records reads back, once the GPU
// has filled d_hex: its config names the family, and A, B and C (an
// accumulator code, FP16 for an FP16 accumulator) are the suggested codes.
func TestSuggestRowsRead(t *testing.T) {
	fams, _, err := Load([]string{testdata + "/h100/inst_mma.csv.gz", testdata + "/h100/inst_wgmma.csv.gz",
		testdata + "/h200/inst_mma.csv.gz", testdata + "/h200/inst_wgmma.csv.gz", testdata + "/km"})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, fam := range fams {
		// No candidates: the draws are taken in order, every distribution
		// for every pair.
		n := 2 * len(suggestDists) * len(fam.Pairs)
		rows, err := Suggest(context.Background(), &Result{Family: fam}, n, 1)
		if err != nil {
			t.Fatal(err)
		}
		path, err := WriteSuggestions(t.TempDir(), rows)
		if err != nil {
			t.Fatal(err)
		}
		written, _ := os.ReadFile(path)
		// The GPU's turn: d_hex gets an accumulator code (+0).
		lines := strings.Split(strings.TrimSuffix(string(written), "\n"), "\n")
		if len(lines) != len(rows)+1 {
			t.Fatalf("%s: %d lines for %d rows", fam.Name, len(lines), len(rows))
		}
		for i, r := range rows {
			f := strings.Split(lines[i+1], ",")
			f[4] = strings.Repeat("0", r.Acc.Bits()/4)
			lines[i+1] = strings.Join(f, ",")
		}
		filled := strings.Join(lines, "\n") + "\n"
		rd, err := records.NewInstReader("fit_suggest.csv", strings.NewReader(filled))
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			rec, err := rd.Read()
			if err != nil {
				t.Fatalf("%s: row %d (%s c=%x): %v", fam.Name, i, r.Config, r.C, err)
			}
			fa, fb := fam.Pairs[0][0], fam.Pairs[0][1]
			for _, p := range fam.Pairs {
				if p[0] == rec.Config.A && p[1] == rec.Config.B {
					fa, fb = p[0], p[1]
				}
			}
			if rec.Config.Acc() != fam.Acc || rec.Config.A != fa || rec.Config.B != fb ||
				!bytes.Equal(memBytes(rec.A, fa), r.A) || !bytes.Equal(memBytes(rec.B, fb), r.B) || rec.C != r.C {
				t.Errorf("%s: row %d read back as %s a=%x b=%x c=%x", fam.Name, i, rec.Config.Name, rec.A, rec.B, rec.C)
			}
			kinds[rec.Config.Name] = true
		}
	}
	// The 23 configs with a C of the H200 recording: mma.sync and wgmma,
	// FP8 (four pairs, both accumulators), FP16 (both), BF16, TF32.
	if len(kinds) != 23 {
		t.Errorf("%d configs suggested, want 23: %v", len(kinds), kinds)
	}
}
