package verify

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/tcsim/tcsim/numerics"
	"github.com/tcsim/tcsim/sim/records"
	"github.com/tcsim/tcsim/sim/records/recordtest"
)

// checkRecordError requires err to be a *records.RecordError naming one of
// files.
func checkRecordError(t *testing.T, err error, files ...string) {
	t.Helper()
	recordtest.CheckFileError(t, err, func(e *records.RecordError) string { return e.File }, files...)
}

// memVerifier is a verifier over in-memory files.
func memVerifier(files map[string][]byte) *verifier {
	return &verifier{opts: Options{MaxListed: 2, Workers: 2}, open: func(name string) (io.ReadCloser, error) {
		b, ok := files[name]
		if !ok {
			return nil, &records.RecordError{File: name, Err: errors.New("no such file")}
		}
		return io.NopCloser(bytes.NewReader(b)), nil
	}}
}

func TestInstPreset(t *testing.T) {
	for _, tc := range []struct {
		name, preset string
		err          string
	}{
		{"wgmma_e4m3_e4m3_c0", "h100-wgmma-e4m3-e4m3", ""},
		{"wgmma_e4m3_e5m2_cR", "h100-wgmma-e4m3-e5m2", ""},
		{"wgmma_e5m2_e4m3_f16_cR", "h100-wgmma-e5m2-e4m3-f16acc", ""},
		{"mma_e5m2_e5m2_c0", "h100-mma-e5m2-e5m2", ""},
		{"wgmma_f16_f16_c0", "h100-wgmma-f16", ""},
		{"mma_bf16_bf16_cR", "h100-mma-bf16", ""},
		{"wgmma_f16_bf16_c0", "", "config wgmma_f16_bf16_c0: no preset h100-wgmma-f16-bf16 models it"},
		{"mma_e4m3_e4m3_f16_c0", "h100-mma-e4m3-e4m3-f16acc", ""},
		{"mma_f16_f16_f16_c0", "h100-mma-f16-f16acc", ""},
		{"wgmma_tf32_tf32_cR", "h100-wgmma-tf32", ""},
		{"wgmma_bf16_bf16_f16_c0", "", "config wgmma_bf16_bf16_f16_c0: no preset h100-wgmma-bf16-f16acc models it"},
	} {
		c, err := records.ParseInstConfig(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		p, err := instPreset(c)
		switch {
		case tc.err != "":
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
			}
		case err != nil || p.Name != tc.preset:
			t.Errorf("%s: %v %v, want %s", tc.name, p, err, tc.preset)
		}
	}
}

func FuzzInstPreset(f *testing.F) {
	for _, s := range []string{"wgmma_e4m3_e4m3_c0", "wgmma_e5m2_e4m3_f16_cR", "mma_e4m3_e5m2_cR", "wgmma_f16_f16_c0", "__", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := records.ParseInstConfig(s)
		if err != nil {
			return
		}
		p, err := instPreset(c)
		if err != nil {
			return
		}
		// The preset found is the H100 datapath of that instruction with
		// those operand and accumulator formats.
		acc := numerics.FP32
		if c.F16Acc {
			acc = numerics.FP16
		}
		if p.A != c.A || p.B != c.B || p.Acc() != acc || c.Acc() != acc || !strings.HasPrefix(p.Name, "h100-"+c.Instr+"-") {
			t.Errorf("instPreset(%+v) = %s", c, p.Name)
		}
	})
}

func TestVerifyInstErrors(t *testing.T) {
	line := func(cfg, a, b, c, d string) string {
		return fmt.Sprintf("%s,%s,%s,%s,%s,bits,0,0,0\n", cfg, a, b, c, d)
	}
	good := line("wgmma_e4m3_e4m3_c0", recordtest.InstA, recordtest.InstB0, "00000000", "465f6c00")
	for _, tc := range []struct {
		name, data, err string
	}{
		{"K", recordtest.InstHeaderLine + line("wgmma_e4m3_e4m3_c0", recordtest.InstA[2:], recordtest.InstB0[2:], "00000000", "00000000"), "inst.csv:2: a_hex: 31 e4m3 elements, the instruction takes K = 32"},
		{"nopreset", recordtest.InstHeaderLine + good + good + line("wgmma_f16_bf16_c0", recordtest.InstA, recordtest.InstB0, "00000000", "00000000"), "inst.csv:4: config wgmma_f16_bf16_c0: no preset h100-wgmma-f16-bf16 models it"},
	} {
		v := memVerifier(map[string][]byte{"inst.csv": []byte(tc.data)})
		_, err := v.verifyInst("inst.csv")
		if err == nil || err.Error() != tc.err {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
		}
		checkRecordError(t, err, "inst.csv")
	}
}

func FuzzVerifyInst(f *testing.F) {
	recordtest.FuzzSeeds(f, recordtest.InstGood, recordtest.InstHeaderLine+"wgmma_e4m3_e4m3_f16_cR,"+recordtest.InstA+","+recordtest.InstB0+",3c00,7bff,bits,0,0,0\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		v := memVerifier(map[string][]byte{"inst.csv": data})
		if _, err := v.verifyInst("inst.csv"); err != nil {
			checkRecordError(t, err, "inst.csv")
		}
	})
}

func FuzzVerifyGEMM(f *testing.F) {
	recordtest.FuzzSeeds(f, recordtest.GEMMHeaderLine+recordtest.GEMMRows("g0", 2, 3, 32, "A", "B", "D_fast", "D_nofast"),
		recordtest.GEMMHeaderLine+strings.ReplaceAll(recordtest.GEMMRows("g0", 1, 2, 256, "A", "B", "D_fast"), "TNN", "splitK_TNN"))
	f.Fuzz(func(t *testing.T, data []byte) {
		v := memVerifier(map[string][]byte{"g.csv": data})
		if _, err := v.verifyGEMM("g.csv"); err != nil {
			checkRecordError(t, err, "g.csv")
		}
	})
}

// FuzzVerifyCases verifies arbitrary input and output files together.
func FuzzVerifyCases(f *testing.F) {
	in := recordtest.CaseHeaderLine + recordtest.CaseLine("c0", 2, 1, 64, true, 0)
	sin := recordtest.ScaledHeaderLine + recordtest.CaseLine("c0", 2, 1, 256, false, 2)
	f.Add([]byte(in), []byte(recordtest.OutHeaderLine+"c0,wgmma_chain,64,64,1,0,0000000000000000\n"))
	f.Add([]byte(in), []byte(recordtest.OutHeaderLine+"c0,wgmma_promo,64,32,0,0,0000000000000000\n"))
	f.Add([]byte(sin), []byte(recordtest.OutHeaderLine+"c0,wgmma_promo_scaled_fma,256,128,0,0,0000000000000000\n"))
	f.Add([]byte(sin), []byte(recordtest.OutHeaderLine+"c0,wgmma_promo_scaled_mulmul,256,64,0,0,0000000000000000\n"))
	f.Fuzz(func(t *testing.T, in, out []byte) {
		v := memVerifier(map[string][]byte{"in.csv": in, "out.csv": out})
		if _, err := v.verifyCases([]string{"in.csv"}, "out.csv"); err != nil {
			checkRecordError(t, err, "in.csv", "out.csv")
		}
	})
}
