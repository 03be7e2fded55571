package wasmfile

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/machina-go/machina/host/internal/wasmbin"
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
	err := eachSection(b, func(id byte, _ int, sec *wasmbin.Reader) error {
		var err error
		switch id {
		case 0:
			name, err := sec.Name()
			if err != nil {
				return fmt.Errorf("custom section: %w", err)
			}
			m.Customs = append(m.Customs, CustomSection{Name: name, Data: append([]byte(nil), sec.B[sec.Off:]...)})
		case 2:
			if m.Imports, err = vector(sec, parseImport); err != nil {
				return fmt.Errorf("import section: %w", err)
			}
		case 7:
			if m.Exports, err = vector(sec, parseExport); err != nil {
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
func eachSection(b []byte, fn func(id byte, start int, payload *wasmbin.Reader) error) error {
	r := &wasmbin.Reader{B: b, Off: len(magic)}
	for !r.EOF() {
		start := r.Off
		id, err := r.Byte()
		if err != nil {
			return err
		}
		size, err := r.U32()
		if err != nil {
			return err
		}
		if uint64(r.Off)+uint64(size) > uint64(len(b)) {
			return fmt.Errorf("section %d at offset %d overruns the module", id, r.Off)
		}
		end := r.Off + int(size)
		if err := fn(id, start, &wasmbin.Reader{B: b[:end], Off: r.Off}); err != nil {
			return err
		}
		r.Off = end
	}
	return nil
}

// vector reads a vector of entries, each with read.
func vector[T any](r *wasmbin.Reader, read func(*wasmbin.Reader) (T, error)) ([]T, error) {
	n, err := r.U32()
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, min(n, 4096))
	for range n {
		e, err := read(r)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// kind reads the kind byte of an import or export.
func kind(r *wasmbin.Reader) (Kind, error) {
	k, err := r.Byte()
	if err != nil {
		return "", err
	}
	kind, ok := kinds[k]
	if !ok {
		return "", fmt.Errorf("unknown kind %d", k)
	}
	return kind, nil
}

func parseImport(r *wasmbin.Reader) (Import, error) {
	mod, err := r.Name()
	if err != nil {
		return Import{}, err
	}
	name, err := r.Name()
	if err != nil {
		return Import{}, err
	}
	k, err := kind(r)
	if err != nil {
		return Import{}, fmt.Errorf("import %s.%s: %w", mod, name, err)
	}
	switch k {
	case KindFunc:
		_, err = r.U32()
	case KindTable:
		if _, err = r.Byte(); err == nil {
			err = limits(r)
		}
	case KindMemory:
		err = limits(r)
	case KindGlobal:
		_, err = r.Byte()
		if err == nil {
			_, err = r.Byte()
		}
	}
	return Import{Module: mod, Name: name, Kind: k}, err
}

func parseExport(r *wasmbin.Reader) (Export, error) {
	name, err := r.Name()
	if err != nil {
		return Export{}, err
	}
	k, err := kind(r)
	if err != nil {
		return Export{}, fmt.Errorf("export %s: %w", name, err)
	}
	_, err = r.U32()
	return Export{Name: name, Kind: k}, err
}

// AppendCustomSection returns b with a custom section appended. Custom
// sections may appear anywhere after the header, so appending keeps the
// module valid.
func AppendCustomSection(b []byte, name string, data []byte) ([]byte, error) {
	if !bytes.HasPrefix(b, magic) {
		return nil, ErrNotWasm
	}
	payload := wasmbin.AppendName(nil, name)
	payload = append(payload, data...)
	out := append([]byte(nil), b...)
	out = append(out, 0)
	out = wasmbin.AppendU32(out, uint32(len(payload)))
	return append(out, payload...), nil
}

// RemoveCustomSections returns b without the custom sections of that name.
func RemoveCustomSections(b []byte, name string) ([]byte, error) {
	if !bytes.HasPrefix(b, magic) {
		return nil, ErrNotWasm
	}
	out := append([]byte(nil), magic...)
	err := eachSection(b, func(id byte, start int, sec *wasmbin.Reader) error {
		if id == 0 {
			if n, err := sec.Name(); err == nil && n == name {
				return nil
			}
		}
		out = append(out, b[start:len(sec.B)]...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// limits skips a table or memory type's limits.
func limits(r *wasmbin.Reader) error {
	flag, err := r.Byte()
	if err != nil {
		return err
	}
	if _, err := r.U32(); err != nil {
		return err
	}
	if flag&1 == 1 {
		_, err = r.U32()
	}
	return err
}
