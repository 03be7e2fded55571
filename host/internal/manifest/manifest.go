// Package manifest reads a plugin's plugin.toml, from a file or from the
// "machina.manifest" custom section of a built module, strictly: unknown keys
// are errors, so a typo cannot silently drop a request. It never executes a
// module.
package manifest

import (
	"fmt"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/wasmfile"
)

// Parse decodes and validates plugin.toml text.
func Parse(text []byte) (abi.Manifest, error) {
	var m abi.Manifest
	md, err := toml.Decode(string(text), &m)
	if err != nil {
		return m, fmt.Errorf("plugin.toml: %w", err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		sort.Strings(keys)
		return m, fmt.Errorf("plugin.toml: unknown keys: %s", strings.Join(keys, ", "))
	}
	if err := m.Validate(); err != nil {
		return m, err
	}
	return m, nil
}

// FromModule returns the manifest embedded in a parsed module, and its raw
// text.
func FromModule(mod *wasmfile.Module) (abi.Manifest, []byte, error) {
	text, ok := mod.Custom(abi.ManifestSection)
	if !ok {
		return abi.Manifest{}, nil, fmt.Errorf("module has no %q custom section: build it with `machina plugin build`", abi.ManifestSection)
	}
	m, err := Parse(text)
	return m, text, err
}
