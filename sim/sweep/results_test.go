package sweep

import (
	"bytes"
	"math"
	"math/big"
	"slices"
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
		written := out.String()
		again, err := ReadCSV(&out, "again")
		if err != nil || len(again) != len(rows) {
			t.Fatalf("re-read: %v (%d rows, want %d)", err, len(again), len(rows))
		}
		// The same rows, field by field (NaN included), and the same bytes
		// when written again.
		for i := range rows {
			if a, b := rows[i].Record(), again[i].Record(); !slices.Equal(a, b) {
				t.Fatalf("row %d changed in a round trip:\n%q\n%q", i, a, b)
			}
		}
		var out2 bytes.Buffer
		if err := WriteCSV(&out2, again); err != nil || out2.String() != written {
			t.Fatalf("written twice, the bytes differ: %v", err)
		}
	})
}

// oracleInt parses a decimal integer with an optional sign, as math/big
// reads it, and reports whether it fits an int.
func oracleInt(s string) (int, bool) {
	if s == "" || strings.Trim(s[1:], "0123456789") != "" || strings.Trim(s[:1], "+-0123456789") != "" || s == "+" || s == "-" {
		return 0, false
	}
	v, ok := new(big.Int).SetString(s, 10)
	if !ok || !v.IsInt64() || v.Int64() > math.MaxInt || v.Int64() < math.MinInt {
		return 0, false
	}
	return int(v.Int64()), true
}

// FuzzParseShardAndNc compares ParseShard and ParseNc with parsers built
// on math/big: the same inputs are accepted, with the same values.
func FuzzParseShardAndNc(f *testing.F) {
	for _, s := range []string{"0/3", "2/3", "3/3", "", "x", "-1/2", "1/0", "128", "never", "fp32", "0", "+1/02", "1/", "/1",
		"9223372036854775807", "9223372036854775808/9223372036854775809", "1/2/3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		wi, wn, want := 0, 1, s == ""
		if a, b, ok := strings.Cut(s, "/"); ok {
			i, ok1 := oracleInt(a)
			n, ok2 := oracleInt(b)
			wi, wn, want = i, n, ok1 && ok2 && n >= 1 && i >= 0 && i < n
		}
		i, n, err := ParseShard(s)
		if (err == nil) != want || want && (i != wi || n != wn) {
			t.Errorf("ParseShard(%q) = %d/%d, %v; want %d/%d, ok %v", s, i, n, err, wi, wn, want)
		}
		var wnc int
		switch s {
		case "never":
			wnc, want = NcNever, true
		case "fp32":
			wnc, want = NcFP32, true
		default:
			v, ok := oracleInt(s)
			wnc, want = v, ok && v > 0
		}
		nc, err := ParseNc(s)
		if (err == nil) != want || want && nc != wnc {
			t.Errorf("ParseNc(%q) = %d, %v; want %d, ok %v", s, nc, err, wnc, want)
		}
		if err == nil {
			if back, err := ParseNc(NcLabel(nc)); err != nil || back != nc {
				t.Errorf("ParseNc(NcLabel(%d)) = %d, %v", nc, back, err)
			}
		}
	})
}
