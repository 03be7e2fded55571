package wire

import (
	"encoding/json"

	"github.com/machina-go/machina/abi"
)

// Namespace is the wasm import module of every Machina host function.
const Namespace = "machina"

// ManifestSection is the name of the wasm custom section that carries the
// plugin's plugin.toml, byte for byte.
const ManifestSection = "machina.manifest"

// Export names every plugin provides in addition to its operations.
const (
	ExportDescribe = "machina_describe"
	ExportInit     = "machina_init"
)

// InitRequest is the input of machina_init: the operator's non-secret plugin
// configuration as a JSON object.
type InitRequest struct {
	Config map[string]any `json:"config"`
}

// InitResponse is the output of machina_init.
type InitResponse struct{}

// Envelope is the output of every plugin export: exactly one of Result and
// Error is set. Result holds the operation's response as JSON.
type Envelope struct {
	Result json.RawMessage `json:"result,omitempty"`
	Error  *abi.Error      `json:"error,omitempty"`
}
