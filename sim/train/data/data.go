package data

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/tcsim/tcsim/sim/fmath"
)

// Vocab is the number of byte-level tokens.
const Vocab = 256

// TrainFraction is the share of the text, from its start, used for
// training; the rest is the validation split.
const TrainFraction = 0.9

// Corpus is a text split into training and validation tokens (bytes).
type Corpus struct {
	Path       string
	Train, Val []byte
}

// DefaultPath returns $(go env GOROOT)/src/testdata/Isaac.Newton-Opticks.txt
// (567 KB of prose shipped with every Go installation).
func DefaultPath() string {
	const rel = "src/testdata/Isaac.Newton-Opticks.txt"
	if out, err := exec.Command("go", "env", "GOROOT").Output(); err == nil {
		if root := strings.TrimSpace(string(out)); root != "" {
			return filepath.Join(root, rel)
		}
	}
	return filepath.Join(runtime.GOROOT(), rel) //nolint:staticcheck // fallback without a go command
}

// Load reads a text file and splits it: the first ⌊0.9·n⌋ bytes train,
// the rest validate. Both splits need more than ctx+1 bytes.
func Load(path string, ctx int) (*Corpus, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("data: %v", err)
	}
	split := int(float64(len(b)) * TrainFraction)
	if len(b)-split <= ctx+1 {
		return nil, fmt.Errorf("data: %s has %d bytes; it needs more than %d for a validation split of %d-token sequences", path, len(b), int(float64(ctx+2)/(1-TrainFraction)), ctx)
	}
	return &Corpus{Path: path, Train: b[:split], Val: b[split:]}, nil
}

// Split is the offset of the validation split in the file.
func (c *Corpus) Split() int { return len(c.Train) }

// Offsets returns the start offsets in the training split of step's batch
// of bsz sequences of t tokens: with r = PCG(seed, 2^32 + step) from Go's
// math/rand/v2, offset b is r.IntN(len(train) − t) for b = 0, 1, … in
// order. Sequence b is x = train[o : o+t], targets y = train[o+1 : o+t+1].
func (c *Corpus) Offsets(seed uint64, step, bsz, t int) []int {
	r := rand.New(rand.NewPCG(seed, 1<<32+uint64(step)))
	out := make([]int, bsz)
	for b := range out {
		out[b] = r.IntN(len(c.Train) - t)
	}
	return out
}

// Batch returns the tokens and targets of the sequences at offsets of src
// (bsz×t each, row-major).
func Batch(src []byte, offsets []int, t int) (tok, tgt []int) {
	tok, tgt = make([]int, len(offsets)*t), make([]int, len(offsets)*t)
	for b, o := range offsets {
		for i := range t {
			tok[b*t+i], tgt[b*t+i] = int(src[o+i]), int(src[o+i+1])
		}
	}
	return tok, tgt
}

// ValOffsets returns n validation offsets spread evenly over the
// validation split: offset i is ⌊i·(len(val) − t − 1)/max(n−1, 1)⌋.
func (c *Corpus) ValOffsets(n, t int) []int {
	out := make([]int, n)
	span := len(c.Val) - t - 1
	for i := range out {
		out[i] = i * span / max(n-1, 1)
	}
	return out
}

// UnigramEntropy is the entropy in nats of the byte frequencies of b: the
// loss of the best model that ignores context.
func UnigramEntropy(b []byte) float64 {
	var n [256]int
	for _, c := range b {
		n[c]++
	}
	h := 0.0
	for _, k := range n {
		if k > 0 {
			p := float64(k) / float64(len(b))
			h -= float64(p * fmath.Log(p))
		}
	}
	return h
}
