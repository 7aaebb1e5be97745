package probe

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/tcsim/tcsim/sim/records/recordtest"
	"github.com/tcsim/tcsim/sim/verify"
)

// The committed testdata/h200 is a subset of a recording this kit made on
// an NVIDIA H200 (see testdata/README.md). Regenerate it from the full
// recording with
//
//	TCSIM_H200_DIR=DIR go test ./probe -run TestRegenH200Testdata -regen
var regen = flag.Bool("regen", false, "rewrite ../testdata/h200 from the recording in $TCSIM_H200_DIR")

const h200Dir = "../testdata/h200"

// What the subset keeps.
const h200InstPerGroup = 64 // first lines per (config, dist) of inst_wgmma and inst_mma

var (
	// Chains: e4m3×e4m3 normal K=64, bits 256, special 256; e4m3×e5m2
	// normal 256; e5m2×e4m3 pos 64; e5m2×e5m2 special 1024.
	h200Chains = []string{"chain_0000", "chain_0013", "chain_0017", "chain_0021", "chain_0044", "chain_0079"}
	// Promotion: e4m3×e4m3 normal K=1024, pos 128; e4m3×e5m2 normal 1024;
	// e5m2×e5m2 normal 128.
	h200Promos = []string{"promo_0001", "promo_0004", "promo_0013", "promo_0030"}
	h200Scaled = []string{"pscaled_0000", "pscaled_0001", "pscaled_0002"}
)

// The subset keeps, beside the lines above, the 25 instruction records of
// the full recording where the H200 writes +0 for a negative exact sum
// below the smallest subnormal of the output format (by line). Without
// the zero rule (Step.PlusZero) a model writes -0 for them: they are the
// regression test of that rule on wgmma and on mma.sync TF32 and FP16
// with an FP16 accumulator.
var h200ZeroLines = map[string][]int{
	"inst_wgmma.csv.gz": {338307, 338668, 338709, 338724, 339000, 339170, 339298, 339612, 339613, 339617, 339917, 339922},
	"inst_mma.csv.gz":   {355899, 371075, 371436, 371477, 371492, 371768, 371938, 372066, 372380, 372381, 372385, 372685, 372690},
}

// h200Records is what TestH200Testdata finds in the subset.
const h200Records = (22+24)*8*h200InstPerGroup + 25 + // instruction records
	6*3*512 + (6+3+6+3)*512 + // chains (three outputs each); promotion (N_c 32..512 and K, as K allows)
	3*5*512 // scaled promotion: unscaled at 128; FMA and mul-mul at 128 and 64

// TestH200Testdata verifies the committed H200 records bit for bit: every
// output of every path, the zero-sign lines included, must be what the
// Hopper model gives.
func TestH200Testdata(t *testing.T) {
	rep, err := verify.Verify([]string{h200Dir}, verify.Options{MaxListed: 5})
	if err != nil {
		t.Fatal(err)
	}
	records, mismatches := rep.Totals()
	if records != h200Records || mismatches != 0 {
		t.Errorf("%d records, %d mismatches; want %d and 0", records, mismatches, h200Records)
	}
	for _, g := range rep.Groups {
		for _, m := range g.Listed {
			t.Errorf("%s:%d %s %s: expected %s, got %s", filepath.Base(m.File), m.Line, g.Name, m.Where, m.Expected, m.Got)
		}
	}
}

func TestRegenH200Testdata(t *testing.T) {
	if !*regen {
		t.Skip("run with -regen and TCSIM_H200_DIR to rewrite ../testdata/h200")
	}
	src := os.Getenv("TCSIM_H200_DIR")
	if src == "" {
		t.Fatal("set TCSIM_H200_DIR to the full H200 recording")
	}
	if err := os.MkdirAll(h200Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	recordtest.SubsetInstAndCases(t, src, h200Dir, h200InstPerGroup, h200ZeroLines, h200Chains, h200Promos, h200Scaled)
}
