package records

import (
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"

	"github.com/tcsim/tcsim/numerics"
)

// KMFolder is the files of one Khattak–Mikaitis record folder <GPU>/<fmt>/
// (docs/records.md), for reading its records.
type KMFolder struct {
	Dir     string
	GPU     string          // the folder's GPU name, as written
	Fmt     string          // the folder's operand format name, as written
	Format  numerics.Format // the operand format, when Fmt names a known one
	Outputs []string        // the d files present: "fp32", "fp16", in that order
	a, b, c string
	d       map[string]string
	known   bool // Fmt names a known format
	open    Opener
}

// KMRecord is one line of a K–M folder: one dot product D = Σ a_k·b_k + C.
type KMRecord struct {
	Line int
	A, B []uint32 // operand codes in the folder's format
	C    uint32   // the c file's FP32 bits
	D    uint32   // the d file's FP32 bits (an FP16 result as the FP32 value it equals)
}

// KMOutputs are the output formats of d files, in the order a folder lists
// them.
var KMOutputs = []string{"fp32", "fp16"}

// OpenKMFolder finds the files of the K–M folder dir of the operating
// system, named <GPU>/<fmt>: a_, b_, c_<GPU>_fp32 and d_<GPU>_fp32 and/or
// d_<GPU>_fp16, each .txt.gz or .txt. An unknown operand format is an
// error.
func OpenKMFolder(dir string) (*KMFolder, error) {
	format := filepath.Base(dir)
	if _, ok := KMOperandFormat(format); !ok {
		return nil, fmt.Errorf("%s: unknown K–M operand format %q (want fp16, bf16, tf32, E4M3 or E5M2)", dir, format)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for _, e := range ents {
		if e.Type().IsRegular() {
			names[e.Name()] = true
		}
	}
	k, _, err := findKMFolder(dir, filepath.Base(filepath.Dir(dir)), format, names, OpenOS, filepath.Join)
	return k, err
}

// FindKMFolder finds the files of the K–M folder dir, a slash-separated
// name <GPU>/<fmt> as an fs.FS gives it, among names (the regular files in
// dir), to be opened with open. used lists the names it takes. An unknown
// operand format is not an error here but in [KMFolder.Read].
func FindKMFolder(dir string, names map[string]bool, open Opener) (k *KMFolder, used []string, err error) {
	return findKMFolder(dir, path.Base(path.Dir(dir)), path.Base(dir), names, open, path.Join)
}

func findKMFolder(dir, gpu, format string, names map[string]bool, open Opener, join func(...string) string) (*KMFolder, []string, error) {
	f, known := KMOperandFormat(format)
	k := &KMFolder{Dir: dir, GPU: gpu, Fmt: format, Format: f, known: known, d: map[string]string{}, open: open}
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
	var used []string
	for _, in := range []struct {
		role, f string
		dst     *string
	}{{"a", format, &k.a}, {"b", format, &k.b}, {"c", "fp32", &k.c}} {
		n, err := pick(in.role, in.f)
		if err != nil {
			return nil, nil, err
		}
		if n == "" {
			return nil, nil, fmt.Errorf("K–M folder %s lacks %s_%s_%s.txt[.gz]", dir, in.role, gpu, in.f)
		}
		*in.dst = join(dir, n)
		used = append(used, n)
	}
	for _, out := range KMOutputs {
		n, err := pick("d", out)
		if err != nil {
			return nil, nil, err
		}
		if n != "" {
			k.d[out] = join(dir, n)
			k.Outputs = append(k.Outputs, out)
			used = append(used, n)
		}
	}
	if len(k.Outputs) == 0 {
		return nil, nil, fmt.Errorf("K–M folder %s has no d_%s_fp32 or d_%s_fp16 file", dir, gpu, gpu)
	}
	return k, used, nil
}

// OutputFile is the path of the d file of out ("fp32" or "fp16").
func (k *KMFolder) OutputFile(out string) string { return k.d[out] }

// InputFiles are the paths of the a, b and c files.
func (k *KMFolder) InputFiles() []string { return []string{k.a, k.b, k.c} }

// Read calls fn for each record of the d_<out> file, in line order. A
// record's slices are reused by the next call. A folder without records
// is an error.
func (k *KMFolder) Read(out string, fn func(*KMRecord) error) error {
	dpath := k.d[out]
	if dpath == "" {
		return fmt.Errorf("%s: no d_%s_%s file", k.Dir, k.GPU, out)
	}
	if !k.known {
		return &RecordError{File: dpath, Err: fmt.Errorf("unknown K–M operand format %q (want fp16, bf16, tf32, E4M3 or E5M2)", k.Fmt)}
	}
	files := []string{k.a, k.b, k.c, dpath}
	lines := make([]*KMLines, len(files))
	for i, name := range files {
		rc, err := k.open(name)
		if err != nil {
			return err
		}
		defer rc.Close()
		if lines[i], err = NewKMLines(name, rc); err != nil {
			return err
		}
	}
	var rec KMRecord
	n := 0
	for {
		var txt [4]string
		eof := 0
		for i, l := range lines {
			s, err := l.Next()
			if err == io.EOF {
				eof++
				continue
			}
			if err != nil {
				return err
			}
			txt[i] = s
		}
		if eof == len(lines) {
			break
		}
		if eof > 0 {
			short := slices.IndexFunc(lines, func(l *KMLines) bool { return l.Done() })
			long := slices.IndexFunc(lines, func(l *KMLines) bool { return !l.Done() })
			return &RecordError{File: files[short], Err: fmt.Errorf("has %d lines, %s has more",
				lines[short].Line(), filepath.Base(files[long]))}
		}
		rec.Line = lines[0].Line()
		var err error
		if rec.A, err = ParseKMOperands(txt[0], k.Format, rec.A[:0]); err != nil {
			return &RecordError{File: files[0], Line: rec.Line, Err: err}
		}
		if rec.B, err = ParseKMOperands(txt[1], k.Format, rec.B[:0]); err != nil {
			return &RecordError{File: files[1], Line: rec.Line, Err: err}
		}
		if len(rec.B) != len(rec.A) {
			return &RecordError{File: files[1], Line: rec.Line, Err: fmt.Errorf("%d operands, a has %d", len(rec.B), len(rec.A))}
		}
		if rec.C, err = ParseKMBits(txt[2]); err != nil {
			return &RecordError{File: files[2], Line: rec.Line, Err: err}
		}
		if rec.D, err = ParseKMBits(txt[3]); err != nil {
			return &RecordError{File: files[3], Line: rec.Line, Err: err}
		}
		if err := fn(&rec); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return &RecordError{File: dpath, Err: fmt.Errorf("no records")}
	}
	return nil
}
