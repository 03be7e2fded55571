package wasmfile

import (
	"bytes"
	"testing"
)

// A hand-assembled module: one import (env.f: func type 0), one export.
func tinyModule() []byte {
	b := append([]byte(nil), magic...)
	// type section: 1 type, func () -> ()
	b = append(b, 1, 4, 1, 0x60, 0, 0)
	// import section: 1 import "env" "f" func type 0
	b = append(b, 2, 9, 1, 3, 'e', 'n', 'v', 1, 'f', 0, 0)
	// export section: 1 export "g" func 0
	b = append(b, 7, 5, 1, 1, 'g', 0, 0)
	return b
}

func TestParseAndCustomSections(t *testing.T) {
	b, err := AppendCustomSection(tinyModule(), "machina.manifest", []byte("name = \"x\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Imports) != 1 || m.Imports[0].String() != "env.f" || m.Imports[0].Kind != KindFunc {
		t.Fatalf("imports = %+v", m.Imports)
	}
	if got := m.ExportedFunctions(); len(got) != 1 || got[0] != "g" {
		t.Fatalf("exports = %v", got)
	}
	data, ok := m.Custom("machina.manifest")
	if !ok || string(data) != "name = \"x\"\n" {
		t.Fatalf("custom = %q %v", data, ok)
	}
	stripped, err := RemoveCustomSections(b, "machina.manifest")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stripped, tinyModule()) {
		t.Fatal("RemoveCustomSections did not restore the original module")
	}
}

func TestParseRejectsGarbage(t *testing.T) {
	if _, err := Parse([]byte("hello")); err == nil {
		t.Fatal("want error for non-wasm input")
	}
	b := tinyModule()
	if _, err := Parse(b[:len(b)-2]); err == nil {
		t.Fatal("want error for truncated module")
	}
}
