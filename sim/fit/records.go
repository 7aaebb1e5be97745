package fit

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tcsim/tcsim/numerics"
	"github.com/tcsim/tcsim/sim/records"
)

// Record is one recorded output element: D = A·B + C of one instruction.
type Record struct {
	Pair  int      // index into Family.Pairs: the operand formats
	A, B  []uint32 // operand codes, Family.K of each
	C, D  uint32   // accumulator bits in Family.Acc (C is +0 for c0 configs)
	Group string   // what the mismatch pattern is broken down by: distribution, C, formats
	Where string   // file:line
}

// Family is the records that one datapath must reproduce: one instruction
// kind, accumulator format, operand width and K. Operand formats may vary
// within a family (the FP8 pairs of one instruction share their datapath).
type Family struct {
	Name  string // what the records are, e.g. "inst_mma.csv.gz: mma, f32 accumulator, K=32"
	Instr string // the instruction kind from instruction files ("wgmma", "mma"); "" for K–M records
	Acc   numerics.Format
	K     int
	Pairs [][2]numerics.Format
	// KM: the records come from a K–M folder, whose harness may have run
	// with C = 0 while writing a c file (the H100 FP8 d_fp32 records do):
	// the fit tries both readings (parameter c_input).
	KM      bool
	Records []Record
}

// PairNames lists the operand format pairs, e.g. "e4m3×e5m2".
func (f *Family) PairNames() []string {
	s := make([]string, len(f.Pairs))
	for i, p := range f.Pairs {
		s[i] = p[0].Name() + "×" + p[1].Name()
	}
	return s
}

func (f *Family) pairIndex(a, b numerics.Format) int {
	for i, p := range f.Pairs {
		if p[0] == a && p[1] == b {
			return i
		}
	}
	f.Pairs = append(f.Pairs, [2]numerics.Format{a, b})
	return len(f.Pairs) - 1
}

// Load reads the records under the paths (files or directories searched
// recursively): instruction files (header config,a_hex,b_hex,c_hex,d_hex)
// and Khattak–Mikaitis folders, and the chained wgmma outputs of
// chain_inputs with multi_outputs (added to the wgmma family). Promotion
// and GEMM outputs are GEMM-level, not instruction, records: their files
// are skipped and named in skipped.
// Bad or unreadable input is an error; so is a file named explicitly that
// is neither kind.
func Load(paths []string) (fams []*Family, skipped []string, err error) {
	type kmWant struct {
		all  bool
		outs map[string]bool
	}
	km := map[string]*kmWant{}
	var kmOrder []string
	var inst, chainDirs []string
	seen := map[string]bool{}
	addKM := func(dir, name string, explicit bool) {
		w := km[dir]
		if w == nil {
			w = &kmWant{outs: map[string]bool{}}
			km[dir] = w
			kmOrder = append(kmOrder, dir)
		}
		switch {
		case !explicit || !strings.HasPrefix(name, "d_"):
			w.all = true
		case strings.Contains(name, "_fp16."):
			w.outs["fp16"] = true
		default:
			w.outs["fp32"] = true
		}
	}
	consider := func(path string, explicit bool) error {
		if abs, err := filepath.Abs(path); err == nil {
			if seen[abs] {
				return nil
			}
			seen[abs] = true
		}
		name := filepath.Base(path)
		if isKMFile(name) {
			addKM(filepath.Dir(path), name, explicit)
			return nil
		}
		if !strings.HasSuffix(name, ".csv") && !strings.HasSuffix(name, ".csv.gz") {
			if explicit {
				return fmt.Errorf("%s: not an instruction record file or a K–M record file", path)
			}
			return nil
		}
		ok, err := records.IsInstFile(records.OpenOS, path)
		switch {
		case err != nil:
			return err
		case ok:
			inst = append(inst, path)
		case explicit && !isChainFile(name):
			return fmt.Errorf("%s: not an instruction record file (header config,a_hex,b_hex,c_hex,d_hex)", path)
		case isChainFile(name):
			dir := filepath.Dir(path)
			if !slices.Contains(chainDirs, dir) {
				chainDirs = append(chainDirs, dir)
			}
		default:
			skipped = append(skipped, path)
		}
		return nil
	}
	for _, p := range paths {
		p = filepath.Clean(p)
		st, err := os.Stat(p)
		if err != nil {
			return nil, nil, err
		}
		if !st.IsDir() {
			if err := consider(p, true); err != nil {
				return nil, nil, err
			}
			continue
		}
		err = filepath.WalkDir(p, func(path string, de fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if de.Type().IsRegular() {
				return consider(path, false)
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	for _, path := range inst {
		fs, err := loadInst(path)
		if err != nil {
			return nil, nil, err
		}
		fams = append(fams, fs...)
	}
	for _, dir := range chainDirs {
		var err error
		if skipped, err = loadChains(dir, fams, skipped); err != nil {
			return nil, nil, err
		}
	}
	for _, dir := range kmOrder {
		w := km[dir]
		folder, err := records.OpenKMFolder(dir)
		if err != nil {
			return nil, nil, err
		}
		for _, out := range folder.Outputs {
			if !w.all && !w.outs[out] {
				continue
			}
			f, err := loadKM(folder, out)
			if err != nil {
				return nil, nil, err
			}
			fams = append(fams, f)
		}
	}
	if len(fams) == 0 {
		return nil, skipped, errors.New("no instruction or K–M records found")
	}
	return fams, skipped, nil
}

// isKMFile reports whether name is a K–M record file name.
func isKMFile(name string) bool {
	_, ok := records.ParseKMName(name)
	return ok
}

// loadInst reads an instruction file into one family per instruction kind,
// accumulator, K and operand width. The config's preset is not used.
func loadInst(path string) ([]*Family, error) {
	byKey := map[string]*Family{}
	var fams []*Family
	base := filepath.Base(path)
	err := records.Each(records.OpenOS, path, records.NewInstReader, func(r *records.InstReader, rec *records.InstRecord) error {
		dist := slices.Index(r.LabelNames(), "dist")
		cfg := rec.Config
		acc := cfg.Acc()
		width := "fp8"
		if cfg.A.Bits() > 8 {
			width = cfg.A.Name()
		}
		key := fmt.Sprintf("%s/%s/%d/%s", cfg.Instr, acc, len(rec.A), width)
		fam := byKey[key]
		if fam == nil {
			fam = &Family{Name: fmt.Sprintf("%s: %s, %s accumulator, K=%d", base, cfg.Instr, acc, len(rec.A)),
				Instr: cfg.Instr, Acc: acc, K: len(rec.A)}
			byKey[key] = fam
			fams = append(fams, fam)
		}
		pair := fam.pairIndex(cfg.A, cfg.B)
		g := cfg.A.Name() + "×" + cfg.B.Name() + " c0"
		if cfg.UseC {
			g = cfg.A.Name() + "×" + cfg.B.Name() + " cR"
		}
		if dist >= 0 {
			g += " dist=" + rec.Labels[dist]
		}
		fam.Records = append(fam.Records, Record{Pair: pair, A: rec.A, B: rec.B, C: rec.C, D: rec.D,
			Group: g, Where: fmt.Sprintf("%s:%d", base, rec.Line)})
		return nil
	})
	return fams, err
}

// loadKM reads the d_<out> records of a K–M folder. Records shorter than
// the longest are padded with zero products (as the harness ran them). An
// FP16 accumulator's C is the c file's FP32 value rounded to nearest FP16,
// as the harness converted it (__float2half).
func loadKM(k *records.KMFolder, out string) (*Family, error) {
	acc := numerics.FP32
	if out == "fp16" {
		acc = numerics.FP16
	}
	dir := filepath.Join(filepath.Base(filepath.Dir(k.Dir)), filepath.Base(k.Dir))
	fam := &Family{Acc: acc, KM: true, Pairs: [][2]numerics.Format{{k.Format, k.Format}}}
	base := filepath.Base(k.OutputFile(out))
	err := k.Read(out, func(r *records.KMRecord) error {
		rec := Record{A: slices.Clone(r.A), B: slices.Clone(r.B), C: r.C, D: r.D,
			Group: fmt.Sprintf("K=%d", len(r.A)), Where: fmt.Sprintf("%s:%d", base, r.Line)}
		if acc == numerics.FP16 {
			rec.C = numerics.FP16.EncodeFloat32(math.Float32frombits(r.C), numerics.NearestEven, numerics.ToInf)
			d, ok := fp32ToFP16(r.D)
			if !ok {
				return &records.RecordError{File: k.OutputFile(out), Line: r.Line, Err: fmt.Errorf("D %08x is not an FP16 value", r.D)}
			}
			rec.D = d
		}
		fam.K = max(fam.K, len(rec.A))
		fam.Records = append(fam.Records, rec)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range fam.Records {
		r := &fam.Records[i]
		for len(r.A) < fam.K {
			r.A, r.B = append(r.A, 0), append(r.B, 0)
		}
	}
	fam.Name = fmt.Sprintf("%s/%s: K–M records, %s accumulator, K=%d", dir, base, acc, fam.K)
	return fam, nil
}

// fp32ToFP16 returns the FP16 code whose value the FP32 bits x hold (NaN
// payloads as the hardware's widening shifts them), or false.
func fp32ToFP16(x uint32) (uint32, bool) {
	sign := x >> 31 << 15
	if x>>23&0xFF == 0xFF {
		return sign | 0x7C00 | x>>13&0x3FF, x&0x1FFF == 0
	}
	v := float64(math.Float32frombits(x))
	h := numerics.FP16.Encode(v, numerics.NearestEven, numerics.ToInf)
	return h, numerics.FP16.Decode(h) == v && math.Signbit(numerics.FP16.Decode(h)) == math.Signbit(v)
}

// isChainFile reports whether name is one of the chain record files
// (chain_inputs with multi_outputs).
func isChainFile(name string) bool {
	for _, b := range []string{"chain_inputs", "multi_outputs"} {
		if name == b+".csv" || name == b+".csv.gz" {
			return true
		}
	}
	return false
}

// recordFile returns dir/base.csv.gz or dir/base.csv, whichever exists.
func recordFile(dir, base string) string {
	for _, n := range []string{base + ".csv.gz", base + ".csv"} {
		if st, err := os.Stat(filepath.Join(dir, n)); err == nil && st.Mode().IsRegular() {
			return filepath.Join(dir, n)
		}
	}
	return ""
}

// loadChains adds the wgmma_chain outputs of dir's chain_inputs and
// multi_outputs to the instruction family of the same kind (wgmma, FP32
// accumulator, FP8): each output element is one record of K products, a
// chain of K/32 instructions from C (use_c = 1) or +0. Without such a
// family, or for the promotion outputs (GEMM level), the files are named in
// skipped.
func loadChains(dir string, fams []*Family, skipped []string) ([]string, error) {
	in, out := recordFile(dir, "chain_inputs"), recordFile(dir, "multi_outputs")
	if in == "" || out == "" {
		return append(skipped, filepath.Join(dir, "chain_inputs/multi_outputs (one of the pair missing)")), nil
	}
	var fam *Family
	for _, f := range fams {
		if f.Instr == "wgmma" && f.Acc == numerics.FP32 && f.Pairs[0][0].Bits() == 8 && fam == nil {
			fam = f
		}
	}
	if fam == nil {
		return append(skipped, out+" (chain records join the wgmma instruction records, which are absent)"), nil
	}
	cases := map[string]*records.CaseInput{}
	err := records.Each(records.OpenOS, in, records.NewCaseInputReader, func(_ *records.CaseInputReader, c *records.CaseInput) error {
		cases[c.Case] = c
		return nil
	})
	if err != nil {
		return nil, err
	}
	base := filepath.Base(out)
	promo := false
	n := 0
	err = records.Each(records.OpenOS, out, records.NewCaseOutputReader, func(_ *records.CaseOutputReader, o *records.CaseOutput) error {
		c := cases[o.Case]
		if o.Kernel != "wgmma_chain" || c == nil {
			promo = promo || o.Kernel != "wgmma_chain"
			return nil
		}
		bad := func(why string) error {
			return &records.RecordError{File: out, Line: o.Line, Err: fmt.Errorf("case %s: %s", o.Case, why)}
		}
		switch {
		case c.K%fam.K != 0:
			return bad(fmt.Sprintf("K = %d is not a multiple of the instruction records' K = %d", c.K, fam.K))
		case len(o.D) != c.M*c.N:
			return bad(fmt.Sprintf("%d outputs for a %d×%d tile", len(o.D), c.M, c.N))
		case o.UseC && c.C == nil:
			return bad("use_c = 1 without c_hex")
		}
		pair := fam.pairIndex(c.FmtA, c.FmtB)
		group := fmt.Sprintf("%s×%s chain use_c=%d dist=%s", c.FmtA, c.FmtB, b2i(o.UseC), c.Dist)
		for i := range c.M {
			for j := range c.N {
				r := Record{Pair: pair, A: c.A[i*c.K : (i+1)*c.K], B: c.B[j*c.K : (j+1)*c.K], D: o.D[i*c.N+j],
					Group: group, Where: fmt.Sprintf("%s:%d (%d,%d)", base, o.Line, i, j)}
				if o.UseC {
					r.C = c.C[i*c.N+j]
				}
				fam.Records = append(fam.Records, r)
				n++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if n > 0 {
		fam.Name += fmt.Sprintf(" + %d chained outputs of %s", n, base)
	}
	if promo {
		skipped = append(skipped, out+" (its promotion outputs: GEMM level)")
	}
	return skipped, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
