// Package corpus is the Maximo payload corpus: response bodies in the shapes
// IBM's published material shows (SOURCES.md names each file's source, what
// is verbatim and what composed, and the values a correct connector must
// produce), and scenarios.json, those expected values as test scenarios
// (package simcorpus). The simulator serves the payloads; the plugin's
// tests and the conformance kit judge the plugin by the scenarios.
//
// Nothing here may be derived from the plugin, the simulator or the kit.
package corpus

import (
	"embed"
	"io/fs"

	"github.com/machina-go/machina/internal/sim/simcorpus"
)

//go:embed *.json SOURCES.md
var files embed.FS

// FS is the corpus: the payloads, scenarios.json and SOURCES.md.
func FS() fs.FS { return files }

// Scenarios are the corpus scenarios (scenarios.json).
func Scenarios() ([]simcorpus.Scenario, error) { return simcorpus.Load(files, "scenarios.json") }
