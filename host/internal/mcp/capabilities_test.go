package mcp_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/machina-go/machina/abi"
	machinamcp "github.com/machina-go/machina/host/internal/mcp"
)

// TestEveryClaimedCapabilityIsServed is acceptance point 3 of issue #21,
// against a running server with a connector of every kind (a CMMS plugin
// with every operation, a messaging plugin, the document store, OPC-UA
// sensors) and the vendor tools on. It walks every capability claimed —
// those `machina describe --json` lists (the same bytes, see
// cli.TestDescribeJSON) and those the registry reports, which the agent's
// system prompt names — and checks that a tool registered on the server
// (tools/list) serves each one.
func TestEveryClaimedCapabilityIsServed(t *testing.T) {
	e := newEnv(t, envOpts{quiet: true, chat: true, natives: true, vendorTools: true})
	c := inProcess(t, e)
	tl, err := c.ListTools(t.Context(), toolsList())
	if err != nil {
		t.Fatal(err)
	}
	registered := map[string]bool{}
	for _, x := range tl.Tools {
		registered[x.Name] = true
	}

	b, err := machinamcp.DescribeJSON()
	if err != nil {
		t.Fatal(err)
	}
	var d machinamcp.Description
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	toolCap := map[string]string{}
	for _, x := range d.Tools {
		toolCap[x.Name] = x.Capability
	}
	described := map[string][]string{}
	for _, ci := range d.Capabilities {
		described[ci.Capability] = ci.Tools
		if len(ci.Tools) == 0 {
			t.Errorf("describe lists %s with no tool", ci.Capability)
		}
		for _, name := range ci.Tools {
			if toolCap[name] != ci.Capability {
				t.Errorf("describe says %s serves %s, but the tool's own entry says %q", name, ci.Capability, toolCap[name])
			}
		}
	}

	// servedBy is the registered tools that serve capability c.
	servedBy := func(c string) []string {
		var out []string
		for _, name := range described[c] {
			if registered[name] {
				out = append(out, name)
			}
		}
		return out
	}
	claimed := e.reg.Capabilities() // what the agent's system prompt lists
	for _, c := range claimed {
		if len(servedBy(string(c))) == 0 {
			t.Errorf("the registry claims %s (the agent is told so) but no registered tool serves it", c)
		}
	}
	// With a connector of every kind present, every capability describe
	// lists is one a connector really claims and a registered tool serves:
	// describe names nothing a client could not use.
	for c := range described {
		if !slices.Contains(claimed, abi.Capability(c)) {
			t.Errorf("describe lists %s, which no connector claims", c)
		} else if len(servedBy(c)) == 0 {
			t.Errorf("describe lists %s, but none of its tools %v is registered", c, described[c])
		}
	}
	for _, c := range []abi.Capability{abi.CapReadNodeValue, abi.CapReadNodeValues, abi.CapGetLatestReading} {
		if len(servedBy(string(c))) == 0 {
			t.Errorf("the sensor capability %s has no registered tool", c)
		}
	}
	// Registered tools serve a described capability, except the opt-in
	// vendor tools, which serve none.
	for name := range registered {
		if toolCap[name] == "" && !slices.Contains(vendorTools, name) {
			t.Errorf("registered tool %s serves no capability describe lists", name)
		}
	}
}
