package verify

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// The committed testdata/h100 is a subset of the H100 recordings in
// ../shared/hw/h100 (see testdata/README.md). Regenerate it with
//
//	go test ./sim/verify -run TestRegenTestdata -regen
var regen = flag.Bool("regen", false, "rewrite ../testdata/h100 from the H100 recordings")

const testdataDir = "../../testdata/h100"

// corpusDir is where the full H100 recordings are, if present:
// $TCSIM_H100_DIR, else ../shared/hw/h100 beside the repository.
func corpusDir() string {
	if d := os.Getenv("TCSIM_H100_DIR"); d != "" {
		return d
	}
	return "../../../shared/hw/h100"
}

// What the subset keeps.
const (
	instPerGroup = 128 // first lines per (config, dist) of inst_wgmma and inst_mma
	cornerM      = 16  // the split-K GEMM keeps the top-left cornerM×cornerN outputs
	cornerN      = 16
)

var (
	keepChain  = []string{"chain_0000", "chain_0005", "chain_0019", "chain_0044", "chain_0090"}
	keepPromo  = []string{"promo_0001", "promo_0009", "promo_0014"}
	keepGEMM   = "gemm_00" // whole
	cornerGEMM = "gemm_03" // the split-K case, cut to a corner
)

func TestRegenTestdata(t *testing.T) {
	if !*regen {
		t.Skip("run with -regen to rewrite ../testdata/h100")
	}
	src := corpusDir()
	if _, err := os.Stat(src); err != nil {
		t.Fatalf("no H100 recordings: %v", err)
	}
	if err := os.MkdirAll(testdataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	in := func(n string) string { return filepath.Join(src, n) }
	out := func(n string) string { return filepath.Join(testdataDir, n) }
	for _, f := range []string{"inst_wgmma.csv.gz", "inst_mma.csv.gz"} {
		perGroup := map[string]int{}
		filterCSV(t, in(f), out(f), func(h, r []string) ([]string, bool) {
			k := r[0] + "," + r[slices.Index(h, "dist")]
			perGroup[k]++
			return r, perGroup[k] <= instPerGroup
		})
	}
	keep := func(ids []string) func(h, r []string) ([]string, bool) {
		return func(h, r []string) ([]string, bool) { return r, slices.Contains(ids, r[0]) }
	}
	filterCSV(t, in("chain_inputs.csv.gz"), out("chain_inputs.csv.gz"), keep(keepChain))
	filterCSV(t, in("promo_inputs.csv.gz"), out("promo_inputs.csv.gz"), keep(keepPromo))
	filterCSV(t, in("multi_outputs.csv.gz"), out("multi_outputs.csv.gz"), keep(append(slices.Clone(keepChain), keepPromo...)))
	filterCSV(t, in("promo_scaled_inputs.csv.gz"), out("promo_scaled_inputs.csv.gz"), func(h, r []string) ([]string, bool) { return r, true })
	filterCSV(t, in("promo_scaled_outputs.csv.gz"), out("promo_scaled_outputs.csv.gz"), func(h, r []string) ([]string, bool) { return r, true })
	filterCSV(t, in("gemm_cases.csv.gz"), out("gemm_cases.csv.gz"), func(h, r []string) ([]string, bool) {
		switch r[0] {
		case keepGEMM:
			return r, true
		case cornerGEMM:
			return gemmCorner(t, r, cornerM, cornerN), true
		}
		return nil, false
	})
}

// gemmCorner cuts one gemm_cases row to the top-left m×n outputs: the first
// m rows of A, the first n columns of B, D[0:m, 0:n]. It is still a
// complete GEMM, since each output depends only on its row and column.
func gemmCorner(t *testing.T, r []string, m, n int) []string {
	N, _ := strconv.Atoi(r[3])
	K, _ := strconv.Atoi(r[4])
	r = slices.Clone(r)
	r[2], r[3] = strconv.Itoa(m), strconv.Itoa(n)
	h := r[7]
	switch r[5] {
	case "A":
		h = h[:2*m*K]
	case "B":
		h = h[:2*n*K]
	default:
		var s []byte
		for i := range m {
			s = append(s, h[8*i*N:8*(i*N+n)]...)
		}
		h = string(s)
	}
	r[7] = h
	return r
}

// filterCSV copies the header and the rows keep accepts (possibly changed)
// from a record file into a new gzip file with deterministic bytes.
func filterCSV(t *testing.T, src, dst string, keep func(header, row []string) ([]string, bool)) {
	t.Helper()
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(zr)
	o, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	zw, _ := gzip.NewWriterLevel(o, gzip.BestCompression)
	w := csv.NewWriter(zw)
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	header = slices.Clone(header)
	w.Write(header)
	rows := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec, ok := keep(header, rec); ok {
			w.Write(rec)
			rows++
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(dst)
	t.Logf("%s: %d rows, %d bytes", dst, rows, st.Size())
}
