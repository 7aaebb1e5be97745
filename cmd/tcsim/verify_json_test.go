package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcsim/tcsim/sim/records/recordtest"
)

type verifyJSON struct {
	Records, Mismatches int
	OK                  bool
	Groups              []struct {
		File, Name          string
		Inputs              []string
		Records, Mismatches int
		Listed              []struct {
			File, Where, Inputs, Expected, Got string
			Line                               int
		}
	}
}

// verify --json on the K–M subset: a golden file, and the same totals as
// the text report.
func TestVerifyJSONGolden(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(&out, &errOut, []string{"verify", "--json", "../../testdata/km"}); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	golden := filepath.Join("testdata", "verify_km.json")
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	} else if !bytes.Equal(out.Bytes(), readFile(t, golden)) {
		t.Errorf("verify --json differs from %s:\n%s", golden, out.String())
	}
	var rep verifyJSON
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	run(&text, io.Discard, []string{"verify", "../../testdata/km"})
	if !rep.OK || rep.Records != 5120 || rep.Mismatches != 0 || len(rep.Groups) != 40 ||
		!strings.HasSuffix(text.String(), "verified 5120 records, 0 mismatches\n") {
		t.Errorf("JSON totals %d/%d ok=%v in %d groups; text ends %q", rep.Records, rep.Mismatches, rep.OK, len(rep.Groups), text.String())
	}
}

// A corrupted record is a mismatch in the JSON report too, with its line
// and both bit patterns; the exit status is 1.
func TestVerifyJSONMismatch(t *testing.T) {
	lines := strings.SplitN(recordtest.GunzipFile(t, "../../testdata/h100/inst_wgmma.csv.gz"), "\n", 4)
	fields := strings.Split(lines[2], ",")
	want := fields[4]
	fields[4] = "3f800000"
	if want == fields[4] {
		fields[4] = "40000000"
	}
	path := filepath.Join(t.TempDir(), "inst.csv")
	if err := os.WriteFile(path, []byte(lines[0]+"\n"+lines[1]+"\n"+strings.Join(fields, ",")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run(&out, &errOut, []string{"verify", "--json", path}); code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, errOut.String())
	}
	var rep verifyJSON
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.OK || rep.Records != 2 || rep.Mismatches != 1 || len(rep.Groups) != 1 || len(rep.Groups[0].Listed) != 1 {
		t.Fatalf("report %+v", rep)
	}
	m := rep.Groups[0].Listed[0]
	if m.Line != 3 || m.Expected != fields[4] || m.Got != want || m.File != path {
		t.Errorf("listed mismatch %+v, want line 3 expected %s got %s", m, fields[4], want)
	}
}
