package mcp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaCalls is one successful call of each of the 17 tools.
var schemaCalls = map[string]map[string]any{
	"machina_list_assets":             nil,
	"machina_get_asset":               {"asset_id": "P-101"},
	"machina_list_work_orders":        nil,
	"machina_get_work_order":          {"work_order_id": "WO-1001"},
	"machina_create_work_order":       {"asset_id": "P-101", "description": "Seal weeping", "priority": "high"},
	"machina_update_work_order":       {"work_order_id": "WO-1002", "status": "assigned", "assigned_to": "gverdi"},
	"machina_close_work_order":        {"work_order_id": "WO-1001"},
	"machina_cancel_work_order":       {"work_order_id": "WO-1003", "reason": "duplicate"},
	"machina_list_spare_parts":        nil,
	"machina_get_maintenance_plan":    nil,
	"machina_get_maintenance_history": {"asset_id": "P-101"},
	"machina_search_manuals":          {"query": "bearing replacement vibration"},
	"machina_get_sensor_reading":      {"asset_id": "P-101"},
	"machina_get_alarms":              nil,
	"machina_read_sensor_node":        {"alias": "p-101.temperature"},
	"machina_read_sensor_nodes":       {"aliases": []any{"p-101.temperature", "p-101.vibration"}},
	"machina_send_message":            {"channel": "4242", "text": "Pump P-101 needs a look"},
}

// TestOutputSchemas: every tool declares an outputSchema (an object schema,
// as the MCP tools spec requires), and every result's structuredContent
// validates against it — with a JSON Schema validator that is not the
// library generating the schemas — in normal and in sandbox mode; the text
// content keeps the reference's shape and carries the same data.
func TestOutputSchemas(t *testing.T) {
	for _, sandboxed := range []bool{false, true} {
		name := "live"
		if sandboxed {
			name = "sandbox"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, envOpts{chat: true, natives: true, sandbox: sandboxed})
			c, err := client.NewInProcessClient(e.srv.MCPServer())
			if err != nil {
				t.Fatal(err)
			}
			initialize(t, c)
			t.Cleanup(func() { c.Close() })
			schemas := toolSchemas(t, c)
			if len(schemas) != len(schemaCalls) {
				t.Fatalf("%d tools with an output schema, want %d", len(schemas), len(schemaCalls))
			}
			for tool, args := range schemaCalls {
				res, err := c.CallTool(context.Background(), toolReq(tool, args))
				if err != nil || res.IsError {
					t.Fatalf("%s: %v %v", tool, err, res)
				}
				checkStructured(t, tool, schemas[tool], res)
			}
		})
	}
}

// toolSchemas compiles each tool's outputSchema.
func toolSchemas(t *testing.T, c *client.Client) map[string]*jsonschema.Schema {
	t.Helper()
	tl, err := c.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*jsonschema.Schema{}
	for _, tool := range tl.Tools {
		raw, _ := json.Marshal(tool)
		var shape struct {
			OutputSchema json.RawMessage `json:"outputSchema"`
		}
		_ = json.Unmarshal(raw, &shape)
		if len(shape.OutputSchema) == 0 {
			t.Errorf("%s declares no outputSchema", tool.Name)
			continue
		}
		var top struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(shape.OutputSchema, &top) != nil || top.Type != "object" {
			t.Errorf("%s: outputSchema type %q, the MCP spec wants object", tool.Name, top.Type)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(shape.OutputSchema))
		if err != nil {
			t.Fatal(err)
		}
		comp := jsonschema.NewCompiler()
		if err := comp.AddResource(tool.Name+".json", doc); err != nil {
			t.Fatal(err)
		}
		s, err := comp.Compile(tool.Name + ".json")
		if err != nil {
			t.Fatalf("%s: outputSchema does not compile: %v", tool.Name, err)
		}
		out[tool.Name] = s
	}
	return out
}

// checkStructured validates a result's structuredContent and compares it
// with the text content (equal, or the list under its one property).
func checkStructured(t *testing.T, tool string, s *jsonschema.Schema, res *mcp.CallToolResult) {
	t.Helper()
	if s == nil {
		t.Fatalf("%s: no schema", tool)
	}
	if res.StructuredContent == nil {
		t.Fatalf("%s: no structuredContent", tool)
	}
	raw, _ := json.Marshal(res.StructuredContent)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(inst); err != nil {
		t.Errorf("%s: structuredContent %s does not validate: %v", tool, raw, err)
	}
	text := res.Content[0].(mcp.TextContent).Text
	var fromText, structured any
	_ = json.Unmarshal([]byte(text), &fromText)
	_ = json.Unmarshal(raw, &structured)
	if _, isList := fromText.([]any); isList {
		m, _ := structured.(map[string]any)
		if len(m) != 1 {
			t.Fatalf("%s: a list result must sit under one property: %s", tool, raw)
		}
		for _, v := range m {
			structured = v
		}
	}
	a, _ := json.Marshal(fromText)
	b, _ := json.Marshal(structured)
	if !bytes.Equal(a, b) {
		t.Errorf("%s: text and structuredContent differ:\n%s\n%s", tool, a, b)
	}
}
