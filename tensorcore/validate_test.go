package tensorcore_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/tcsim/tcsim/numerics"
	"github.com/tcsim/tcsim/tensorcore"
)

// mustPanic runs f and checks that it panics with a message containing want.
func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatalf("no panic, want one containing %q", want)
		}
		msg, _ := r.(string)
		if err, ok := r.(error); ok {
			msg = err.Error()
		}
		if !strings.Contains(msg, want) {
			t.Fatalf("panic %q does not contain %q", msg, want)
		}
	}()
	f()
}

func TestMMAWrongLengthPanics(t *testing.T) {
	p := lookup(t, "h100-wgmma-e4m3-e4m3")
	mustPanic(t, "MMA needs 32 operands, got 31 and 32", func() { p.MMA(make([]uint32, 31), make([]uint32, 32), 0) })
	mustPanic(t, "MMA needs 32 operands, got 32 and 33", func() { p.MMA(make([]uint32, 32), make([]uint32, 33), 0) })
	mustPanic(t, "MMA needs 32 operands, got 64 and 64", func() { p.MMA(make([]uint32, 64), make([]uint32, 64), 0) })
	mustPanic(t, "h100-wgmma-e4m3-e4m3", func() { p.MMA(nil, nil, 0) })
}

func TestChainPanics(t *testing.T) {
	p := lookup(t, "h100-wgmma-e4m3-e4m3")
	var va, vb tensorcore.Vector
	p.DecodeA(make([]uint32, 64), &va)
	p.DecodeB(make([]uint32, 64), &vb)
	mustPanic(t, "Chain over [0,48)", func() { p.Chain(&va, &vb, 0, 48, 0) })
	mustPanic(t, "Chain over [0,96)", func() { p.Chain(&va, &vb, 0, 96, 0) })
	mustPanic(t, "Chain over [-32,0)", func() { p.Chain(&va, &vb, -32, 0, 0) })
	mustPanic(t, "Chain", func() { p.Dot(make([]uint32, 40), make([]uint32, 40), 0) })
	// An empty range is the identity.
	if got := p.Chain(&va, &vb, 32, 32, 0x3F800001); got != 0x3F800001 {
		t.Errorf("empty Chain: got %#x, want C", got)
	}
	// Vectors decoded by a preset of another datapath.
	m := lookup(t, "h100-mma-e4m3-e4m3")
	var ma, mb tensorcore.Vector
	m.DecodeA(make([]uint32, 32), &ma)
	m.DecodeB(make([]uint32, 32), &mb)
	mustPanic(t, "not decoded by this preset", func() { p.Chain(&ma, &mb, 0, 32, 0) })
}

func TestWithFValidation(t *testing.T) {
	for _, tc := range []struct {
		preset string
		minF   int // fraction bits of a product: the smallest valid F
	}{
		{"h100-wgmma-e4m3-e4m3", 6},
		{"h100-wgmma-e5m2-e5m2", 4},
		{"h100-wgmma-e4m3-e5m2", 5},
		{"h100-wgmma-e4m3-e4m3-f16acc", 6},
		{"h100-mma-e4m3-e4m3", 20}, // FP16 operands: 10 + 10
	} {
		p := lookup(t, tc.preset)
		for _, f := range []int{tc.minF - 1, 0, -3, 41, 100} {
			q, err := p.WithF(f)
			if err == nil {
				t.Errorf("%s: WithF(%d) = %v, want an error", tc.preset, f, q.Name)
			} else if !strings.Contains(err.Error(), "F=") {
				t.Errorf("%s: WithF(%d): error %q does not name F", tc.preset, f, err)
			}
		}
		for _, f := range []int{tc.minF, 40} {
			q, err := p.WithF(f)
			if err != nil {
				t.Errorf("%s: WithF(%d): %v", tc.preset, f, err)
				continue
			}
			if q.F != f || q.Status != tensorcore.WhatIf {
				t.Errorf("%s: WithF(%d) has F=%d status %q", tc.preset, f, q.F, q.Status)
			}
		}
		// The shared preset is unchanged.
		wantF := 13
		if strings.HasPrefix(tc.preset, "h100-mma-") {
			wantF = 25
		}
		if again := lookup(t, tc.preset); again.F != wantF {
			t.Errorf("%s: WithF modified the registered preset (F=%d)", tc.preset, again.F)
		}
	}
}

func TestLookup(t *testing.T) {
	for _, name := range []string{"", "h100-wgmma-e4m3", "H100-WGMMA-E4M3-E4M3", "h100-wgmma-e4m3-e4m3-f13", "b200"} {
		if p, err := tensorcore.Lookup(name); err == nil {
			t.Errorf("Lookup(%q) = %s, want an error", name, p.Name)
		} else if !strings.Contains(err.Error(), "unknown preset") {
			t.Errorf("Lookup(%q): error %q", name, err)
		}
	}
	var names []string
	for _, pc := range allCases() {
		p := lookup(t, pc.name)
		names = append(names, pc.name)
		if p.Name != pc.name || p.K != 32 || p.A.Name() != pc.a.name || p.B.Name() != pc.b.name {
			t.Errorf("%s: Name %q K %d A %s B %s", pc.name, p.Name, p.K, p.A, p.B)
		}
		wantAcc := numerics.FP32
		if pc.kind == wgmma16 {
			wantAcc = numerics.FP16
		}
		if p.Acc() != wantAcc {
			t.Errorf("%s: Acc = %s, want %s", pc.name, p.Acc(), wantAcc)
		}
		wantL, wantF := 32, 13
		if pc.kind == mmaSync {
			wantL, wantF = 16, 25
		}
		if p.L != wantL || p.F != wantF || p.Status != tensorcore.Measured {
			t.Errorf("%s: L=%d F=%d status %q", pc.name, p.L, p.F, p.Status)
		}
	}
	var got []string
	for _, p := range tensorcore.Presets() {
		got = append(got, p.Name)
	}
	if !slices.IsSorted(got) {
		t.Errorf("Presets not sorted: %v", got)
	}
	for _, n := range names {
		if !slices.Contains(got, n) {
			t.Errorf("Presets lacks %s", n)
		}
	}
}

func TestConversionString(t *testing.T) {
	for c, want := range map[tensorcore.Conversion]string{
		tensorcore.RZE8M13: "rz-e8m13", tensorcore.RZFP32: "rz-fp32", tensorcore.RNEFP16: "rne-fp16", 7: "Conversion(7)",
	} {
		if c.String() != want {
			t.Errorf("%d: %q, want %q", c, c.String(), want)
		}
	}
	if tensorcore.RNEFP16.Out() != numerics.FP16 || tensorcore.RZE8M13.Out() != numerics.FP32 || tensorcore.RZFP32.Out() != numerics.FP32 {
		t.Error("Conversion.Out")
	}
}

// TestChainDoesNotAllocate: the package promises no allocation per step
// (doc.go) — Chain over decoded vectors allocates nothing, for every
// preset, with finite operands and with Inf/NaN operands.
func TestChainDoesNotAllocate(t *testing.T) {
	for _, pc := range allCases() {
		p := lookup(t, pc.name)
		r := newRand(900)
		for _, specials := range []bool{false, true} {
			var a, b []uint32
			for range 8 {
				a = append(a, genVec(r, pc.a, 0)...)
				b = append(b, genVec(r, pc.b, 0)...)
			}
			if specials {
				a[40] = pc.a.nans[0]
			}
			var va, vb tensorcore.Vector
			p.DecodeA(a, &va)
			p.DecodeB(b, &vb)
			var sink uint32
			if n := testing.AllocsPerRun(20, func() { sink ^= p.Chain(&va, &vb, 0, len(a), 0) }); n != 0 {
				t.Errorf("%s (specials %v): Chain allocates %v times per call", pc.name, specials, n)
			}
		}
	}
}

// TestWithFWidensTheRegister: a what-if F widens the RZ-E8M13 register with
// the aligner, so Hopper FP8 at F = 25 is the published Blackwell FP8
// datapath (L = 32, F = 25, RZ-FP32) bit for bit, while RegBits pins a
// register of fixed width.
func TestWithFWidensTheRegister(t *testing.T) {
	hop := lookup(t, "h100-wgmma-e4m3-e4m3")
	bw := lookup(t, "b200-tcgen05-e4m3-e4m3")
	h25, err := hop.WithF(25)
	if err != nil {
		t.Fatal(err)
	}
	narrow := *hop
	narrow.RegBits = 14
	n20, err := narrow.WithF(20)
	if err != nil {
		t.Fatal(err)
	}
	h20, _ := hop.WithF(20)
	for _, tc := range []struct {
		p    *tensorcore.Preset
		want string
	}{{hop, "rz-e8m13"}, {h20, "rz-e8m20"}, {h25, "rz-fp32"}, {n20, "rz-e8m13"}, {bw, "rz-fp32"}} {
		if got := tc.p.Rounding(); got != tc.want {
			t.Errorf("%s: Rounding() = %q, want %q", tc.p.Name, got, tc.want)
		}
	}
	r := newRand(77)
	differ := 0
	for trial := range 3000 {
		a, b := genVec(r, fmtE4M3, trial%4), genVec(r, fmtE4M3, (trial/4)%4)
		c := r.Uint32() & 0x7F7FFFFF
		if got, want := h25.MMA(a, b, c), bw.MMA(a, b, c); got != want {
			t.Fatalf("a=%x b=%x c=%#x: Hopper at F=25 %#x, Blackwell %#x", a, b, c, got, want)
		}
		if d := n20.MMA(a, b, c); d>>23&0xFF != 0 && d&0x3FF != 0 { // a normal result with more than 14 bits
			t.Fatalf("a 14-bit register kept more bits: %#x", d)
		}
		if h20.MMA(a, b, c) != n20.MMA(a, b, c) {
			differ++
		}
	}
	if differ == 0 {
		t.Error("a 21-bit register never differs from a 14-bit one")
	}
	bad := *hop
	bad.RegBits = 25
	if _, err := bad.WithF(13); err == nil {
		t.Error("RegBits = 25 accepted")
	}
}

// TestNewPresetRefusesInvalidFormats: a preset whose operand, Via or
// scale format is the zero Format (no format) or out of range is refused,
// not run with zero-width formats.
func TestNewPresetRefusesInvalidFormats(t *testing.T) {
	none := numerics.Format(0)
	bad := numerics.Format(255)
	for name, mod := range map[string]func(q *tensorcore.Preset){
		"A none":     func(q *tensorcore.Preset) { q.A = none },
		"B none":     func(q *tensorcore.Preset) { q.B = none },
		"B invalid":  func(q *tensorcore.Preset) { q.B = bad },
		"Via none":   func(q *tensorcore.Preset) { q.Via = &none },
		"scale none": func(q *tensorcore.Preset) { q.Scale = &tensorcore.BlockScale{Block: 32} },
	} {
		base := "h100-mma-e4m3-e4m3" // a preset with Via
		if name == "scale none" {
			base = "b200-mxf8-e4m3-e4m3"
		}
		q := *lookup(t, base)
		if _, err := tensorcore.NewPreset(q); err != nil {
			t.Fatalf("%s: NewPreset of the unchanged preset: %v", name, err)
		}
		mod(&q)
		if _, err := tensorcore.NewPreset(q); err == nil || !strings.Contains(err.Error(), "format is not set") {
			t.Errorf("%s: NewPreset: %v, want an error saying a format is not set", name, err)
		}
	}
}

func TestChainLanesRowsPanics(t *testing.T) {
	p := lookup(t, "h100-wgmma-bf16")
	q := lookup(t, "h100-wgmma-e4m3-e4m3")
	codes := make([]uint32, 64)
	rows := make([]tensorcore.LaneRow, 2)
	for i := range rows {
		p.DecodeRow(codes, &rows[i])
	}
	var pn tensorcore.Panel
	p.DecodePanel([][]uint32{codes, codes}, &pn)
	c := make([][tensorcore.Lanes]uint32, 2)
	mustPanic(t, "ChainLanesRows with 1 accumulator rows for 2 rows", func() { p.ChainLanesRows(rows, &pn, 0, 64, c[:1]) })
	mustPanic(t, "ChainLanes over [0,80)", func() { p.ChainLanesRows(rows, &pn, 0, 80, c) })
	mustPanic(t, "not decoded by this preset", func() { q.ChainLanesRows(rows, &pn, 0, 64, c) })
	var bad tensorcore.LaneRow
	mustPanic(t, "not decoded by this preset", func() { p.ChainLanesRows([]tensorcore.LaneRow{rows[0], bad}, &pn, 0, 64, c) })
}
