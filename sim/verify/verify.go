package verify

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/tcsim/tcsim/sim"
	"github.com/tcsim/tcsim/sim/parallel"
	"github.com/tcsim/tcsim/sim/records"
	"github.com/tcsim/tcsim/tensorcore"
)

// Options tunes [Verify].
type Options struct {
	// MaxListed is the number of mismatches listed per group (the first
	// ones in file order); the rest are only counted. 0 lists none.
	MaxListed int
	// Workers bounds the goroutines used; 0 means GOMAXPROCS. The report
	// does not depend on it.
	Workers int
}

// DefaultMaxListed is the number of mismatches tcsim verify lists per group.
const DefaultMaxListed = 5

// Report is the outcome of [Verify]: one group per configuration of each
// record set, in a deterministic order: directories in the order of the
// paths (subdirectories in lexical order), the record sets of a directory
// by the name of their output file, and configurations in order of first
// appearance in it.
type Report struct {
	Groups []*Group
}

// Group counts the records (output elements) of one configuration and
// those the model does not reproduce.
type Group struct {
	File   string   // the file holding the recorded outputs
	Inputs []string // the input files paired with it, if any
	Name   string   // the configuration, e.g. "wgmma_e4m3_e4m3_cR" or "wgmma_promo N_c=128"
	// Records is the number of output elements checked, Mismatches how
	// many differ in any bit.
	Records, Mismatches int
	Listed              []Mismatch // the first mismatches, at most Options.MaxListed
}

// Mismatch is one output element the model does not reproduce.
type Mismatch struct {
	File     string
	Line     int
	Where    string // labels: dist, case, row, col...
	Inputs   string // the inputs in hex, long ones abbreviated
	Expected string // recorded bits, hex
	Got      string // modelled bits, hex
}

// Totals returns the number of records and mismatches over all groups.
func (r *Report) Totals() (records, mismatches int) {
	for _, g := range r.Groups {
		records += g.Records
		mismatches += g.Mismatches
	}
	return
}

// WriteText writes the report: per file a line naming it, then one line per
// group with its counts, followed by its listed mismatches.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	for i := 0; i < len(r.Groups); {
		j := i
		width := 0
		for ; j < len(r.Groups) && r.Groups[j].File == r.Groups[i].File; j++ {
			width = max(width, len(r.Groups[j].Name))
		}
		b.WriteString(r.Groups[i].File)
		if in := r.Groups[i].Inputs; len(in) > 0 {
			names := make([]string, len(in))
			for k, f := range in {
				names[k] = filepath.Base(f)
			}
			fmt.Fprintf(&b, " (inputs %s)", strings.Join(names, ", "))
		}
		b.WriteByte('\n')
		for _, g := range r.Groups[i:j] {
			fmt.Fprintf(&b, "  %-*s %9d records %7d mismatches\n", width, g.Name, g.Records, g.Mismatches)
			for _, m := range g.Listed {
				fmt.Fprintf(&b, "    %s:%d %s: %s: expected %s, got %s\n",
					filepath.Base(m.File), m.Line, m.Where, m.Inputs, m.Expected, m.Got)
			}
			if n := g.Mismatches - len(g.Listed); n > 0 && len(g.Listed) > 0 {
				fmt.Fprintf(&b, "    ... and %d more\n", n)
			}
		}
		i = j
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Verify checks the model against recorded hardware outputs
// (../shared/hw/h100/README.md describes the formats). Each path is a record
// file or a directory searched recursively for the files of the record
// families it knows: instruction files (any *.csv or *.csv.gz whose header
// begins config,a_hex,b_hex,c_hex,d_hex), chain_inputs and promo_inputs with
// multi_outputs, promo_scaled_inputs with promo_scaled_outputs, and
// gemm_cases; each may be gzip-compressed or plain. Other files in
// directories are ignored, while a file named explicitly must belong to a
// family (its partner files are taken from its directory).
//
// Records are output elements. Unreadable or malformed input is an error (a
// *RecordError where it has a file and line); mismatches are not errors but
// counted and listed in the report.
func Verify(paths []string, opts Options) (*Report, error) {
	return VerifyFS(osFS{}, paths, opts)
}

// VerifyFS is [Verify] over the files of fsys, with paths naming files and
// folders in it. Reports and errors name files by their paths in fsys.
func VerifyFS(fsys fs.FS, paths []string, opts Options) (*Report, error) {
	v := &verifier{opts: opts, open: func(name string) (io.ReadCloser, error) { return fsys.Open(name) }}
	if v.opts.Workers <= 0 {
		v.opts.Workers = runtime.GOMAXPROCS(0)
	}
	sets, err := findRecordSets(fsys, paths, v.open)
	if err != nil {
		return nil, err
	}
	rep := &Report{}
	for _, s := range sets {
		gs, err := s.verify(v)
		if err != nil {
			return nil, err
		}
		rep.Groups = append(rep.Groups, gs...)
	}
	return rep, nil
}

// osFS is the operating system's files as an fs.FS whose names are OS
// paths, relative to the working directory or absolute, passed through
// unchanged, so that reports name files as the user did. (It is not a
// rooted fs.FS: fs.ValidPath does not hold for its names.)
type osFS struct{}

func (osFS) Open(name string) (fs.File, error)          { return os.Open(name) }
func (osFS) Stat(name string) (fs.FileInfo, error)      { return os.Stat(name) }
func (osFS) ReadDir(name string) ([]fs.DirEntry, error) { return os.ReadDir(name) }

// verifier carries what the record families need.
type verifier struct {
	opts Options
	open records.Opener
}

// ---------------------------------------------------------------------------
// Finding record files.

// recordSet is the files of one record family verified together.
type recordSet struct {
	files  []string
	verify func(v *verifier) ([]*Group, error)
}

// dirFiles is what a directory offers a recogniser: the names it may claim
// (every file of a scanned directory, or the files named explicitly), and
// every file name in it (to find partner files).
type dirFiles struct {
	dir    string
	wanted []string        // sorted
	all    map[string]bool // every regular file name in dir
	open   records.Opener
}

func (d *dirFiles) path(name string) string { return path.Join(d.dir, name) }

// pick returns the name of record file base (base.csv.gz or base.csv) in
// the directory, or "" when there is none.
func (d *dirFiles) pick(base string) (string, error) {
	gz, plain := d.all[base+".csv.gz"], d.all[base+".csv"]
	switch {
	case gz && plain:
		return "", fmt.Errorf("%s: both %s.csv.gz and %s.csv: keep one", d.dir, base, base)
	case gz:
		return base + ".csv.gz", nil
	case plain:
		return base + ".csv", nil
	}
	return "", nil
}

// recordBase strips .csv.gz or .csv from a file name; ok is false for other
// names.
func recordBase(name string) (string, bool) {
	if b, ok := strings.CutSuffix(name, ".csv.gz"); ok {
		return b, true
	}
	return strings.CutSuffix(name, ".csv")
}

// A recogniser claims the files of one record family among d.wanted,
// returning the record sets and the names it consumed (partners included).
type recogniser struct {
	family string // what its files are, for messages
	claim  func(d *dirFiles) ([]recordSet, []string, error)
}

// recognisers are the record families Verify knows, tried in order on each
// directory; the record sets of one directory are verified in the order of
// their output file names. A new family is one more entry.
var recognisers = []recogniser{
	{"chain_inputs/promo_inputs with multi_outputs", claimPaired("multi_outputs", "chain_inputs", "promo_inputs")},
	{"promo_scaled_inputs with promo_scaled_outputs", claimPaired("promo_scaled_outputs", "promo_scaled_inputs")},
	{"gemm_cases", claimGEMM},
	{"Khattak–Mikaitis folders <GPU>/<fmt>/ of a_, b_, c_, d_*.txt[.gz]", claimKM}, // km.go
	// Last: it claims any remaining CSV file whose header fits.
	{"instruction files (header config,a_hex,b_hex,c_hex,d_hex,...)", claimInst},
}

// families lists the recognised record families for messages.
func families() string {
	var s []string
	for _, r := range recognisers {
		s = append(s, r.family)
	}
	return strings.Join(s, "; ")
}

func claimGEMM(d *dirFiles) ([]recordSet, []string, error) {
	var sets []recordSet
	var used []string
	for _, n := range d.wanted {
		if b, _ := recordBase(n); b == "gemm_cases" {
			p := d.path(n)
			sets = append(sets, recordSet{files: []string{p}, verify: func(v *verifier) ([]*Group, error) { return v.verifyGEMM(p) }})
			used = append(used, n)
		}
	}
	return sets, used, nil
}

// claimPaired recognises an output file verified with one or more input
// files beside it (at least one must exist).
func claimPaired(outputs string, inputs ...string) func(d *dirFiles) ([]recordSet, []string, error) {
	return func(d *dirFiles) ([]recordSet, []string, error) {
		var hit string
		for _, n := range d.wanted {
			if b, _ := recordBase(n); b == outputs || slices.Contains(inputs, b) {
				hit = n
				break
			}
		}
		if hit == "" {
			return nil, nil, nil
		}
		out, err := d.pick(outputs)
		if err != nil {
			return nil, nil, err
		}
		if out == "" {
			return nil, nil, &records.RecordError{File: d.path(hit), Err: fmt.Errorf("no %s.csv.gz beside it to verify against", outputs)}
		}
		var ins []string
		used := []string{out}
		for _, b := range inputs {
			n, err := d.pick(b)
			if err != nil {
				return nil, nil, err
			}
			if n != "" {
				ins = append(ins, d.path(n))
				used = append(used, n)
			}
		}
		if len(ins) == 0 {
			return nil, nil, &records.RecordError{File: d.path(out), Err: fmt.Errorf("no %s.csv.gz beside it", strings.Join(inputs, ".csv.gz or "))}
		}
		op := d.path(out)
		set := recordSet{files: append(slices.Clone(ins), op), verify: func(v *verifier) ([]*Group, error) { return v.verifyCases(ins, op) }}
		return []recordSet{set}, used, nil
	}
}

// claimInst recognises instruction files by their header.
func claimInst(d *dirFiles) ([]recordSet, []string, error) {
	var sets []recordSet
	var used []string
	for _, n := range d.wanted {
		if _, ok := recordBase(n); !ok {
			continue
		}
		p := d.path(n)
		ok, err := records.IsInstFile(d.open, p)
		if err != nil {
			return nil, nil, err
		}
		if ok {
			sets = append(sets, recordSet{files: []string{p}, verify: func(v *verifier) ([]*Group, error) { return v.verifyInst(p) }})
			used = append(used, n)
		}
	}
	return sets, used, nil
}

// findRecordSets resolves the paths into record sets.
func findRecordSets(fsys fs.FS, paths []string, open records.Opener) ([]recordSet, error) {
	type dirEntry struct {
		dir      string // as first named
		wanted   map[string]bool
		explicit map[string]bool
	}
	// Directories are keyed by clean (for OS paths, absolute) path, so
	// that one named two ways is verified once.
	dirs := map[string]*dirEntry{}
	var order []*dirEntry
	add := func(dir, name string, explicit bool) {
		key := path.Clean(dir)
		if _, ok := fsys.(osFS); ok {
			if abs, err := filepath.Abs(dir); err == nil {
				key = abs
			}
		}
		e := dirs[key]
		if e == nil {
			e = &dirEntry{dir: dir, wanted: map[string]bool{}, explicit: map[string]bool{}}
			dirs[key] = e
			order = append(order, e)
		}
		e.wanted[name] = true
		if explicit {
			e.explicit[name] = true
		}
	}
	for _, p := range paths {
		p = path.Clean(p)
		st, err := fs.Stat(fsys, p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			add(path.Dir(p), path.Base(p), true)
			continue
		}
		err = fs.WalkDir(fsys, p, func(name string, de fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if de.Type().IsRegular() {
				add(path.Dir(name), de.Name(), false)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	var sets []recordSet
	for _, e := range order {
		dir := e.dir
		ents, err := fs.ReadDir(fsys, dir)
		if err != nil {
			return nil, err
		}
		d := &dirFiles{dir: dir, all: map[string]bool{}, open: open}
		for _, de := range ents {
			if de.Type().IsRegular() {
				d.all[de.Name()] = true
			}
		}
		for n := range e.wanted {
			d.wanted = append(d.wanted, n)
		}
		slices.Sort(d.wanted)
		var dirSets []recordSet
		for _, r := range recognisers {
			got, used, err := r.claim(d)
			if err != nil {
				return nil, err
			}
			dirSets = append(dirSets, got...)
			d.wanted = slices.DeleteFunc(d.wanted, func(n string) bool { return slices.Contains(used, n) })
		}
		slices.SortStableFunc(dirSets, func(a, b recordSet) int {
			return strings.Compare(a.files[len(a.files)-1], b.files[len(b.files)-1])
		})
		sets = append(sets, dirSets...)
		for _, n := range d.wanted {
			if e.explicit[n] {
				return nil, &records.RecordError{File: d.path(n), Err: errors.New("not a record file tcsim verify recognises (" + families() + ")")}
			}
		}
	}
	return sets, nil
}

// ---------------------------------------------------------------------------
// Shared helpers.

// verifyGroups collects the groups of one output file in order of first
// appearance.
type verifyGroups struct {
	file   string
	inputs []string
	byName map[string]*Group
	list   []*Group
}

func newVerifyGroups(file string, inputs []string) *verifyGroups {
	return &verifyGroups{file: file, inputs: inputs, byName: map[string]*Group{}}
}

func (gs *verifyGroups) get(name string) *Group {
	g := gs.byName[name]
	if g == nil {
		g = &Group{File: gs.file, Inputs: gs.inputs, Name: name}
		gs.byName[name] = g
		gs.list = append(gs.list, g)
	}
	return g
}

// tally counts one record, a mismatch or not; m describes a mismatch and is
// called only while the listing (of at most max) has room.
func (g *Group) tally(max int, mismatch bool, m func() Mismatch) {
	g.Records++
	if !mismatch {
		return
	}
	g.Mismatches++
	if len(g.Listed) < max {
		g.Listed = append(g.Listed, m())
	}
}

// abbrev writes bytes as hex, abbreviating more than 32 bytes to the first
// 8 and last 4.
func abbrev(b []byte) string {
	if len(b) <= 32 {
		return hex.EncodeToString(b)
	}
	return fmt.Sprintf("%s...%s(%dB)", hex.EncodeToString(b[:8]), hex.EncodeToString(b[len(b)-4:]), len(b))
}

func hex32(x uint32) string { return fmt.Sprintf("%08x", x) }

// hexAcc formats an accumulator value with the digits of its width.
func hexAcc(x uint32, bits int) string { return fmt.Sprintf("%0*x", bits/4, x) }

func labelList(names, values []string) string {
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(n)
		b.WriteByte('=')
		b.WriteString(values[i])
	}
	return b.String()
}

// ---------------------------------------------------------------------------
// Instruction files.

const instBatch = 8192

func (v *verifier) verifyInst(path string) ([]*Group, error) {
	var names []string
	gs := newVerifyGroups(path, nil)
	type item struct {
		*records.InstRecord
		preset *tensorcore.Preset
	}
	presets := map[string]*tensorcore.Preset{}
	batch := make([]item, 0, instBatch)
	got := make([]uint32, instBatch)
	agree := make([]bool, instBatch)
	flush := func() {
		chunk := (len(batch) + v.opts.Workers - 1) / v.opts.Workers
		parallel.For(context.Background(), (len(batch)+chunk-1)/max(chunk, 1), v.opts.Workers, func(c int) error {
			for i := c * chunk; i < min((c+1)*chunk, len(batch)); i++ {
				rec := batch[i]
				got[i], agree[i] = laneDot(rec.preset, rec.A, rec.B, rec.C)
			}
			return nil
		})
		for i, rec := range batch {
			bits := rec.Config.Acc().Bits()
			gs.get(rec.Config.Name).tally(v.opts.MaxListed, got[i] != rec.D || !agree[i], func() Mismatch {
				in := fmt.Sprintf("a=%s b=%s", rec.AHex, rec.BHex)
				if rec.Config.UseC {
					in += " c=" + hexAcc(rec.C, bits)
				}
				return Mismatch{File: path, Line: rec.Line, Where: labelList(names, rec.Labels), Inputs: in,
					Expected: hexAcc(rec.D, bits), Got: hexAcc(got[i], bits) + laneNote(agree[i])}
			})
		}
		batch = batch[:0]
	}
	err := records.Each(v.open, path, records.NewInstReader, func(r *records.InstReader, rec *records.InstRecord) error {
		names = r.LabelNames()
		p, ok := presets[rec.Config.Name]
		if !ok {
			var err error
			if p, err = instPreset(rec.Config); err != nil {
				return &records.RecordError{File: path, Line: rec.Line, Err: err}
			}
			presets[rec.Config.Name] = p
		}
		if len(rec.A) != p.K {
			return &records.RecordError{File: path, Line: rec.Line,
				Err: fmt.Errorf("a_hex: %d %s elements, the instruction takes K = %d", len(rec.A), p.A, p.K)}
		}
		batch = append(batch, item{rec, p})
		if len(batch) == instBatch {
			flush()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	flush()
	if len(gs.list) == 0 {
		return nil, &records.RecordError{File: path, Err: errors.New("no records")}
	}
	return gs.list, nil
}

// instPreset finds the H100 preset of an instruction-file config:
// h100-<instr>-<a>-<b>[-f16acc], or h100-<instr>-<a>[-f16acc] for 16- and
// 32-bit operands, which share one type. A well-formed name whose preset
// does not exist is an error naming the preset.
func instPreset(c *records.InstConfig) (*tensorcore.Preset, error) {
	// FP8 presets name both operand types (any pairing); 16- and 32-bit
	// ones, whose operands share a type, name it once.
	name := fmt.Sprintf("h100-%s-%s-%s", c.Instr, c.A, c.B)
	if c.A == c.B && c.A.Bits() > 8 {
		name = fmt.Sprintf("h100-%s-%s", c.Instr, c.A)
	}
	if c.F16Acc {
		name += "-f16acc"
	}
	p, err := tensorcore.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("config %s: no preset %s models it", c.Name, name)
	}
	return p, nil
}

// ---------------------------------------------------------------------------
// Chain, promotion and scaled-promotion cases.

// caseJob is one recorded output tile to reproduce.
type caseJob struct {
	in    *records.CaseInput
	out   *records.CaseOutput
	group string
	cfg   sim.Config
	got   []uint32
	err   error
}

// wgmmaPreset is the FP32-accumulator wgmma preset for the operand formats.
func wgmmaPreset(in *records.CaseInput) (*tensorcore.Preset, error) {
	name := fmt.Sprintf("h100-wgmma-%s-%s", in.FmtA, in.FmtB)
	p, err := tensorcore.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("case %s: no preset %s models %s×%s wgmma", in.Case, name, in.FmtA, in.FmtB)
	}
	return p, nil
}

// readCaseInputs reads the cases of the input files, and which file each
// case is in.
func (v *verifier) readCaseInputs(paths []string) (map[string]*records.CaseInput, map[string]string, error) {
	cases := map[string]*records.CaseInput{}
	file := map[string]string{}
	for _, path := range paths {
		err := records.Each(v.open, path, records.NewCaseInputReader, func(_ *records.CaseInputReader, in *records.CaseInput) error {
			if prev, dup := cases[in.Case]; dup {
				return &records.RecordError{File: path, Line: in.Line, Err: fmt.Errorf("case %s: duplicate (first at %s:%d)",
					in.Case, filepath.Base(file[in.Case]), prev.Line)}
			}
			cases[in.Case] = in
			file[in.Case] = path
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return cases, file, nil
}

// caseJobFor checks an output against its input and says how to compute it.
func caseJobFor(in *records.CaseInput, out *records.CaseOutput) (*caseJob, error) {
	p, err := wgmmaPreset(in)
	if err != nil {
		return nil, err
	}
	j := &caseJob{in: in, out: out, cfg: sim.Config{Preset: p}}
	switch {
	case out.K != in.K:
		return nil, fmt.Errorf("K = %d, but case %s has K = %d", out.K, in.Case, in.K)
	case in.K%p.K != 0:
		return nil, fmt.Errorf("case %s: K = %d is not a multiple of the instruction K = %d", in.Case, in.K, p.K)
	case len(out.D) != in.M*in.N:
		return nil, fmt.Errorf("d_hex: %d values, but case %s has M·N = %d·%d", len(out.D), in.Case, in.M, in.N)
	case out.Nc%p.K != 0 || out.Nc > in.K:
		return nil, fmt.Errorf("N_c = %d is not a multiple of %d in [%d, K = %d]", out.Nc, p.K, p.K, in.K)
	case out.UseC && out.Kernel != "wgmma_chain":
		return nil, fmt.Errorf("use_c = 1 is only meaningful for wgmma_chain, not %s", out.Kernel)
	case out.UseC && in.C == nil:
		return nil, fmt.Errorf("use_c = 1 but case %s has no c_hex", in.Case)
	}
	if out.Nc < in.K {
		j.cfg.Nc = out.Nc
	}
	switch out.Kernel {
	case "wgmma_chain":
		if out.Nc != in.K {
			return nil, fmt.Errorf("wgmma_chain with N_c = %d ≠ K = %d", out.Nc, in.K)
		}
		j.group = fmt.Sprintf("wgmma_chain use_c=%d serial=%d", b2i(out.UseC), b2i(out.Serial))
	case "wgmma_promo":
		j.group = "wgmma_promo " + ncName(out.Nc, in.K)
	case "wgmma_promo_scaled_fma", "wgmma_promo_scaled_mulmul":
		if in.SA == nil {
			return nil, fmt.Errorf("%s needs scales, but case %s has none", out.Kernel, in.Case)
		}
		j.cfg.ScaleArith = sim.ScaleFMA
		if out.Kernel == "wgmma_promo_scaled_mulmul" {
			j.cfg.ScaleArith = sim.ScaleMulMul
		}
		j.group = out.Kernel + " " + ncName(out.Nc, in.K)
		if err := j.cfg.Check(j.problem(true)); err != nil {
			return nil, fmt.Errorf("case %s: %v", in.Case, err)
		}
	default:
		return nil, fmt.Errorf("kernel: unknown %q (want wgmma_chain, wgmma_promo, wgmma_promo_scaled_fma or wgmma_promo_scaled_mulmul)", out.Kernel)
	}
	return j, nil
}

func ncName(nc, k int) string {
	if nc == k {
		return "N_c=K"
	}
	return "N_c=" + strconv.Itoa(nc)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (j *caseJob) problem(scaled bool) *sim.Problem {
	in := j.in
	p := &sim.Problem{M: in.M, N: in.N, K: in.K, A: in.A, B: in.B}
	if scaled {
		p.SA, p.SB, p.ScaleBlock = in.SA, in.SB, in.ScaleBlock
	}
	return p
}

// laneDot is p.Dot(a, b, c) (len(a) a multiple of K) and, where the
// preset has lane kernels, the same output computed by them as GEMM runs
// it, so that verification checks both: lanes is false where they differ.
func laneDot(p *tensorcore.Preset, a, b []uint32, c uint32) (got uint32, lanes bool) {
	got = p.Dot(a, b, c)
	var row tensorcore.LaneRow
	var pn tensorcore.Panel
	if !p.Lanes() || !p.DecodeRow(a, &row) || !p.DecodePanel([][]uint32{b}, &pn) {
		return got, true
	}
	d := []uint32{c}
	p.ChainLanes(&row, &pn, 0, len(a), d)
	return got, d[0] == got
}

// laneNote marks a result that the lane kernels do not reproduce.
func laneNote(agree bool) string {
	if agree {
		return ""
	}
	return " (the lane kernels differ)"
}

// chainLanes recomputes a wgmma_chain output tile from the recorded C
// through the lane kernels, as GEMM runs them, and fails the job where
// they differ from Chain, so that verification checks both.
func (j *caseJob) chainLanes() {
	in, p := j.in, j.cfg.Preset
	rows := make([]tensorcore.LaneRow, in.M)
	for i := range rows {
		if !p.DecodeRow(in.A[i*in.K:(i+1)*in.K], &rows[i]) {
			return
		}
	}
	var pn tensorcore.Panel
	for c0 := 0; c0 < in.N; c0 += tensorcore.Lanes {
		c1 := min(c0+tensorcore.Lanes, in.N)
		var cols [][]uint32
		for c := c0; c < c1; c++ {
			cols = append(cols, in.B[c*in.K:(c+1)*in.K])
		}
		if !p.DecodePanel(cols, &pn) {
			return
		}
		for i := range rows {
			acc := make([]uint32, c1-c0)
			if j.out.UseC {
				copy(acc, in.C[i*in.N+c0:i*in.N+c1])
			}
			p.ChainLanes(&rows[i], &pn, 0, in.K, acc)
			for l, x := range acc {
				if y := j.got[i*in.N+c0+l]; x != y {
					j.err = fmt.Errorf("%s: lane kernels give %#08x, Chain %#08x at (%d,%d)", p.Name, x, y, i, c0+l)
					return
				}
			}
		}
	}
}

// run computes the job's output tile.
func (j *caseJob) run() {
	in := j.in
	if j.out.Kernel == "wgmma_chain" {
		p := j.cfg.Preset
		va := make([]tensorcore.Vector, in.M)
		vb := make([]tensorcore.Vector, in.N)
		for i := range va {
			p.DecodeA(in.A[i*in.K:(i+1)*in.K], &va[i])
		}
		for c := range vb {
			p.DecodeB(in.B[c*in.K:(c+1)*in.K], &vb[c])
		}
		j.got = make([]uint32, in.M*in.N)
		for i := range va {
			for c := range vb {
				var c0 uint32
				if j.out.UseC {
					c0 = in.C[i*in.N+c]
				}
				j.got[i*in.N+c] = p.Chain(&va[i], &vb[c], 0, in.K, c0)
			}
		}
		if p.Lanes() {
			j.chainLanes()
		}
		return
	}
	d, err := sim.GEMM(j.cfg, j.problem(strings.HasPrefix(j.out.Kernel, "wgmma_promo_scaled_")))
	if err != nil {
		j.err = err
		return
	}
	j.got = make([]uint32, len(d))
	for i, x := range d {
		j.got[i] = math.Float32bits(x)
	}
}

// verifyCases verifies an outputs file against the cases of its input
// files.
func (v *verifier) verifyCases(inputs []string, outputs string) ([]*Group, error) {
	cases, caseFile, err := v.readCaseInputs(inputs)
	if err != nil {
		return nil, err
	}
	var jobs []*caseJob
	used := map[string]bool{}
	keys := map[string]int{}
	err = records.Each(v.open, outputs, records.NewCaseOutputReader, func(_ *records.CaseOutputReader, out *records.CaseOutput) error {
		at := func(err error) error { return &records.RecordError{File: outputs, Line: out.Line, Err: err} }
		in := cases[out.Case]
		if in == nil {
			return at(fmt.Errorf("case %s is in none of %s", out.Case, baseNames(inputs)))
		}
		key := fmt.Sprintf("%s,%s,%d,%t,%t", out.Case, out.Kernel, out.Nc, out.UseC, out.Serial)
		if l, dup := keys[key]; dup {
			return at(fmt.Errorf("duplicate output (case, kernel, N_c, use_c, serial) of line %d", l))
		}
		keys[key] = out.Line
		j, err := caseJobFor(in, out)
		if err != nil {
			return at(err)
		}
		used[out.Case] = true
		jobs = append(jobs, j)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(jobs) == 0 {
		return nil, &records.RecordError{File: outputs, Err: errors.New("no records")}
	}
	for _, c := range sortedKeys(cases) {
		if !used[c] {
			in := cases[c]
			return nil, &records.RecordError{File: caseFile[c], Line: in.Line,
				Err: fmt.Errorf("case %s has no output in %s", c, filepath.Base(outputs))}
		}
	}
	// Large tiles first keeps the workers busy to the end; results are
	// reported in file order regardless.
	order := make([]*caseJob, len(jobs))
	copy(order, jobs)
	slices.SortStableFunc(order, func(a, b *caseJob) int { return b.in.K - a.in.K })
	parallel.For(context.Background(), len(order), v.opts.Workers, func(i int) error { order[i].run(); return nil })
	gs := newVerifyGroups(outputs, inputs)
	for _, j := range jobs {
		if j.err != nil {
			return nil, &records.RecordError{File: outputs, Line: j.out.Line, Err: j.err}
		}
		g := gs.get(j.group)
		in := j.in
		for e, want := range j.out.D {
			g.tally(v.opts.MaxListed, j.got[e] != want, func() Mismatch {
				i, c := e/in.N, e%in.N
				ea, eb := records.ContainerBytes(in.FmtA), records.ContainerBytes(in.FmtB)
				inp := fmt.Sprintf("a[%d]=%s b[%d]=%s", i, abbrev(in.ARaw[i*in.K*ea:(i+1)*in.K*ea]),
					c, abbrev(in.BRaw[c*in.K*eb:(c+1)*in.K*eb]))
				if j.out.UseC {
					inp += " c=" + hex32(in.C[e])
				}
				if in.SA != nil && strings.HasPrefix(j.out.Kernel, "wgmma_promo_scaled_") {
					kb := in.K / in.ScaleBlock
					inp += fmt.Sprintf(" sa[%d]=%s sb[%d]=%s", i, floatsHex(in.SA[i*kb:(i+1)*kb]), c, floatsHex(in.SB[c*kb:(c+1)*kb]))
				}
				return Mismatch{File: outputs, Line: j.out.Line,
					Where:  fmt.Sprintf("case=%s dist=%s K=%d row=%d col=%d", in.Case, in.Dist, in.K, i, c),
					Inputs: inp, Expected: hex32(want), Got: hex32(j.got[e])}
			})
		}
	}
	return gs.list, nil
}

func floatsHex(v []float32) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = hex32(math.Float32bits(x))
	}
	return strings.Join(s, ",")
}

func baseNames(paths []string) string {
	s := make([]string, len(paths))
	for i, p := range paths {
		s[i] = filepath.Base(p)
	}
	return strings.Join(s, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	k := make([]string, 0, len(m))
	for s := range m {
		k = append(k, s)
	}
	slices.Sort(k)
	return k
}

// ---------------------------------------------------------------------------
// cuBLAS GEMM cases.

// gemmPreset is the datapath of the recorded cuBLAS FP8 GEMMs.
const gemmPreset = "h100-wgmma-e4m3-e4m3"

func (v *verifier) verifyGEMM(path string) ([]*Group, error) {
	p, err := tensorcore.Lookup(gemmPreset)
	if err != nil {
		return nil, err
	}
	gs := newVerifyGroups(path, nil)
	err = records.Each(v.open, path, records.NewGEMMReader, func(_ *records.GEMMReader, gc *records.GEMMCase) error {
		return v.verifyGEMMCase(path, p, gc, gs)
	})
	if err != nil {
		return nil, err
	}
	if len(gs.list) == 0 {
		return nil, &records.RecordError{File: path, Err: errors.New("no records")}
	}
	return gs.list, nil
}

func (v *verifier) verifyGEMMCase(path string, p *tensorcore.Preset, gc *records.GEMMCase, gs *verifyGroups) error {
	prob := &sim.Problem{M: gc.M, N: gc.N, K: gc.K, A: bytesToCodes(gc.A), B: bytesToCodes(gc.B)}
	if err := (&sim.Config{Preset: p, Nc: 128}).Check(prob); err != nil {
		return &records.RecordError{File: path, Line: gc.Line, Err: fmt.Errorf("case %s: %v", gc.Case, err)}
	}
	cache := map[sim.Config][]float32{}
	compute := func(c sim.Config) ([]float32, error) {
		if d, ok := cache[c]; ok {
			return d, nil
		}
		d, err := sim.GEMM(c, prob)
		if err == nil {
			cache[c] = d
		}
		return d, err
	}
	for _, out := range gc.Outputs {
		cfg := sim.Config{Preset: p}
		var label string
		var d []float32
		var err error
		switch out.What {
		case "D_fast":
			if strings.Contains(nvjetName(out.Kernel), "splitK") {
				var fit *splitFit
				if fit, err = inferSplitK(cfg, prob, out.D); err == nil {
					d, label = fit.d, fit.label()
				}
			} else {
				label = "(one chain over K)"
				d, err = compute(cfg)
			}
		case "D_nofast", "D_chunk128":
			cfg.Nc = 128
			label = "(N_c=128)"
			d, err = compute(cfg)
		default:
			return &records.RecordError{File: path, Line: out.Line, Err: fmt.Errorf("what: unknown output %q (want D_fast, D_nofast or D_chunk128)", out.What)}
		}
		if err != nil {
			return &records.RecordError{File: path, Line: out.Line, Err: err}
		}
		g := gs.get(fmt.Sprintf("%s %dx%dx%d %s: cuBLAS %s %s", gc.Case, gc.M, gc.N, gc.K, gc.Dist, out.What, label))
		for e, want := range out.D {
			got := math.Float32bits(d[e])
			g.tally(v.opts.MaxListed, got != want, func() Mismatch {
				i, c := e/gc.N, e%gc.N
				return Mismatch{File: path, Line: out.Line,
					Where:    fmt.Sprintf("case=%s dist=%s row=%d col=%d", gc.Case, gc.Dist, i, c),
					Inputs:   fmt.Sprintf("a[%d]=%s b[%d]=%s", i, abbrev(gc.A[i*gc.K:(i+1)*gc.K]), c, abbrev(gc.B[c*gc.K:(c+1)*gc.K])),
					Expected: hex32(want), Got: hex32(got)}
			})
		}
	}
	return nil
}

// nvjetName extracts the nvjet_... kernel name from the profiler text.
func nvjetName(kernel string) string {
	for _, k := range strings.Split(kernel, "|") {
		if strings.HasPrefix(k, "nvjet") {
			return k
		}
	}
	return ""
}

func bytesToCodes(b []byte) []uint32 {
	c := make([]uint32, len(b))
	for i, x := range b {
		c[i] = uint32(x)
	}
	return c
}

// splitFit is the outcome of [inferSplitK].
type splitFit struct {
	ns         []int     // the slice counts giving the closest output, increasing
	d          []float32 // that output
	mismatches int       // its mismatches against the recording
	tried      int       // the largest n tried
}

// label describes the fit for a report line.
func (f *splitFit) label() string {
	if f.ns == nil {
		return "(split-K: K too short to split, compared unsplit)"
	}
	if f.mismatches == 0 {
		return "(split-K " + nList(f.ns) + ")"
	}
	return fmt.Sprintf("(split-K %s closest of n=2..%d, none reproduces it)", nList(f.ns), f.tried)
}

// inferSplitK finds the split-K slice counts n (2 ≤ n ≤ K/128; slices of
// 128-wide tiles as in [Config.SplitK]) whose output is closest to want,
// ideally equal. Counts that slice K the same way give the same output and
// are one candidate. The candidates are ranked on a sample of output
// elements, and those with the fewest sample mismatches are computed in
// full; so the search costs little more than one GEMM, and a few corrupt
// recorded elements do not derail it. With K ≤ 128 nothing can be split and
// the unsplit output is returned with ns nil.
func inferSplitK(base sim.Config, prob *sim.Problem, want []uint32) (*splitFit, error) {
	const tile = 128
	tiles := (prob.K + tile - 1) / tile
	type cand struct {
		ns     []int
		cfg    sim.Config
		sample int
	}
	var cands []*cand
	bySlices := map[string]*cand{}
	for n := 2; n <= tiles; n++ {
		c := base
		c.SplitK, c.SplitTile = n, tile
		key := fmt.Sprint(c.Slices(prob.K))
		if k := bySlices[key]; k != nil {
			k.ns = append(k.ns, n)
			continue
		}
		k := &cand{ns: []int{n}, cfg: c}
		bySlices[key] = k
		cands = append(cands, k)
	}
	if len(cands) == 0 {
		d, err := sim.GEMM(base, prob)
		if err != nil {
			return nil, err
		}
		return &splitFit{d: d, mismatches: countMismatches(d, want)}, nil
	}
	// The sample: a few rows and columns spread over the matrix.
	rows := spreadIndices(prob.M, 4)
	cols := spreadIndices(prob.N, 16)
	sub := &sim.Problem{M: len(rows), N: len(cols), K: prob.K}
	for _, i := range rows {
		sub.A = append(sub.A, prob.A[i*prob.K:(i+1)*prob.K]...)
	}
	for _, c := range cols {
		sub.B = append(sub.B, prob.B[c*prob.K:(c+1)*prob.K]...)
	}
	subWant := make([]uint32, 0, len(rows)*len(cols))
	for _, i := range rows {
		for _, c := range cols {
			subWant = append(subWant, want[i*prob.N+c])
		}
	}
	best := math.MaxInt
	for _, k := range cands {
		sd, err := sim.GEMM(k.cfg, sub)
		if err != nil {
			return nil, err
		}
		k.sample = countMismatches(sd, subWant)
		best = min(best, k.sample)
	}
	fit := &splitFit{mismatches: math.MaxInt, tried: tiles}
	for _, k := range cands {
		if k.sample != best {
			continue
		}
		d, err := sim.GEMM(k.cfg, prob)
		if err != nil {
			return nil, err
		}
		switch m := countMismatches(d, want); {
		case m < fit.mismatches:
			fit.ns, fit.d, fit.mismatches = slices.Clone(k.ns), d, m
		case m == fit.mismatches:
			fit.ns = append(fit.ns, k.ns...)
		}
	}
	slices.Sort(fit.ns)
	return fit, nil
}

func countMismatches(d []float32, want []uint32) int {
	n := 0
	for e, x := range d {
		if math.Float32bits(x) != want[e] {
			n++
		}
	}
	return n
}

// spreadIndices returns up to k indices spread evenly over [0, n).
func spreadIndices(n, k int) []int {
	k = min(k, n)
	s := make([]int, k)
	for i := range s {
		s[i] = i * n / k
	}
	return s
}

// nList formats slice counts compactly: "n=6", "n=65..128", "n=3,5".
func nList(ns []int) string {
	var parts []string
	for i := 0; i < len(ns); {
		j := i
		for j+1 < len(ns) && ns[j+1] == ns[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(ns[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d..%d", ns[i], ns[j]))
		}
		i = j + 1
	}
	return "n=" + strings.Join(parts, ",")
}
