package wasmfile

import (
	"bytes"
	"fmt"
)

// SplitData takes a module's active data segments out of it and returns
// the initial memory image they describe, so a runtime can start each
// instance from that image (mapped or copied in one piece) instead of
// applying tens of thousands of small segments one by one — Go's linker
// emits one per run of non-zero bytes.
//
// It only applies to the common shape: a memory defined by the module (not
// imported) and segments whose offsets are i32.const expressions into it
// that fit in its initial size. Otherwise it returns b unchanged and a nil
// image. A module without a data count section cannot refer to its
// segments (memory.init and data.drop need one), so its data section is
// dropped; otherwise the segments stay, as passive ones with the same
// indices. Making a segment passive changes nothing the module can
// observe unless its code runs memory.init on an active segment, which
// would trap before and copies now; Go and the common toolchains never
// emit that.
func SplitData(b []byte) (out, image []byte, err error) {
	if !bytes.HasPrefix(b, magic) {
		return nil, nil, ErrNotWasm
	}
	var (
		minBytes   uint64
		haveMemory bool
		segs       []dataSegment
		dataStart  = -1
		dataEnd    int
		dataCount  bool
	)
	err = eachSection(b, func(id byte, start int, sec *reader) error {
		switch id {
		case 5:
			n, err := sec.u32()
			if err != nil || n != 1 {
				return err
			}
			flag, err := sec.byte()
			if err != nil {
				return err
			}
			pages, err := sec.u32()
			if err != nil || flag > 1 {
				return err
			}
			minBytes, haveMemory = uint64(pages)<<16, true
		case 12:
			dataCount = true
		case 11:
			if segs, err = parseData(sec); err != nil {
				return fmt.Errorf("data section: %w", err)
			}
			dataStart, dataEnd = start, len(sec.b)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if !haveMemory || dataStart < 0 || segs == nil {
		return b, nil, nil
	}
	var size uint64
	for _, s := range segs {
		size = max(size, uint64(s.offset)+uint64(len(s.init)))
	}
	if size > minBytes {
		return b, nil, nil
	}
	image = make([]byte, size)
	var payload []byte
	if dataCount {
		payload = appendU32(payload, uint32(len(segs)))
	}
	for _, s := range segs {
		copy(image[s.offset:], s.init)
		if dataCount {
			payload = append(payload, 1) // passive
			payload = appendU32(payload, uint32(len(s.init)))
			payload = append(payload, s.init...)
		}
	}
	out = make([]byte, 0, len(b))
	out = append(out, b[:dataStart]...)
	if dataCount {
		out = append(out, 11)
		out = appendU32(out, uint32(len(payload)))
		out = append(out, payload...)
	}
	out = append(out, b[dataEnd:]...)
	return out, image, nil
}

type dataSegment struct {
	offset uint32
	init   []byte
}

// parseData reads a data section whose segments are all active at a
// constant offset in memory 0; it returns nil segments (and no error) for
// any other shape.
func parseData(r *reader) ([]dataSegment, error) {
	n, err := r.u32()
	if err != nil {
		return nil, err
	}
	segs := make([]dataSegment, 0, n)
	for range n {
		flag, err := r.u32()
		if err != nil {
			return nil, err
		}
		switch flag {
		case 0:
		case 2:
			if mem, err := r.u32(); err != nil || mem != 0 {
				return nil, err
			}
		default:
			return nil, nil
		}
		// i32.const <s32> end
		if op, err := r.byte(); err != nil || op != 0x41 {
			return nil, err
		}
		off, err := r.s32()
		if err != nil {
			return nil, err
		}
		if end, err := r.byte(); err != nil || end != 0x0b || off < 0 {
			return nil, err
		}
		size, err := r.u32()
		if err != nil {
			return nil, err
		}
		if uint64(r.off)+uint64(size) > uint64(len(r.b)) {
			return nil, fmt.Errorf("segment overruns the section at offset %d", r.off)
		}
		segs = append(segs, dataSegment{offset: uint32(off), init: r.b[r.off : r.off+int(size)]})
		r.off += int(size)
	}
	return segs, nil
}

// s32 reads a signed LEB128 32-bit integer.
func (r *reader) s32() (int32, error) {
	var v int64
	var shift uint
	for shift < 35 {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		v |= int64(c&0x7f) << shift
		shift += 7
		if c&0x80 == 0 {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return int32(v), nil
		}
	}
	return 0, fmt.Errorf("LEB128 too long at offset %d", r.off)
}
