package interrupt

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/machina-go/machina/host/internal/wasmbin"
)

// Names of the function the rewrite imports. No plugin ABI uses this
// namespace (plugins import extism:host/env, machina and
// wasi_snapshot_preview1); a module that already imports from it is refused.
const (
	ImportModule = "machina_rt"
	ImportName   = "interrupt"
)

// DefaultInterval is the number of loop iterations and function entries
// between two calls into the host. On the amd64 machine measured, a
// spinning Go guest passes a check every 1.5–4 ns, so it calls the host
// every 25–60 µs: often enough for the host's scheduler and garbage
// collector, while the call (≈0.3 µs with the yield) costs about 1 % of
// guest time.
const DefaultInterval = 16384

// Options configure Instrument.
type Options struct {
	// Interval is the number of checks (loop iterations and function
	// entries) between two calls into the host; zero means DefaultInterval.
	Interval uint32
}

func (o Options) interval() uint32 {
	if o.Interval == 0 {
		return DefaultInterval
	}
	return min(o.Interval, 1<<30)
}

// ErrInstrument wraps every reason Instrument refuses a module.
var ErrInstrument = errors.New("instrumenting module for interruption")

// wasmMagic is the header of a WebAssembly 1.0 binary.
const wasmMagic = "\x00asm\x01\x00\x00\x00"

// Section ids.
const (
	secCustom    = 0
	secType      = 1
	secImport    = 2
	secFunction  = 3
	secTable     = 4
	secMemory    = 5
	secGlobal    = 6
	secExport    = 7
	secStart     = 8
	secElement   = 9
	secCode      = 10
	secData      = 11
	secDataCount = 12
	secTag       = 13
)

// sectionRank is the position a known section must have in a module.
func sectionRank(id byte) (int, bool) {
	switch id {
	case secType, secImport, secFunction, secTable, secMemory:
		return int(id), true
	case secTag:
		return 6, true
	case secGlobal, secExport, secStart, secElement:
		return int(id) + 1, true
	case secDataCount:
		return 11, true
	case secCode:
		return 12, true
	case secData:
		return 13, true
	}
	return 0, false
}

// rankOf is sectionRank for an id known to be valid.
func rankOf(id byte) int {
	r, _ := sectionRank(id)
	return r
}

// section is one section of the input module.
type section struct {
	id           byte
	start        int // offset of the id byte
	payloadStart int
	end          int
}

// module is what the rewrite learns about the input before writing it.
type module struct {
	b        []byte
	sections []section

	numTypes      uint32
	typeParams    []uint32 // parameter count per type
	voidType      int64    // index of an existing () -> () type, or -1
	funcImports   uint32
	globalImports uint32
	funcTypes     []uint32 // type index per defined function
	definedGlobs  uint32
	numCode       uint32
}

// Instrument returns a copy of the WebAssembly module wasm in which every
// loop header and every function entry that may lead to a call decrements a
// per-instance counter, and every Options.Interval decrements calls the
// imported function ImportModule.ImportName (see Hook), which may stop the
// call. The module must then be instantiated with that function provided.
//
// The rewrite adds one function import, a () -> () type unless the module
// has one, one mutable i32 global and one i32 local per function; every
// function index at or after the import shifts by one, and each place that
// names one (calls, ref.func, exports, the start function, element
// segments, global and table initialisers, the name section) is rewritten.
// DWARF custom sections, which describe code offsets the rewrite changes,
// are dropped. Original code that names an index the rewrite would add is
// refused, so a module cannot reach the counter; so is a function with more
// than MaxLocals locals. Instrument does not validate the module otherwise:
// compile the result with wazero, which does. The output is a deterministic
// function of the input and the options.
func Instrument(wasm []byte, opts Options) ([]byte, error) {
	m, err := scan(wasm)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInstrument, err)
	}
	out, err := m.write(opts.interval())
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInstrument, err)
	}
	return out, nil
}

// scan walks the section headers and decodes the sections whose counts
// the rewrite needs.
func scan(b []byte) (*module, error) {
	if !bytes.HasPrefix(b, []byte(wasmMagic)) {
		return nil, errors.New("not a WebAssembly 1.0 binary (bad magic or version)")
	}
	m := &module{b: b, voidType: -1}
	r := &reader{wasmbin.Reader{B: b, Off: len(wasmMagic)}}
	seen := map[byte]bool{}
	lastRank := 0
	for !r.EOF() {
		s := section{start: r.Off}
		var err error
		if s.id, err = r.Byte(); err != nil {
			return nil, err
		}
		size, err := r.U32()
		if err != nil {
			return nil, fmt.Errorf("section %d: %w", s.id, err)
		}
		s.payloadStart = r.Off
		if err := r.Skip(uint64(size)); err != nil {
			return nil, fmt.Errorf("section %d overruns the module", s.id)
		}
		s.end = r.Off
		if s.id != secCustom {
			rank, ok := sectionRank(s.id)
			if !ok {
				return nil, fmt.Errorf("invalid section id %d", s.id)
			}
			if seen[s.id] || rank < lastRank {
				return nil, fmt.Errorf("section %d is duplicated or out of order", s.id)
			}
			seen[s.id], lastRank = true, rank
		}
		m.sections = append(m.sections, s)
		p := &reader{wasmbin.Reader{B: b[:s.end], Off: s.payloadStart}}
		switch s.id {
		case secType:
			err = m.scanTypes(p)
		case secImport:
			err = m.scanImports(p)
		case secFunction:
			err = m.scanFunctions(p)
		case secGlobal:
			m.definedGlobs, err = p.VecLen(3)
		case secCode:
			m.numCode, err = p.VecLen(1)
		case secTag:
			err = m.scanTags(p)
		}
		if err != nil {
			return nil, fmt.Errorf("section %d: %w", s.id, err)
		}
	}
	if m.numCode != uint32(len(m.funcTypes)) {
		return nil, fmt.Errorf("%d function bodies for %d functions", m.numCode, len(m.funcTypes))
	}
	return m, nil
}

func (m *module) scanTypes(r *reader) error {
	n, err := r.VecLen(3)
	if err != nil {
		return err
	}
	m.numTypes = n
	m.typeParams = make([]uint32, n)
	for i := range n {
		form, err := r.Byte()
		if err != nil {
			return err
		}
		if form != 0x60 {
			return fmt.Errorf("type %d: unsupported type form 0x%02x", i, form)
		}
		var counts [2]uint32
		for j := range 2 {
			k, err := r.VecLen(1)
			if err != nil {
				return err
			}
			counts[j] = k
			for range k {
				if err := valType(r, n); err != nil {
					return err
				}
			}
		}
		m.typeParams[i] = counts[0]
		if counts == [2]uint32{} && m.voidType < 0 {
			m.voidType = int64(i)
		}
	}
	return r.end()
}

func (m *module) scanTags(r *reader) error {
	n, err := r.VecLen(2)
	if err != nil {
		return err
	}
	for range n {
		if _, err := r.Byte(); err != nil {
			return err
		}
		t, err := r.U32()
		if err != nil {
			return err
		}
		if t >= m.numTypes {
			return fmt.Errorf("tag type index %d out of range", t)
		}
	}
	return r.end()
}

func (m *module) scanImports(r *reader) error {
	n, err := r.VecLen(4)
	if err != nil {
		return err
	}
	for range n {
		mod, err := r.Name()
		if err != nil {
			return err
		}
		name, err := r.Name()
		if err != nil {
			return err
		}
		if mod == ImportModule {
			return fmt.Errorf("module already imports %s.%s from the namespace the rewrite reserves", mod, name)
		}
		kind, err := r.Byte()
		if err != nil {
			return err
		}
		switch kind {
		case 0: // func
			var t uint32
			if t, err = r.U32(); err == nil && t >= m.numTypes {
				err = fmt.Errorf("import %s.%s: type index %d out of range", mod, name, t)
			}
			m.funcImports++
		case 1: // table
			var hasInit bool
			if hasInit, err = tableType(r, m.numTypes); err == nil && hasInit {
				err = fmt.Errorf("import %s.%s: an imported table cannot have an initialiser", mod, name)
			}
		case 2: // memory
			err = limits(r)
		case 3: // global
			if err = valType(r, m.numTypes); err == nil {
				_, err = r.Byte()
			}
			m.globalImports++
		case 4: // tag
			var t uint32
			if _, err = r.Byte(); err == nil {
				if t, err = r.U32(); err == nil && t >= m.numTypes {
					err = fmt.Errorf("import %s.%s: tag type index %d out of range", mod, name, t)
				}
			}
		default:
			return fmt.Errorf("import %s.%s: unknown kind %d", mod, name, kind)
		}
		if err != nil {
			return err
		}
	}
	return r.end()
}

// tableType reads a table type up to its limits and reports whether an
// initialiser expression follows (the 0x40 0x00 form of typed function
// references). Like wazero, it takes any single byte as the element type
// and leaves judging it to the validator.
func tableType(r *reader, numTypes uint32) (hasInit bool, err error) {
	b, err := r.Byte()
	if err != nil {
		return false, err
	}
	if b == 0x40 {
		if z, err := r.Byte(); err != nil || z != 0x00 {
			return false, fmt.Errorf("malformed table type prefix")
		}
		hasInit = true
		if b, err = r.Byte(); err != nil {
			return false, err
		}
	}
	if b == 0x63 || b == 0x64 {
		if err := heapType(r, numTypes); err != nil {
			return false, err
		}
	}
	return hasInit, limits(r)
}

func limits(r *reader) error {
	flag, err := r.Byte()
	if err != nil {
		return err
	}
	if flag > 3 {
		return fmt.Errorf("unsupported limits flag 0x%02x", flag)
	}
	if _, err := r.U32(); err != nil {
		return err
	}
	if flag&1 != 0 {
		_, err = r.U32()
	}
	return err
}

func (m *module) scanFunctions(r *reader) error {
	n, err := r.VecLen(1)
	if err != nil {
		return err
	}
	m.funcTypes = make([]uint32, n)
	for i := range n {
		t, err := r.U32()
		if err != nil {
			return err
		}
		if t >= m.numTypes {
			return fmt.Errorf("function %d: type index %d out of range", i, t)
		}
		m.funcTypes[i] = t
	}
	return r.end()
}

// reader is the shared binary reader plus the end-of-section check the
// rewrite needs.
type reader struct{ wasmbin.Reader }

// end reports an error unless the reader is exhausted.
func (r *reader) end() error {
	if !r.EOF() {
		return fmt.Errorf("%d unexpected bytes at the end of a section", len(r.B)-r.Off)
	}
	return nil
}

// writer holds the state of one rewrite.
type writer struct {
	m        *module
	out      []byte
	interval uint32

	funcIdx   uint32 // index of the imported interrupt function
	typeIdx   uint32 // index of its () -> () type
	globalIdx uint32 // index of the counter global

	w       walker
	scratch []byte
}

// shift maps an original function index to its index after the rewrite.
func (wr *writer) shift(idx uint32) uint32 {
	if idx >= wr.funcIdx {
		return idx + 1
	}
	return idx
}

func (m *module) write(interval uint32) ([]byte, error) {
	wr := &writer{
		m:         m,
		interval:  interval,
		funcIdx:   m.funcImports,
		typeIdx:   m.numTypes,
		globalIdx: m.globalImports + m.definedGlobs,
		out:       make([]byte, 0, len(m.b)+len(m.b)/8+64),
	}
	if m.voidType >= 0 {
		wr.typeIdx = uint32(m.voidType)
	}
	if uint64(m.funcImports)+uint64(len(m.funcTypes)) >= 1<<32-1 || m.numTypes == 1<<32-1 || wr.globalIdx == 1<<32-1 {
		return nil, errors.New("index space full")
	}
	wr.w.numGlobals = wr.globalIdx
	wr.w.numTypes = m.numTypes
	wr.out = append(wr.out, wasmMagic...)

	// Sections the rewrite needs and the module may lack.
	pending := []byte{secImport, secGlobal}
	if m.voidType < 0 {
		pending = []byte{secType, secImport, secGlobal}
	}
	has := map[byte]bool{}
	for _, s := range m.sections {
		has[s.id] = true
	}
	flush := func(beforeRank int) error {
		for len(pending) > 0 && rankOf(pending[0]) < beforeRank {
			id := pending[0]
			pending = pending[1:]
			if !has[id] {
				if err := wr.section(section{id: id}, nil); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, s := range m.sections {
		if s.id != secCustom {
			if err := flush(rankOf(s.id)); err != nil {
				return nil, err
			}
		}
		p := &reader{wasmbin.Reader{B: m.b[:s.end], Off: s.payloadStart}}
		if err := wr.section(s, p); err != nil {
			return nil, fmt.Errorf("section %d: %w", s.id, err)
		}
	}
	if err := flush(1 << 30); err != nil {
		return nil, err
	}
	return wr.out, nil
}

// section writes one section, rewritten as needed. p is nil for a
// section the module lacks.
func (wr *writer) section(s section, p *reader) error {
	var payload []byte
	var err error
	switch s.id {
	case secCustom:
		payload, err = wr.custom(p)
		if err != nil || payload == nil {
			return err
		}
	case secType:
		if wr.m.voidType >= 0 {
			wr.out = append(wr.out, wr.m.b[s.start:s.end]...)
			return nil
		}
		payload, err = wr.types(p)
	case secImport:
		payload, err = wr.imports(p)
	case secTable:
		payload, err = wr.tables(p)
	case secGlobal:
		payload, err = wr.globals(p)
	case secExport:
		payload, err = wr.exports(p)
	case secStart:
		payload, err = wr.start(p)
	case secElement:
		payload, err = wr.elements(p)
	case secData:
		payload, err = wr.data(p)
	case secCode:
		// Written straight into the output: it is most of the module.
		return wr.code(p)
	default:
		wr.out = append(wr.out, wr.m.b[s.start:s.end]...)
		return nil
	}
	if err != nil {
		return err
	}
	wr.out = append(wr.out, s.id)
	wr.out = wasmbin.AppendU32(wr.out, uint32(len(payload)))
	wr.out = append(wr.out, payload...)
	return nil
}

// vecHeader reads a vector length from p (zero for a missing section) and
// returns it with the offset where the elements start.
func vecHeader(p *reader, minSize int) (uint32, error) {
	if p == nil {
		return 0, nil
	}
	return p.VecLen(minSize)
}

// extend starts a vector section that keeps p's entries and gains one: the
// new count, then the existing entries unchanged (p may be nil).
func extend(p *reader, minSize int) ([]byte, error) {
	n, err := vecHeader(p, minSize)
	if err != nil {
		return nil, err
	}
	out := wasmbin.AppendU32(nil, n+1)
	if p != nil {
		out = append(out, p.B[p.Off:]...)
	}
	return out, nil
}

func (wr *writer) types(p *reader) ([]byte, error) {
	out, err := extend(p, 3)
	if err != nil {
		return nil, err
	}
	return append(out, 0x60, 0x00, 0x00), nil
}

func (wr *writer) imports(p *reader) ([]byte, error) {
	out, err := extend(p, 4)
	if err != nil {
		return nil, err
	}
	out = wasmbin.AppendName(out, ImportModule)
	out = wasmbin.AppendName(out, ImportName)
	out = append(out, 0x00)
	return wasmbin.AppendU32(out, wr.typeIdx), nil
}

// constExpr copies a constant expression from p to out, rewriting
// ref.func indices.
func (wr *writer) constExpr(p *reader, out []byte) ([]byte, error) {
	w := &wr.w
	w.r, w.checkLocal = p, false
	w.reset()
	start := p.Off
	if err := w.constExpr(); err != nil {
		return nil, err
	}
	return wr.copyWithRefs(out, p.B, start, p.Off), nil
}

// copyWithRefs appends b[start:end] to out with the function indices the
// walker recorded re-encoded.
func (wr *writer) copyWithRefs(out, b []byte, start, end int) []byte {
	last := start
	for _, ref := range wr.w.refs {
		out = append(out, b[last:ref.start]...)
		out = wasmbin.AppendU32(out, wr.shift(ref.idx))
		last = ref.end
	}
	return append(out, b[last:end]...)
}

// tables copies the table section, rewriting ref.func in initialisers.
func (wr *writer) tables(p *reader) ([]byte, error) {
	n, err := p.VecLen(2)
	if err != nil {
		return nil, err
	}
	out := wasmbin.AppendU32(nil, n)
	for range n {
		start := p.Off
		hasInit, err := tableType(p, wr.m.numTypes)
		if err != nil {
			return nil, err
		}
		out = append(out, p.B[start:p.Off]...)
		if hasInit {
			if out, err = wr.constExpr(p, out); err != nil {
				return nil, err
			}
		}
	}
	return out, p.end()
}

func (wr *writer) globals(p *reader) ([]byte, error) {
	n, err := vecHeader(p, 3)
	if err != nil {
		return nil, err
	}
	out := wasmbin.AppendU32(nil, n+1)
	for range n {
		start := p.Off
		if err := valType(p, wr.m.numTypes); err != nil {
			return nil, err
		}
		if _, err := p.Byte(); err != nil {
			return nil, err
		}
		out = append(out, p.B[start:p.Off]...)
		if out, err = wr.constExpr(p, out); err != nil {
			return nil, err
		}
	}
	if p != nil {
		if err := p.end(); err != nil {
			return nil, err
		}
	}
	// The counter: mutable i32, starting at the interval.
	out = append(out, valTypeI32, 0x01, opI32Const)
	out = wasmbin.AppendS32(out, int32(wr.interval))
	return append(out, opEnd), nil
}

func (wr *writer) exports(p *reader) ([]byte, error) {
	n, err := p.VecLen(3)
	if err != nil {
		return nil, err
	}
	out := wasmbin.AppendU32(nil, n)
	for range n {
		start := p.Off
		if _, err := p.Name(); err != nil {
			return nil, err
		}
		kind, err := p.Byte()
		if err != nil {
			return nil, err
		}
		out = append(out, p.B[start:p.Off]...)
		idx, err := p.U32()
		if err != nil {
			return nil, err
		}
		switch kind {
		case 0:
			idx = wr.shift(idx)
		case 3:
			if idx >= wr.globalIdx {
				return nil, fmt.Errorf("export of global %d out of range", idx)
			}
		}
		out = wasmbin.AppendU32(out, idx)
	}
	return out, p.end()
}

func (wr *writer) start(p *reader) ([]byte, error) {
	idx, err := p.U32()
	if err != nil {
		return nil, err
	}
	return wasmbin.AppendU32(nil, wr.shift(idx)), p.end()
}

func (wr *writer) elements(p *reader) ([]byte, error) {
	n, err := p.VecLen(1)
	if err != nil {
		return nil, err
	}
	out := wasmbin.AppendU32(nil, n)
	for range n {
		flags, err := p.U32()
		if err != nil {
			return nil, err
		}
		if flags > 7 {
			return nil, fmt.Errorf("unknown element segment flags %d", flags)
		}
		out = wasmbin.AppendU32(out, flags)
		if flags&3 == 2 { // explicit table index
			start := p.Off
			if _, err := p.U32(); err != nil {
				return nil, err
			}
			out = append(out, p.B[start:p.Off]...)
		}
		if flags&1 == 0 { // active: offset expression
			if out, err = wr.constExpr(p, out); err != nil {
				return nil, err
			}
		}
		if flags&3 != 0 { // element kind or reference type
			start := p.Off
			if flags&4 == 0 {
				_, err = p.Byte()
			} else {
				err = valType(p, wr.m.numTypes)
			}
			if err != nil {
				return nil, err
			}
			out = append(out, p.B[start:p.Off]...)
		}
		k, err := p.VecLen(1)
		if err != nil {
			return nil, err
		}
		out = wasmbin.AppendU32(out, k)
		for range k {
			if flags&4 == 0 { // function indices
				idx, err := p.U32()
				if err != nil {
					return nil, err
				}
				out = wasmbin.AppendU32(out, wr.shift(idx))
			} else if out, err = wr.constExpr(p, out); err != nil {
				return nil, err
			}
		}
	}
	return out, p.end()
}

func (wr *writer) data(p *reader) ([]byte, error) {
	// Data segments name no functions; their offset expressions are walked
	// only to refuse a global index the rewrite adds.
	start := p.Off
	n, err := p.VecLen(1)
	if err != nil {
		return nil, err
	}
	w := &wr.w
	w.r, w.checkLocal = p, false
	for range n {
		flags, err := p.U32()
		if err != nil {
			return nil, err
		}
		switch flags {
		case 0, 2:
			if flags == 2 {
				if _, err := p.U32(); err != nil {
					return nil, err
				}
			}
			w.reset()
			if err := w.constExpr(); err != nil {
				return nil, err
			}
			if len(w.refs) > 0 {
				return nil, errors.New("ref.func in a data offset")
			}
		case 1:
		default:
			return nil, fmt.Errorf("unknown data segment flags %d", flags)
		}
		size, err := p.U32()
		if err != nil {
			return nil, err
		}
		if err := p.Skip(uint64(size)); err != nil {
			return nil, err
		}
	}
	if err := p.end(); err != nil {
		return nil, err
	}
	return p.B[start:p.Off], nil
}

// custom rewrites the name section, drops DWARF and keeps anything else.
// A nil payload with a nil error drops the section.
func (wr *writer) custom(p *reader) ([]byte, error) {
	start := p.Off
	name, err := p.Name()
	if err != nil {
		return nil, err
	}
	switch {
	case strings.HasPrefix(name, ".debug_"):
		return nil, nil
	case name == "name":
		out := wasmbin.AppendName(nil, name)
		names, ok := wr.names(p, out)
		if !ok {
			// A malformed name section is only debug information: drop it
			// rather than pass on something the rewrite cannot vouch for.
			return nil, nil
		}
		return names, nil
	}
	return p.B[start:], nil
}

// names rewrites the function and local name maps of a name section and
// drops the subsections that name code positions (labels) or are unknown.
func (wr *writer) names(p *reader, out []byte) ([]byte, bool) {
	for !p.EOF() {
		id, err := p.Byte()
		if err != nil {
			return nil, false
		}
		size, err := p.U32()
		if err != nil {
			return nil, false
		}
		start := p.Off
		if p.Skip(uint64(size)) != nil {
			return nil, false
		}
		sub := &reader{wasmbin.Reader{B: p.B[:p.Off], Off: start}}
		var body []byte
		switch id {
		case 0, 4, 5, 6, 7, 8, 9, 10, 11: // module, types, tables, memories, globals, elems, data, fields, tags
			body = p.B[start:p.Off]
		case 1: // function names
			body, err = wr.functionNames(sub)
		case 2: // local names: funcidx -> namemap
			body, err = wr.localNames(sub)
		default: // labels (3) index blocks the rewrite adds; unknown ones
			continue
		}
		if err != nil {
			return nil, false
		}
		out = append(out, id)
		out = wasmbin.AppendU32(out, uint32(len(body)))
		out = append(out, body...)
	}
	return out, true
}

// functionNames rewrites the function name map: funcidx -> name.
func (wr *writer) functionNames(r *reader) ([]byte, error) {
	return wr.shiftFuncMap(r, func(r *reader) error {
		_, err := r.Name()
		return err
	})
}

// localNames rewrites the local name map: funcidx -> (localidx -> name).
func (wr *writer) localNames(r *reader) ([]byte, error) {
	return wr.shiftFuncMap(r, func(r *reader) error {
		k, err := r.VecLen(2)
		if err != nil {
			return err
		}
		for range k {
			if _, err := r.U32(); err != nil {
				return err
			}
			if _, err := r.Name(); err != nil {
				return err
			}
		}
		return nil
	})
}

// shiftFuncMap copies a name subsection that maps function indices to
// values, shifting each index; skip reads past one value, which is copied
// unchanged.
func (wr *writer) shiftFuncMap(r *reader, skip func(*reader) error) ([]byte, error) {
	n, err := r.VecLen(2)
	if err != nil {
		return nil, err
	}
	out := wasmbin.AppendU32(nil, n)
	for range n {
		idx, err := r.U32()
		if err != nil {
			return nil, err
		}
		out = wasmbin.AppendU32(out, wr.shift(idx))
		start := r.Off
		if err := skip(r); err != nil {
			return nil, err
		}
		out = append(out, r.B[start:r.Off]...)
	}
	return out, r.end()
}
