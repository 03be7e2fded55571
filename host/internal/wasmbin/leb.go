package wasmbin

import (
	"errors"
	"fmt"
)

// ErrTruncated is returned when the input ends inside a value.
var ErrTruncated = errors.New("unexpected end of module")

// Reader reads the primitive encodings of the WebAssembly binary format from
// B[Off:]. It never panics on malformed input: every read is bounds-checked.
type Reader struct {
	B   []byte // the input; reads stop at len(B)
	Off int    // the offset of the next unread byte
}

// EOF reports whether the reader has consumed all of B.
func (r *Reader) EOF() bool { return r.Off >= len(r.B) }

// Byte reads one byte.
func (r *Reader) Byte() (byte, error) {
	if r.Off >= len(r.B) {
		return 0, ErrTruncated
	}
	c := r.B[r.Off]
	r.Off++
	return c, nil
}

// Skip advances past n bytes.
func (r *Reader) Skip(n uint64) error {
	if n > uint64(len(r.B)-r.Off) {
		return ErrTruncated
	}
	r.Off += int(n)
	return nil
}

// ULEB reads an unsigned LEB128 value of at most bits bits, rejecting
// encodings longer than the format allows and set bits above the width, as
// the specification requires.
func (r *Reader) ULEB(bits uint) (uint64, error) {
	v, shift, c, err := r.leb(bits)
	if err != nil {
		return 0, err
	}
	if rest := bits + 7 - shift; shift >= bits && rest < 7 && c>>rest != 0 {
		return 0, r.overflow(bits)
	}
	return v, nil
}

// SLEB reads a signed LEB128 value of at most bits bits, with the same
// length and padding rules as the specification.
func (r *Reader) SLEB(bits uint) (int64, error) {
	if r.Off < len(r.B) && r.B[r.Off] < 0x80 { // one byte
		v := int64(r.B[r.Off])
		r.Off++
		if v&0x40 != 0 {
			v -= 0x80 // sign-extend the 7 bits
		}
		return v, nil
	}
	v, shift, c, err := r.leb(bits)
	if err != nil {
		return 0, err
	}
	if rest := bits + 7 - shift; shift >= bits && rest < 7 {
		// The unused high bits must all equal the sign bit (bit rest-1).
		signAndUnused := int8(c<<1) >> rest
		if signAndUnused != 0 && signAndUnused != -1 {
			return 0, r.overflow(bits)
		}
	}
	if shift < 64 && c&0x40 != 0 {
		return int64(v) | -1<<shift, nil
	}
	return int64(v), nil
}

// leb reads the 7-bit groups of a LEB128 value of at most bits bits. It
// returns them in v, how many value bits it read (shift) and the final byte
// c, whose bits beyond the width the caller checks when shift >= bits (c
// was the last byte the width permits). An encoding longer than that is an
// error.
func (r *Reader) leb(bits uint) (v uint64, shift uint, c byte, err error) {
	maxBytes := int((bits + 6) / 7)
	for i := 0; ; i++ {
		if c, err = r.Byte(); err != nil {
			return 0, 0, 0, err
		}
		if i == maxBytes-1 && c&0x80 != 0 {
			return 0, 0, 0, fmt.Errorf("LEB128 integer too long at offset %d", r.Off-1)
		}
		v |= uint64(c&0x7f) << shift
		shift += 7
		if c&0x80 == 0 {
			return v, shift, c, nil
		}
	}
}

// overflow is the error for a last byte with bits set beyond the width.
func (r *Reader) overflow(bits uint) error {
	return fmt.Errorf("LEB128 integer overflows %d bits at offset %d", bits, r.Off-1)
}

// U32 reads an unsigned 32-bit LEB128 value (an index, count or size).
func (r *Reader) U32() (uint32, error) {
	if r.Off < len(r.B) && r.B[r.Off] < 0x80 { // one byte: most indices
		r.Off++
		return uint32(r.B[r.Off-1]), nil
	}
	v, err := r.ULEB(32)
	return uint32(v), err
}

// VecLen reads a vector length and rejects one that cannot fit in the rest
// of the input even at minSize bytes per element, so hostile lengths cannot
// drive allocations.
func (r *Reader) VecLen(minSize int) (uint32, error) {
	n, err := r.U32()
	if err != nil {
		return 0, err
	}
	if uint64(n)*uint64(minSize) > uint64(len(r.B)-r.Off) {
		return 0, fmt.Errorf("vector of %d elements at offset %d overruns its section", n, r.Off)
	}
	return n, nil
}

// Name reads a length-prefixed name.
func (r *Reader) Name() (string, error) {
	n, err := r.U32()
	if err != nil {
		return "", err
	}
	start := r.Off
	if err := r.Skip(uint64(n)); err != nil {
		return "", err
	}
	return string(r.B[start:r.Off]), nil
}

// AppendU32 appends v as an unsigned LEB128.
func AppendU32(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			b = append(b, c|0x80)
			continue
		}
		return append(b, c)
	}
}

// AppendS32 appends v as a signed LEB128.
func AppendS32(b []byte, v int32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// AppendName appends a length-prefixed UTF-8 name.
func AppendName(b []byte, s string) []byte {
	b = AppendU32(b, uint32(len(s)))
	return append(b, s...)
}
