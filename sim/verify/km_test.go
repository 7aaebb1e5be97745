package verify

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcsim/tcsim/numerics"
	"github.com/tcsim/tcsim/sim"
	"github.com/tcsim/tcsim/sim/records"
	"github.com/tcsim/tcsim/tensorcore"
)

// The committed testdata/km holds the first kmSubsetLines lines of every
// file of the Khattak–Mikaitis records (../shared/hw/km). Regenerate it with
//
//	go test ./sim/verify -run TestRegenKMTestdata -regen
const (
	kmTestdataDir = "../../testdata/km"
	kmSubsetLines = 128
)

// kmCorpusDir is where the full K–M records are, if present: $TCSIM_KM_DIR,
// else ../shared/hw/km beside the repository.
func kmCorpusDir() string {
	if d := os.Getenv("TCSIM_KM_DIR"); d != "" {
		return d
	}
	return "../../../shared/hw/km"
}

// kmSets lists the K–M folders under root (root/<GPU>/<fmt>), in order.
func kmSets(t testing.TB, root string) []*records.KMFolder {
	t.Helper()
	sets, err := findKMSets(root)
	if err != nil {
		t.Fatal(err)
	}
	return sets
}

// findKMSets lists the K–M folders under root, or says why it cannot.
func findKMSets(root string) ([]*records.KMFolder, error) {
	gpus, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	var sets []*records.KMFolder
	for _, g := range gpus {
		if !g.IsDir() {
			continue
		}
		fmts, err := os.ReadDir(filepath.Join(root, g.Name()))
		if err != nil {
			return nil, err
		}
		for _, f := range fmts {
			dir := filepath.Join(root, g.Name(), f.Name())
			ents, err := os.ReadDir(dir)
			if err != nil {
				return nil, err
			}
			names := map[string]bool{}
			for _, e := range ents {
				names[e.Name()] = true
			}
			set, _, err := records.FindKMFolder(dir, names, records.OpenOS)
			if err != nil {
				return nil, err
			}
			sets = append(sets, set)
		}
	}
	if len(sets) == 0 {
		return nil, fmt.Errorf("no K–M folders in %s", root)
	}
	return sets, nil
}

func newTestVerifier() *verifier {
	return &verifier{opts: Options{MaxListed: 3, Workers: 2}, open: func(n string) (io.ReadCloser, error) { return os.Open(n) }}
}

// checkAll runs every output file of the sets with the preset the folder
// names pick, or with the variant vary makes of it (nil: skip the file).
func checkAll(t *testing.T, sets []*records.KMFolder, vary func(p *tensorcore.Preset) *tensorcore.Preset) []*kmResult {
	t.Helper()
	v := newTestVerifier()
	var rs []*kmResult
	for _, set := range sets {
		for _, out := range set.Outputs {
			name, _, err := kmPresetName(set.GPU, set.Fmt, out)
			if err != nil {
				t.Fatal(err)
			}
			p, err := tensorcore.Lookup(name)
			if err != nil {
				t.Fatal(err)
			}
			if vary != nil {
				if p = vary(p); p == nil {
					continue
				}
			}
			r, err := v.checkKM(set, out, p)
			if err != nil {
				t.Fatal(err)
			}
			rs = append(rs, r)
		}
	}
	return rs
}

// TestKMTestdata: the committed subset verifies through tcsim verify's
// recogniser with no mismatch, and covers every K–M record set a preset
// claims.
func TestKMTestdata(t *testing.T) {
	rep, err := Verify([]string{kmTestdataDir}, Options{MaxListed: 3})
	if err != nil {
		t.Fatal(err)
	}
	n, m := rep.Totals()
	if m != 0 || len(rep.Groups) != 40 || n != 40*kmSubsetLines {
		var b strings.Builder
		rep.WriteText(&b)
		t.Fatalf("%d groups, %d records, %d mismatches:\n%s", len(rep.Groups), n, m, b.String())
	}
	covered := map[string]bool{}
	for _, r := range checkAll(t, kmSets(t, kmTestdataDir), nil) {
		if r.group.Mismatches != 0 || r.group.Records != kmSubsetLines {
			t.Errorf("%s: %d/%d", r.records, r.group.Mismatches, r.group.Records)
		}
		covered[r.records+" "+r.preset] = true
	}
	for _, p := range tensorcore.Presets() {
		for _, v := range p.Verified {
			if strings.HasPrefix(v.Records, "km ") && !covered[v.Records+" "+p.Name] {
				t.Errorf("%s claims %s, which testdata/km does not hold", p.Name, v.Records)
			}
		}
	}
}

// TestKMVerifiedCounts recomputes every preset's Verified counts from the
// full records (../shared/hw/km and ../shared/hw/h100), when present: no
// count shown by 'tcsim presets' is a hand-written claim.
func TestKMVerifiedCounts(t *testing.T) {
	claimed := map[string]tensorcore.Verification{} // "<preset> <records>"
	for _, p := range tensorcore.Presets() {
		for _, v := range p.Verified {
			if v.Matched > v.Total || v.Total <= 0 {
				t.Errorf("%s: %v", p.Name, v)
			}
			claimed[p.Name+" "+v.Records] = v
		}
	}
	if testing.Short() {
		t.Skip("-short: the full records are not read")
	}
	got := map[string]tensorcore.Verification{}
	ran := false
	if root := kmCorpusDir(); exists(root) {
		ran = true
		for _, r := range checkAll(t, kmSets(t, root), nil) {
			got[r.preset+" "+r.records] = tensorcore.Verification{Records: r.records,
				Matched: r.group.Records - r.group.Mismatches, Total: r.group.Records}
		}
	}
	if h := corpusDir(); exists(filepath.Join(h, "inst_wgmma.csv.gz")) {
		ran = true
		rep, err := Verify([]string{filepath.Join(h, "inst_wgmma.csv.gz"), filepath.Join(h, "inst_mma.csv.gz")}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range rep.Groups {
			c, err := records.ParseInstConfig(g.Name)
			if err != nil {
				t.Fatal(err)
			}
			p, err := instPreset(c)
			if err != nil {
				t.Fatal(err)
			}
			rec := "h100 " + strings.TrimSuffix(filepath.Base(g.File), ".csv.gz")
			k := p.Name + " " + rec
			v := got[k]
			v.Records, v.Total, v.Matched = rec, v.Total+g.Records, v.Matched+g.Records-g.Mismatches
			got[k] = v
		}
	}
	if !ran {
		t.Skip("no full records (../shared/hw/km, ../shared/hw/h100): the counts are checked on testdata only")
	}
	for k, v := range got {
		if c, ok := claimed[k]; !ok {
			if v.Matched == v.Total {
				t.Errorf("%s: reproduces %v but the preset does not say so", k, v)
			}
		} else if c != v {
			t.Errorf("%s: claims %v, the records give %v", k, c, v)
		}
	}
	for k, c := range claimed {
		if _, ok := got[k]; !ok && (strings.HasPrefix(c.Records, "km ") && exists(kmCorpusDir()) ||
			strings.HasPrefix(c.Records, "h100 ") && exists(corpusDir())) {
			t.Errorf("%s: claimed %v, but no record file gives it", k, c)
		}
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// kmSetsForTest are the committed subset, plus the full records when
// present and the test is not -short.
func kmSetsForTest(t *testing.T) []*records.KMFolder {
	sets := kmSets(t, kmTestdataDir)
	if root := kmCorpusDir(); exists(root) && !testing.Short() {
		sets = append(sets, kmSets(t, root)...)
	}
	return sets
}

// variant returns p with mod applied, as a new preset.
func variant(t *testing.T, p *tensorcore.Preset, mod func(q *tensorcore.Preset)) *tensorcore.Preset {
	t.Helper()
	q := *p
	q.Name += "-variant"
	mod(&q)
	r, err := tensorcore.NewPreset(q)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestKMZeroExpUndecided backs the comment in tensorcore/presets_gpus.go:
// the exponent given to zero terms (K–M −131/−132/−133, MMA-Sim none) makes
// no difference on any K–M record, so the records do not decide it.
func TestKMZeroExpUndecided(t *testing.T) {
	subset, all := kmSets(t, kmTestdataDir), kmSetsForTest(t)
	for _, ze := range []int{-10000, -150, -134, -133, -132, -131, -126, -120} {
		sets := subset
		if ze == -10000 || ze >= -133 && ze <= -131 { // no floor (MMA-Sim) and K–M's three
			sets = all
		}
		for _, r := range checkAll(t, sets, func(p *tensorcore.Preset) *tensorcore.Preset {
			return variant(t, p, func(q *tensorcore.Preset) { q.ZeroExp = ze })
		}) {
			if r.group.Mismatches != 0 {
				t.Errorf("ZeroExp %d: %s: %d of %d records differ", ze, r.records, r.group.Mismatches, r.group.Records)
			}
		}
	}
}

// TestKMSubsetDiscriminates: the committed subset is not only reproduced by
// the presets but also rejects the plausible alternatives of each, so that
// it pins their parameters. Where the records cannot tell, the table leaves
// the alternative out: F behind an FP16 output (the rounding to 11 bits
// hides it: F comes from the FP32 records of the same step) and of the
// FP8-as-FP16 presets (their products never reach the truncation), and the
// step layout of the FP32 form of those (only the separate add of C
// matters there).
func TestKMSubsetDiscriminates(t *testing.T) {
	sets := kmSets(t, kmTestdataDir)
	type alt struct {
		name string
		mod  func(q *tensorcore.Preset) bool // false: not applicable
	}
	alts := []alt{
		{"F-1", func(q *tensorcore.Preset) bool { q.F--; return q.Via == nil && q.Out != tensorcore.RNEFP16 }},
		{"F+1", func(q *tensorcore.Preset) bool { q.F++; return q.Via == nil && q.Out != tensorcore.RNEFP16 }},
		{"C fused into the first step", func(q *tensorcore.Preset) bool {
			s := q.SeparateC
			q.SeparateC = false
			return s
		}},
		{"contiguous steps", func(q *tensorcore.Preset) bool {
			s := q.Interleave != q.L && q.Out == tensorcore.RNEFP16
			q.Interleave = q.L
			return s
		}},
		{"one step of K", func(q *tensorcore.Preset) bool {
			s := q.L < q.K && q.Via == nil && q.A.Bits() == 8
			q.L, q.Interleave = q.K, q.K
			return s
		}},
		{"RZ-FP32 instead of 14 bits", func(q *tensorcore.Preset) bool {
			s := q.Out == tensorcore.RZE8M13
			q.Out = tensorcore.RZFP32
			return s
		}},
	}
	for _, a := range alts {
		for _, r := range checkAll(t, sets, func(p *tensorcore.Preset) *tensorcore.Preset {
			q := *p
			if !a.mod(&q) {
				return nil
			}
			q.Name += "-alt"
			v, err := tensorcore.NewPreset(q)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}) {
			if r.group.Mismatches == 0 {
				t.Errorf("%s: the subset does not reject %q", r.records, a.name)
			}
		}
	}
}

// TestRegenKMTestdata rewrites testdata/km from the full records.
func TestRegenKMTestdata(t *testing.T) {
	if !*regen {
		t.Skip("run with -regen to rewrite ../testdata/km")
	}
	if err := regenKM(kmCorpusDir(), kmTestdataDir); err != nil {
		t.Fatal(err)
	}
}

// regenKM writes the subset of the records under src to dst. It builds the
// new subset beside dst and replaces dst only when all of it is written,
// so missing or broken records leave dst as it was.
func regenKM(src, dst string) error {
	sets, err := findKMSets(src)
	if err != nil {
		return fmt.Errorf("no K–M records to regenerate from: %v", err)
	}
	tmp := dst + ".new"
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for _, set := range sets {
		files := set.InputFiles()
		for _, out := range set.Outputs {
			files = append(files, set.OutputFile(out))
		}
		for _, f := range files {
			rel, err := filepath.Rel(src, f)
			if err != nil {
				return err
			}
			out := filepath.Join(tmp, rel)
			if !strings.HasSuffix(out, ".gz") {
				out += ".gz"
			}
			if err := copyLines(f, out, kmSubsetLines); err != nil {
				return err
			}
		}
	}
	lic, err := os.ReadFile(filepath.Join(src, "LICENCE"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, "LICENCE"), lic, 0o644); err != nil {
		return err
	}
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}

// TestRegenKMWithoutRecords: regenerating without the records fails and
// leaves the committed subset alone.
func TestRegenKMWithoutRecords(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "km")
	keep := filepath.Join(dst, "V100", "fp16", "a_V100_fp16.txt.gz")
	if err := os.MkdirAll(filepath.Dir(keep), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keep, []byte("subset"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := regenKM(filepath.Join(t.TempDir(), "no-records"), dst)
	if err == nil || !strings.HasPrefix(err.Error(), "no K–M records to regenerate from: ") {
		t.Errorf("err = %v", err)
	}
	if b, err := os.ReadFile(keep); err != nil || string(b) != "subset" {
		t.Errorf("the subset was touched: %q, %v", b, err)
	}
}

// copyLines writes the first n lines of the K–M file src (gzip or plain) to
// dst, gzip-compressed reproducibly.
func copyLines(src, dst string, n int) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	l, err := records.NewKMLines(src, in)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	zw, _ := gzip.NewWriterLevel(out, gzip.BestCompression)
	w := bufio.NewWriter(zw)
	for range n {
		s, err := l.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		fmt.Fprintln(w, s)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return out.Close()
}

// ---- the reader ---------------------------------------------------------

func TestKMPresetName(t *testing.T) {
	for _, tc := range []struct{ gpu, f, out, want string }{
		{"A100", "fp16", "fp32", "a100-mma-f16"},
		{"A100", "fp16", "fp16", "a100-mma-f16-f16acc"},
		{"V100", "fp16", "fp16", "v100-mma-f16-f16acc"},
		{"L40S", "tf32", "fp32", "l40s-mma-tf32"},
		{"Ada", "E5M2", "fp16", "ada-mma-e5m2-e5m2-f16acc"},
		{"H100", "E4M3", "fp32", "h100-wgmma-e4m3-e4m3"},
		{"H100", "E4M3", "fp16", "h100-mma-e4m3-e4m3-f16acc"},
		{"B200", "E5M2", "fp32", "b200-mma-e5m2-e5m2"},
		{"H100", "bf16", "fp32", "h100-mma-bf16"},
		{"H200", "E4M3", "fp32", "h100-wgmma-e4m3-e4m3"},
		{"H800", "bf16", "fp32", "h100-mma-bf16"},
		{"h200", "fp16", "fp16", "h100-mma-f16-f16acc"},
	} {
		name, zeroC, err := kmPresetName(tc.gpu, tc.f, tc.out)
		if err != nil || name != tc.want || zeroC != (tc.want == "h100-wgmma-e4m3-e4m3") {
			t.Errorf("%+v: %q %v %v", tc, name, zeroC, err)
		}
		if _, err := tensorcore.Lookup(name); err != nil {
			t.Error(err)
		}
	}
	for _, tc := range [][3]string{{"A100", "fp8", "fp32"}, {"A100", "fp16", "fp64"}, {"A100", "FP16", "fp32"}} {
		if _, _, err := kmPresetName(tc[0], tc[1], tc[2]); err == nil {
			t.Errorf("%v: no error", tc)
		}
	}
}

// writeKM writes a K–M folder root/<gpu>/<fmt> with the given file
// contents (name → text); names ending .gz are gzip-compressed.
func writeKM(t testing.TB, root, gpu, format string, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(root, gpu, format)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range files {
		var b []byte
		if strings.HasSuffix(name, ".gz") {
			var buf strings.Builder
			zw := gzip.NewWriter(&buf)
			io.WriteString(zw, text)
			zw.Close()
			b = []byte(buf.String())
		} else {
			b = []byte(text)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// subsetText returns the first n lines of a testdata/km file, as text.
func subsetText(t testing.TB, gpu, format, name string, n int) string {
	t.Helper()
	p := filepath.Join(kmTestdataDir, gpu, format, name)
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l, err := records.NewKMLines(p, f)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for range n {
		s, err := l.Next()
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(s + "\n")
	}
	return b.String()
}

// v100Files are 4 lines of the V100 subset, as plain text.
func v100Files(t testing.TB) map[string]string {
	m := map[string]string{}
	for _, n := range []string{"a_V100_fp16.txt", "b_V100_fp16.txt", "c_V100_fp32.txt", "d_V100_fp32.txt", "d_V100_fp16.txt"} {
		m[n] = subsetText(t, "V100", "fp16", n+".gz", 4)
	}
	return m
}

// TestKMPlainAndExplicit: plain-text folders verify like gzip ones; naming
// a d file verifies that file only, naming an input every d file.
func TestKMPlainAndExplicit(t *testing.T) {
	root := t.TempDir()
	dir := writeKM(t, root, "V100", "fp16", v100Files(t))
	for _, tc := range []struct {
		paths  []string
		groups int
	}{
		{[]string{root}, 2},
		{[]string{filepath.Join(dir, "d_V100_fp16.txt")}, 1},
		{[]string{filepath.Join(dir, "a_V100_fp16.txt")}, 2},
		{[]string{filepath.Join(dir, "d_V100_fp32.txt"), filepath.Join(dir, "c_V100_fp32.txt")}, 2},
	} {
		rep, err := Verify(tc.paths, Options{})
		if err != nil {
			t.Fatal(err)
		}
		n, m := rep.Totals()
		if len(rep.Groups) != tc.groups || n != 4*tc.groups || m != 0 {
			t.Errorf("%v: %d groups, %d records, %d mismatches", tc.paths, len(rep.Groups), n, m)
		}
	}
}

// TestKMAliasFolders: H200 and H800 folders in the published layout
// (H200/<fmt>/a_H200_<fmt>.txt, ...) verify on the H100's presets; here the
// H100 subset renamed.
func TestKMAliasFolders(t *testing.T) {
	for _, gpu := range []string{"H200", "H800"} {
		root := t.TempDir()
		for _, f := range []string{"E4M3", "bf16", "fp16"} {
			m := map[string]string{}
			names := []string{"a_H100_" + f + ".txt", "b_H100_" + f + ".txt", "c_H100_fp32.txt", "d_H100_fp32.txt"}
			if f != "bf16" {
				names = append(names, "d_H100_fp16.txt")
			}
			for _, n := range names {
				m[strings.ReplaceAll(n, "H100", gpu)] = subsetText(t, "H100", f, n+".gz", 8)
			}
			writeKM(t, root, gpu, f, m)
		}
		rep, err := Verify([]string{root}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		n, m := rep.Totals()
		if len(rep.Groups) != 5 || n != 5*8 || m != 0 {
			t.Errorf("%s: %d groups, %d records, %d mismatches", gpu, len(rep.Groups), n, m)
		}
	}
}

// TestKMMismatchListed: a wrong D is counted and listed with its inputs.
func TestKMMismatchListed(t *testing.T) {
	files := v100Files(t)
	files["d_V100_fp32.txt"] = strings.Replace(files["d_V100_fp32.txt"], "0", "1", 1)
	root := t.TempDir()
	writeKM(t, root, "V100", "fp16", files)
	rep, err := Verify([]string{root}, Options{MaxListed: 5})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	rep.WriteText(&b)
	if _, m := rep.Totals(); m != 1 || !strings.Contains(b.String(), "d_V100_fp32.txt:1 K=4: a=") {
		t.Errorf("%d mismatches:\n%s", m, b.String())
	}
}

func TestKMInputErrors(t *testing.T) {
	base := v100Files(t)
	with := func(mod func(m map[string]string)) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		mod(m)
		return m
	}
	for _, tc := range []struct {
		name     string
		gpu, fmt string
		files    map[string]string
		want     string
		wantFile string
		wantLine int // -1: any
	}{
		{"short d", "V100", "fp16", with(func(m map[string]string) {
			m["d_V100_fp32.txt"] = subsetText(t, "V100", "fp16", "d_V100_fp32.txt.gz", 3)
		}), "has 3 lines, a_V100_fp16.txt has more", "d_V100_fp32.txt", 0},
		{"bad hex", "V100", "fp16", with(func(m map[string]string) {
			l := strings.SplitAfter(m["b_V100_fp16.txt"], "\n")
			l[1] = "z" + l[1][1:]
			m["b_V100_fp16.txt"] = strings.Join(l, "")
		}), "not hex", "b_V100_fp16.txt", 2},
		{"bad bits", "V100", "fp16", with(func(m map[string]string) {
			m["c_V100_fp32.txt"] += "0101\n"
			for _, n := range []string{"a_V100_fp16.txt", "b_V100_fp16.txt", "d_V100_fp32.txt", "d_V100_fp16.txt"} {
				m[n] += strings.SplitAfter(m[n], "\n")[0]
			}
		}), "want 32 binary digits", "c_V100_fp32.txt", 5},
		{"operand count", "V100", "fp16", with(func(m map[string]string) {
			m["a_V100_fp16.txt"] = "3c000000 " + m["a_V100_fp16.txt"]
		}), "operands, a has 5", "b_V100_fp16.txt", 1},
		{"K too long", "V100", "fp16", with(func(m map[string]string) {
			for _, n := range []string{"a_V100_fp16.txt", "b_V100_fp16.txt"} {
				m[n] = strings.ReplaceAll(m[n], "\n", " 3c000000\n")
			}
		}), "K = 5 does not fit the instruction K = 4", "a_V100_fp16.txt", 1},
		{"missing c", "V100", "fp16", with(func(m map[string]string) { delete(m, "c_V100_fp32.txt") }),
			"lacks c_V100_fp32.txt", "", 0},
		{"no d", "V100", "fp16", with(func(m map[string]string) {
			delete(m, "d_V100_fp32.txt")
			delete(m, "d_V100_fp16.txt")
		}), "has no d_V100_fp32 or d_V100_fp16 file", "", 0},
		{"gz and plain", "V100", "fp16", with(func(m map[string]string) { m["c_V100_fp32.txt.gz"] = m["c_V100_fp32.txt"] }),
			"keep one", "", 0},
		{"name and folder", "V100", "bf16", base, "does not match its folder V100/bf16", "", 0},
		{"unknown GPU", "X100", "fp16", map[string]string{"a_X100_fp16.txt": base["a_V100_fp16.txt"],
			"b_X100_fp16.txt": base["b_V100_fp16.txt"], "c_X100_fp32.txt": base["c_V100_fp32.txt"],
			"d_X100_fp32.txt": base["d_V100_fp32.txt"]}, "no preset models K–M records X100/fp16 d_fp32", "d_X100_fp32.txt", 0},
		{"unknown format", "V100", "fp8", map[string]string{"a_V100_fp8.txt": base["a_V100_fp16.txt"],
			"b_V100_fp8.txt": base["b_V100_fp16.txt"], "c_V100_fp32.txt": base["c_V100_fp32.txt"],
			"d_V100_fp32.txt": base["d_V100_fp32.txt"]}, "unknown K–M operand format", "d_V100_fp32.txt", 0},
		{"empty", "V100", "fp16", map[string]string{"a_V100_fp16.txt": "", "b_V100_fp16.txt": "",
			"c_V100_fp32.txt": "", "d_V100_fp32.txt": ""}, "no records", "d_V100_fp32.txt", 0},
		{"not gzip", "V100", "fp16", with(func(m map[string]string) {
			m["c_V100_fp32.txt.gz"] = "\x1f\x8bnot really"
			delete(m, "c_V100_fp32.txt")
		}), "gzip", "c_V100_fp32.txt.gz", -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			writeKM(t, root, tc.gpu, tc.fmt, tc.files)
			_, err := Verify([]string{root}, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			re, ok := errors.AsType[*records.RecordError](err)
			if !ok {
				t.Fatalf("%T is not a *RecordError", err)
			}
			if tc.wantFile != "" && filepath.Base(re.File) != tc.wantFile || tc.wantLine >= 0 && re.Line != tc.wantLine {
				t.Errorf("at %s:%d, want %s:%d", re.File, re.Line, tc.wantFile, tc.wantLine)
			}
		})
	}
}

// ---- fuzzing ------------------------------------------------------------

// FuzzKMFolder: whatever the files of a K–M folder hold, Verify returns a
// report or an error and never panics.
func FuzzKMFolder(f *testing.F) {
	base := v100Files(f)
	f.Add(base["a_V100_fp16.txt"], base["b_V100_fp16.txt"], base["c_V100_fp32.txt"], base["d_V100_fp32.txt"], false)
	f.Add(base["a_V100_fp16.txt"], base["b_V100_fp16.txt"], base["c_V100_fp32.txt"], base["d_V100_fp16.txt"], true)
	f.Add("7c00 0 0 0\n", "fc000000 00000000 7fffffff 3c00\n", "1\n", "\n", true)
	f.Fuzz(func(t *testing.T, a, b, c, d string, out16 bool) {
		root := t.TempDir()
		dname := "d_V100_fp32.txt"
		if out16 {
			dname = "d_V100_fp16.txt"
		}
		writeKM(t, root, "V100", "fp16", map[string]string{"a_V100_fp16.txt": a, "b_V100_fp16.txt": b,
			"c_V100_fp32.txt": c, dname: d})
		rep, err := Verify([]string{root}, Options{MaxListed: 2})
		if err != nil {
			checkRecordError(t, err, filepath.Join(root, "V100", "fp16", "a_V100_fp16.txt"),
				filepath.Join(root, "V100", "fp16", "b_V100_fp16.txt"), filepath.Join(root, "V100", "fp16", "c_V100_fp32.txt"),
				filepath.Join(root, "V100", "fp16", dname))
			return
		}
		// One group: a record per line of d, each mismatch counted and the
		// first two listed with their line; the text report says so.
		lines := 0
		sc := bufio.NewScanner(strings.NewReader(d))
		for sc.Scan() {
			lines++
		}
		if len(rep.Groups) != 1 {
			t.Fatalf("%d groups", len(rep.Groups))
		}
		g := rep.Groups[0]
		if g.Records != lines || g.Mismatches < 0 || g.Mismatches > g.Records || len(g.Listed) != min(g.Mismatches, 2) {
			t.Fatalf("%d records (d has %d lines), %d mismatches, %d listed", g.Records, lines, g.Mismatches, len(g.Listed))
		}
		prev := 0
		for _, m := range g.Listed {
			if m.Line <= prev || m.Line > lines || m.Expected == m.Got {
				t.Fatalf("listed mismatch %+v", m)
			}
			prev = m.Line
		}
		var sb strings.Builder
		if err := rep.WriteText(&sb); err != nil || !strings.Contains(sb.String(), fmt.Sprint(g.Records)) {
			t.Fatalf("report text %q: %v", sb.String(), err)
		}
	})
}

// ---- every preset through the GEMM engine and the sweep -------------------

// TestPresetsThroughGEMM: every preset that the GEMM engine runs gives, on
// modest inputs (|x| in [1/4, 2), zeros included, none overflowing an FP16
// accumulator), results close to the exact product: the engine feeds every
// datapath right (operand formats, FP16 accumulators, separate C adds).
func TestPresetsThroughGEMM(t *testing.T) {
	for _, p := range tensorcore.Presets() {
		if p.BlockScaled() {
			continue
		}
		m, n, k := 3, 4, 2*p.K*max(1, 64/p.K)
		enc := func(i int, f numerics.Format) []uint32 {
			codes := make([]uint32, i*k)
			for j := range codes {
				v := math.Ldexp(1+float64((j*7919+i)%8)/8, (j*31+i)%4-2)
				if j%3 == 1 {
					v = -v
				}
				if j%11 == 5 {
					v = 0
				}
				codes[j] = f.Encode(v, numerics.NearestEven, numerics.Saturate)
			}
			return codes
		}
		prob := &sim.Problem{M: m, N: n, K: k, A: enc(m, p.A), B: enc(n, p.B)}
		for _, nc := range []int{0, p.K} {
			d, err := sim.GEMM(sim.Config{Preset: p, Nc: nc}, prob)
			if err != nil {
				t.Fatalf("%s: %v", p.Name, err)
			}
			for i := range m {
				for j := range n {
					var exact, abs float64
					for kk := range k {
						x := p.A.Decode(prob.A[i*k+kk]) * p.B.Decode(prob.B[j*k+kk])
						exact, abs = exact+x, abs+math.Abs(x)
					}
					if got := float64(d[i*n+j]); math.IsNaN(got) || math.Abs(got-exact) > abs/256 {
						t.Errorf("%s N_c=%d (%d,%d): %g, exact %g", p.Name, nc, i, j, got, exact)
					}
				}
			}
		}
	}
}
