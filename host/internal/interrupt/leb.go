package interrupt

import (
	"errors"
	"fmt"
)

// errTruncated is returned when the input ends inside a value.
var errTruncated = errors.New("unexpected end of module")

// reader reads the primitive encodings of the WebAssembly binary format from
// b[off:]. It never panics on malformed input: every read is bounds-checked.
type reader struct {
	b   []byte
	off int
}

func (r *reader) eof() bool { return r.off >= len(r.b) }

func (r *reader) byte() (byte, error) {
	if r.off >= len(r.b) {
		return 0, errTruncated
	}
	c := r.b[r.off]
	r.off++
	return c, nil
}

func (r *reader) skip(n uint64) error {
	if n > uint64(len(r.b)-r.off) {
		return errTruncated
	}
	r.off += int(n)
	return nil
}

// uleb reads an unsigned LEB128 value of at most bits bits, rejecting
// encodings longer than the format allows and set bits above the width, as
// the specification requires.
func (r *reader) uleb(bits uint) (uint64, error) {
	var v uint64
	var shift uint
	maxBytes := int((bits + 6) / 7)
	for i := 0; ; i++ {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		if i == maxBytes-1 {
			// Last permitted byte: no continuation, and no bits beyond width.
			if c&0x80 != 0 {
				return 0, fmt.Errorf("LEB128 integer too long at offset %d", r.off-1)
			}
			if rest := bits - shift; rest < 7 && c>>rest != 0 {
				return 0, fmt.Errorf("LEB128 integer overflows %d bits at offset %d", bits, r.off-1)
			}
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v, nil
		}
		shift += 7
	}
}

// sleb skips a signed LEB128 value of at most bits bits, with the same
// length and padding rules as the specification.
func (r *reader) sleb(bits uint) (int64, error) {
	if r.off < len(r.b) && r.b[r.off] < 0x80 { // one byte
		v := int64(r.b[r.off])
		r.off++
		if v&0x40 != 0 {
			v -= 0x80 // sign-extend the 7 bits
		}
		return v, nil
	}
	var v int64
	var shift uint
	maxBytes := int((bits + 6) / 7)
	for i := 0; ; i++ {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		if i == maxBytes-1 {
			if c&0x80 != 0 {
				return 0, fmt.Errorf("LEB128 integer too long at offset %d", r.off-1)
			}
			if rest := bits - shift; rest < 7 {
				// The unused high bits must all equal the sign bit (bit rest-1).
				signAndUnused := int8(c<<1) >> rest
				if signAndUnused != 0 && signAndUnused != -1 {
					return 0, fmt.Errorf("LEB128 integer overflows %d bits at offset %d", bits, r.off-1)
				}
			}
		}
		v |= int64(c&0x7f) << shift
		shift += 7
		if c&0x80 == 0 {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return v, nil
		}
	}
}

func (r *reader) u32() (uint32, error) {
	if r.off < len(r.b) && r.b[r.off] < 0x80 { // one byte: most indices
		r.off++
		return uint32(r.b[r.off-1]), nil
	}
	v, err := r.uleb(32)
	return uint32(v), err
}

// vecLen reads a vector length and rejects one that cannot fit in the rest
// of the input even at minSize bytes per element, so hostile lengths cannot
// drive allocations.
func (r *reader) vecLen(minSize int) (uint32, error) {
	n, err := r.u32()
	if err != nil {
		return 0, err
	}
	if uint64(n)*uint64(minSize) > uint64(len(r.b)-r.off) {
		return 0, fmt.Errorf("vector of %d elements at offset %d overruns its section", n, r.off)
	}
	return n, nil
}

func (r *reader) name() (string, error) {
	n, err := r.u32()
	if err != nil {
		return "", err
	}
	start := r.off
	if err := r.skip(uint64(n)); err != nil {
		return "", err
	}
	return string(r.b[start:r.off]), nil
}

// appendU32 appends v as an unsigned LEB128.
func appendU32(b []byte, v uint32) []byte {
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

// appendS32 appends v as a signed LEB128.
func appendS32(b []byte, v int32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// appendName appends a length-prefixed UTF-8 name.
func appendName(b []byte, s string) []byte {
	b = appendU32(b, uint32(len(s)))
	return append(b, s...)
}
