package main

import (
	"embed"
	"encoding/json"
	"fmt"
	pathpkg "path"
	"sort"
	"strings"
)

// presetFiles are the shipped presets: configurations written from each
// vendor's public API documentation (see presets/README.md).
//
//go:embed presets/*.json
var presetFiles embed.FS

// presetValues returns the named preset as configuration values.
func presetValues(name string) (map[string]any, error) {
	b, err := presetFiles.ReadFile("presets/" + pathpkg.Base(name) + ".json")
	if err != nil {
		return nil, fmt.Errorf("unknown preset %q (known: %s)", name, strings.Join(presetNames(), ", "))
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("preset %s: %w", name, err)
	}
	return v, nil
}

// presetNames lists the embedded presets.
func presetNames() []string {
	entries, _ := presetFiles.ReadDir("presets")
	var out []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".json"); ok {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}
