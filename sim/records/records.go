package records

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/tcsim/tcsim/numerics"
)

// This file reads the record files of recorded hardware outputs
// (docs/records.md §1–4): CSV with a header line, gzip-compressed or
// plain (told apart by the gzip magic bytes), read one record at a time.
// Every reader checks what it can without computing anything (header,
// field syntax, hex lengths against the stated sizes) and reports bad input
// as a *RecordError naming the file and line; none panics on any input.

// RecordError is unreadable or malformed record input, located in a file
// and, when known, at a line (1-based; the header is line 1).
type RecordError struct {
	File string
	Line int // 0 when the error is not at one line
	Err  error
}

func (e *RecordError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *RecordError) Unwrap() error { return e.Err }

// maxDim bounds the sizes (M, N, K) a record may state, so that products of
// them cannot overflow and a corrupt size cannot ask for absurd memory.
const maxDim = 1 << 24

// csvReader reads one CSV record file, gzip-compressed or plain.
type csvReader struct {
	name   string
	r      *csv.Reader
	header []string
	line   int // line of the record last returned
}

// decompressed returns src, gunzipped if it starts with the gzip magic
// bytes: record files may be compressed or plain.
func decompressed(name string, src io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(src, 64<<10)
	if m, _ := br.Peek(2); len(m) == 2 && m[0] == 0x1f && m[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, &RecordError{File: name, Err: fmt.Errorf("gzip: %w", err)}
		}
		return zr, nil
	}
	return br, nil
}

func newCSVReader(name string, src io.Reader) (*csvReader, error) {
	in, err := decompressed(name, src)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(in)
	cr.ReuseRecord = true
	c := &csvReader{name: name, r: cr}
	h, err := c.next()
	if err == io.EOF {
		return nil, &RecordError{File: name, Line: 1, Err: errors.New("empty file: no header line")}
	}
	if err != nil {
		return nil, err
	}
	c.header = slices.Clone(h)
	return c, nil
}

// next returns the next record, or io.EOF after the last one.
func (c *csvReader) next() ([]string, error) {
	rec, err := c.r.Read()
	if err == nil {
		c.line, _ = c.r.FieldPos(0)
		return rec, nil
	}
	if err == io.EOF {
		return nil, io.EOF
	}
	if pe, ok := errors.AsType[*csv.ParseError](err); ok {
		return nil, &RecordError{File: c.name, Line: pe.Line, Err: pe.Err}
	}
	return nil, &RecordError{File: c.name, Line: c.line + 1, Err: err}
}

// errorf returns a RecordError at the line of the record last returned.
func (c *csvReader) errorf(format string, args ...any) error {
	return &RecordError{File: c.name, Line: c.line, Err: fmt.Errorf(format, args...)}
}

// wrap locates err at the line of the record last returned.
func (c *csvReader) wrap(err error) error {
	return &RecordError{File: c.name, Line: c.line, Err: err}
}

// checkHeader requires the header to begin with the given columns.
func (c *csvReader) checkHeader(want ...string) error {
	if len(c.header) < len(want) || !slices.Equal(c.header[:len(want)], want) {
		return &RecordError{File: c.name, Line: 1, Err: fmt.Errorf("header %q does not begin with %q",
			strings.Join(c.header, ","), strings.Join(want, ","))}
	}
	return nil
}

// hasPrefix reports whether the header begins with the given columns.
func hasPrefix(header []string, want ...string) bool {
	return len(header) >= len(want) && slices.Equal(header[:len(want)], want)
}

// ---------------------------------------------------------------------------
// Field parsers.

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// decodeHex decodes the hex string s of the named field into bytes.
func decodeHex(field, s string) ([]byte, error) {
	if len(s)%2 != 0 {
		return nil, fmt.Errorf("%s: odd length (%d hex digits)", field, len(s))
	}
	b := make([]byte, len(s)/2)
	for i := range b {
		hi, ok1 := unhex(s[2*i])
		lo, ok2 := unhex(s[2*i+1])
		if !ok1 || !ok2 {
			off := 2 * i
			if ok1 {
				off++
			}
			return nil, fmt.Errorf("%s: invalid hex digit %q at offset %d", field, s[off], off)
		}
		b[i] = hi<<4 | lo
	}
	return b, nil
}

// ContainerBytes is the number of bytes one element of f occupies in memory:
// 1 for FP8, 2 for FP16 and BF16, 4 for TF32 (an FP32 container).
func ContainerBytes(f numerics.Format) int {
	switch {
	case f.Bits() <= 8:
		return 1
	case f.Bits() <= 16:
		return 2
	}
	return 4
}

// decodeCodes turns operand bytes in memory order (little-endian elements)
// into codes of f. An element narrower than its container is held in the
// container's top bits (TF32 in FP32: the code is the container >> 13).
func decodeCodes(field string, b []byte, f numerics.Format) ([]uint32, error) {
	w := ContainerBytes(f)
	if len(b)%w != 0 {
		return nil, fmt.Errorf("%s: %d bytes is not a whole number of %d-byte %s elements", field, len(b), w, f)
	}
	shift := uint(8*w - f.Bits())
	codes := make([]uint32, len(b)/w)
	for k := range codes {
		var v uint32
		for i := w - 1; i >= 0; i-- {
			v = v<<8 | uint32(b[k*w+i])
		}
		codes[k] = v >> shift
	}
	return codes, nil
}

// decodeWords parses s as consecutive values of bits/4 hex digits each,
// most significant digit first (%08x of an FP32 bit pattern, %04x of FP16).
func decodeWords(field, s string, bits int) ([]uint32, error) {
	digits := bits / 4
	if len(s)%digits != 0 {
		return nil, fmt.Errorf("%s: %d hex digits is not a whole number of %d-digit values", field, len(s), digits)
	}
	w := make([]uint32, len(s)/digits)
	for i := range w {
		var v uint32
		for j := range digits {
			off := i*digits + j
			d, ok := unhex(s[off])
			if !ok {
				return nil, fmt.Errorf("%s: invalid hex digit %q at offset %d", field, s[off], off)
			}
			v = v<<4 | uint32(d)
		}
		w[i] = v
	}
	return w, nil
}

// parseDim parses a positive size of at most maxDim.
func parseDim(field, s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 || n > maxDim {
		return 0, fmt.Errorf("%s: %q is not a size in [1, %d]", field, s, maxDim)
	}
	return n, nil
}

// parseFlag parses a 0/1 column.
func parseFlag(field, s string) (bool, error) {
	switch s {
	case "0":
		return false, nil
	case "1":
		return true, nil
	}
	return false, fmt.Errorf("%s: %q is not 0 or 1", field, s)
}

// operandFormats are the input formats record files may name.
var operandFormats = map[string]numerics.Format{
	"e4m3": numerics.E4M3, "e5m2": numerics.E5M2,
	"f16": numerics.FP16, "bf16": numerics.BF16, "tf32": numerics.TF32,
}

func parseOperandFormat(field, s string) (numerics.Format, error) {
	if f, ok := operandFormats[s]; ok {
		return f, nil
	}
	return 0, fmt.Errorf("%s: unknown operand format %q (want e4m3, e5m2, f16, bf16 or tf32)", field, s)
}

// ---------------------------------------------------------------------------
// Instruction files.

// instHeader is how an instruction file's header begins; further columns
// are labels (dist, tile, row, col).
var instHeader = []string{"config", "a_hex", "b_hex", "c_hex", "d_hex"}

// InstConfig is a parsed instruction-file config name:
// wgmma_<a>_<b>_<c0|cR> (FP32 accumulator), wgmma_<a>_<b>_f16_<c0|cR> (FP16
// accumulator) or mma_<a>_<b>_<c0|cR>, with <a>, <b> in e4m3, e5m2, f16,
// bf16, tf32.
type InstConfig struct {
	Name   string // as written in the file
	Instr  string // "wgmma" or "mma"
	A, B   numerics.Format
	F16Acc bool // FP16 C and D
	UseC   bool // cR: a C was loaded; c0: scale-d 0, C not read (taken as +0)
}

// Acc is the format of the accumulator bit patterns C and D: FP16 or FP32.
func (c *InstConfig) Acc() numerics.Format {
	if c.F16Acc {
		return numerics.FP16
	}
	return numerics.FP32
}

// ParseInstConfig parses an instruction-file config name. Which model
// reproduces the records is not its concern (see package verify).
func ParseInstConfig(name string) (*InstConfig, error) {
	parts := strings.Split(name, "_")
	bad := func(why string) error {
		return fmt.Errorf("config %q: %s (want <wgmma|mma>_<a>_<b>[_f16]_<c0|cR>)", name, why)
	}
	if len(parts) != 4 && len(parts) != 5 {
		return nil, bad("wrong number of parts")
	}
	c := &InstConfig{Name: name, Instr: parts[0]}
	if c.Instr != "wgmma" && c.Instr != "mma" {
		return nil, bad("unknown instruction " + strconv.Quote(c.Instr))
	}
	var err error
	if c.A, err = parseOperandFormat("A", parts[1]); err != nil {
		return nil, bad(err.Error())
	}
	if c.B, err = parseOperandFormat("B", parts[2]); err != nil {
		return nil, bad(err.Error())
	}
	if len(parts) == 5 {
		if parts[3] != "f16" {
			return nil, bad("unknown accumulator " + strconv.Quote(parts[3]))
		}
		c.F16Acc = true
	}
	switch parts[len(parts)-1] {
	case "c0":
	case "cR":
		c.UseC = true
	default:
		return nil, bad("last part must be c0 or cR")
	}
	return c, nil
}

// InstRecord is one line of an instruction file: one output element of one
// instruction.
type InstRecord struct {
	Line       int
	Config     *InstConfig
	AHex, BHex string   // the operand hex as written
	A, B       []uint32 // operand codes, as many in B as in A
	C, D       uint32   // accumulator bit patterns (C is +0 for c0 configs)
	Labels     []string // the values of the label columns ([InstReader.LabelNames])
}

// InstReader reads an instruction file one record at a time.
type InstReader struct {
	c       *csvReader
	configs map[string]*InstConfig
}

// NewInstReader reads the header of an instruction file; name is used in
// errors.
func NewInstReader(name string, r io.Reader) (*InstReader, error) {
	c, err := newCSVReader(name, r)
	if err != nil {
		return nil, err
	}
	if err := c.checkHeader(instHeader...); err != nil {
		return nil, err
	}
	return &InstReader{c: c, configs: map[string]*InstConfig{}}, nil
}

// IsInstFile reports whether the header of the file name, opened with
// open, is an instruction file's; an empty file is not one.
func IsInstFile(open Opener, name string) (bool, error) {
	f, err := open(name)
	if err != nil {
		return false, err
	}
	defer f.Close()
	c, err := newCSVReader(name, f)
	if err != nil {
		if re, ok := errors.AsType[*RecordError](err); ok && re.Line == 1 && strings.HasPrefix(re.Err.Error(), "empty file") {
			return false, nil
		}
		return false, err
	}
	return hasPrefix(c.header, instHeader...), nil
}

// LabelNames are the names of the label columns.
func (r *InstReader) LabelNames() []string { return r.c.header[len(instHeader):] }

// Read returns the next record, or io.EOF after the last one.
func (r *InstReader) Read() (*InstRecord, error) {
	f, err := r.c.next()
	if err != nil {
		return nil, err
	}
	cfg, ok := r.configs[f[0]]
	if !ok {
		if cfg, err = ParseInstConfig(f[0]); err != nil {
			return nil, r.c.wrap(err)
		}
		r.configs[f[0]] = cfg
	}
	rec := &InstRecord{Line: r.c.line, Config: cfg, AHex: f[1], BHex: f[2], Labels: slices.Clone(f[len(instHeader):])}
	if rec.A, err = operandCodes("a_hex", f[1], cfg.A, 0); err != nil {
		return nil, r.c.wrap(err)
	}
	if rec.B, err = operandCodes("b_hex", f[2], cfg.B, len(rec.A)); err != nil {
		return nil, r.c.wrap(err)
	}
	acc := cfg.Acc()
	accBits := acc.Bits()
	c, err := decodeWords("c_hex", f[3], accBits)
	if err == nil && len(c) != 1 {
		err = fmt.Errorf("c_hex: %d hex digits, want %d for %s", len(f[3]), accBits/4, acc)
	}
	if err != nil {
		return nil, r.c.wrap(err)
	}
	if cfg.UseC {
		rec.C = c[0]
	}
	d, err := decodeWords("d_hex", f[4], accBits)
	if err == nil && len(d) != 1 {
		err = fmt.Errorf("d_hex: %d hex digits, want %d for %s", len(f[4]), accBits/4, acc)
	}
	if err != nil {
		return nil, r.c.wrap(err)
	}
	rec.D = d[0]
	return rec, nil
}

// operandCodes decodes one instruction operand of elements of f: k of
// them, or at least one when k is 0.
func operandCodes(field, s string, f numerics.Format, k int) ([]uint32, error) {
	b, err := decodeHex(field, s)
	if err != nil {
		return nil, err
	}
	codes, err := decodeCodes(field, b, f)
	if err != nil {
		return nil, err
	}
	if k == 0 && len(codes) == 0 {
		return nil, fmt.Errorf("%s: no elements", field)
	}
	if k > 0 && len(codes) != k {
		return nil, fmt.Errorf("%s: %d %s elements, a_hex has %d", field, len(codes), f, k)
	}
	return codes, nil
}

// ---------------------------------------------------------------------------
// Case inputs: chain_inputs, promo_inputs, promo_scaled_inputs.

var (
	caseInputHeader = []string{"case", "dist", "fmt_a", "fmt_b", "K", "a_hex", "b_hex", "c_hex"}
	scaledHeader    = append(slices.Clone(caseInputHeader), "sa_hex", "sb_hex")
)

// CaseInput is the input of one tile case: A (M×K) and B (K×N) operands,
// an optional C and optional dequantisation scales.
type CaseInput struct {
	Line       int
	Case, Dist string
	FmtA, FmtB numerics.Format
	M, N, K    int
	ARaw, BRaw []byte   // operand bytes in memory order
	A, B       []uint32 // codes: row i of A at [i·K, (i+1)·K), column j of B at [j·K, (j+1)·K)
	C          []uint32 // M·N FP32 bit patterns, (i, j) at i·N+j; nil when c_hex is empty
	// SA[i·KB+kb] and SB[j·KB+kb] are the scales of row i (column j) for K
	// block kb of ScaleBlock products; nil outside promo_scaled files.
	SA, SB     []float32
	ScaleBlock int
}

// CaseInputReader reads a chain_inputs, promo_inputs or promo_scaled_inputs
// file one case at a time.
type CaseInputReader struct {
	c      *csvReader
	scaled bool
}

// NewCaseInputReader reads the header of a case input file. M and N are
// inferred from the operand lengths (A holds M·K elements, B N·K).
func NewCaseInputReader(name string, r io.Reader) (*CaseInputReader, error) {
	c, err := newCSVReader(name, r)
	if err != nil {
		return nil, err
	}
	if err := c.checkHeader(caseInputHeader...); err != nil {
		return nil, err
	}
	return &CaseInputReader{c: c, scaled: hasPrefix(c.header, scaledHeader...)}, nil
}

// Scaled reports whether the file carries scales (sa_hex, sb_hex).
func (r *CaseInputReader) Scaled() bool { return r.scaled }

// Read returns the next case, or io.EOF after the last one.
func (r *CaseInputReader) Read() (*CaseInput, error) {
	f, err := r.c.next()
	if err != nil {
		return nil, err
	}
	in, err := r.parse(f)
	if err != nil {
		return nil, r.c.wrap(err)
	}
	in.Line = r.c.line
	return in, nil
}

func (r *CaseInputReader) parse(f []string) (*CaseInput, error) {
	in := &CaseInput{Case: f[0], Dist: f[1]}
	var err error
	if in.Case == "" {
		return nil, errors.New("case: empty")
	}
	if in.FmtA, err = parseOperandFormat("fmt_a", f[2]); err != nil {
		return nil, err
	}
	if in.FmtB, err = parseOperandFormat("fmt_b", f[3]); err != nil {
		return nil, err
	}
	if in.K, err = parseDim("K", f[4]); err != nil {
		return nil, err
	}
	if in.ARaw, in.A, in.M, err = tileOperand("a_hex", f[5], in.FmtA, in.K); err != nil {
		return nil, err
	}
	if in.BRaw, in.B, in.N, err = tileOperand("b_hex", f[6], in.FmtB, in.K); err != nil {
		return nil, err
	}
	if f[7] != "" {
		if in.C, err = decodeWords("c_hex", f[7], 32); err != nil {
			return nil, err
		}
		if len(in.C) != in.M*in.N {
			return nil, fmt.Errorf("c_hex: %d values, want M·N = %d·%d", len(in.C), in.M, in.N)
		}
	}
	if r.scaled {
		if in.SA, err = scales("sa_hex", f[8], in.M); err != nil {
			return nil, err
		}
		if in.SB, err = scales("sb_hex", f[9], in.N); err != nil {
			return nil, err
		}
		kb := len(in.SA) / in.M
		if len(in.SB) != in.N*kb {
			return nil, fmt.Errorf("sb_hex: %d scales, want N·KB = %d·%d as in sa_hex", len(in.SB), in.N, kb)
		}
		if in.K%kb != 0 {
			return nil, fmt.Errorf("sa_hex: %d K blocks do not divide K = %d", kb, in.K)
		}
		in.ScaleBlock = in.K / kb
	}
	return in, nil
}

// tileOperand decodes an operand of rows (columns) of k elements each and
// returns the number of rows.
func tileOperand(field, s string, f numerics.Format, k int) ([]byte, []uint32, int, error) {
	b, err := decodeHex(field, s)
	if err != nil {
		return nil, nil, 0, err
	}
	codes, err := decodeCodes(field, b, f)
	if err != nil {
		return nil, nil, 0, err
	}
	if len(codes) == 0 || len(codes)%k != 0 {
		return nil, nil, 0, fmt.Errorf("%s: %d %s elements is not a whole, non-zero number of rows of K = %d", field, len(codes), f, k)
	}
	return b, codes, len(codes) / k, nil
}

// scales decodes FP32 scales for rows rows, a whole non-zero number each.
func scales(field, s string, rows int) ([]float32, error) {
	w, err := decodeWords(field, s, 32)
	if err != nil {
		return nil, err
	}
	if len(w) == 0 || len(w)%rows != 0 {
		return nil, fmt.Errorf("%s: %d scales is not a whole, non-zero number per row for %d rows", field, len(w), rows)
	}
	v := make([]float32, len(w))
	for i, x := range w {
		v[i] = math.Float32frombits(x)
	}
	return v, nil
}

// ---------------------------------------------------------------------------
// Case outputs: multi_outputs, promo_scaled_outputs.

var caseOutputHeader = []string{"case", "kernel", "K", "N_c", "use_c", "serial", "d_hex"}

// CaseOutput is one recorded output tile of a case.
type CaseOutput struct {
	Line         int
	Case, Kernel string
	K, Nc        int
	UseC, Serial bool
	D            []uint32 // FP32 bit patterns, (i, j) at i·N+j
}

// CaseOutputReader reads a multi_outputs or promo_scaled_outputs file.
type CaseOutputReader struct{ c *csvReader }

// NewCaseOutputReader reads the header of a case output file.
func NewCaseOutputReader(name string, r io.Reader) (*CaseOutputReader, error) {
	c, err := newCSVReader(name, r)
	if err != nil {
		return nil, err
	}
	if err := c.checkHeader(caseOutputHeader...); err != nil {
		return nil, err
	}
	return &CaseOutputReader{c: c}, nil
}

// Read returns the next output, or io.EOF after the last one.
func (r *CaseOutputReader) Read() (*CaseOutput, error) {
	f, err := r.c.next()
	if err != nil {
		return nil, err
	}
	out := &CaseOutput{Line: r.c.line, Case: f[0], Kernel: f[1]}
	switch {
	case out.Case == "":
		err = errors.New("case: empty")
	case out.Kernel == "":
		err = errors.New("kernel: empty")
	}
	if err == nil {
		out.K, err = parseDim("K", f[2])
	}
	if err == nil {
		out.Nc, err = parseDim("N_c", f[3])
	}
	if err == nil {
		out.UseC, err = parseFlag("use_c", f[4])
	}
	if err == nil {
		out.Serial, err = parseFlag("serial", f[5])
	}
	if err == nil {
		out.D, err = decodeWords("d_hex", f[6], 32)
	}
	if err == nil && len(out.D) == 0 {
		err = errors.New("d_hex: empty")
	}
	if err != nil {
		return nil, r.c.wrap(err)
	}
	return out, nil
}

// ---------------------------------------------------------------------------
// GEMM cases.

var gemmHeader = []string{"case", "dist", "M", "N", "K", "what", "kernel", "hex"}

// GEMMCase is one recorded GEMM: D[M×N] = A[M×K]·B[K×N] on e4m3 operands,
// with one or more recorded outputs.
type GEMMCase struct {
	Line       int // line of the case's first row
	Case, Dist string
	M, N, K    int
	A, B       []byte // e4m3 bytes: row i of A at [i·K, (i+1)·K), column j of B at [j·K, (j+1)·K)
	Outputs    []GEMMOutput
}

// GEMMOutput is one recorded output of a GEMM case.
type GEMMOutput struct {
	Line   int
	What   string // D_fast, D_nofast, D_chunk128, ...
	Kernel string // the profiler's kernel names
	D      []uint32
}

// GEMMReader reads a gemm_cases file one case (a run of consecutive rows
// with the same case id) at a time.
type GEMMReader struct {
	c       *csvReader
	pending *gemmRow
	seen    map[string]int // case id → line of its first row
	err     error
}

type gemmRow struct {
	line           int
	cs, dist, what string
	m, n, k        int
	kernel, hex    string
}

// NewGEMMReader reads the header of a gemm_cases file.
func NewGEMMReader(name string, r io.Reader) (*GEMMReader, error) {
	c, err := newCSVReader(name, r)
	if err != nil {
		return nil, err
	}
	if err := c.checkHeader(gemmHeader...); err != nil {
		return nil, err
	}
	return &GEMMReader{c: c, seen: map[string]int{}}, nil
}

func (r *GEMMReader) row() (*gemmRow, error) {
	f, err := r.c.next()
	if err != nil {
		return nil, err
	}
	w := &gemmRow{line: r.c.line, cs: f[0], dist: f[1], what: f[5], kernel: f[6], hex: f[7]}
	if w.cs == "" {
		return nil, r.c.errorf("case: empty")
	}
	if w.m, err = parseDim("M", f[2]); err == nil {
		if w.n, err = parseDim("N", f[3]); err == nil {
			w.k, err = parseDim("K", f[4])
		}
	}
	if err != nil {
		return nil, r.c.wrap(err)
	}
	return w, nil
}

// Read returns the next case, or io.EOF after the last one.
func (r *GEMMReader) Read() (*GEMMCase, error) {
	if r.err != nil {
		return nil, r.err
	}
	gc, err := r.read()
	if err != nil {
		r.err = err
	}
	return gc, err
}

func (r *GEMMReader) read() (*GEMMCase, error) {
	first := r.pending
	r.pending = nil
	if first == nil {
		var err error
		if first, err = r.row(); err != nil {
			return nil, err
		}
	}
	if l, dup := r.seen[first.cs]; dup {
		return nil, &RecordError{File: r.c.name, Line: first.line, Err: fmt.Errorf("case %s: rows not consecutive (first seen at line %d)", first.cs, l)}
	}
	r.seen[first.cs] = first.line
	gc := &GEMMCase{Line: first.line, Case: first.cs, Dist: first.dist, M: first.m, N: first.n, K: first.k}
	whats := map[string]int{}
	for w := first; w != nil; {
		errAt := func(format string, args ...any) error {
			return &RecordError{File: r.c.name, Line: w.line, Err: fmt.Errorf(format, args...)}
		}
		if w.dist != gc.Dist || w.m != gc.M || w.n != gc.N || w.k != gc.K {
			return nil, errAt("case %s: dist, M, N, K (%s,%d,%d,%d) differ from its first row at line %d (%s,%d,%d,%d)",
				gc.Case, w.dist, w.m, w.n, w.k, gc.Line, gc.Dist, gc.M, gc.N, gc.K)
		}
		if l, dup := whats[w.what]; dup {
			return nil, errAt("case %s: second %s row (first at line %d)", gc.Case, w.what, l)
		}
		whats[w.what] = w.line
		var want int64
		switch {
		case w.what == "A":
			want = 2 * int64(gc.M) * int64(gc.K)
		case w.what == "B":
			want = 2 * int64(gc.N) * int64(gc.K)
		case strings.HasPrefix(w.what, "D_"):
			want = 8 * int64(gc.M) * int64(gc.N)
		default:
			return nil, errAt("what: unknown row kind %q (want A, B or D_...)", w.what)
		}
		if int64(len(w.hex)) != want {
			return nil, errAt("hex: %d hex digits, want %d for %s of a %d×%d×%d GEMM", len(w.hex), want, w.what, gc.M, gc.N, gc.K)
		}
		var err error
		switch w.what {
		case "A":
			gc.A, err = decodeHex("hex", w.hex)
		case "B":
			gc.B, err = decodeHex("hex", w.hex)
		default:
			var d []uint32
			d, err = decodeWords("hex", w.hex, 32)
			gc.Outputs = append(gc.Outputs, GEMMOutput{Line: w.line, What: w.what, Kernel: w.kernel, D: d})
		}
		if err != nil {
			return nil, errAt("%v", err)
		}
		next, err := r.row()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if next.cs != gc.Case {
			r.pending = next
			break
		}
		w = next
	}
	switch {
	case gc.A == nil:
		return nil, &RecordError{File: r.c.name, Line: gc.Line, Err: fmt.Errorf("case %s: no A row", gc.Case)}
	case gc.B == nil:
		return nil, &RecordError{File: r.c.name, Line: gc.Line, Err: fmt.Errorf("case %s: no B row", gc.Case)}
	case len(gc.Outputs) == 0:
		return nil, &RecordError{File: r.c.name, Line: gc.Line, Err: fmt.Errorf("case %s: no D_... row", gc.Case)}
	}
	return gc, nil
}
