package sim

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tcsim/tcsim/numerics"
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

// kmFile is the part of a K–M file name: role a, b, c or d, the GPU, and
// the format (operand format for a and b, fp32/fp16 for c and d).
type kmFile struct {
	role, gpu, fmt string
}

// parseKMName splits a K–M file name ("d_A100_fp32.txt.gz"); ok is false
// for other names.
func parseKMName(name string) (kmFile, bool) {
	base, ok := strings.CutSuffix(name, ".txt.gz")
	if !ok {
		if base, ok = strings.CutSuffix(name, ".txt"); !ok {
			return kmFile{}, false
		}
	}
	parts := strings.Split(base, "_")
	if len(parts) != 3 || len(parts[0]) != 1 || !strings.Contains("abcd", parts[0]) {
		return kmFile{}, false
	}
	for _, p := range parts[1:] {
		if p == "" || strings.IndexFunc(p, func(r rune) bool {
			return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
		}) >= 0 {
			return kmFile{}, false
		}
	}
	return kmFile{role: parts[0], gpu: parts[1], fmt: parts[2]}, true
}

// kmOperandFormat is the numerics format of a K–M operand folder name.
func kmOperandFormat(name string) (numerics.Format, bool) {
	switch name {
	case "fp16":
		return numerics.FP16, true
	case "bf16":
		return numerics.BF16, true
	case "tf32":
		return numerics.TF32, true
	case "E4M3":
		return numerics.E4M3, true
	case "E5M2":
		return numerics.E5M2, true
	}
	return numerics.Format{}, false
}

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
	f, ok := kmOperandFormat(format)
	if !ok {
		return "", false, fmt.Errorf("unknown K–M operand format %q (want fp16, bf16, tf32, E4M3 or E5M2)", format)
	}
	if out != "fp32" && out != "fp16" {
		return "", false, fmt.Errorf("unknown K–M output format %q (want fp32 or fp16)", out)
	}
	g := strings.ToLower(gpu)
	in := f.Name
	if f.Bits() == 8 {
		in += "-" + f.Name
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

// kmSet is one K–M folder's files, as paths.
type kmSet struct {
	gpu, fmt string
	a, b, c  string
	d        map[string]string // "fp32", "fp16" → path
}

// claimKM recognises K–M folders: the files a_, b_, c_ and d_ of one
// <GPU>/<fmt> directory. Naming any of them claims the folder's d files
// (all of them when an input is named, else those named).
func claimKM(d *dirFiles) ([]recordSet, []string, error) {
	var hits []string
	for _, n := range d.wanted {
		if _, ok := parseKMName(n); ok {
			hits = append(hits, n)
		}
	}
	if len(hits) == 0 {
		return nil, nil, nil
	}
	format := filepath.Base(d.dir)
	gpu := filepath.Base(filepath.Dir(d.dir))
	for _, n := range hits {
		f, _ := parseKMName(n)
		want := format
		if f.role == "c" || f.role == "d" {
			want = f.fmt // fp32 or fp16
		}
		if f.gpu != gpu || f.fmt != want {
			return nil, nil, &RecordError{File: d.path(n), Err: fmt.Errorf(
				"K–M file name does not match its folder %s/%s (want %s_%s_%s.txt[.gz])", gpu, format, f.role, gpu, want)}
		}
	}
	set, used, err := newKMSet(d.dir, gpu, format, d.all)
	if err != nil {
		return nil, nil, &RecordError{File: d.path(hits[0]), Err: err}
	}
	inputNamed := false
	for _, n := range hits {
		if f, _ := parseKMName(n); f.role != "d" {
			inputNamed = true
		}
	}
	var sets []recordSet
	for _, out := range kmOutputs {
		dp := set.d[out]
		if dp == "" || !inputNamed && !slices.Contains(hits, filepath.Base(dp)) {
			continue
		}
		sets = append(sets, recordSet{files: []string{set.a, set.b, set.c, dp},
			verify: func(v *verifier) ([]*VerifyGroup, error) {
				r, err := v.checkKM(set, out, nil)
				if err != nil {
					return nil, err
				}
				return []*VerifyGroup{r.group}, nil
			}})
	}
	return sets, used, nil
}

// kmOutputs are the output formats of d files, in the order verified.
var kmOutputs = []string{"fp32", "fp16"}

// newKMSet finds the files of the K–M folder dir (GPU gpu, operand format
// format) among the names in it, each .txt.gz or .txt: a, b, c and at
// least one d file. used lists the names found.
func newKMSet(dir, gpu, format string, names map[string]bool) (*kmSet, []string, error) {
	pick := func(role, f string) (string, error) {
		base := fmt.Sprintf("%s_%s_%s.txt", role, gpu, f)
		gz, plain := names[base+".gz"], names[base]
		switch {
		case gz && plain:
			return "", fmt.Errorf("%s: both %s.gz and %s: keep one", dir, base, base)
		case gz:
			return base + ".gz", nil
		case plain:
			return base, nil
		}
		return "", nil
	}
	set := &kmSet{gpu: gpu, fmt: format, d: map[string]string{}}
	var used []string
	for _, in := range []struct {
		role, f string
		dst     *string
	}{{"a", format, &set.a}, {"b", format, &set.b}, {"c", "fp32", &set.c}} {
		n, err := pick(in.role, in.f)
		if err != nil {
			return nil, nil, err
		}
		if n == "" {
			return nil, nil, fmt.Errorf("K–M folder %s lacks %s_%s_%s.txt[.gz]", dir, in.role, gpu, in.f)
		}
		*in.dst = filepath.Join(dir, n)
		used = append(used, n)
	}
	for _, out := range kmOutputs {
		n, err := pick("d", out)
		if err != nil {
			return nil, nil, err
		}
		if n != "" {
			set.d[out] = filepath.Join(dir, n)
			used = append(used, n)
		}
	}
	if len(set.d) == 0 {
		return nil, nil, fmt.Errorf("K–M folder %s has no d_%s_fp32 or d_%s_fp16 file", dir, gpu, gpu)
	}
	return set, used, nil
}

// kmResult is the outcome of checking one K–M output file.
type kmResult struct {
	records string // kmRecords name
	preset  string
	group   *VerifyGroup
}

// checkKM reproduces the records of set's d_<out> file with the preset the
// folder names pick, or with p when it is not nil.
func (v *verifier) checkKM(set *kmSet, out string, p *tensorcore.Preset) (*kmResult, error) {
	dpath := set.d[out]
	name, zeroC, err := kmPresetName(set.gpu, set.fmt, out)
	if err != nil {
		return nil, &RecordError{File: dpath, Err: err}
	}
	if p == nil {
		if p, err = tensorcore.Lookup(name); err != nil {
			return nil, &RecordError{File: dpath, Err: fmt.Errorf("no preset models K–M records %s/%s d_%s: %v", set.gpu, set.fmt, out, err)}
		}
	}
	if p.BlockScaled() {
		return nil, &RecordError{File: dpath, Err: fmt.Errorf("%s is block-scaled; K–M records have no scales", p.Name)}
	}
	f, _ := kmOperandFormat(set.fmt)
	if p.A != f || p.B != f {
		return nil, &RecordError{File: dpath, Err: fmt.Errorf("preset %s takes %s×%s, the records hold %s", p.Name, p.A, p.B, f)}
	}
	files := []string{set.a, set.b, set.c, dpath}
	lines := make([]*kmLines, len(files))
	for i, fn := range files {
		rc, err := v.open(fn)
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		if lines[i], err = newKMLines(fn, rc); err != nil {
			return nil, err
		}
	}
	label := p.Name
	acc := p.Acc()
	var notes []string
	if zeroC {
		notes = append(notes, "C = 0, c file ignored")
	} else if acc == numerics.FP16 {
		notes = append(notes, "C rounded to FP16")
	}
	g := &VerifyGroup{File: dpath, Inputs: files[:3]}
	var a, b []uint32
	padded := 0
	for {
		var txt [4]string
		eof := 0
		for i, l := range lines {
			s, err := l.next()
			if err == io.EOF {
				eof++
				continue
			}
			if err != nil {
				return nil, err
			}
			txt[i] = s
		}
		if eof == len(lines) {
			break
		}
		if eof > 0 {
			short := slices.IndexFunc(lines, func(l *kmLines) bool { return l.done })
			long := slices.IndexFunc(lines, func(l *kmLines) bool { return !l.done })
			return nil, &RecordError{File: files[short], Err: fmt.Errorf("has %d lines, %s has more",
				lines[short].line, filepath.Base(files[long]))}
		}
		line := lines[0].line
		if a, err = parseKMOperands(txt[0], f, a[:0]); err != nil {
			return nil, &RecordError{File: files[0], Line: line, Err: err}
		}
		if b, err = parseKMOperands(txt[1], f, b[:0]); err != nil {
			return nil, &RecordError{File: files[1], Line: line, Err: err}
		}
		c, err := parseKMBits(txt[2])
		if err != nil {
			return nil, &RecordError{File: files[2], Line: line, Err: err}
		}
		want, err := parseKMBits(txt[3])
		if err != nil {
			return nil, &RecordError{File: files[3], Line: line, Err: err}
		}
		k := len(a)
		switch {
		case len(b) != k:
			return nil, &RecordError{File: files[1], Line: line, Err: fmt.Errorf("%d operands, a has %d", len(b), k)}
		case k > p.K && k%p.K != 0, k == 0:
			return nil, &RecordError{File: files[0], Line: line, Err: fmt.Errorf("K = %d does not fit the instruction K = %d of %s", k, p.K, p.Name)}
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
		got := p.Dot(a, b, c)
		if acc == numerics.FP16 {
			got = fp16ToFP32Bits(got)
		}
		g.tally(v.opts.MaxListed, got != want, func() Mismatch {
			return Mismatch{File: dpath, Line: line, Where: fmt.Sprintf("K=%d", k),
				Inputs:   fmt.Sprintf("a=%s b=%s c=%s", kmHex(a[:k], f), kmHex(b[:k], f), hex32(c)),
				Expected: hex32(want), Got: hex32(got)}
		})
	}
	if g.Records == 0 {
		return nil, &RecordError{File: dpath, Err: errors.New("no records")}
	}
	if padded > 0 {
		notes = append(notes, fmt.Sprintf("K=%d zero-padded to %d", padded, p.K))
	}
	if len(notes) > 0 {
		label += " (" + strings.Join(notes, "; ") + ")"
	}
	g.Name = label
	return &kmResult{records: kmRecords(set.gpu, set.fmt, out), preset: p.Name, group: g}, nil
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

// fp16ToFP32Bits widens an FP16 code to the FP32 bits of the same value
// (NaN payloads shifted as the hardware's conversion does).
func fp16ToFP32Bits(h uint32) uint32 {
	sign := (h >> 15 & 1) << 31
	e, m := h>>10&0x1F, h&0x3FF
	switch {
	case e == 0x1F:
		return sign | 0x7F800000 | m<<13
	case e == 0 && m == 0:
		return sign
	case e == 0:
		// Subnormal: value m·2^-24, normalised.
		x := float32(m) / (1 << 24)
		return sign | math.Float32bits(x)
	}
	return sign | (e+112)<<23 | m<<13
}

// parseKMOperands parses a line of space-separated 8-hex-digit FP32 bit
// patterns into codes of f, appended to dst. Every value must be exact in
// f: TF32 and BF16 need the low 13 or 16 bits zero; the others must encode
// and decode back to the same value.
func parseKMOperands(line string, f numerics.Format, dst []uint32) ([]uint32, error) {
	for i, tok := range strings.Fields(line) {
		if len(tok) != 8 {
			return nil, fmt.Errorf("operand %d %q: want 8 hex digits", i+1, tok)
		}
		var x uint32
		for j := 0; j < 8; j++ {
			h, ok := unhex(tok[j])
			if !ok {
				return nil, fmt.Errorf("operand %d %q: not hex", i+1, tok)
			}
			x = x<<4 | uint32(h)
		}
		c, err := fp32ToCode(x, f)
		if err != nil {
			return nil, fmt.Errorf("operand %d %s: %v", i+1, tok, err)
		}
		dst = append(dst, c)
	}
	if len(dst) == 0 {
		return nil, errors.New("no operands")
	}
	return dst, nil
}

// fp32ToCode converts the FP32 bits x to the code of the same value in f,
// or reports that f cannot hold it exactly.
func fp32ToCode(x uint32, f numerics.Format) (uint32, error) {
	switch f {
	case numerics.TF32:
		if x&0x1FFF != 0 {
			return 0, errors.New("not a TF32 value (low 13 bits not zero)")
		}
		return x >> 13, nil
	case numerics.BF16:
		if x&0xFFFF != 0 {
			return 0, errors.New("not a BF16 value (low 16 bits not zero)")
		}
		return x >> 16, nil
	}
	v := float64(math.Float32frombits(x))
	if v != v {
		if c, ok := f.NaNCode(); ok {
			return c, nil
		}
		return 0, fmt.Errorf("NaN, which %s lacks", f)
	}
	c := f.Encode(v, numerics.NearestEven, numerics.ToInf)
	if got := f.Decode(c); got != v || math.Signbit(got) != math.Signbit(v) {
		return 0, fmt.Errorf("not exact in %s", f)
	}
	return c, nil
}

// parseKMBits parses a 32-character binary string of FP32 bits.
func parseKMBits(s string) (uint32, error) {
	s = strings.TrimSpace(s)
	if len(s) != 32 {
		return 0, fmt.Errorf("%q: want 32 binary digits", abbrevText(s))
	}
	var x uint32
	for i := 0; i < 32; i++ {
		switch s[i] {
		case '0':
			x <<= 1
		case '1':
			x = x<<1 | 1
		default:
			return 0, fmt.Errorf("%q: want 32 binary digits", abbrevText(s))
		}
	}
	return x, nil
}

func abbrevText(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// kmLines reads the lines of one K–M file, gzip-compressed or plain.
type kmLines struct {
	name string
	s    *bufio.Scanner
	line int
	done bool
}

// kmMaxLine bounds a line: 64 operands of 9 bytes are far below it.
const kmMaxLine = 1 << 20

func newKMLines(name string, src io.Reader) (*kmLines, error) {
	in, err := decompressed(name, src)
	if err != nil {
		return nil, err
	}
	s := bufio.NewScanner(in)
	s.Buffer(make([]byte, 0, 4096), kmMaxLine)
	return &kmLines{name: name, s: s}, nil
}

// next returns the next line (without its end), or io.EOF after the last
// one.
func (l *kmLines) next() (string, error) {
	if l.done {
		return "", io.EOF
	}
	if !l.s.Scan() {
		l.done = true
		if err := l.s.Err(); err != nil {
			return "", &RecordError{File: l.name, Line: l.line + 1, Err: err}
		}
		return "", io.EOF
	}
	l.line++
	return strings.TrimRight(l.s.Text(), "\r"), nil
}
