package tensorcore_test

import (
	"reflect"
	"testing"

	"github.com/tcsim/tcsim/numerics"
	"github.com/tcsim/tcsim/tensorcore"
)

// vandalise changes every field of p a caller can reach, through pointers
// and slices included.
func vandalise(p *tensorcore.Preset) {
	p.Name, p.GPU, p.Source = "x", "x", "x"
	p.A, p.B = numerics.BF16, numerics.BF16
	p.K, p.L, p.F, p.RegBits, p.Interleave = 1, 1, 25, 3, 7
	p.Out, p.ZeroExp, p.SeparateC, p.PlusZero = tensorcore.RNEFP16, 0, !p.SeparateC, !p.PlusZero
	p.Status = tensorcore.WhatIf
	if p.Via != nil {
		*p.Via = numerics.BF16
	}
	if p.Scale != nil {
		p.Scale.Block, p.Scale.Group = 1, 1
	}
	if p.AMD != nil {
		p.AMD.Group, p.AMD.OddEven = 1, !p.AMD.OddEven
	}
	for i := range p.Verified {
		p.Verified[i].Matched = -1
	}
}

// TestRegistryReadOnly: changing a preset a caller got from the registry
// (the old failure: p.F = 25 on a shared preset gave every later user wrong
// bits) changes neither what the next Lookup or Presets returns nor its
// results.
func TestRegistryReadOnly(t *testing.T) {
	for _, before := range tensorcore.Presets() {
		vandalise(lookup(t, before.Name))
		for _, p := range tensorcore.Presets() {
			if p.Name == before.Name {
				vandalise(p)
			}
		}
		if after := lookup(t, before.Name); !reflect.DeepEqual(before, after) {
			t.Errorf("%s: a caller's change reached the registry:\n%+v\n%+v", before.Name, before, after)
		}
	}

	// The bits: Hopper FP8 at F = 13 differs from F = 25 on these inputs.
	for _, name := range []string{"h100-wgmma-e4m3-e4m3", "h100-wgmma-e4m3-e4m3-f16acc"} {
		p := lookup(t, name)
		wide, err := p.WithF(25)
		if err != nil {
			t.Fatal(err)
		}
		r := newRand(9)
		a, b := make([][]uint32, 200), make([][]uint32, 200)
		want := make([]uint32, len(a))
		differs := 0
		for i := range a {
			a[i], b[i] = randVec(r, fmtE4M3), randVec(r, fmtE4M3)
			want[i] = p.Dot(a[i], b[i], 0)
			if wide.Dot(a[i], b[i], 0) != want[i] {
				differs++
			}
		}
		if differs == 0 {
			t.Fatalf("%s: F = 13 and F = 25 agree on every input: the check below cannot fail", name)
		}
		p.F = 25
		q := lookup(t, name)
		for i := range a {
			if got := q.Dot(a[i], b[i], 0); got != want[i] {
				t.Fatalf("%s: input %d: %#x after a caller set F = 25, want %#x", name, i, got, want[i])
			}
		}
	}
}
