package sim

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/tcsim/tcsim/numerics"
)

// KMFolder is one Khattak–Mikaitis record folder <GPU>/<fmt>/ as found on
// disk, for readers that need the records without a preset (tcsim fit).
type KMFolder struct {
	Dir     string
	GPU     string          // the folder's GPU name, as written
	Format  numerics.Format // the operand format
	Outputs []string        // the d files present: "fp32", "fp16", in that order
	set     *kmSet
}

// KMRecord is one line of a K–M folder: one dot product D = Σ a_k·b_k + C.
type KMRecord struct {
	Line int
	A, B []uint32 // operand codes in the folder's format
	C    uint32   // the c file's FP32 bits
	D    uint32   // the d file's FP32 bits (an FP16 result as the FP32 value it equals)
}

// OpenKMFolder finds the files of the K–M folder dir (named <GPU>/<fmt>).
func OpenKMFolder(dir string) (*KMFolder, error) {
	format := filepath.Base(dir)
	gpu := filepath.Base(filepath.Dir(dir))
	f, ok := kmOperandFormat(format)
	if !ok {
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
	set, _, err := newKMSet(dir, gpu, format, names)
	if err != nil {
		return nil, err
	}
	k := &KMFolder{Dir: dir, GPU: gpu, Format: f, set: set}
	for _, out := range kmOutputs {
		if set.d[out] != "" {
			k.Outputs = append(k.Outputs, out)
		}
	}
	return k, nil
}

// IsKMFile reports whether name is a K–M record file name
// (<a|b|c|d>_<GPU>_<fmt>.txt[.gz]).
func IsKMFile(name string) bool {
	_, ok := parseKMName(name)
	return ok
}

// OutputFile is the path of the d file of out ("fp32" or "fp16").
func (k *KMFolder) OutputFile(out string) string { return k.set.d[out] }

// Read calls fn for each record of the d_<out> file, in line order. A
// record's slices are reused by the next call.
func (k *KMFolder) Read(out string, fn func(*KMRecord) error) error {
	dpath := k.set.d[out]
	if dpath == "" {
		return fmt.Errorf("%s: no d_%s_%s file", k.Dir, k.GPU, out)
	}
	files := []string{k.set.a, k.set.b, k.set.c, dpath}
	lines := make([]*kmLines, len(files))
	for i, fn := range files {
		rc, err := os.Open(fn)
		if err != nil {
			return err
		}
		defer rc.Close()
		if lines[i], err = newKMLines(fn, rc); err != nil {
			return err
		}
	}
	var rec KMRecord
	n := 0
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
				return err
			}
			txt[i] = s
		}
		if eof == len(lines) {
			break
		}
		if eof > 0 {
			short := slices.IndexFunc(lines, func(l *kmLines) bool { return l.done })
			return &RecordError{File: files[short], Err: fmt.Errorf("has %d lines, the other files of %s have more", lines[short].line, k.Dir)}
		}
		rec.Line = lines[0].line
		var err error
		if rec.A, err = parseKMOperands(txt[0], k.Format, rec.A[:0]); err != nil {
			return &RecordError{File: files[0], Line: rec.Line, Err: err}
		}
		if rec.B, err = parseKMOperands(txt[1], k.Format, rec.B[:0]); err != nil {
			return &RecordError{File: files[1], Line: rec.Line, Err: err}
		}
		if len(rec.B) != len(rec.A) {
			return &RecordError{File: files[1], Line: rec.Line, Err: fmt.Errorf("%d operands, a has %d", len(rec.B), len(rec.A))}
		}
		if rec.C, err = parseKMBits(txt[2]); err != nil {
			return &RecordError{File: files[2], Line: rec.Line, Err: err}
		}
		if rec.D, err = parseKMBits(txt[3]); err != nil {
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
