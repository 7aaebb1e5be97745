package verify

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/tcsim/tcsim/sim/records/recordtest"
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
	recordtest.SubsetInstAndCases(t, src, testdataDir, instPerGroup, nil, keepChain, keepPromo, nil)
	recordtest.FilterCSV(t, filepath.Join(src, "gemm_cases.csv.gz"), filepath.Join(testdataDir, "gemm_cases.csv.gz"), func(h, r []string) ([]string, bool) {
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
