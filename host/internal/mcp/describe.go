package mcp

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/machina-go/machina/abi"
)

// Description is what Machina can do, independent of any configuration:
// the output of `machina describe --json` and the machina://v1/capabilities
// resource.
type Description struct {
	SchemaVersion int              `json:"schema_version"`
	Server        string           `json:"server"`
	ABIVersion    string           `json:"abi_version"`
	Capabilities  []CapabilityInfo `json:"capabilities"`
	Tools         []ToolInfo       `json:"tools"`
	Operations    []OperationInfo  `json:"operations"`
	Resources     []ResourceInfo   `json:"resources"`
	Prompts       []PromptInfo     `json:"prompts"`
}

// CapabilityInfo is one capability wire string.
type CapabilityInfo struct {
	Capability string   `json:"capability"`
	ServedBy   string   `json:"served_by"`
	Operations []string `json:"operations"`
	Tools      []string `json:"tools"`
}

// ToolInfo is one MCP tool.
type ToolInfo struct {
	Name        string  `json:"name"`
	Capability  string  `json:"capability"`
	Operation   string  `json:"operation"`
	Class       string  `json:"class"`
	ReadOnly    bool    `json:"read_only"`
	Destructive bool    `json:"destructive"`
	Idempotent  bool    `json:"idempotent"`
	Description string  `json:"description"`
	Parameters  []param `json:"parameters"`
	// OptIn names the setting that enables the tool ("mcp.vendor_tools"
	// for the vendor tools, which serve no capability).
	OptIn string `json:"opt_in,omitempty"`
}

// OperationInfo is one entry of the ABI operation table.
type OperationInfo struct {
	Name        string   `json:"name"`
	Kinds       []string `json:"kinds"`
	Class       string   `json:"class"`
	Idempotent  bool     `json:"idempotent"`
	Destructive bool     `json:"destructive"`
	Capability  string   `json:"capability,omitempty"`
	Summary     string   `json:"summary"`
}

// ResourceInfo is one MCP resource.
type ResourceInfo struct {
	URI  string `json:"uri"`
	Name string `json:"name"`
}

// PromptInfo is one MCP prompt.
type PromptInfo struct {
	Name      string   `json:"name"`
	Arguments []string `json:"arguments"`
}

// servedBy names the component kind that serves a capability.
func servedBy(c abi.Capability) string {
	switch c {
	case abi.CapSearchDocuments:
		return "document store (native)"
	case abi.CapGetLatestReading, abi.CapReadNodeValue, abi.CapReadNodeValues:
		return "OPC-UA and MQTT (native)"
	}
	for _, op := range abi.Operations() {
		if op.Capability == c {
			return string(op.Kinds[0]) + " plugin"
		}
	}
	return "none (not implemented)"
}

// Describe builds the Description.
func Describe() Description {
	d := Description{SchemaVersion: 1, Server: ServerName, ABIVersion: abi.Version}
	byCap := map[abi.Capability][]string{}
	for _, t := range tools() {
		byCap[t.Capability] = append(byCap[t.Capability], t.Name)
		ro, de, id, _ := t.annotations()
		op := string(t.Op)
		if op == "" {
			op = "native"
		}
		info := ToolInfo{Name: t.Name, Capability: string(t.Capability), Operation: op, Class: string(t.class()),
			ReadOnly: ro, Destructive: de, Idempotent: id, Description: t.Description, Parameters: orEmpty(t.Params)}
		if t.Vendor {
			info.OptIn = "mcp.vendor_tools"
		}
		d.Tools = append(d.Tools, info)
	}
	opsByCap := map[abi.Capability][]string{}
	for _, op := range abi.Operations() {
		kinds := make([]string, len(op.Kinds))
		for i, k := range op.Kinds {
			kinds[i] = string(k)
		}
		d.Operations = append(d.Operations, OperationInfo{Name: string(op.Name), Kinds: kinds, Class: string(op.Class),
			Idempotent: op.Idempotent, Destructive: op.Destructive, Capability: string(op.Capability), Summary: op.Summary})
		if op.Capability != "" {
			opsByCap[op.Capability] = append(opsByCap[op.Capability], string(op.Name))
		}
	}
	// Only capabilities a tool serves are listed: a capability without a
	// tool is one no client or agent could use, so Machina never claims it.
	for _, c := range abi.Capabilities() {
		if len(byCap[c]) == 0 {
			continue
		}
		d.Capabilities = append(d.Capabilities, CapabilityInfo{Capability: string(c), ServedBy: servedBy(c),
			Operations: orEmpty(opsByCap[c]), Tools: byCap[c]})
	}
	d.Resources = []ResourceInfo{
		{AssetURIPrefix + "{asset_id}", "machina_asset"},
		{WorkOrderURIPrefix + "{wo_id}", "machina_work_order"},
		{FailureTaxonomyURI, "machina_failure_taxonomy"},
		{CapabilitiesURI, "machina_capabilities"},
		{AlarmsURI, "machina_alarms"},
		{AlarmURIPrefix + "{asset_id}", "machina_asset_alarms"},
	}
	for _, p := range promptDefs() {
		pi := PromptInfo{Name: p.name}
		for _, a := range p.args {
			pi.Arguments = append(pi.Arguments, a.name)
		}
		d.Prompts = append(d.Prompts, pi)
	}
	return d
}

// DescribeJSON is Describe as JSON with a 2-space indent and a trailing
// newline: the exact bytes of `machina describe --json` and of the
// machina://v1/capabilities resource.
func DescribeJSON() ([]byte, error) {
	b, err := json.MarshalIndent(Describe(), "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// WriteDescribeText writes Describe as human-readable text.
func WriteDescribeText(w io.Writer) error {
	d := Describe()
	var b strings.Builder
	fmt.Fprintf(&b, "Machina — MCP server %q, plugin ABI %s\n\n", d.Server, d.ABIVersion)
	fmt.Fprintln(&b, "Tools (registered when a connector serves their capability; vendor tools only with [mcp] vendor_tools = true):")
	fmt.Fprintf(&b, "  %-34s %-26s %-31s %s\n", "TOOL", "CAPABILITY", "HINTS", "PARAMETERS (? optional)")
	for _, t := range d.Tools {
		hint := "read-only"
		if !t.ReadOnly {
			hint = "WRITE"
			if t.Destructive {
				hint += ", destructive"
			}
		}
		if t.Idempotent {
			hint += ", idempotent"
		}
		params := make([]string, len(t.Parameters))
		for i, p := range t.Parameters {
			params[i] = p.Name
			if !p.Required {
				params[i] += "?"
			}
		}
		if len(params) == 0 {
			params = []string{"-"}
		}
		capability := string(t.Capability)
		if capability == "" {
			capability = "-"
		}
		fmt.Fprintf(&b, "  %-34s %-26s %-31s %s\n", t.Name, capability, hint, strings.Join(params, ", "))
	}
	fmt.Fprintln(&b, "\nCapabilities:")
	for _, c := range d.Capabilities {
		tools := "-"
		if len(c.Tools) > 0 {
			tools = strings.Join(c.Tools, ", ")
		}
		fmt.Fprintf(&b, "  %-26s %-26s %s\n", c.Capability, c.ServedBy, tools)
	}
	fmt.Fprintln(&b, "\nPlugin operations (the host classifies them; plugins cannot):")
	for _, op := range d.Operations {
		fmt.Fprintf(&b, "  %-22s %-5s %-20s %s\n", op.Name, op.Class, strings.Join(op.Kinds, ","), op.Summary)
	}
	fmt.Fprintln(&b, "\nResources:")
	for _, r := range d.Resources {
		fmt.Fprintf(&b, "  %s\n", r.URI)
	}
	fmt.Fprintln(&b, "\nPrompts:")
	for _, p := range d.Prompts {
		fmt.Fprintf(&b, "  %s(%s)\n", p.Name, strings.Join(p.Arguments, ", "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
