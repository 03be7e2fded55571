package mcp

import (
	"encoding/json"
	"testing"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/registry"
)

// TestNoCapabilityWithoutTool: Machina claims no capability that no MCP or
// agent tool serves (the agent calls the same MCP tools). `machina
// describe --json` lists only served capabilities, and every capability a
// connector can be registered with — a plugin's operations through the ABI
// table, or a native connector — has a tool, so neither describe nor the
// agent's system prompt (built from the registry's capabilities) can name
// one a client could not use.
func TestNoCapabilityWithoutTool(t *testing.T) {
	served := map[abi.Capability][]string{}
	for _, tl := range tools() {
		if tl.Capability != "" {
			served[tl.Capability] = append(served[tl.Capability], tl.Name)
		}
	}
	b, err := DescribeJSON()
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Capabilities []struct {
			Capability string   `json:"capability"`
			Tools      []string `json:"tools"`
		} `json:"capabilities"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	for _, c := range d.Capabilities {
		if len(c.Tools) == 0 || len(served[abi.Capability(c.Capability)]) == 0 {
			t.Errorf("describe --json lists %s, which no tool serves", c.Capability)
		}
	}
	claimable := registry.NativeCapabilities()
	for _, op := range abi.Operations() {
		if op.Capability != "" {
			claimable = append(claimable, op.Capability)
		}
	}
	for _, c := range claimable {
		if len(served[c]) == 0 {
			t.Errorf("capability %s can be registered (a plugin operation or a native connector serves it) but no tool serves it", c)
		}
	}
	// The capabilities the sensors claim are served, including the aliases.
	for _, c := range []abi.Capability{abi.CapReadNodeValue, abi.CapReadNodeValues} {
		if len(served[c]) == 0 {
			t.Errorf("%s has no tool", c)
		}
	}
}
