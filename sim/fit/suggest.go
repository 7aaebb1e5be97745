package fit

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/tcsim/tcsim/numerics"
	"github.com/tcsim/tcsim/sim/atomicfile"
	"github.com/tcsim/tcsim/sim/parallel"
)

// SuggestRow is one suggested input vector: an instruction-record line
// without its output.
type SuggestRow struct {
	Config string // <instr>_<a>_<b>[_f16]_cR
	A, B   []byte // operands in memory order (little-endian containers)
	C      uint32 // accumulator bits
	Acc    numerics.Format
	Dist   string // how the vector was drawn, prefixed "fit-"
}

// suggestDists are the ways inputs are drawn: the binades (relative to 1)
// the operands' exponents come from, and C's.
var suggestDists = []struct {
	name       string
	lo, hi     int  // operand exponent range, clamped to the format
	tiny       bool // operands in the format's lowest binades and subnormals
	cancel     bool // pairs of products that nearly cancel
	cLo, cHi   int  // C's exponent range
	zeroOthers bool // half the products zero
}{
	{name: "normal", lo: -2, hi: 1, cLo: -2, cHi: 4},
	{name: "wide", lo: -12, hi: 8, cLo: -20, cHi: 12},
	{name: "bigc", lo: -2, hi: 1, cLo: 6, cHi: 16},
	{name: "cancel", lo: -2, hi: 2, cancel: true, cLo: -12, cHi: 0},
	{name: "tiny", tiny: true, cLo: -149, cHi: -126},
	{name: "sparse", lo: -4, hi: 2, zeroOthers: true, cLo: -6, cHi: 6},
}

// Suggest draws input vectors for the result's family and picks n of them
// that split its candidates (those reproducing every record, else the
// closest) into as many classes of equal outputs as it can, greedily; when
// they cannot be split further, the rest are the most diverse draws.
func Suggest(ctx context.Context, r *Result, n int, seed uint64) ([]SuggestRow, error) {
	fam := r.Family
	cands := r.Candidates
	if len(cands) == 0 {
		cands = r.Best
	}
	// C input is a reading of the old records; new ones have their C.
	var ps []Params
	seen := map[Params]bool{}
	for _, c := range cands {
		p := c.Params
		p.CZero = false
		if !seen[p] {
			seen[p] = true
			ps = append(ps, p)
		}
	}
	rng := rand.New(rand.NewPCG(seed, uint64(fam.K)))
	pool := min(max(64, 16*n), 4096)
	type draw struct {
		rec  Record
		dist string
		outs []uint32
	}
	probe := &Family{K: fam.K, Acc: fam.Acc, Pairs: fam.Pairs}
	draws := make([]draw, pool)
	for i := range draws {
		d := suggestDists[i%len(suggestDists)]
		pair := (i / len(suggestDists)) % len(fam.Pairs)
		draws[i] = draw{rec: drawRecord(rng, fam, pair, d.name), dist: d.name}
	}
	probe.Records = make([]Record, pool)
	for i := range draws {
		probe.Records[i] = draws[i].rec
	}
	outs := make([][]uint32, len(ps))
	err := parallel.For(ctx, len(ps), 0, func(c int) error {
		e := newEvaluator(probe, ps[c])
		outs[c] = make([]uint32, pool)
		for i := range pool {
			outs[c][i], _ = e.out(i)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	class := make([]int, len(ps))
	classes := 1
	picked := make([]bool, pool)
	var rows []SuggestRow
	for len(rows) < n {
		best, bestN := -1, classes
		for i := range pool {
			if picked[i] {
				continue
			}
			if k := refine(class, outs, i, nil); k > bestN {
				best, bestN = i, k
			}
		}
		if best < 0 { // nothing splits further: the next draw in order
			for i := range pool {
				if !picked[i] {
					best = i
					break
				}
			}
			if best < 0 {
				break
			}
		}
		picked[best] = true
		classes = refine(class, outs, best, class)
		rows = append(rows, suggestRow(fam, draws[best].rec, "fit-"+draws[best].dist))
	}
	return rows, nil
}

// refine counts the classes of the partition class refined by the outputs
// of draw i; with dst non-nil it also stores the refined partition there.
func refine(class []int, outs [][]uint32, i int, dst []int) int {
	type key struct {
		c int
		d uint32
	}
	ids := map[key]int{}
	for c := range class {
		k := key{class[c], outs[c][i]}
		id, ok := ids[k]
		if !ok {
			id = len(ids)
			ids[k] = id
		}
		if dst != nil {
			dst[c] = id
		}
	}
	return len(ids)
}

// drawRecord draws one input of the family's pair with the named
// distribution.
func drawRecord(rng *rand.Rand, fam *Family, pair int, dist string) Record {
	var d = suggestDists[0]
	for _, x := range suggestDists {
		if x.name == dist {
			d = x
		}
	}
	fa, fb := fam.Pairs[pair][0], fam.Pairs[pair][1]
	r := Record{Pair: pair, A: make([]uint32, fam.K), B: make([]uint32, fam.K), Group: dist}
	for k := range fam.K {
		if d.zeroOthers && rng.IntN(2) == 0 {
			continue
		}
		if d.tiny {
			r.A[k], r.B[k] = tinyCode(rng, fa), tinyCode(rng, fb)
		} else {
			r.A[k], r.B[k] = randCode(rng, fa, d.lo, d.hi), randCode(rng, fb, d.lo, d.hi)
		}
		if d.cancel && k%2 == 1 {
			// The negation of the previous product, its last bit perturbed.
			r.A[k] = r.A[k-1] ^ fa.SignBit()
			r.B[k] = r.B[k-1] ^ uint32(rng.IntN(2))
		}
	}
	r.C = randCode(rng, fam.Acc, d.cLo, d.cHi)
	if rng.IntN(8) == 0 {
		r.C = 0
	}
	return r
}

// randCode draws a finite code of f with a field exponent in [lo, hi]
// (each end clamped to the format's exponents, so a range beyond them
// gives the nearest binade: FP32's tiny C range is FP16's lowest binade),
// random sign and mantissa; at the lowest binade it may be subnormal.
func randCode(rng *rand.Rand, f numerics.Format, lo, hi int) uint32 {
	clamp := func(e int) int { return min(max(e, f.MinExp()), f.MaxExp()) }
	lo, hi = clamp(lo), clamp(hi)
	for {
		e := lo + rng.IntN(hi-lo+1)
		ef := uint32(e + f.Bias())
		if e == f.MinExp() && rng.IntN(2) == 0 {
			ef = 0
		}
		code := ef<<f.ManBits() | uint32(rng.Uint64())&(1<<f.ManBits()-1)
		if rng.IntN(2) == 0 {
			code |= f.SignBit()
		}
		if _, _, _, c := f.Unpack(code); c == numerics.Finite {
			return code
		}
	}
}

// tinyCode draws a code of f in its two lowest binades or subnormal.
func tinyCode(rng *rand.Rand, f numerics.Format) uint32 {
	return randCode(rng, f, f.MinExp(), f.MinExp()+1)
}

func suggestRow(fam *Family, r Record, dist string) SuggestRow {
	fa, fb := fam.Pairs[r.Pair][0], fam.Pairs[r.Pair][1]
	instr := fam.Instr
	if instr == "" {
		instr = "mma"
	}
	cfg := fmt.Sprintf("%s_%s_%s", instr, fa.Name(), fb.Name())
	if fam.Acc == numerics.FP16 {
		cfg += "_f16"
	}
	return SuggestRow{Config: cfg + "_cR", A: memBytes(r.A, fa), B: memBytes(r.B, fb), C: r.C, Acc: fam.Acc, Dist: dist}
}

// memBytes lays codes out in memory as the instruction files hold them:
// little-endian containers of 1, 2 or 4 bytes, a narrower element in the
// container's top bits (TF32 in FP32).
func memBytes(codes []uint32, f numerics.Format) []byte {
	w := 4
	switch {
	case f.Bits() <= 8:
		w = 1
	case f.Bits() <= 16:
		w = 2
	}
	shift := uint(8*w - f.Bits())
	b := make([]byte, 0, len(codes)*w)
	for _, c := range codes {
		v := c << shift
		for i := range w {
			b = append(b, byte(v>>(8*i)))
		}
	}
	return b
}

// SuggestFile is the name of the file WriteSuggestions writes.
const SuggestFile = "fit_suggest.csv"

// WriteSuggestions writes the rows to dir/fit_suggest.csv (creating dir),
// atomically, and returns the file's path.
func WriteSuggestions(dir string, rows []SuggestRow) (string, error) {
	var b bytes.Buffer
	b.WriteString("config,a_hex,b_hex,c_hex,d_hex,dist\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "%s,%s,%s,%0*x,,%s\n", r.Config, hex.EncodeToString(r.A), hex.EncodeToString(r.B),
			r.Acc.Bits()/4, r.C, r.Dist)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, SuggestFile)
	return path, atomicfile.WriteFile(path, b.Bytes())
}
