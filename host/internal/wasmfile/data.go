package wasmfile

import (
	"bytes"
	"fmt"

	"github.com/machina-go/machina/host/internal/wasmbin"
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
	err = eachSection(b, func(id byte, start int, sec *wasmbin.Reader) error {
		switch id {
		case 5:
			n, err := sec.U32()
			if err != nil || n != 1 {
				return err
			}
			flag, err := sec.Byte()
			if err != nil {
				return err
			}
			pages, err := sec.U32()
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
			dataStart, dataEnd = start, len(sec.B)
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
		payload = wasmbin.AppendU32(payload, uint32(len(segs)))
	}
	for _, s := range segs {
		copy(image[s.offset:], s.init)
		if dataCount {
			payload = append(payload, 1) // passive
			payload = wasmbin.AppendU32(payload, uint32(len(s.init)))
			payload = append(payload, s.init...)
		}
	}
	out = make([]byte, 0, len(b))
	out = append(out, b[:dataStart]...)
	if dataCount {
		out = append(out, 11)
		out = wasmbin.AppendU32(out, uint32(len(payload)))
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
func parseData(r *wasmbin.Reader) ([]dataSegment, error) {
	n, err := r.U32()
	if err != nil {
		return nil, err
	}
	segs := make([]dataSegment, 0, n)
	for range n {
		flag, err := r.U32()
		if err != nil {
			return nil, err
		}
		switch flag {
		case 0:
		case 2:
			if mem, err := r.U32(); err != nil || mem != 0 {
				return nil, err
			}
		default:
			return nil, nil
		}
		// i32.const <s32> end
		if op, err := r.Byte(); err != nil || op != 0x41 {
			return nil, err
		}
		off, err := r.SLEB(32)
		if err != nil {
			return nil, err
		}
		if end, err := r.Byte(); err != nil || end != 0x0b || off < 0 {
			return nil, err
		}
		size, err := r.U32()
		if err != nil {
			return nil, err
		}
		if uint64(r.Off)+uint64(size) > uint64(len(r.B)) {
			return nil, fmt.Errorf("segment overruns the section at offset %d", r.Off)
		}
		segs = append(segs, dataSegment{offset: uint32(off), init: r.B[r.Off : r.Off+int(size)]})
		r.Off += int(size)
	}
	return segs, nil
}
