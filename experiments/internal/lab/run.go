package lab

import (
	"github.com/tcsim/tcsim/sim/sweep"
	"github.com/tcsim/tcsim/tensorcore"
)

// MustPreset returns a named preset and panics if it does not exist (the
// experiments name only built-in presets).
func MustPreset(name string) *tensorcore.Preset {
	p, err := tensorcore.Lookup(name)
	if err != nil {
		panic(err)
	}
	return p
}

// MustDist returns a named input distribution of package sweep.
func MustDist(name string) sweep.Dist {
	d, err := sweep.LookupDist(name)
	if err != nil {
		panic(err)
	}
	return d
}

// Pow2s returns lo, 2·lo, 4·lo, ... up to hi.
func Pow2s(lo, hi int) []int {
	var s []int
	for v := lo; v <= hi; v *= 2 {
		s = append(s, v)
	}
	return s
}
