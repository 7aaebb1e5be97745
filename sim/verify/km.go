package verify

import (
	"fmt"
	"math"
	"path"
	"slices"
	"strings"

	"github.com/tcsim/tcsim/numerics"
	"github.com/tcsim/tcsim/sim/records"
	"github.com/tcsim/tcsim/tensorcore"
)

// This file reads and verifies the Khattak–Mikaitis hardware records
// (../shared/hw/km/README.md): a folder <GPU>/<fmt>/ holds, line for line,
//
//	a_<GPU>_<fmt>.txt[.gz], b_<GPU>_<fmt>.txt[.gz]   K space-separated 8-hex-digit FP32 bit patterns
//	c_<GPU>_fp32.txt[.gz]                            C as a 32-character binary string of FP32 bits
//	d_<GPU>_fp32.txt[.gz], d_<GPU>_fp16.txt[.gz]     D the same way (an FP16 D as the FP32 value it equals)
//
// The preset is picked from the folder names (kmPresetName); the file
// names must agree with them.

// kmTarget is the model a K–M output file is checked against.
type kmTarget struct {
	preset *tensorcore.Preset
	// zeroC: the records were made with C = 0 (the c file is ignored):
	// the H100 FP8 d_fp32 files (../shared/hw/km/README.md).
	zeroC bool
}

// kmPresetName names the preset for the records of one folder and output:
// <gpu>-mma-<fmt>[-f16acc] (records made with wmma or mma.sync), except the
// H100 FP8 FP32 outputs, which are the wgmma FP8 datapath with C = 0.
func kmPresetName(gpu, format, out string) (name string, zeroC bool, err error) {
	f, ok := records.KMOperandFormat(format)
	if !ok {
		return "", false, fmt.Errorf("unknown K–M operand format %q (want fp16, bf16, tf32, E4M3 or E5M2)", format)
	}
	if out != "fp32" && out != "fp16" {
		return "", false, fmt.Errorf("unknown K–M output format %q (want fp32 or fp16)", out)
	}
	g := strings.ToLower(tensorcore.CanonicalGPU(gpu)) // H200, H800: the H100's presets
	in := f.Name()
	if f.Bits() == 8 {
		in += "-" + f.Name()
	}
	switch {
	case g == "h100" && f.Bits() == 8 && out == "fp32":
		return "h100-wgmma-" + in, true, nil
	case out == "fp16":
		return g + "-mma-" + in + "-f16acc", false, nil
	}
	return g + "-mma-" + in, false, nil
}

// kmRecords is the record-set name a preset's Verified entries use:
// "km <GPU>/<fmt> d_<out>".
func kmRecords(gpu, format, out string) string {
	return fmt.Sprintf("km %s/%s d_%s", gpu, format, out)
}

// claimKM recognises K–M folders: the files a_, b_, c_ and d_ of one
// <GPU>/<fmt> directory. Naming any of them claims the folder's d files
// (all of them when an input is named, else those named).
func claimKM(d *dirFiles) ([]recordSet, []string, error) {
	var hits []string
	for _, n := range d.wanted {
		if _, ok := records.ParseKMName(n); ok {
			hits = append(hits, n)
		}
	}
	if len(hits) == 0 {
		return nil, nil, nil
	}
	format := path.Base(d.dir)
	gpu := path.Base(path.Dir(d.dir))
	for _, n := range hits {
		f, _ := records.ParseKMName(n)
		want := format
		if f.Role.Accumulator() {
			want = f.Format // fp32 or fp16
		}
		if f.GPU != gpu || f.Format != want {
			return nil, nil, &records.RecordError{File: d.path(n), Err: fmt.Errorf(
				"K–M file name does not match its folder %s/%s (want %s_%s_%s.txt[.gz])", gpu, format, f.Role, gpu, want)}
		}
	}
	set, used, err := records.FindKMFolder(d.dir, d.all, d.open)
	if err != nil {
		return nil, nil, &records.RecordError{File: d.path(hits[0]), Err: err}
	}
	inputNamed := false
	for _, n := range hits {
		if f, _ := records.ParseKMName(n); f.Role != records.KMD {
			inputNamed = true
		}
	}
	var sets []recordSet
	for _, out := range set.Outputs {
		dp := set.OutputFile(out)
		if !inputNamed && !slices.Contains(hits, path.Base(dp)) {
			continue
		}
		sets = append(sets, recordSet{files: append(set.InputFiles(), dp),
			verify: func(v *verifier) ([]*Group, error) {
				r, err := v.checkKM(set, out, nil)
				if err != nil {
					return nil, err
				}
				return []*Group{r.group}, nil
			}})
	}
	return sets, used, nil
}

// kmResult is the outcome of checking one K–M output file.
type kmResult struct {
	records string // kmRecords name
	preset  string
	group   *Group
}

// checkKM reproduces the records of set's d_<out> file with the preset the
// folder names pick, or with p when it is not nil.
func (v *verifier) checkKM(set *records.KMFolder, out string, p *tensorcore.Preset) (*kmResult, error) {
	dpath := set.OutputFile(out)
	name, zeroC, err := kmPresetName(set.GPU, set.Fmt, out)
	if err != nil {
		return nil, &records.RecordError{File: dpath, Err: err}
	}
	if p == nil {
		if p, err = tensorcore.Lookup(name); err != nil {
			return nil, &records.RecordError{File: dpath, Err: fmt.Errorf("no preset models K–M records %s/%s d_%s: %v", set.GPU, set.Fmt, out, err)}
		}
	}
	if p.BlockScaled() {
		return nil, &records.RecordError{File: dpath, Err: fmt.Errorf("%s is block-scaled; K–M records have no scales", p.Name)}
	}
	f := set.Format
	if p.A != f || p.B != f {
		return nil, &records.RecordError{File: dpath, Err: fmt.Errorf("preset %s takes %s×%s, the records hold %s", p.Name, p.A, p.B, f)}
	}
	label := p.Name
	acc := p.Acc()
	var notes []string
	if zeroC {
		notes = append(notes, "C = 0, c file ignored")
	} else if acc == numerics.FP16 {
		notes = append(notes, "C rounded to FP16")
	}
	g := &Group{File: dpath, Inputs: set.InputFiles()}
	padded := 0
	err = set.Read(out, func(r *records.KMRecord) error {
		a, b, c, want, line := r.A, r.B, r.C, r.D, r.Line
		k := len(a)
		switch {
		case k > p.K && k%p.K != 0, k == 0:
			return &records.RecordError{File: set.InputFiles()[0], Line: line, Err: fmt.Errorf("K = %d does not fit the instruction K = %d of %s", k, p.K, p.Name)}
		case k < p.K:
			// The harness ran the instruction with the record's
			// products first and zeros after them.
			padded = k
			for len(a) < p.K {
				a, b = append(a, 0), append(b, 0)
			}
		}
		switch {
		case zeroC:
			c = 0
		case acc == numerics.FP16:
			// The c file holds FP32 values; the harness gave an FP16
			// accumulator __float2half(c), rounded to nearest even
			// (model_validation/CUDA). The d_fp16 records agree: 5000/5000
			// in every folder, against 82–90% with C kept as an FP32 term
			// and 77–86% with C truncated to FP16.
			c = numerics.FP16.EncodeFloat32(math.Float32frombits(c), numerics.NearestEven, numerics.ToInf)
		}
		got, agree := laneDot(p, a, b, c)
		if acc == numerics.FP16 {
			got = records.FP16ToFP32Bits(got)
		}
		g.tally(v.opts.MaxListed, got != want || !agree, func() Mismatch {
			return Mismatch{File: dpath, Line: line, Where: fmt.Sprintf("K=%d", k),
				Inputs:   fmt.Sprintf("a=%s b=%s c=%s", kmHex(a[:k], f), kmHex(b[:k], f), hex32(c)),
				Expected: hex32(want), Got: hex32(got) + laneNote(agree)}
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if padded > 0 {
		notes = append(notes, fmt.Sprintf("K=%d zero-padded to %d", padded, p.K))
	}
	if len(notes) > 0 {
		label += " (" + strings.Join(notes, "; ") + ")"
	}
	g.Name = label
	return &kmResult{records: kmRecords(set.GPU, set.Fmt, out), preset: p.Name, group: g}, nil
}

// kmHex writes operand codes in hex, abbreviated like other inputs.
func kmHex(codes []uint32, f numerics.Format) string {
	n := (f.Bits() + 7) / 8
	b := make([]byte, 0, len(codes)*n)
	for _, c := range codes {
		for i := n - 1; i >= 0; i-- {
			b = append(b, byte(c>>(8*i)))
		}
	}
	return abbrev(b)
}
