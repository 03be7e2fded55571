package wasmfile

import (
	"bytes"
	"errors"
	"fmt"
)

// Kind is the kind of an import or export.
type Kind string

// Import and export kinds.
const (
	KindFunc   Kind = "func"
	KindTable  Kind = "table"
	KindMemory Kind = "memory"
	KindGlobal Kind = "global"
)

var kinds = map[byte]Kind{0: KindFunc, 1: KindTable, 2: KindMemory, 3: KindGlobal}

// Import is one entry of the import section.
type Import struct {
	Module string `json:"module"`
	Name   string `json:"name"`
	Kind   Kind   `json:"kind"`
}

// String renders module.name.
func (i Import) String() string { return i.Module + "." + i.Name }

// Export is one entry of the export section.
type Export struct {
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
}

// CustomSection is a named custom section.
type CustomSection struct {
	Name string
	Data []byte
}

// Module is the decoded metadata of a wasm binary.
type Module struct {
	Imports []Import
	Exports []Export
	Customs []CustomSection
}

// Custom returns the data of the first custom section with the given name.
func (m *Module) Custom(name string) ([]byte, bool) {
	for _, c := range m.Customs {
		if c.Name == name {
			return c.Data, true
		}
	}
	return nil, false
}

// ExportedFunctions returns the names of exported functions.
func (m *Module) ExportedFunctions() []string {
	var out []string
	for _, e := range m.Exports {
		if e.Kind == KindFunc {
			out = append(out, e.Name)
		}
	}
	return out
}

var magic = []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}

// ErrNotWasm is returned for input that is not a wasm binary (version 1).
var ErrNotWasm = errors.New("not a WebAssembly module (bad magic or version)")

// Parse decodes imports, exports and custom sections of a wasm binary.
func Parse(b []byte) (*Module, error) {
	if !bytes.HasPrefix(b, magic) {
		return nil, ErrNotWasm
	}
	m := &Module{}
	err := eachSection(b, func(id byte, _ int, sec *reader) error {
		var err error
		switch id {
		case 0:
			name, err := sec.name()
			if err != nil {
				return fmt.Errorf("custom section: %w", err)
			}
			m.Customs = append(m.Customs, CustomSection{Name: name, Data: append([]byte(nil), sec.b[sec.off:]...)})
		case 2:
			if m.Imports, err = parseImports(sec); err != nil {
				return fmt.Errorf("import section: %w", err)
			}
		case 7:
			if m.Exports, err = parseExports(sec); err != nil {
				return fmt.Errorf("export section: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// eachSection walks the sections after the header, calling fn with each
// section's id, the offset where the section (its id byte) starts, and a
// reader bounded to its payload.
func eachSection(b []byte, fn func(id byte, start int, payload *reader) error) error {
	r := &reader{b: b, off: len(magic)}
	for !r.eof() {
		start := r.off
		id, err := r.byte()
		if err != nil {
			return err
		}
		size, err := r.u32()
		if err != nil {
			return err
		}
		if uint64(r.off)+uint64(size) > uint64(len(b)) {
			return fmt.Errorf("section %d at offset %d overruns the module", id, r.off)
		}
		end := r.off + int(size)
		if err := fn(id, start, &reader{b: b[:end], off: r.off}); err != nil {
			return err
		}
		r.off = end
	}
	return nil
}

func parseImports(r *reader) ([]Import, error) {
	n, err := r.u32()
	if err != nil {
		return nil, err
	}
	out := make([]Import, 0, min(n, 4096))
	for range n {
		mod, err := r.name()
		if err != nil {
			return nil, err
		}
		name, err := r.name()
		if err != nil {
			return nil, err
		}
		k, err := r.byte()
		if err != nil {
			return nil, err
		}
		kind, ok := kinds[k]
		if !ok {
			return nil, fmt.Errorf("import %s.%s: unknown kind %d", mod, name, k)
		}
		switch kind {
		case KindFunc:
			_, err = r.u32()
		case KindTable:
			if _, err = r.byte(); err == nil {
				err = r.limits()
			}
		case KindMemory:
			err = r.limits()
		case KindGlobal:
			_, err = r.byte()
			if err == nil {
				_, err = r.byte()
			}
		}
		if err != nil {
			return nil, err
		}
		out = append(out, Import{Module: mod, Name: name, Kind: kind})
	}
	return out, nil
}

func parseExports(r *reader) ([]Export, error) {
	n, err := r.u32()
	if err != nil {
		return nil, err
	}
	out := make([]Export, 0, min(n, 4096))
	for range n {
		name, err := r.name()
		if err != nil {
			return nil, err
		}
		k, err := r.byte()
		if err != nil {
			return nil, err
		}
		kind, ok := kinds[k]
		if !ok {
			return nil, fmt.Errorf("export %s: unknown kind %d", name, k)
		}
		if _, err := r.u32(); err != nil {
			return nil, err
		}
		out = append(out, Export{Name: name, Kind: kind})
	}
	return out, nil
}

// AppendCustomSection returns b with a custom section appended. Custom
// sections may appear anywhere after the header, so appending keeps the
// module valid.
func AppendCustomSection(b []byte, name string, data []byte) ([]byte, error) {
	if !bytes.HasPrefix(b, magic) {
		return nil, ErrNotWasm
	}
	var payload []byte
	payload = appendU32(payload, uint32(len(name)))
	payload = append(payload, name...)
	payload = append(payload, data...)
	out := append([]byte(nil), b...)
	out = append(out, 0)
	out = appendU32(out, uint32(len(payload)))
	return append(out, payload...), nil
}

// RemoveCustomSections returns b without the custom sections of that name.
func RemoveCustomSections(b []byte, name string) ([]byte, error) {
	if !bytes.HasPrefix(b, magic) {
		return nil, ErrNotWasm
	}
	out := append([]byte(nil), magic...)
	err := eachSection(b, func(id byte, start int, sec *reader) error {
		if id == 0 {
			if n, err := sec.name(); err == nil && n == name {
				return nil
			}
		}
		out = append(out, b[start:len(sec.b)]...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

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

type reader struct {
	b   []byte
	off int
}

func (r *reader) eof() bool { return r.off >= len(r.b) }

func (r *reader) byte() (byte, error) {
	if r.off >= len(r.b) {
		return 0, fmt.Errorf("unexpected end at offset %d", r.off)
	}
	c := r.b[r.off]
	r.off++
	return c, nil
}

func (r *reader) u32() (uint32, error) {
	var v uint32
	for shift := 0; shift < 35; shift += 7 {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		v |= uint32(c&0x7f) << shift
		if c&0x80 == 0 {
			return v, nil
		}
	}
	return 0, fmt.Errorf("LEB128 too long at offset %d", r.off)
}

func (r *reader) name() (string, error) {
	n, err := r.u32()
	if err != nil {
		return "", err
	}
	if uint64(r.off)+uint64(n) > uint64(len(r.b)) {
		return "", fmt.Errorf("name overruns section at offset %d", r.off)
	}
	s := string(r.b[r.off : r.off+int(n)])
	r.off += int(n)
	return s, nil
}

func (r *reader) limits() error {
	flag, err := r.byte()
	if err != nil {
		return err
	}
	if _, err := r.u32(); err != nil {
		return err
	}
	if flag&1 == 1 {
		_, err = r.u32()
	}
	return err
}
