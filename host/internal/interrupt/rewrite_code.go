package interrupt

import (
	"errors"
	"fmt"

	"github.com/machina-go/machina/host/internal/wasmbin"
)

// MaxLocals is the most locals (parameters included) a function may have.
// It is the limit of the JavaScript embedding (V8, SpiderMonkey); wazero
// allows 2³²−1 and allocates room for all of them when it compiles, so a
// six-byte declaration could make the host allocate gigabytes.
const MaxLocals = 50_000

// code rewrites the code section straight into wr.out.
func (wr *writer) code(p *reader) error {
	n, err := p.VecLen(1)
	if err != nil {
		return err
	}
	wr.out = append(wr.out, secCode)
	// The payload size is unknown until the bodies are written: reserve the
	// widest u32 LEB128 and fill it in afterwards with a padded encoding.
	sizeAt := len(wr.out)
	wr.out = append(wr.out, 0x80, 0x80, 0x80, 0x80, 0x00)
	payloadStart := len(wr.out)
	wr.out = wasmbin.AppendU32(wr.out, n)
	for i := range n {
		if err := wr.body(p, i); err != nil {
			return fmt.Errorf("function %d: %w", uint64(wr.m.funcImports)+uint64(i), err)
		}
	}
	if err := p.end(); err != nil {
		return err
	}
	size := len(wr.out) - payloadStart
	if uint64(size) >= 1<<32 {
		return errors.New("code section too large")
	}
	putPaddedU32(wr.out[sizeAt:sizeAt+5], uint32(size))
	return nil
}

// putPaddedU32 writes v as a five-byte LEB128.
func putPaddedU32(b []byte, v uint32) {
	for i := range 4 {
		b[i] = byte(v&0x7f) | 0x80
		v >>= 7
	}
	b[4] = byte(v)
}

// body rewrites one function body: it appends the scratch local, puts a
// check at the entry of functions that call anything (unless every path
// from the entry reaches a loop header first, whose check then covers it)
// and one at the header of every loop, and re-encodes function indices.
//
// Why this bounds the work between two checks: without a loop header no
// code runs backwards, so a function activation runs at most its own
// length of instructions plus what its callees run; a callee that calls
// nothing is itself bounded by its length, and one that calls something
// checks at entry. Unbounded recursion therefore passes a check on every
// call that could recurse.
func (wr *writer) body(p *reader, i uint32) error {
	size, err := p.U32()
	if err != nil {
		return err
	}
	start := p.Off
	if err := p.Skip(uint64(size)); err != nil {
		return err
	}
	b := p.B[:p.Off]
	r := &reader{wasmbin.Reader{B: b, Off: start}}

	// Locals: copy the groups, then append one i32 for the check.
	groups, err := r.VecLen(2)
	if err != nil {
		return err
	}
	numLocals := uint64(wr.m.typeParams[wr.m.funcTypes[i]])
	localsStart := r.Off
	for range groups {
		k, err := r.U32()
		if err != nil {
			return err
		}
		numLocals += uint64(k)
		if err := valType(r, wr.m.numTypes); err != nil {
			return err
		}
	}
	if numLocals > MaxLocals {
		return fmt.Errorf("%d locals, more than the limit of %d", numLocals, MaxLocals)
	}
	localsEnd := r.Off
	scratch := uint32(numLocals)

	w := &wr.w
	w.r, w.checkLocal, w.numLocals = r, true, numLocals
	w.reset()
	codeStart := r.Off
	if err := w.body(); err != nil {
		return err
	}

	check := wr.checkSeq(scratch)
	out := wr.scratch[:0]
	out = wasmbin.AppendU32(out, groups+1)
	out = append(out, b[localsStart:localsEnd]...)
	out = append(out, 0x01, valTypeI32)
	if w.calls && !w.entryCovered {
		out = append(out, check...)
	}
	// Merge the loop insertion points and index rewrites, both in order.
	last, li := codeStart, 0
	for _, ref := range w.refs {
		for li < len(w.loops) && w.loops[li] <= ref.start {
			out = append(out, b[last:w.loops[li]]...)
			out = append(out, check...)
			last = w.loops[li]
			li++
		}
		out = append(out, b[last:ref.start]...)
		out = wasmbin.AppendU32(out, wr.shift(ref.idx))
		last = ref.end
	}
	for ; li < len(w.loops); li++ {
		out = append(out, b[last:w.loops[li]]...)
		out = append(out, check...)
		last = w.loops[li]
	}
	out = append(out, b[last:]...)
	wr.scratch = out

	if uint64(len(out)) >= 1<<32 {
		return errors.New("function body too large")
	}
	wr.out = wasmbin.AppendU32(wr.out, uint32(len(out)))
	wr.out = append(wr.out, out...)
	return nil
}

// checkSeq returns the check, using local scratch:
//
//	global.get $counter
//	i32.const 1
//	i32.sub
//	local.tee $scratch
//	global.set $counter
//	local.get $scratch
//	i32.eqz
//	if
//	  call $interrupt
//	  i32.const interval
//	  global.set $counter
//	end
func (wr *writer) checkSeq(scratch uint32) []byte {
	g := wasmbin.AppendU32(nil, wr.globalIdx)
	l := wasmbin.AppendU32(nil, scratch)
	s := make([]byte, 0, 40)
	s = append(s, opGlobalGet)
	s = append(s, g...)
	s = append(s, opI32Const, 0x01, opI32Sub, opLocalTee)
	s = append(s, l...)
	s = append(s, opGlobalSet)
	s = append(s, g...)
	s = append(s, opLocalGet)
	s = append(s, l...)
	s = append(s, opI32Eqz, opIf, blockTypeEmpty, opCall)
	s = wasmbin.AppendU32(s, wr.funcIdx)
	s = append(s, opI32Const)
	s = wasmbin.AppendS32(s, int32(wr.interval))
	s = append(s, opGlobalSet)
	s = append(s, g...)
	return append(s, opEnd)
}
