package plugin

import (
	"strings"
	"testing"

	"github.com/machina-go/machina/host/internal/wasmfile"
	"github.com/machina-go/machina/internal/wire"
)

func TestConventionOf(t *testing.T) {
	imp := func(mod, name string) wasmfile.Import {
		return wasmfile.Import{Module: mod, Name: name, Kind: wasmfile.KindFunc}
	}
	m13 := wire.Manifest{ABI: "1.3"}
	cases := []struct {
		man  wire.Manifest
		imps []wasmfile.Import
		want Convention
		err  string
	}{
		{m13, []wasmfile.Import{imp("extism:host/env", "input_length"), imp("machina", "http_request")}, ConventionExtism, ""},
		{wire.Manifest{ABI: "1.0"}, []wasmfile.Import{imp("extism:host/env", "output_set")}, ConventionExtism, ""},
		{m13, []wasmfile.Import{imp("machina", "input_size"), imp("machina", "http_send")}, ConventionDirect, ""},
		{m13, []wasmfile.Import{imp("wasi_snapshot_preview1", "fd_write")}, ConventionDirect, ""},
		{wire.Manifest{ABI: "1.0"}, []wasmfile.Import{imp("machina", "output_write")}, "", `declares abi = "1.0"`},
		{wire.Manifest{ABI: "1.2"}, []wasmfile.Import{imp("machina", "input_size")}, "", `declares abi = "1.2"`},
		{m13, []wasmfile.Import{imp("machina", "input_read"), imp("extism:host/env", "alloc")}, "", "mixes"},
	}
	for i, c := range cases {
		got, err := conventionOf(c.man, c.imps)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("case %d: want error %q, got %v", i, c.err, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("case %d: got %s, %v; want %s", i, got, err, c.want)
		}
	}
}
