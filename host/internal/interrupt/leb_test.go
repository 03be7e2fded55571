package interrupt

import (
	"math"
	"testing"
)

func TestLEB(t *testing.T) {
	for _, v := range []uint32{0, 1, 63, 64, 127, 128, 300, 1 << 20, math.MaxUint32} {
		r := &reader{b: appendU32(nil, v)}
		if got, err := r.u32(); err != nil || got != v || !r.eof() {
			t.Errorf("u32 %d: got %d, %v", v, got, err)
		}
	}
	for _, v := range []int32{0, 1, -1, 63, -64, 64, -65, 1000, -1000, math.MaxInt32, math.MinInt32} {
		r := &reader{b: appendS32(nil, v)}
		if got, err := r.sleb(32); err != nil || got != int64(v) || !r.eof() {
			t.Errorf("s32 %d: got %d, %v", v, got, err)
		}
	}
	for _, tc := range []struct {
		name string
		b    []byte
		bits uint
		sign bool
	}{
		{"u32 six bytes", []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 32, false},
		{"u32 overflow", []byte{0xff, 0xff, 0xff, 0xff, 0x1f}, 32, false},
		{"s32 overflow", []byte{0xff, 0xff, 0xff, 0xff, 0x4f}, 32, true},
		{"s33 too long", []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 33, true},
		{"truncated", []byte{0x80}, 32, false},
	} {
		r := &reader{b: tc.b}
		var err error
		if tc.sign {
			_, err = r.sleb(tc.bits)
		} else {
			_, err = r.uleb(tc.bits)
		}
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
	// Valid at the edge: the sign bit repeated in the unused bits.
	r := &reader{b: []byte{0x80, 0x80, 0x80, 0x80, 0x78}}
	if v, err := r.sleb(32); err != nil || v != math.MinInt32 {
		t.Errorf("min int32: %d, %v", v, err)
	}
}
