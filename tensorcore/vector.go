package tensorcore

import (
	"sync"

	"github.com/tcsim/tcsim/numerics"
)

// Vector is an operand vector (a row of A or a column of B) decoded for the
// datapath: per element a signed integer significand and a field exponent,
// so that a product's significand is Sig[k]·Sig'[k] with a fixed number of
// fraction bits and its exponent is Exp[k]+Exp'[k].
type Vector struct {
	Sig []int32
	Exp []int16
	// Fix holds Sig·2^(Exp-MinExp): the value in units of the format's
	// smallest subnormal, for datapaths that use the fixed-point kernel;
	// nil otherwise.
	Fix   []int64
	class []numerics.Class // nil unless some element is Inf or NaN
	neg   []bool           // sign of specials (nil when class is nil)
	dec   *decoder         // the decoder that filled the vector
}

// Len is the number of elements.
func (v Vector) Len() int { return len(v.Sig) }

// window is the view of elements [lo, hi) of v, sharing its storage.
func (v *Vector) window(lo, hi int) Vector {
	w := Vector{Sig: v.Sig[lo:hi], Exp: v.Exp[lo:hi], dec: v.dec}
	if v.Fix != nil {
		w.Fix = v.Fix[lo:hi]
	}
	if v.class != nil {
		w.class, w.neg = v.class[lo:hi], v.neg[lo:hi]
	}
	return w
}

// decoder decodes the codes of one operand format as a datapath sees them.
type decoder struct {
	in    numerics.Format // format of the stored codes
	via   numerics.Format // format the datapath decodes (in, or an exact conversion target)
	conv  bool            // in != via: convert exactly first
	fixed bool            // fill Vector.Fix
	lanes bool            // give entries their lane value
	tab   []entry         // code → entry, for formats of at most 16 bits
	lt    []laneEnt       // code → lane form, with tab when lanes
}

type entry struct {
	sig   int32
	exp   int16
	fix   int64
	val   float32 // the lane kernels' value (see Lanes)
	class numerics.Class
}

// decoders memoises newDecoder: a decoder is read-only once built, and its
// table (65,536 entries for a 16-bit format) is worth sharing between the
// presets of one format, such as the thousands of candidate datapaths
// tcsim fit builds.
var decoders sync.Map // decoderKey → *decoder

type decoderKey struct {
	in, via      numerics.Format
	fixed, lanes bool
}

func newDecoder(in, via numerics.Format, fixed, lanes bool) *decoder {
	key := decoderKey{in, via, fixed, lanes}
	if d, ok := decoders.Load(key); ok {
		return d.(*decoder)
	}
	d, _ := decoders.LoadOrStore(key, buildDecoder(in, via, fixed, lanes))
	return d.(*decoder)
}

func buildDecoder(in, via numerics.Format, fixed, lanes bool) *decoder {
	d := &decoder{in: in, via: via, conv: in != via, fixed: fixed, lanes: lanes}
	if in.Bits() <= 16 {
		d.tab = make([]entry, in.NumCodes())
		for c := range d.tab {
			d.tab[c] = d.slow(uint32(c))
		}
		if lanes {
			lt := make([]laneEnt, len(d.tab))
			for c := range lt {
				lt[c] = d.laneEntry(uint32(c))
			}
			d.lt = lt
		}
	}
	return d
}

func (d *decoder) slow(code uint32) entry {
	if d.conv {
		// The conversion is exact (checked when the preset is built).
		code = d.via.Encode(d.in.Decode(code), numerics.NearestEven, numerics.ToInf)
	}
	neg, sig, exp, cl := d.via.Unpack(code)
	e := entry{class: cl, exp: zeroSentinel}
	if cl == numerics.Finite {
		e.sig, e.exp = int32(sig), int16(exp)
		if neg {
			e.sig = -e.sig
		}
		e.fix = int64(e.sig) << uint(exp-d.via.MinExp())
		if d.lanes {
			e.val = laneValue(e.sig, exp, d.via.ManBits())
		}
	} else if neg && cl != numerics.Zero {
		// Remembers the sign of Inf and NaN; never used as a significand.
		// A -0 keeps sig 0, so that Inf·(-0) is seen as Inf·0.
		e.sig = -1
	}
	return e
}

// decode decodes codes into a Vector, reusing v's storage when it is large
// enough.
func (d *decoder) decode(codes []uint32, v *Vector) {
	n := len(codes)
	if cap(v.Sig) < n {
		v.Sig, v.Exp = make([]int32, n), make([]int16, n)
	}
	v.Sig, v.Exp, v.class, v.neg, v.dec = v.Sig[:n], v.Exp[:n], nil, nil, d
	if !d.fixed {
		v.Fix = nil
	} else if cap(v.Fix) < n {
		v.Fix = make([]int64, n)
	} else {
		v.Fix = v.Fix[:n]
	}
	mask := uint32(len(d.tab) - 1)
	for k, c := range codes {
		// A pointer into the table: copying the entry out costs a store
		// forwarding stall per element.
		var e *entry
		if d.tab != nil {
			e = &d.tab[c&mask]
		} else {
			s := d.slow(c)
			e = &s
		}
		sig, fix := e.sig, e.fix
		if e.class == numerics.Inf || e.class == numerics.NaN {
			if v.class == nil {
				v.class, v.neg = make([]numerics.Class, n), make([]bool, n)
			}
			v.class[k], v.neg[k] = e.class, e.sig < 0
			sig, fix = 0, 0
		}
		v.Sig[k], v.Exp[k] = sig, e.exp
		if v.Fix != nil {
			v.Fix[k] = fix
		}
	}
}

// decoded reports whether v was decoded for d's datapath: by a decoder of
// the same formats, with the fixed-point values when d fills them.
func (d *decoder) decoded(v *Vector) bool {
	return v.dec != nil && v.dec.in == d.in && v.dec.via == d.via && (!d.fixed || v.Fix != nil)
}

// same reports whether d and e decode alike: vectors of one serve the
// other's datapath.
func (d *decoder) same(e *decoder) bool {
	return d == e || d.in == e.in && d.via == e.via && d.lanes == e.lanes
}
