package interrupt

import (
	"fmt"
	"math"
)

// Opcodes the walker acts on. The full table of immediates is in
// walker.instr.
const (
	opUnreachable = 0x00
	opBlock       = 0x02
	opLoop        = 0x03
	opIf          = 0x04
	opElse        = 0x05
	opEnd         = 0x0b
	opCall        = 0x10
	opCallInd     = 0x11
	opRetCall     = 0x12
	opRetCallInd  = 0x13
	opCallRef     = 0x14
	opRetCallRef  = 0x15
	opTryTable    = 0x1f
	opLocalGet    = 0x20
	opLocalSet    = 0x21
	opLocalTee    = 0x22
	opGlobalGet   = 0x23
	opGlobalSet   = 0x24
	opI32Const    = 0x41
	opI32Eqz      = 0x45
	opI32Sub      = 0x6b
	opRefFunc     = 0xd2
	opPrefixMisc  = 0xfc
	opPrefixSIMD  = 0xfd
	opPrefixAtom  = 0xfe

	blockTypeEmpty = 0x40
	valTypeI32     = 0x7f
)

// funcRef is the position of a function index immediate that must be
// re-encoded.
type funcRef struct {
	start, end int // byte range of the LEB128 immediate
	idx        uint32
}

// walker scans instruction sequences (function bodies and constant
// expressions). It records what the rewrite needs — loop headers, function
// index immediates and whether the code calls anything — and enforces the
// index bounds that keep original code away from what the rewrite adds.
type walker struct {
	r *reader

	// Bounds of the original module: an index at or above one of these
	// would name something the rewrite adds (the counter global, the
	// scratch local), so original code using it is refused.
	numGlobals uint32
	numTypes   uint32
	numLocals  uint64
	checkLocal bool

	// Results of the last walk.
	loops []int // offsets just after each loop's block type
	refs  []funcRef
	calls bool
	// entryCovered is set when every path from the start of the code
	// reaches the first loop header before any call or branch, so the
	// check at that header also covers the function entry. Go's wasm
	// backend starts most functions this way (its dispatch loop).
	entryCovered bool
	seenLoop     bool
	prefixBranch bool
}

func (w *walker) reset() {
	w.loops = w.loops[:0]
	w.refs = w.refs[:0]
	w.calls = false
	w.entryCovered, w.seenLoop, w.prefixBranch = false, false, false
}

// body walks a function body's instructions up to its final end, which
// must be the last byte of the reader.
func (w *walker) body() error {
	if err := w.constExpr(); err != nil {
		return err
	}
	if !w.r.EOF() {
		return fmt.Errorf("%d bytes after the end of a function body", len(w.r.B)-w.r.Off)
	}
	return nil
}

// constExpr walks instructions up to the end that closes the outermost
// block (a constant expression's, or a function body's).
func (w *walker) constExpr() error {
	depth := 1
	for {
		op, err := w.instr()
		if err != nil {
			return err
		}
		switch op {
		case opBlock, opLoop, opIf, opTryTable:
			depth++
		case opEnd:
			if depth--; depth == 0 {
				return nil
			}
		}
	}
}

func (w *walker) funcIdx() error {
	start := w.r.Off
	idx, err := w.r.U32()
	if err != nil {
		return err
	}
	w.refs = append(w.refs, funcRef{start: start, end: w.r.Off, idx: idx})
	return nil
}

func (w *walker) globalIdx() error { return w.index("global", uint64(w.numGlobals)) }

func (w *walker) typeIdx() error { return w.index("type", uint64(w.numTypes)) }

func (w *walker) localIdx() error {
	if !w.checkLocal {
		return w.index("local", math.MaxUint64)
	}
	return w.index("local", w.numLocals)
}

// index reads an index immediate and refuses one at or above bound (the
// number of what it names).
func (w *walker) index(what string, bound uint64) error {
	idx, err := w.r.U32()
	if err != nil {
		return err
	}
	if uint64(idx) >= bound {
		return fmt.Errorf("%s index %d out of range (%d %ss)", what, idx, bound, what)
	}
	return nil
}

func (w *walker) u32s(n int) error {
	for range n {
		if _, err := w.r.U32(); err != nil {
			return err
		}
	}
	return nil
}

// memarg reads alignment and offset.
func (w *walker) memarg() error { return w.u32s(2) }

// blockType reads a block type: empty, a value type, or a type index
// (s33), where a reference value type carries a heap type.
func (w *walker) blockType() error {
	v, err := w.r.SLEB(33)
	if err != nil {
		return err
	}
	switch {
	case v >= 0:
		if v >= int64(w.numTypes) {
			return fmt.Errorf("block type index %d out of range (%d types)", v, w.numTypes)
		}
	case v == -29 || v == -28: // (ref null ht) / (ref ht)
		return heapType(w.r, w.numTypes)
	}
	return nil
}

// instr reads one instruction with its immediates and returns its opcode.
// The immediates follow the specification for every proposal wazero
// implements (core 2.0, tail calls, extended constants, threads,
// exception handling, typed function references); anything else is
// refused, so the rewrite never guesses where an instruction ends.
func (w *walker) instr() (byte, error) {
	r := w.r
	op, err := r.Byte()
	if err != nil {
		return 0, err
	}
	if !w.seenLoop {
		switch {
		case op == opLoop:
			w.seenLoop = true
			w.entryCovered = !w.prefixBranch
		case op >= opIf && op <= 0x1f && op != 0x1a && op != 0x1b && op != 0x1c,
			op == 0xd5, op == 0xd6:
			// if, else, throw(_ref), end, br*, return, calls, try_table,
			// br_on_(non_)null: the path may leave before the loop.
			w.prefixBranch = true
		}
	}
	// Most instructions are numeric (no immediates) or memory accesses.
	if op >= 0x45 && op <= 0xc4 {
		return op, nil
	}
	if op >= 0x28 && op <= 0x3e { // loads and stores
		return op, w.memarg()
	}
	switch op {
	case opLocalGet, opLocalSet, opLocalTee:
		err = w.localIdx()
	case opGlobalGet, opGlobalSet:
		err = w.globalIdx()
	case opI32Const:
		_, err = r.SLEB(32)
	case 0x42: // i64.const
		_, err = r.SLEB(64)
	case opUnreachable, 0x01, opElse, 0x0a, opEnd, 0x0f, 0x1a, 0x1b, 0xd1, 0xd4:
		// unreachable, nop, else, throw_ref, end, return, drop, select,
		// ref.is_null, ref.as_non_null
	case opBlock, opIf:
		err = w.blockType()
	case opLoop:
		if err = w.blockType(); err == nil {
			w.loops = append(w.loops, r.Off)
		}
	case 0x08: // throw tag
		_, err = r.U32()
	case 0x0c, 0x0d, 0xd5, 0xd6: // br, br_if, br_on_null, br_on_non_null
		_, err = r.U32()
	case 0x0e: // br_table
		var n uint32
		if n, err = r.VecLen(1); err == nil {
			err = w.u32s(int(n) + 1)
		}
	case opCall, opRetCall:
		w.calls = true
		err = w.funcIdx()
	case opCallInd, opRetCallInd:
		w.calls = true
		if err = w.typeIdx(); err == nil {
			_, err = r.U32()
		}
	case opCallRef, opRetCallRef:
		w.calls = true
		err = w.typeIdx()
	case 0x1c: // select t*
		var n uint32
		if n, err = r.VecLen(1); err == nil {
			for i := uint32(0); i < n && err == nil; i++ {
				err = valType(r, w.numTypes)
			}
		}
	case opTryTable:
		err = w.tryTable()
	case 0x25, 0x26: // table.get, table.set
		_, err = r.U32()
	case 0x3f, 0x40: // memory.size, memory.grow
		_, err = r.U32()
	case 0x43: // f32.const
		err = r.Skip(4)
	case 0x44: // f64.const
		err = r.Skip(8)
	case 0xd0: // ref.null heaptype
		err = heapType(r, w.numTypes)
	case opRefFunc:
		err = w.funcIdx()
	case opPrefixMisc:
		err = w.misc()
	case opPrefixSIMD:
		err = w.simd()
	case opPrefixAtom:
		err = w.atomic()
	default:
		return op, fmt.Errorf("unsupported opcode 0x%02x at offset %d", op, r.Off-1)
	}
	return op, err
}

// tryTable reads try_table's block type and catch clauses.
func (w *walker) tryTable() error {
	if err := w.blockType(); err != nil {
		return err
	}
	n, err := w.r.VecLen(2)
	if err != nil {
		return err
	}
	for range n {
		kind, err := w.r.Byte()
		if err != nil {
			return err
		}
		switch kind {
		case 0x00, 0x01: // catch, catch_ref: tag, label
			err = w.u32s(2)
		case 0x02, 0x03: // catch_all, catch_all_ref: label
			_, err = w.r.U32()
		default:
			err = fmt.Errorf("unknown catch clause 0x%02x", kind)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// misc reads a 0xfc-prefixed instruction (saturating truncation, bulk
// memory, table operations).
func (w *walker) misc() error {
	sub, err := w.r.U32()
	if err != nil {
		return err
	}
	if n, ok := miscImmediates(sub); ok {
		return w.u32s(n)
	}
	return fmt.Errorf("unsupported opcode 0xfc %d", sub)
}

// miscImmediates is how many u32 immediates the 0xfc instruction sub has.
func miscImmediates(sub uint32) (int, bool) {
	switch sub {
	case 0, 1, 2, 3, 4, 5, 6, 7: // trunc_sat
		return 0, true
	case 8, 10, 12, 14: // memory.init data mem, memory.copy, table.init elem table, table.copy
		return 2, true
	case 9, 11, 13, 15, 16, 17: // data.drop, memory.fill, elem.drop, table.grow/size/fill
		return 1, true
	}
	return 0, false
}

// simdGap reports the unassigned opcodes inside the 0xfd range 0x00–0xff.
func simdGap(sub uint32) bool {
	switch sub {
	case 0x9a, 0xa2, 0xa5, 0xa6, 0xaf, 0xb0, 0xb2, 0xb3, 0xb4, 0xbb,
		0xc2, 0xc5, 0xc6, 0xcf, 0xd0, 0xd2, 0xd3, 0xd4, 0xe2, 0xee:
		return true
	}
	return false
}

// simd reads a 0xfd-prefixed (128-bit SIMD) instruction.
func (w *walker) simd() error {
	sub, err := w.r.U32()
	if err != nil {
		return err
	}
	switch {
	case sub > 0xff || simdGap(sub):
		return fmt.Errorf("unsupported opcode 0xfd %d", sub)
	case sub <= 0x0b: // v128 loads and store
		return w.memarg()
	case sub == 0x0c, sub == 0x0d: // v128.const, i8x16.shuffle
		return w.r.Skip(16)
	case sub >= 0x15 && sub <= 0x22: // extract/replace lane
		return w.r.Skip(1)
	case sub >= 0x54 && sub <= 0x5b: // load/store lane
		if err := w.memarg(); err != nil {
			return err
		}
		return w.r.Skip(1)
	case sub == 0x5c, sub == 0x5d: // load32_zero, load64_zero
		return w.memarg()
	}
	return nil
}

// atomic reads a 0xfe-prefixed (threads) instruction.
func (w *walker) atomic() error {
	sub, err := w.r.U32()
	if err != nil {
		return err
	}
	switch {
	case sub == 0x03: // atomic.fence
		return w.r.Skip(1)
	case sub <= 0x02, sub >= 0x10 && sub <= 0x4e:
		return w.memarg()
	}
	return fmt.Errorf("unsupported opcode 0xfe %d", sub)
}

// valType reads a value type: one byte, or a reference type prefix with a
// heap type.
func valType(r *reader, numTypes uint32) error {
	c, err := r.Byte()
	if err != nil {
		return err
	}
	switch c {
	case 0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f, 0x69:
		return nil
	case 0x63, 0x64:
		return heapType(r, numTypes)
	}
	return fmt.Errorf("unknown value type 0x%02x at offset %d", c, r.Off-1)
}

// heapType reads a heap type: an abstract type (negative) or a type index.
func heapType(r *reader, numTypes uint32) error {
	v, err := r.SLEB(33)
	if err != nil {
		return err
	}
	if v >= int64(numTypes) {
		return fmt.Errorf("heap type index %d out of range (%d types)", v, numTypes)
	}
	return nil
}
