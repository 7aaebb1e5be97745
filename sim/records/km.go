package records

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/tcsim/tcsim/numerics"
)

// This file reads the Khattak–Mikaitis hardware records
// (../shared/hw/km/README.md): a folder <GPU>/<fmt>/ holds, line for line,
//
//	a_<GPU>_<fmt>.txt[.gz], b_<GPU>_<fmt>.txt[.gz]   K space-separated 8-hex-digit FP32 bit patterns
//	c_<GPU>_fp32.txt[.gz]                            C as a 32-character binary string of FP32 bits
//	d_<GPU>_fp32.txt[.gz], d_<GPU>_fp16.txt[.gz]     D the same way (an FP16 D as the FP32 value it equals)

// KMFile is the part of a K–M file name: role a, b, c or d, the GPU, and
// the format (operand format for a and b, fp32/fp16 for c and d).
type KMFile struct {
	Role   KMRole
	GPU    string
	Format string
}

// KMRole is the matrix a K–M file holds; its String is the file name's
// first letter. The zero KMRole is none.
type KMRole uint8

// The roles of K–M files.
const (
	KMA KMRole = iota + 1 // operand A
	KMB                   // operand B
	KMC                   // accumulator input C
	KMD                   // output D
)

// String is the role's letter: a, b, c or d ("" for none).
func (r KMRole) String() string {
	if r < KMA || r > KMD {
		return ""
	}
	return string("abcd"[r-KMA])
}

// Accumulator reports whether the role's file holds accumulator-format
// values (C or D), named by fp32/fp16 rather than the operand format.
func (r KMRole) Accumulator() bool { return r == KMC || r == KMD }

// ParseKMName splits a K–M file name ("d_A100_fp32.txt.gz"); ok is false
// for other names.
func ParseKMName(name string) (KMFile, bool) {
	base, ok := strings.CutSuffix(name, ".txt.gz")
	if !ok {
		if base, ok = strings.CutSuffix(name, ".txt"); !ok {
			return KMFile{}, false
		}
	}
	parts := strings.Split(base, "_")
	if len(parts) != 3 || len(parts[0]) != 1 || !strings.Contains("abcd", parts[0]) {
		return KMFile{}, false
	}
	role := KMA + KMRole(parts[0][0]-'a')
	for _, p := range parts[1:] {
		if p == "" || strings.IndexFunc(p, func(r rune) bool {
			return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
		}) >= 0 {
			return KMFile{}, false
		}
	}
	return KMFile{Role: role, GPU: parts[1], Format: parts[2]}, true
}

// KMOperandFormat is the numerics format of a K–M operand folder name.
func KMOperandFormat(name string) (numerics.Format, bool) {
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
	return 0, false
}

// FP16ToFP32Bits widens an FP16 code to the FP32 bits of the same value
// (NaN payloads shifted as the hardware's conversion does).
func FP16ToFP32Bits(h uint32) uint32 {
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

// ParseKMOperands parses a line of space-separated 8-hex-digit FP32 bit
// patterns into codes of f, appended to dst. Every value must be exact in
// f: TF32 and BF16 need the low 13 or 16 bits zero; the others must encode
// and decode back to the same value.
func ParseKMOperands(line string, f numerics.Format, dst []uint32) ([]uint32, error) {
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

// ParseKMBits parses a 32-character binary string of FP32 bits.
func ParseKMBits(s string) (uint32, error) {
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

// KMLines reads the lines of one K–M file, gzip-compressed or plain.
type KMLines struct {
	name string
	s    *bufio.Scanner
	line int
	done bool
}

// Line is the number of the line Next returned last.
func (l *KMLines) Line() int { return l.line }

// Done reports whether Next has reached the end.
func (l *KMLines) Done() bool { return l.done }

// kmMaxLine bounds a line: 64 operands of 9 bytes are far below it.
const kmMaxLine = 1 << 20

// NewKMLines reads the file name (gzip-compressed or plain) from src.
func NewKMLines(name string, src io.Reader) (*KMLines, error) {
	in, err := decompressed(name, src)
	if err != nil {
		return nil, err
	}
	s := bufio.NewScanner(in)
	s.Buffer(make([]byte, 0, 4096), kmMaxLine)
	return &KMLines{name: name, s: s}, nil
}

// Next returns the next line (without its end), or io.EOF after the last
// one.
func (l *KMLines) Next() (string, error) {
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
