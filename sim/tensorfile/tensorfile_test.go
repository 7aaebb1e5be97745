package tensorfile

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

type name string

func (n name) String() string { return string(n) }

func TestSizes(t *testing.T) {
	if n, err := NumElements(nil); n != 1 || err != nil {
		t.Errorf("scalar: %d, %v", n, err)
	}
	if n, err := NumElements([]int{3, 0, 5}); n != 0 || err != nil {
		t.Errorf("empty: %d, %v", n, err)
	}
	if _, err := NumElements([]int{2, -1}); err == nil {
		t.Error("negative dimension accepted")
	}
	if _, err := NumElements([]int{1 << 32, 1 << 32}); err == nil {
		t.Error("2^64 elements accepted")
	}
	if n, err := ByteSize([]int{3, 4}, 2, name("f16")); n != 24 || err != nil {
		t.Errorf("ByteSize = %d, %v", n, err)
	}
	if _, err := ByteSize([]int{math.MaxInt / 2}, 4, name("f32")); err == nil || !strings.Contains(err.Error(), "f32") {
		t.Errorf("byte overflow: %v", err)
	}
	if !CountMatches([]int{2, 3}, 6) || CountMatches([]int{2, 3}, 5) || CountMatches([]int{-1}, 0) {
		t.Error("CountMatches")
	}
}

func TestElements(t *testing.T) {
	b, bad := CodeBytes([]uint32{0x1234, 0xffff}, 2)
	if bad != -1 || !bytes.Equal(b, []byte{0x34, 0x12, 0xff, 0xff}) {
		t.Errorf("CodeBytes = % x, %d", b, bad)
	}
	if c := Codes(b, 2); c[0] != 0x1234 || c[1] != 0xffff {
		t.Errorf("Codes = %x", c)
	}
	if _, bad := CodeBytes([]uint32{1, 0x100}, 1); bad != 1 {
		t.Errorf("code 0x100 in one byte: bad = %d", bad)
	}
	v, bad, _ := Int64s([]byte{0xff, 0x7f}, 1, true)
	if bad != -1 || v[0] != -1 || v[1] != 127 {
		t.Errorf("signed Int64s = %v", v)
	}
	big := Int64Bytes([]int64{-1})
	if _, bad, u := Int64s(big, 8, false); bad != 0 || u != math.MaxUint64 {
		t.Errorf("uint64 max: bad %d, %d", bad, u)
	}
	if f := Float64s(Float64Bytes([]float64{-0.5, math.Inf(1)})); f[0] != -0.5 || !math.IsInf(f[1], 1) {
		t.Errorf("Float64s = %v", f)
	}
	if b := Float32Bytes([]float32{1}); !bytes.Equal(b, []byte{0, 0, 0x80, 0x3f}) {
		t.Errorf("Float32Bytes = % x", b)
	}
}

func TestReadN(t *testing.T) {
	if b, err := ReadN(strings.NewReader("abcdef"), 4); err != nil || string(b) != "abcd" {
		t.Errorf("ReadN = %q, %v", b, err)
	}
	if _, err := ReadN(strings.NewReader("ab"), 4); err == nil || err.Error() != "file truncated after 2 of 4 bytes" {
		t.Errorf("short read: %v", err)
	}
}
