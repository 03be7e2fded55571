package main

import (
	_ "embed"

	"github.com/machina-go/machina/pdk"
)

// manifest is plugin.toml, the one place the plugin's name and version
// are written.
//
//go:embed plugin.toml
var manifest string

// info is the plugin's name and version, read from the manifest.
func info() pdk.Info { return pdk.MustParseInfo(manifest) }

func init() { pdk.RegisterCMMS(info(), &maximo{}) }

// The operations it serves: a misspelled or mistyped method fails the
// build here instead of silently dropping an operation.
var (
	_ pdk.CompleteCMMS     = (*maximo)(nil)
	_ pdk.AttributeUpdater = (*maximo)(nil)
)

// main never runs: the module is a reactor whose exports the PDK owns.
func main() {}
