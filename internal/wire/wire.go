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
type InitResponse struct {
	// Operations, when set (ABI 1.2), is the subset of the described
	// operations that the plugin serves with this configuration (a plugin
	// configured rather than coded, such as cmms-rest). The host narrows
	// the descriptor to it and never widens it; health is always served.
	Operations []abi.OpName `json:"operations,omitempty"`
}

// Narrow returns the operations of d that ops lists (health is always
// kept), in d's order. An empty ops leaves d's operations unchanged.
func (r InitResponse) Narrow(described []abi.OpName) []abi.OpName {
	if len(r.Operations) == 0 {
		return described
	}
	keep := map[abi.OpName]bool{abi.OpHealth: true}
	for _, op := range r.Operations {
		keep[op] = true
	}
	var out []abi.OpName
	for _, op := range described {
		if keep[op] {
			out = append(out, op)
		}
	}
	return out
}

// Envelope is the output of every plugin export: exactly one of Result and
// Error is set. Result holds the operation's response as JSON.
type Envelope struct {
	Result json.RawMessage `json:"result,omitempty"`
	Error  *abi.Error      `json:"error,omitempty"`
}
