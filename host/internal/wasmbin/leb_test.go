package wasmbin

import (
	"bytes"
	"math"
	"testing"
)

func TestLEB(t *testing.T) {
	for _, v := range []uint32{0, 1, 63, 64, 127, 128, 300, 1 << 20, math.MaxUint32} {
		r := &Reader{B: AppendU32(nil, v)}
		if got, err := r.U32(); err != nil || got != v || !r.EOF() {
			t.Errorf("u32 %d: got %d, %v", v, got, err)
		}
	}
	for _, v := range []int32{0, 1, -1, 63, -64, 64, -65, 1000, -1000, math.MaxInt32, math.MinInt32} {
		r := &Reader{B: AppendS32(nil, v)}
		if got, err := r.SLEB(32); err != nil || got != int64(v) || !r.EOF() {
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
		{"u64 overflow", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x03}, 64, false},
		{"s64 overflow", []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7e}, 64, true},
	} {
		r := &Reader{B: tc.b}
		var err error
		if tc.sign {
			_, err = r.SLEB(tc.bits)
		} else {
			_, err = r.ULEB(tc.bits)
		}
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
	// Valid at the edge: the sign bit repeated in the unused bits.
	r := &Reader{B: []byte{0x80, 0x80, 0x80, 0x80, 0x78}}
	if v, err := r.SLEB(32); err != nil || v != math.MinInt32 {
		t.Errorf("min int32: %d, %v", v, err)
	}
	r = &Reader{B: []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f}}
	if v, err := r.SLEB(64); err != nil || v != math.MinInt64 {
		t.Errorf("min int64: %d, %v", v, err)
	}
	r = &Reader{B: []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}}
	if v, err := r.ULEB(64); err != nil || v != math.MaxUint64 {
		t.Errorf("max uint64: %d, %v", v, err)
	}
}

// TestLEBKnownEncodings checks the encoders against the examples of the
// DWARF 4 standard, section 7.6, figures 22 (unsigned) and 23 (signed),
// which use the same LEB128 encoding as WebAssembly.
func TestLEBKnownEncodings(t *testing.T) {
	for v, want := range map[uint32][]byte{
		2: {0x02}, 127: {0x7f}, 128: {0x80, 0x01}, 129: {0x81, 0x01},
		130: {0x82, 0x01}, 12857: {0xb9, 0x64},
	} {
		if got := AppendU32(nil, v); !bytes.Equal(got, want) {
			t.Errorf("AppendU32(%d) = % x, want % x", v, got, want)
		}
	}
	for v, want := range map[int32][]byte{
		2: {0x02}, -2: {0x7e}, 127: {0xff, 0x00}, -127: {0x81, 0x7f},
		128: {0x80, 0x01}, -128: {0x80, 0x7f}, 129: {0x81, 0x01}, -129: {0xff, 0x7e},
	} {
		if got := AppendS32(nil, v); !bytes.Equal(got, want) {
			t.Errorf("AppendS32(%d) = % x, want % x", v, got, want)
		}
	}
}
