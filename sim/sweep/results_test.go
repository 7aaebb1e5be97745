package sweep

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/tcsim/tcsim/sim"
)

func TestResultsCSVRoundTrip(t *testing.T) {
	rows := []Row{
		{Preset: "h100-wgmma-e4m3-e4m3", FBits: 13, Dist: "pos", Scaling: "tensor", K: 4096, Nc: NcNever, M: 64, N: 64,
			Trials: 2, Outputs: 8192, Acc: sim.Metrics{MaxRel: 0.1, MeanSignedRel: -0.0745, NormRel: math.NaN(), ZeroRef: 3},
			Tot: sim.Metrics{MaxRel: math.Inf(1), RelP90: 1.0000000000000002}},
		{Preset: "x", FBits: 25, Dist: "normal", Scaling: "deepseek", K: 128, Nc: 128, Promotions: 1},
		{Preset: "x", Dist: "normal", Scaling: "deepseek", K: 128, Nc: NcFP32},
	}
	var b bytes.Buffer
	if err := WriteCSV(&b, rows); err != nil {
		t.Fatal(err)
	}
	got, err := ReadCSV(bytes.NewReader(b.Bytes()), "r.csv")
	if err != nil {
		t.Fatal(err)
	}
	var b2 bytes.Buffer
	WriteCSV(&b2, got)
	if !bytes.Equal(b.Bytes(), b2.Bytes()) {
		t.Fatal("CSV does not round-trip byte for byte")
	}
	if got[0].Acc.MeanSignedRel != -0.0745 || got[0].Nc != NcNever || got[2].Nc != NcFP32 || !math.IsNaN(got[0].Acc.NormRel) {
		t.Fatalf("round trip lost values: %+v", got[0])
	}
}

func TestReadCSVErrors(t *testing.T) {
	header := strings.Join(Header(), ",")
	good := (&Row{Preset: "p", Dist: "d", Scaling: "s", K: 128, Nc: 32}).Record()
	bad := func(col int, v string) string {
		r := append([]string(nil), good...)
		r[col] = v
		return header + "\n" + strings.Join(r, ",") + "\n"
	}
	for _, tc := range []struct{ in, want string }{
		{"", "reading header"},
		{"a,b\n", "not a tcsim results file"},
		{strings.Replace(header, "dist", "distribution", 1) + "\n", `column 3 is "distribution"`},
		{bad(4, "x"), "f.csv:2: column k"},
		{bad(5, "17x"), "f.csv:2: bad N_c"},
		{bad(11, "nope"), "f.csv:2: column acc_max_rel"},
		{bad(4, "-5"), "not positive"},
		{header + "\n" + "1,2\n", "f.csv"},
	} {
		if _, err := ReadCSV(strings.NewReader(tc.in), "f.csv"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ReadCSV(%.40q): err = %v, want %q", tc.in, err, tc.want)
		}
	}
}

func FuzzReadCSV(f *testing.F) {
	var b bytes.Buffer
	WriteCSV(&b, []Row{{Preset: "p", Dist: "d", Scaling: "s", K: 128, Nc: 32}})
	f.Add(b.String())
	f.Add(strings.Join(Header(), ",") + "\n")
	f.Add("garbage\n\"unterminated")
	f.Fuzz(func(t *testing.T, in string) {
		rows, err := ReadCSV(strings.NewReader(in), "fuzz")
		if err != nil {
			return
		}
		// Whatever parses writes back and parses to the same rows.
		var out bytes.Buffer
		if err := WriteCSV(&out, rows); err != nil {
			t.Fatal(err)
		}
		again, err := ReadCSV(&out, "again")
		if err != nil || len(again) != len(rows) {
			t.Fatalf("re-read: %v (%d rows, want %d)", err, len(again), len(rows))
		}
	})
}

func FuzzParseShardAndNc(f *testing.F) {
	for _, s := range []string{"0/3", "2/3", "3/3", "", "x", "-1/2", "1/0", "128", "never", "fp32", "0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if i, n, err := ParseShard(s); err == nil && (i < 0 || i >= n) {
			t.Fatalf("ParseShard(%q) = %d/%d", s, i, n)
		}
		if nc, err := ParseNc(s); err == nil && NcLabel(nc) != s && nc <= 0 {
			t.Fatalf("ParseNc(%q) = %d", s, nc)
		}
	})
}
