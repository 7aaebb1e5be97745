package verify

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/tcsim/tcsim/sim"
	"github.com/tcsim/tcsim/sim/records"
	"github.com/tcsim/tcsim/sim/records/recordtest"
	"github.com/tcsim/tcsim/tensorcore"
)

// groupCounts maps "file base: group name" to the record count, and fails
// on any mismatch.
func groupCounts(t *testing.T, rep *Report) map[string]int {
	t.Helper()
	m := map[string]int{}
	for _, g := range rep.Groups {
		m[filepath.Base(g.File)+": "+g.Name] = g.Records
		if g.Mismatches != 0 {
			t.Errorf("%s %s: %d mismatches, first %+v", g.File, g.Name, g.Mismatches, g.Listed)
		}
	}
	return m
}

// TestVerifyTestdata verifies the committed subset of the H100 recordings:
// every record reproduced, and exactly the records expected.
func TestVerifyTestdata(t *testing.T) {
	rep, err := Verify([]string{testdataDir}, Options{MaxListed: 5})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{
		"gemm_cases.csv.gz: gemm_00 256x256x512 normal: cuBLAS D_fast (one chain over K)": 65536,
		"gemm_cases.csv.gz: gemm_00 256x256x512 normal: cuBLAS D_nofast (N_c=128)":        65536,
		"gemm_cases.csv.gz: gemm_00 256x256x512 normal: cuBLAS D_chunk128 (N_c=128)":      65536,
		"gemm_cases.csv.gz: gemm_03 16x16x16384 normal: cuBLAS D_fast (split-K n=6)":      256,
		"gemm_cases.csv.gz: gemm_03 16x16x16384 normal: cuBLAS D_nofast (N_c=128)":        256,
		"gemm_cases.csv.gz: gemm_03 16x16x16384 normal: cuBLAS D_chunk128 (N_c=128)":      256,
		"multi_outputs.csv.gz: wgmma_chain use_c=0 serial=0":                              2560,
		"multi_outputs.csv.gz: wgmma_chain use_c=1 serial=0":                              2560,
		"multi_outputs.csv.gz: wgmma_chain use_c=0 serial=1":                              2560,
		"multi_outputs.csv.gz: wgmma_promo N_c=32":                                        1536,
		"multi_outputs.csv.gz: wgmma_promo N_c=64":                                        1536,
		"multi_outputs.csv.gz: wgmma_promo N_c=128":                                       1024,
		"multi_outputs.csv.gz: wgmma_promo N_c=256":                                       1024,
		"multi_outputs.csv.gz: wgmma_promo N_c=512":                                       1024,
		"multi_outputs.csv.gz: wgmma_promo N_c=K":                                         1536,
		"promo_scaled_outputs.csv.gz: wgmma_promo N_c=128":                                3072,
		"promo_scaled_outputs.csv.gz: wgmma_promo_scaled_fma N_c=128":                     3072,
		"promo_scaled_outputs.csv.gz: wgmma_promo_scaled_mulmul N_c=128":                  3072,
	}
	for _, in := range []string{"wgmma", "mma"} {
		for _, ab := range []string{"e4m3_e4m3", "e5m2_e5m2", "e4m3_e5m2"} {
			for _, c := range []string{"c0", "cR"} {
				want[fmt.Sprintf("inst_%s.csv.gz: %s_%s_%s", in, in, ab, c)] = instPerGroup * 6
			}
		}
	}
	if got := groupCounts(t, rep); !reflect.DeepEqual(got, want) {
		t.Errorf("groups:\n got %v\nwant %v", got, want)
	}
	if n, m := rep.Totals(); n != 231168 || m != 0 {
		t.Errorf("Totals = %d, %d; want 231168, 0", n, m)
	}
	// The order is fixed: files by name, groups in order of appearance.
	var order []string
	for _, g := range rep.Groups {
		order = append(order, filepath.Base(g.File))
	}
	if !strings.HasPrefix(strings.Join(order, " "), "gemm_cases.csv.gz gemm_cases") ||
		!strings.HasSuffix(strings.Join(order, " "), "promo_scaled_outputs.csv.gz") {
		t.Errorf("group order %v", order)
	}
}

// TestVerifyFS verifies the same records from an in-memory fs.FS, under
// another folder name: the same report, naming the files as the FS does.
func TestVerifyFS(t *testing.T) {
	disk, err := Verify([]string{testdataDir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{}
	ents, err := os.ReadDir(testdataDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(testdataDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		fsys["rec/h100/"+e.Name()] = &fstest.MapFile{Data: b}
	}
	mem, err := VerifyFS(fsys, []string{"rec"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(mem.Groups) != len(disk.Groups) {
		t.Fatalf("%d groups from the FS, %d from disk", len(mem.Groups), len(disk.Groups))
	}
	for i, g := range mem.Groups {
		d := disk.Groups[i]
		if g.File != "rec/h100/"+filepath.Base(d.File) || g.Name != d.Name || g.Records != d.Records || g.Mismatches != d.Mismatches {
			t.Errorf("group %d: %s %s %d/%d from the FS, %s %s %d/%d from disk", i,
				g.File, g.Name, g.Records, g.Mismatches, d.File, d.Name, d.Records, d.Mismatches)
		}
	}
}

// flipDigit flips the lowest bit of the hex digit at byte offset off of
// field col on line (1-based) of a CSV text.
func flipDigit(t *testing.T, text string, line, col, off int) string {
	t.Helper()
	lines := strings.Split(text, "\n")
	f := strings.Split(lines[line-1], ",")
	v, err := strconv.ParseUint(f[col][off:off+1], 16, 8)
	if err != nil {
		t.Fatalf("line %d field %d offset %d: %q is not hex", line, col, off, f[col][off])
	}
	f[col] = f[col][:off] + string("0123456789abcdef"[v^1]) + f[col][off+1:]
	lines[line-1] = strings.Join(f, ",")
	return strings.Join(lines, "\n")
}

// TestVerifyCatchesFlippedBit flips one bit of one recorded output in each
// record family, writing that file uncompressed, and requires exactly that
// element to be reported.
func TestVerifyCatchesFlippedBit(t *testing.T) {
	for _, tc := range []struct {
		file          string // the testdata file to corrupt
		line, col     int
		element       int    // the output element (8 hex digits each; the instruction files hold one)
		group, where  string // the group and labels the mismatch must be reported with
		expect, wrong string
	}{
		{"inst_wgmma.csv.gz", 10, 4, 0, "wgmma_e4m3_e4m3_c0", "dist=bits tile=0 row=1 col=0", "", ""},
		{"inst_mma.csv.gz", 4000, 4, 0, "mma_e4m3_e5m2_cR", "", "", ""},
		{"multi_outputs.csv.gz", 8, 6, 19, "wgmma_chain use_c=1 serial=0", "case=chain_0005 dist=bits K=96 row=2 col=3", "", ""},
		{"promo_scaled_outputs.csv.gz", 14, 6, 511, "wgmma_promo_scaled_mulmul N_c=128", "case=pscaled_0000 dist=normal K=512 row=63 col=7", "", ""},
		// The split-K case, at an element of the sample that ranks the
		// slice counts: the inference must still find n=6.
		{"gemm_cases.csv.gz", 9, 7, 0, "gemm_03 16x16x16384 normal: cuBLAS D_fast (split-K n=6 closest of n=2..128, none reproduces it)", "case=gemm_03 dist=normal row=0 col=0", "", ""},
		{"gemm_cases.csv.gz", 5, 7, 65535, "gemm_00 256x256x512 normal: cuBLAS D_nofast (N_c=128)", "case=gemm_00 dist=normal row=255 col=255", "", ""},
	} {
		t.Run(tc.file, func(t *testing.T) {
			dir := t.TempDir()
			ents, _ := os.ReadDir(testdataDir)
			for _, e := range ents {
				b, err := os.ReadFile(filepath.Join(testdataDir, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				if e.Name() == tc.file {
					text := flipDigit(t, recordtest.GunzipFile(t, filepath.Join(testdataDir, e.Name())), tc.line, tc.col, 8*tc.element+7)
					if err := os.WriteFile(filepath.Join(dir, strings.TrimSuffix(e.Name(), ".gz")), []byte(text), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			rep, err := Verify([]string{dir}, Options{MaxListed: 3})
			if err != nil {
				t.Fatal(err)
			}
			if n, m := rep.Totals(); n != 231168 || m != 1 {
				t.Fatalf("Totals = %d, %d; want 231168, 1", n, m)
			}
			for _, g := range rep.Groups {
				if g.Mismatches == 0 {
					continue
				}
				if g.Name != tc.group || len(g.Listed) != 1 || filepath.Base(g.File) != strings.TrimSuffix(tc.file, ".gz") {
					t.Fatalf("mismatch in %s %q, listed %+v", g.File, g.Name, g.Listed)
				}
				m := g.Listed[0]
				if m.Line != tc.line || tc.where != "" && m.Where != tc.where || m.Expected == m.Got || m.Inputs == "" {
					t.Errorf("listed %+v", m)
				}
				var e, gt uint64
				fmt.Sscanf(m.Expected, "%x", &e)
				fmt.Sscanf(m.Got, "%x", &gt)
				if e^gt != 1 {
					t.Errorf("expected %s and got %s differ by more than the flipped bit", m.Expected, m.Got)
				}
			}
		})
	}
}

// TestVerifyDeterministic: the report does not depend on the parallelism.
func TestVerifyDeterministic(t *testing.T) {
	paths := []string{filepath.Join(testdataDir, "multi_outputs.csv.gz"), filepath.Join(testdataDir, "inst_mma.csv.gz")}
	a, err := Verify(paths, Options{MaxListed: 5, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Verify(paths, Options{MaxListed: 5, Workers: 7})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Error("reports differ between 1 and 7 workers")
	}
	// The same file named twice, or through its directory, counts once.
	c, err := Verify([]string{paths[1], testdataDir + "/./inst_mma.csv.gz"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := c.Totals(); n != 6*6*instPerGroup {
		t.Errorf("inst_mma named twice: %d records", n)
	}
}

// writeFiles creates files in a new temporary directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, s := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// modelOutputs computes a multi_outputs line for a synthetic case with the
// model itself (to exercise the plumbing: C, N_c, scales, indexing).
func modelOutputs(t *testing.T, line, kernel string, nc int, useC bool) string {
	t.Helper()
	readCases := func(data string) ([]*records.CaseInput, error) {
		r, err := records.NewCaseInputReader("x", strings.NewReader(data))
		if err != nil {
			return nil, err
		}
		return recordtest.ReadAll(r)
	}
	cs, err := readCases(recordtest.ScaledHeaderLine + line)
	if err != nil {
		cs, err = readCases(recordtest.CaseHeaderLine + line)
	}
	if err != nil {
		t.Fatal(err)
	}
	in := cs[0]
	out := &records.CaseOutput{Case: in.Case, Kernel: kernel, K: in.K, Nc: nc, UseC: useC}
	out.D = make([]uint32, in.M*in.N)
	j, err := caseJobFor(in, out)
	if err != nil {
		t.Fatal(err)
	}
	j.run()
	if j.err != nil {
		t.Fatal(j.err)
	}
	var d strings.Builder
	for _, x := range j.got {
		fmt.Fprintf(&d, "%08x", x)
	}
	return fmt.Sprintf("%s,%s,%d,%d,%d,0,%s\n", in.Case, kernel, in.K, nc, b2i(useC), d.String())
}

func TestVerifySynthetic(t *testing.T) {
	// Instruction files: FP16 accumulators (4 hex digits) and mma.
	p, _ := tensorcore.Lookup("h100-wgmma-e5m2-e4m3-f16acc")
	var a, b []uint32
	for k := range 32 {
		a = append(a, uint32(k*5+3)&0xbb)
		b = append(b, uint32(k*11+1)&0xb7)
	}
	d16 := p.MMA(a, b, 0x3c00)
	if d16&0x7c00 == 0x7c00 {
		t.Fatalf("synthetic FP16 result %04x is not finite", d16)
	}
	inst := recordtest.InstHeaderLine + fmt.Sprintf("wgmma_e5m2_e4m3_f16_cR,%s,%s,3c00,%04x,x,0,0,0\n", codesHex(a), codesHex(b), d16) +
		fmt.Sprintf("wgmma_e5m2_e4m3_f16_cR,%s,%s,3c00,%04x,x,0,0,1\n", codesHex(a), codesHex(b), d16^0x8000)
	// Cases: a chain with C, promotion, both scaled kernels.
	chain := recordtest.CaseLine("chain_1", 3, 2, 96, true, 0)
	scaled := recordtest.CaseLine("s_1", 2, 3, 256, false, 2)
	dir := writeFiles(t, map[string]string{
		"sub/inst.csv":            inst,
		"chain_inputs.csv":        recordtest.CaseHeaderLine + chain,
		"multi_outputs.csv":       recordtest.OutHeaderLine + modelOutputs(t, chain, "wgmma_chain", 96, true) + modelOutputs(t, chain, "wgmma_promo", 32, false),
		"promo_scaled_inputs.csv": recordtest.ScaledHeaderLine + scaled,
		"promo_scaled_outputs.csv": recordtest.OutHeaderLine + modelOutputs(t, scaled, "wgmma_promo_scaled_fma", 128, false) +
			modelOutputs(t, scaled, "wgmma_promo_scaled_mulmul", 64, false) + modelOutputs(t, scaled, "wgmma_promo", 256, false),
		"README.md":          "not a record file",
		"gemm_scaled_mm.csv": "K,mode,max_rel\n256,fast,0.1\n",
	})
	rep, err := Verify([]string{dir}, Options{MaxListed: 5})
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	rep.WriteText(&text)
	want := strings.ReplaceAll(`DIR/multi_outputs.csv (inputs chain_inputs.csv)
  wgmma_chain use_c=1 serial=0         6 records       0 mismatches
  wgmma_promo N_c=32                   6 records       0 mismatches
DIR/promo_scaled_outputs.csv (inputs promo_scaled_inputs.csv)
  wgmma_promo_scaled_fma N_c=128           6 records       0 mismatches
  wgmma_promo_scaled_mulmul N_c=64         6 records       0 mismatches
  wgmma_promo N_c=K                        6 records       0 mismatches
DIR/sub/inst.csv
  wgmma_e5m2_e4m3_f16_cR         2 records       1 mismatches
    inst.csv:3 dist=x tile=0 row=0 col=1: a=`+codesHex(a)+` b=`+codesHex(b)+` c=3c00: expected `+fmt.Sprintf("%04x, got %04x", d16^0x8000, d16)+`
`, "DIR", dir)
	if text.String() != want {
		t.Errorf("report:\n%s\nwant:\n%s", text.String(), want)
	}
}

func codesHex(c []uint32) string {
	var s strings.Builder
	for _, x := range c {
		fmt.Fprintf(&s, "%02x", x)
	}
	return s.String()
}

func TestVerifyErrors(t *testing.T) {
	chain := recordtest.CaseLine("chain_1", 2, 1, 64, true, 0)
	chainOut := "chain_1,wgmma_chain,64,64,0,0," + strings.Repeat("00000000", 2) + "\n"
	for _, tc := range []struct {
		name  string
		files map[string]string
		path  string // relative to the directory; "" for the directory
		err   string // the error, with DIR for the directory
	}{
		{"nonexistent", nil, "nope", "stat DIR/nope: no such file or directory"},
		{"unrecognised", map[string]string{"README.md": "x"}, "README.md", "DIR/README.md: not a record file tcsim verify recognises"},
		{"unrecognised csv", map[string]string{"t.csv": "a,b\n1,2\n"}, "t.csv", "DIR/t.csv: not a record file"},
		{"no outputs", map[string]string{"chain_inputs.csv": recordtest.CaseHeaderLine + chain}, "", "DIR/chain_inputs.csv: no multi_outputs.csv.gz beside it"},
		{"no outputs explicit", map[string]string{"promo_inputs.csv": recordtest.CaseHeaderLine + chain}, "promo_inputs.csv", "DIR/promo_inputs.csv: no multi_outputs.csv.gz beside it"},
		{"no inputs", map[string]string{"multi_outputs.csv": recordtest.OutHeaderLine + chainOut}, "", "DIR/multi_outputs.csv: no chain_inputs.csv.gz or promo_inputs.csv.gz beside it"},
		{"no scaled inputs", map[string]string{"promo_scaled_outputs.csv": recordtest.OutHeaderLine + chainOut}, "", "DIR/promo_scaled_outputs.csv: no promo_scaled_inputs.csv.gz beside it"},
		{"both", map[string]string{"multi_outputs.csv": "", "multi_outputs.csv.gz": "", "chain_inputs.csv": ""}, "", "DIR: both multi_outputs.csv.gz and multi_outputs.csv: keep one"},
		{"dup case", map[string]string{"chain_inputs.csv": recordtest.CaseHeaderLine + chain, "promo_inputs.csv": recordtest.CaseHeaderLine + chain, "multi_outputs.csv": recordtest.OutHeaderLine + chainOut},
			"", "DIR/promo_inputs.csv:2: case chain_1: duplicate (first at chain_inputs.csv:2)"},
		{"missing case", map[string]string{"chain_inputs.csv": recordtest.CaseHeaderLine + chain, "multi_outputs.csv": recordtest.OutHeaderLine + chainOut + strings.Replace(chainOut, "chain_1", "chain_2", 1)},
			"", "DIR/multi_outputs.csv:3: case chain_2 is in none of chain_inputs.csv"},
		{"unused case", map[string]string{"chain_inputs.csv": recordtest.CaseHeaderLine + chain + strings.Replace(chain, "chain_1", "chain_2", 1), "multi_outputs.csv": recordtest.OutHeaderLine + chainOut},
			"", "DIR/chain_inputs.csv:3: case chain_2 has no output in multi_outputs.csv"},
		{"dup output", map[string]string{"chain_inputs.csv": recordtest.CaseHeaderLine + chain, "multi_outputs.csv": recordtest.OutHeaderLine + chainOut + chainOut},
			"", "DIR/multi_outputs.csv:3: duplicate output (case, kernel, N_c, use_c, serial) of line 2"},
		{"K", map[string]string{"chain_inputs.csv": recordtest.CaseHeaderLine + chain, "multi_outputs.csv": recordtest.OutHeaderLine + strings.Replace(chainOut, ",64,64,", ",96,96,", 1)},
			"", "DIR/multi_outputs.csv:2: K = 96, but case chain_1 has K = 64"},
		{"d size", map[string]string{"chain_inputs.csv": recordtest.CaseHeaderLine + chain, "multi_outputs.csv": recordtest.OutHeaderLine + chainOut[:len(chainOut)-9] + "\n"},
			"", "DIR/multi_outputs.csv:2: d_hex: 1 values, but case chain_1 has M·N = 2·1"},
		{"N_c", map[string]string{"chain_inputs.csv": recordtest.CaseHeaderLine + chain, "multi_outputs.csv": recordtest.OutHeaderLine + strings.Replace(chainOut, "chain,64,64,", "promo,64,48,", 1)},
			"", "DIR/multi_outputs.csv:2: N_c = 48 is not a multiple of 32 in [32, K = 64]"},
		{"chain N_c", map[string]string{"chain_inputs.csv": recordtest.CaseHeaderLine + chain, "multi_outputs.csv": recordtest.OutHeaderLine + strings.Replace(chainOut, ",64,64,", ",64,32,", 1)},
			"", "DIR/multi_outputs.csv:2: wgmma_chain with N_c = 32 ≠ K = 64"},
		{"kernel", map[string]string{"chain_inputs.csv": recordtest.CaseHeaderLine + chain, "multi_outputs.csv": recordtest.OutHeaderLine + strings.Replace(chainOut, "wgmma_chain", "wgmma_magic", 1)},
			"", `DIR/multi_outputs.csv:2: kernel: unknown "wgmma_magic"`},
		{"use_c promo", map[string]string{"chain_inputs.csv": recordtest.CaseHeaderLine + chain, "multi_outputs.csv": recordtest.OutHeaderLine + strings.Replace(chainOut, "chain,64,64,0", "promo,64,64,1", 1)},
			"", "DIR/multi_outputs.csv:2: use_c = 1 is only meaningful for wgmma_chain, not wgmma_promo"},
		{"use_c no C", map[string]string{"chain_inputs.csv": recordtest.CaseHeaderLine + recordtest.CaseLine("chain_1", 2, 1, 64, false, 0), "multi_outputs.csv": recordtest.OutHeaderLine + strings.Replace(chainOut, "64,64,0", "64,64,1", 1)},
			"", "DIR/multi_outputs.csv:2: use_c = 1 but case chain_1 has no c_hex"},
		{"scales missing", map[string]string{"chain_inputs.csv": recordtest.CaseHeaderLine + chain, "multi_outputs.csv": recordtest.OutHeaderLine + strings.Replace(chainOut, "chain,64,64,", "promo_scaled_fma,64,32,", 1)},
			"", "DIR/multi_outputs.csv:2: wgmma_promo_scaled_fma needs scales, but case chain_1 has none"},
		{"scale straddle", map[string]string{"promo_scaled_inputs.csv": recordtest.ScaledHeaderLine + recordtest.CaseLine("s", 1, 1, 256, false, 4),
			"promo_scaled_outputs.csv": recordtest.OutHeaderLine + "s,wgmma_promo_scaled_fma,256,128,0,0,00000000\n"},
			"", "DIR/promo_scaled_outputs.csv:2: case s: promotion interval [0,128) straddles scale blocks of 64"},
		{"fmt", map[string]string{"chain_inputs.csv": recordtest.CaseHeaderLine + strings.Replace(chain, "e4m3,e4m3", "e4m3,bf16", 1), "multi_outputs.csv": recordtest.OutHeaderLine + chainOut},
			"", "DIR/chain_inputs.csv:2: b_hex: 32 bf16 elements is not a whole, non-zero number of rows of K = 64"},
		{"preset", map[string]string{"chain_inputs.csv": recordtest.CaseHeaderLine + strings.Replace(recordtest.CaseLine("chain_1", 2, 2, 64, false, 0), "e4m3,e4m3", "f16,f16", 1), "multi_outputs.csv": recordtest.OutHeaderLine + chainOut[:len(chainOut)-9] + "\n"},
			"", "DIR/multi_outputs.csv:2: case chain_1: no preset h100-wgmma-f16-f16 models f16×f16 wgmma"},
		{"K not 32", map[string]string{"chain_inputs.csv": recordtest.CaseHeaderLine + recordtest.CaseLine("chain_1", 1, 1, 48, false, 0), "multi_outputs.csv": recordtest.OutHeaderLine + "chain_1,wgmma_chain,48,48,0,0,00000000\n"},
			"", "DIR/multi_outputs.csv:2: case chain_1: K = 48 is not a multiple of the instruction K = 32"},
		{"empty outputs", map[string]string{"chain_inputs.csv": recordtest.CaseHeaderLine, "multi_outputs.csv": recordtest.OutHeaderLine}, "", "DIR/multi_outputs.csv: no records"},
		{"empty inst", map[string]string{"i.csv": recordtest.InstHeaderLine}, "", "DIR/i.csv: no records"},
		{"gemm what", map[string]string{"gemm_cases.csv": recordtest.GEMMHeaderLine + recordtest.GEMMRows("g", 1, 1, 32, "A", "B", "D_slow")}, "", `DIR/gemm_cases.csv:4: what: unknown output "D_slow"`},
		{"gemm K", map[string]string{"gemm_cases.csv": recordtest.GEMMHeaderLine + recordtest.GEMMRows("g", 1, 1, 40, "A", "B", "D_fast")}, "", "DIR/gemm_cases.csv:2: case g: K = 40 is not a multiple of the instruction K = 32"},
		{"bad gzip", map[string]string{"gemm_cases.csv.gz": "\x1f\x8b\x08garbage"}, "", "DIR/gemm_cases.csv.gz: gzip: "},
		{"bad gzip inst", map[string]string{"x.csv.gz": "\x1f\x8b\x08garbage"}, "", "DIR/x.csv.gz: gzip: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, tc.files)
			_, err := Verify([]string{filepath.Join(dir, tc.path)}, Options{})
			want := strings.ReplaceAll(tc.err, "DIR", dir)
			if err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %v, want %q...", err, want)
			}
		})
	}
	// Directories without record files verify nothing, without error.
	dir := writeFiles(t, map[string]string{"README.md": "x", "gemm_scaled_mm.csv": "K,x\n1,2\n", "empty.csv": "", "LICENCE": "x"})
	rep, err := Verify([]string{dir}, Options{})
	if err != nil || len(rep.Groups) != 0 {
		t.Errorf("no record files: %v, %+v", err, rep)
	}
}

// TestVerifySplitKInference checks the split-K search on a synthetic GEMM:
// it finds the slice counts that produced the output, also with a corrupt
// element, and falls back to the closest when none fits.
func TestVerifySplitKInference(t *testing.T) {
	p, _ := tensorcore.Lookup(gemmPreset)
	m, n, k := 4, 3, 1024
	prob := &sim.Problem{M: m, N: n, K: k, A: make([]uint32, m*k), B: make([]uint32, n*k)}
	for i := range prob.A {
		prob.A[i] = uint32(i*7919+13) % 0x7e
	}
	for i := range prob.B {
		prob.B[i] = uint32(i*104729+5)%0x7e | uint32(i&1)<<7
	}
	d, err := sim.GEMM(sim.Config{Preset: p, SplitK: 3}, prob)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]uint32, len(d))
	for i, x := range d {
		want[i] = math.Float32bits(x)
	}
	fit, err := inferSplitK(sim.Config{Preset: p}, prob, want)
	if err != nil {
		t.Fatal(err)
	}
	// 8 tiles: n = 3 gives 3+3+2 tiles, and nothing else does.
	if fit.mismatches != 0 || !reflect.DeepEqual(fit.ns, []int{3}) || fit.label() != "(split-K n=3)" {
		t.Errorf("fit %v %d %q", fit.ns, fit.mismatches, fit.label())
	}
	want[5] ^= 1
	fit, _ = inferSplitK(sim.Config{Preset: p}, prob, want)
	if fit.mismatches != 1 || !reflect.DeepEqual(fit.ns, []int{3}) || fit.label() != "(split-K n=3 closest of n=2..8, none reproduces it)" {
		t.Errorf("corrupt: fit %v %d %q", fit.ns, fit.mismatches, fit.label())
	}
	// n = 5..7 all slice 8 tiles as 2+2+2+2 (n=4 as well).
	d, _ = sim.GEMM(sim.Config{Preset: p, SplitK: 4}, prob)
	for i, x := range d {
		want[i] = math.Float32bits(x)
	}
	fit, _ = inferSplitK(sim.Config{Preset: p}, prob, want)
	if fit.mismatches != 0 || fit.label() != "(split-K n=4..7)" {
		t.Errorf("4 slices: fit %v %d %q", fit.ns, fit.mismatches, fit.label())
	}
	short := &sim.Problem{M: 1, N: 1, K: 128, A: prob.A[:128], B: prob.B[:128]}
	fit, _ = inferSplitK(sim.Config{Preset: p}, short, want[:1])
	if fit.ns != nil || fit.label() != "(split-K: K too short to split, compared unsplit)" {
		t.Errorf("K=128: %v %q", fit.ns, fit.label())
	}
}

// TestVerifyCorpus verifies every record of the full H100 recordings when
// they are present (../shared/hw/h100 beside the repository, or
// $TCSIM_H100_DIR). It takes about 10-20 s on two cores, so -short skips it.
func TestVerifyCorpus(t *testing.T) {
	dir := corpusDir()
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no H100 recordings at %s (set TCSIM_H100_DIR): %v", dir, err)
	}
	if testing.Short() {
		t.Skip("the full H100 corpus takes 10-20 s; skipped with -short")
	}
	start := time.Now()
	rep, err := Verify([]string{dir}, Options{MaxListed: 5})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("verified the H100 corpus in %v", time.Since(start).Round(time.Millisecond))
	got := map[string]int{}
	for _, g := range rep.Groups {
		fam := filepath.Base(g.File)
		switch {
		case strings.HasPrefix(g.Name, "wgmma_chain"):
			fam += " chain"
		case strings.HasPrefix(g.Name, "wgmma_promo"):
			fam += " promo"
		}
		got[fam] += g.Records
		if g.Mismatches != 0 {
			t.Errorf("%s %s: %d mismatches, first %+v", g.File, g.Name, g.Mismatches, g.Listed)
		}
		if strings.Contains(g.Name, "D_fast") && strings.Contains(g.Name, "16384") && !strings.HasSuffix(g.Name, "(split-K n=6)") {
			t.Errorf("split-K case not inferred as n=6: %s", g.Name)
		}
	}
	want := map[string]int{
		"inst_wgmma.csv.gz":                 327680,
		"inst_mma.csv.gz":                   327680,
		"multi_outputs.csv.gz chain":        142848,
		"multi_outputs.csv.gz promo":        64512,
		"promo_scaled_outputs.csv.gz promo": 3 * 6 * 512,
		"gemm_cases.csv.gz":                 3 * (3*256*256 + 128*128),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("records per family:\n got %v\nwant %v", got, want)
	}
}
