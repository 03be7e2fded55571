// Package plugintoml reads a plugin's plugin.toml text into a
// wire.Manifest, strictly: unknown keys are errors, so a typo cannot
// silently drop a request. The host (host/internal/manifest, from files and
// module sections) and pdk/pdktest (to hold a plugin's unit tests to its
// declared requests) both read manifests with it. It only parses and
// validates; it never decides what a manifest grants.
package plugintoml

import (
	"fmt"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/machina-go/machina/internal/wire"
)

// Parse decodes and validates plugin.toml text.
func Parse(text []byte) (wire.Manifest, error) {
	var m wire.Manifest
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
