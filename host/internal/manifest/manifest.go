// Package manifest reads a plugin's plugin.toml, from a file or from the
// "machina.manifest" custom section of a built module, strictly: unknown keys
// are errors, so a typo cannot silently drop a request. It never executes a
// module.
package manifest

import (
	"fmt"

	"github.com/machina-go/machina/host/internal/wasmfile"
	"github.com/machina-go/machina/internal/plugintoml"
	"github.com/machina-go/machina/internal/wire"
)

// Parse decodes and validates plugin.toml text (see plugintoml.Parse).
func Parse(text []byte) (wire.Manifest, error) { return plugintoml.Parse(text) }

// FromModule returns the manifest embedded in a parsed module, and its raw
// text.
func FromModule(mod *wasmfile.Module) (wire.Manifest, []byte, error) {
	text, ok := mod.Custom(wire.ManifestSection)
	if !ok {
		return wire.Manifest{}, nil, fmt.Errorf("module has no %q custom section: build it with `machina plugin build`", wire.ManifestSection)
	}
	m, err := Parse(text)
	return m, text, err
}
