package data

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

func TestLoad(t *testing.T) {
	c, err := Load(DefaultPath(), 64)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.Train) + len(c.Val); n != 567198 || c.Split() != int(0.9*float64(n)) {
		t.Errorf("%d bytes split at %d", n, c.Split())
	}
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.txt")
	os.WriteFile(empty, nil, 0o644)
	for _, p := range []string{empty, filepath.Join(dir, "missing.txt")} {
		if _, err := Load(p, 64); err == nil {
			t.Errorf("%s accepted", p)
		}
	}
}

func TestBatches(t *testing.T) {
	c := &Corpus{Train: []byte("abcdefghijklmnopqrstuvwxyz"), Val: []byte("0123456789")}
	o1, o2 := c.Offsets(7, 3, 50, 5), c.Offsets(7, 3, 50, 5)
	for i := range o1 {
		if o1[i] != o2[i] || o1[i] < 0 || o1[i] >= len(c.Train)-5 {
			t.Fatalf("offsets %v %v", o1, o2)
		}
	}
	if o3 := c.Offsets(7, 4, 50, 5); o3[0] == o1[0] && o3[1] == o1[1] && o3[2] == o1[2] {
		t.Error("steps share batches")
	}
	tok, tgt := Batch(c.Train, []int{0, 20}, 5)
	if string(rune(tok[5])) != "u" || tgt[9] != int('z') || tgt[0] != int('b') {
		t.Errorf("batch %v %v", tok, tgt)
	}
	v := c.ValOffsets(3, 4)
	if v[0] != 0 || v[2] != len(c.Val)-5 {
		t.Errorf("val offsets %v", v)
	}
}

func TestUnigramEntropy(t *testing.T) {
	b := make([]byte, 512)
	for i := range b {
		b[i] = byte(i)
	}
	if h := UnigramEntropy(b); math.Abs(h-math.Log(256)) > 1e-12 {
		t.Errorf("uniform bytes: %v nats", h)
	}
	if h := UnigramEntropy([]byte("aaaa")); h != 0 {
		t.Errorf("one symbol: %v", h)
	}
}
