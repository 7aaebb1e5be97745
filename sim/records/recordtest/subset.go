package recordtest

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// Keep decides whether a row of a record file goes into a subset, and
// what it becomes there (possibly changed).
type Keep func(header, row []string) ([]string, bool)

// FilterCSV copies the header and the rows keep accepts from the gzip
// record file src into a new gzip file dst with deterministic bytes. It is
// how the committed testdata subsets are regenerated from full recordings.
func FilterCSV(t testing.TB, src, dst string, keep Keep) {
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

// KeepIDs keeps the rows whose first field (the case) is one of ids; with
// no ids it keeps every row.
func KeepIDs(ids ...[]string) Keep {
	all := slices.Concat(ids...)
	return func(h, r []string) ([]string, bool) { return r, len(all) == 0 || slices.Contains(all, r[0]) }
}

// SubsetInstAndCases writes the subset of a recording in src (the layout
// of docs/records.md) to dst: of inst_wgmma and inst_mma the first perGroup
// rows of each (config, dist) and the lines (counting the header as line
// 1) that extraLines names per file; the chain and promotion cases named
// (their inputs and multi_outputs); the scaled promotion cases named (all
// of them when scaled is empty).
func SubsetInstAndCases(t testing.TB, src, dst string, perGroup int, extraLines map[string][]int, chains, promos, scaled []string) {
	t.Helper()
	in := func(n string) string { return filepath.Join(src, n) }
	out := func(n string) string { return filepath.Join(dst, n) }
	for _, f := range []string{"inst_wgmma.csv.gz", "inst_mma.csv.gz"} {
		count := map[string]int{}
		line := 1
		FilterCSV(t, in(f), out(f), func(h, r []string) ([]string, bool) {
			line++
			k := r[0] + "," + r[slices.Index(h, "dist")]
			count[k]++
			return r, count[k] <= perGroup || slices.Contains(extraLines[f], line)
		})
	}
	FilterCSV(t, in("chain_inputs.csv.gz"), out("chain_inputs.csv.gz"), KeepIDs(chains))
	FilterCSV(t, in("promo_inputs.csv.gz"), out("promo_inputs.csv.gz"), KeepIDs(promos))
	FilterCSV(t, in("multi_outputs.csv.gz"), out("multi_outputs.csv.gz"), KeepIDs(chains, promos))
	FilterCSV(t, in("promo_scaled_inputs.csv.gz"), out("promo_scaled_inputs.csv.gz"), KeepIDs(scaled))
	FilterCSV(t, in("promo_scaled_outputs.csv.gz"), out("promo_scaled_outputs.csv.gz"), KeepIDs(scaled))
}
