package mcp_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	machinamcp "github.com/machina-go/machina/host/internal/mcp"
	"github.com/machina-go/machina/host/internal/trace"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

const testToken = "0123456789abcdef0123456789abcdef"

// wantTools is the registration order for memcmms + memchat: the
// reference's CAPABILITY_TO_TOOL order filtered by what they serve.
var wantTools = []string{
	"machina_list_assets", "machina_get_asset", "machina_list_work_orders", "machina_get_work_order",
	"machina_create_work_order", "machina_update_work_order", "machina_close_work_order", "machina_cancel_work_order",
	"machina_list_spare_parts", "machina_get_maintenance_plan", "machina_get_maintenance_history",
	"machina_search_manuals", "machina_get_sensor_reading", "machina_get_alarms",
	"machina_read_sensor_node", "machina_read_sensor_nodes", "machina_send_message",
}

func TestHTTPEndToEnd(t *testing.T) {
	e := newEnv(t, envOpts{chat: true, trace: true, natives: true})
	ts, _ := tokenStore(t, e.dir, `{"`+testToken+`": "alice"}`, hclog.NewNullLogger())
	s := e.serveHTTP(t, ts, machinamcp.HTTPOptions{})
	c := connect(t, s.url, testToken)
	exerciseEverything(t, c, e, true)

	// The client id reached the tracer, on the tool call and below it.
	if !waitTrace(t, e.tracer, func(es []trace.Entry) bool {
		var tool, plugin bool
		for _, en := range es {
			tool = tool || (en.Action == "tool_call" && en.ClientID == "alice")
			plugin = plugin || (en.Action == "plugin_call" && en.ClientID == "alice" && en.ParentID != "")
		}
		return tool && plugin
	}) {
		t.Error("no tool_call and plugin_call trace entries carry client id alice")
	}
	for _, en := range e.tracer.Recent(500) {
		if en.Action == "plugin_call" && en.ClientID != "alice" {
			t.Errorf("plugin_call entry without client id: %+v", en)
		}
	}
}

// exerciseEverything lists and calls every tool (valid and invalid
// arguments), reads every resource and gets every prompt.
func exerciseEverything(t *testing.T, c *client.Client, e *env, ingested bool) {
	ctx := context.Background()
	tl, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range tl.Tools {
		names = append(names, tool.Name)
		ro := tool.Annotations.ReadOnlyHint != nil && *tool.Annotations.ReadOnlyHint
		write := strings.Contains(tool.Name, "create") || strings.Contains(tool.Name, "update") ||
			strings.Contains(tool.Name, "close") || strings.Contains(tool.Name, "cancel") || strings.Contains(tool.Name, "send")
		if ro == write {
			t.Errorf("%s: readOnlyHint=%v", tool.Name, ro)
		}
		if tool.Annotations.DestructiveHint == nil || tool.Annotations.IdempotentHint == nil {
			t.Errorf("%s: missing hints", tool.Name)
		}
	}
	// mcp-go lists tools sorted by name; compare as sets, and the server's
	// registration order separately.
	if !sameSet(names, wantTools) {
		t.Errorf("tools = %v\nwant %v", names, wantTools)
	}
	if e != nil && !reflect.DeepEqual(e.srv.ToolNames(), wantTools) {
		t.Errorf("registration order = %v", e.srv.ToolNames())
	}

	type tc struct {
		tool    string
		args    map[string]any
		wantErr string // substring of the error text; "" means success
		check   func(t *testing.T, text string)
	}
	cases := []tc{
		{"machina_list_assets", nil, "", func(t *testing.T, s string) {
			as := decode[[]map[string]any](t, s)
			if len(as) != 3 || as[0]["id"] != "P-101" || len(as[0]) != 5 {
				t.Errorf("list_assets: %s", s)
			}
		}},
		{"machina_get_asset", map[string]any{"asset_id": "P-101"}, "", func(t *testing.T, s string) {
			a := decode[map[string]any](t, s)
			for _, k := range []string{"id", "name", "type", "location", "criticality", "manufacturer", "model", "parent", "failure_modes"} {
				if _, ok := a[k]; !ok {
					t.Errorf("get_asset lacks %s: %s", k, s)
				}
			}
		}},
		{"machina_get_asset", map[string]any{"asset_id": "NOPE"}, "Asset 'NOPE' not found", nil},
		{"machina_get_asset", map[string]any{}, "asset_id is required", nil},
		{"machina_get_asset", map[string]any{"asset_id": 7}, "asset_id must be a string", nil},
		{"machina_get_asset", map[string]any{"asset_id": "boom"}, "db.properties", func(t *testing.T, s string) {
			if strings.Contains(s, "/home") || strings.Contains(s, "operator") || strings.Contains(s, "maximo/conf") {
				t.Errorf("path leaked: %s", s)
			}
		}},
		{"machina_list_work_orders", nil, "", func(t *testing.T, s string) {
			if wos := decode[[]map[string]any](t, s); len(wos) < 3 || len(wos[0]) != 7 {
				t.Errorf("list_work_orders: %s", s)
			}
		}},
		{"machina_list_work_orders", map[string]any{"asset_id": "P-101", "status": "created"}, "", func(t *testing.T, s string) {
			if wos := decode[[]map[string]any](t, s); len(wos) != 1 || wos[0]["id"] != "WO-1002" {
				t.Errorf("filtered: %s", s)
			}
		}},
		{"machina_list_work_orders", map[string]any{"status": "bogus"}, "valid values: created, assigned, in_progress, completed, closed, cancelled", nil},
		{"machina_get_work_order", map[string]any{"work_order_id": "WO-1001"}, "", func(t *testing.T, s string) {
			w := decode[map[string]any](t, s)
			if w["failure_mode"] != "BEAR-WEAR-01" || w["created_at"] != "2026-01-15T08:00:00Z" {
				t.Errorf("get_work_order: %s", s)
			}
		}},
		{"machina_get_work_order", map[string]any{"work_order_id": "WO-9"}, "Work order 'WO-9' not found", nil},
		{"machina_create_work_order", map[string]any{"asset_id": "P-101", "description": "Seal weeping"}, "", func(t *testing.T, s string) {
			w := decode[map[string]any](t, s)
			want := abi.AutoWorkOrderID("P-101", abi.TypeCorrective, abi.PriorityMedium, "Seal weeping", "")
			if w["id"] != want || w["status"] != "created" || w["priority"] != "medium" || w["type"] != "corrective" || len(w) != 6 {
				t.Errorf("create: %s (want id %s)", s, want)
			}
		}},
		{"machina_create_work_order", map[string]any{"asset_id": "P-101", "description": "x", "priority": "urgent"}, "valid values: emergency, high, medium, low", nil},
		{"machina_create_work_order", map[string]any{"asset_id": "P-101", "description": "x", "work_order_type": "fix"}, "valid values: corrective, preventive, predictive, improvement", nil},
		{"machina_create_work_order", map[string]any{"asset_id": "NOPE", "description": "x"}, "Asset 'NOPE' not found", nil},
		{"machina_update_work_order", map[string]any{"work_order_id": "WO-1002", "status": "assigned", "assigned_to": "gverdi"}, "", func(t *testing.T, s string) {
			w := decode[map[string]any](t, s)
			if w["status"] != "assigned" || w["assigned_to"] != "gverdi" || len(w) != 7 {
				t.Errorf("update: %s", s)
			}
		}},
		{"machina_update_work_order", map[string]any{"work_order_id": "WO-1002", "status": "done"}, "Invalid status 'done'. Valid values: created, assigned", nil},
		{"machina_update_work_order", map[string]any{"work_order_id": "WO-1002"}, "nothing to update", nil},
		{"machina_close_work_order", map[string]any{"work_order_id": "WO-1001"}, "", func(t *testing.T, s string) {
			if w := decode[map[string]any](t, s); w["status"] != "closed" || w["asset_id"] != "P-101" || len(w) != 3 {
				t.Errorf("close: %s", s)
			}
		}},
		{"machina_close_work_order", map[string]any{}, "work_order_id is required", nil},
		{"machina_cancel_work_order", map[string]any{"work_order_id": "WO-1003", "reason": "duplicate"}, "", func(t *testing.T, s string) {
			if w := decode[map[string]any](t, s); w["status"] != "cancelled" {
				t.Errorf("cancel: %s", s)
			}
		}},
		{"machina_cancel_work_order", map[string]any{"work_order_id": "WO-404"}, "Work order 'WO-404' not found", nil},
		{"machina_list_spare_parts", map[string]any{"asset_id": "C-301"}, "", func(t *testing.T, s string) {
			ps := decode[[]map[string]any](t, s)
			if len(ps) != 1 || ps[0]["sku"] != "FLT-GA37" || len(ps[0]) != 5 {
				t.Errorf("spare parts by asset: %s", s)
			}
		}},
		{"machina_list_spare_parts", nil, "", func(t *testing.T, s string) {
			if ps := decode[[]map[string]any](t, s); len(ps) != 3 {
				t.Errorf("spare parts: %s", s)
			}
		}},
		{"machina_list_spare_parts", map[string]any{"asset_id": 3}, "asset_id must be a string", nil},
		{"machina_get_maintenance_plan", nil, "", func(t *testing.T, s string) {
			ps := decode[[]map[string]any](t, s)
			if len(ps) != 2 || ps[0]["interval_days"] != float64(90) || ps[1]["interval_days"] != float64(15) {
				t.Errorf("plans: %s", s)
			}
		}},
		{"machina_get_maintenance_history", map[string]any{"asset_id": "P-101"}, "", func(t *testing.T, s string) {
			hs := decode[[]map[string]any](t, s)
			if len(hs) == 0 || len(hs[0]) != 8 {
				t.Errorf("history: %s", s)
			}
		}},
		{"machina_get_maintenance_history", map[string]any{"asset_id": ""}, "asset_id is required", nil},
		{"machina_search_manuals", map[string]any{"query": "bearing replacement vibration"}, "", func(t *testing.T, s string) {
			hits := decode[[]map[string]any](t, s)
			if ingested && (len(hits) == 0 || hits[0]["source"] != "pump_p101_manual.md") {
				t.Errorf("search: %s", s)
			}
			for _, h := range hits {
				if src, _ := h["source"].(string); strings.Contains(src, "/") {
					t.Errorf("source path leaked: %s", src)
				}
			}
		}},
		{"machina_search_manuals", map[string]any{"query": "bearing", "top_k": 2, "asset_id": "P-101", "filters": map[string]any{"doc_type": "manual"}}, "", nil},
		{"machina_search_manuals", map[string]any{"query": ""}, "query is required", nil},
		{"machina_search_manuals", map[string]any{"query": "x", "top_k": 0}, "top_k must be between 1 and 100", nil},
		{"machina_search_manuals", map[string]any{"query": "x", "top_k": 2.5}, "top_k must be an integer", nil},
		{"machina_search_manuals", map[string]any{"query": "x", "filters": map[string]any{"doc_type": 3}}, "filters.doc_type must be a string", nil},
		{"machina_get_sensor_reading", map[string]any{"asset_id": "P-101"}, "", func(t *testing.T, s string) {
			if r := decode[map[string]any](t, s); r["asset_id"] != "P-101" {
				t.Errorf("sensor reading: %s", s)
			}
		}},
		{"machina_get_sensor_reading", map[string]any{"asset_id": "NOPE"}, `no sensor is configured for asset "NOPE"`, nil},
		{"machina_get_sensor_reading", map[string]any{}, "asset_id is required", nil},
		{"machina_get_alarms", nil, "", func(t *testing.T, s string) {
			decode[[]map[string]any](t, s)
		}},
		{"machina_get_alarms", map[string]any{"asset_id": 5}, "asset_id must be a string", nil},
		{"machina_read_sensor_nodes", map[string]any{"aliases": []any{"p-101.temperature", "P-101.VIBRATION"}}, "", func(t *testing.T, s string) {
			rs := decode[[]map[string]any](t, s)
			if len(rs) != 2 || rs[0]["alias"] != "p-101.temperature" || rs[0]["quality"] != "good" || rs[1]["parameter"] != "vibration" {
				t.Errorf("read_sensor_nodes: %s", s)
			}
		}},
		{"machina_read_sensor_node", map[string]any{"alias": "p-101.temperature"}, "", func(t *testing.T, s string) {
			if rs := decode[[]map[string]any](t, s); len(rs) != 1 || rs[0]["unit"] == "" {
				t.Errorf("read_sensor_node: %s", s)
			}
		}},
		// Only configured aliases: a raw node id is not a way around them.
		{"machina_read_sensor_node", map[string]any{"alias": "ns=2;s=P-101.Temperature"}, `no sensor point is configured with the alias "ns=2;s=P-101.Temperature"`, nil},
		{"machina_read_sensor_nodes", map[string]any{"aliases": "p-101.temperature"}, "aliases must be an array of strings", nil},
		{"machina_read_sensor_nodes", map[string]any{"aliases": []any{}}, "aliases is required", nil},
		{"machina_send_message", map[string]any{"channel": "12345", "text": "Pump P-101 needs attention"}, "", func(t *testing.T, s string) {
			if s != `{"status":"sent","channel":"12345"}` {
				t.Errorf("send: %s", s)
			}
		}},
		{"machina_send_message", map[string]any{"channel": "12345"}, "text is required", nil},
	}
	for _, k := range cases {
		text, isErr := call(t, c, k.tool, k.args)
		switch {
		case k.wantErr == "" && isErr:
			t.Errorf("%s %v: unexpected error %q", k.tool, k.args, text)
		case k.wantErr != "" && !isErr:
			t.Errorf("%s %v: want error containing %q, got %s", k.tool, k.args, k.wantErr, text)
		case k.wantErr != "" && !strings.Contains(text, k.wantErr):
			t.Errorf("%s %v: error %q lacks %q", k.tool, k.args, text, k.wantErr)
		}
		if k.check != nil {
			k.check(t, text)
		}
	}

	// Resources.
	rl, err := c.ListResources(ctx, mcp.ListResourcesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var uris []string
	for _, r := range rl.Resources {
		uris = append(uris, r.URI)
	}
	// With the OPC-UA connector, the live alarms resource (and its per-asset
	// template) are listed too.
	if !sameSet(uris, []string{machinamcp.FailureTaxonomyURI, machinamcp.CapabilitiesURI, machinamcp.AlarmsURI}) {
		t.Errorf("resources = %v", uris)
	}
	rtl, err := c.ListResourceTemplates(ctx, mcp.ListResourceTemplatesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rtl.ResourceTemplates) != 3 {
		t.Errorf("templates = %+v", rtl.ResourceTemplates)
	}
	read := func(uri string) (string, error) {
		req := mcp.ReadResourceRequest{}
		req.Params.URI = uri
		res, err := c.ReadResource(ctx, req)
		if err != nil {
			return "", err
		}
		return res.Contents[0].(mcp.TextResourceContents).Text, nil
	}
	if s, err := read("machina://v1/assets/P-101"); err != nil || decode[abi.Asset](t, s).Manufacturer != "Grundfos" {
		t.Errorf("asset resource: %v %s", err, s)
	}
	if _, err := read("machina://v1/assets/NOPE"); err == nil || !strings.Contains(err.Error(), "Asset 'NOPE' not found") {
		t.Errorf("missing asset resource: %v", err)
	}
	if s, err := read("machina://v1/work-orders/WO-1001"); err != nil || decode[abi.WorkOrder](t, s).AssetID != "P-101" {
		t.Errorf("work order resource: %v %s", err, s)
	}
	if s, err := read(machinamcp.FailureTaxonomyURI); err != nil {
		t.Error(err)
	} else {
		fm := decode[[]map[string]any](t, s)
		want := []string{"BEAR-WEAR-01", "SEAL-LEAK-01", "IMPE-EROS-01", "MOTO-INSU-01", "CORR-PIPE-01", "VALV-STICK-01", "GEAR-TOOTH-01", "BELT-WEAR-01"}
		for i, w := range want {
			if i >= len(fm) || fm[i]["code"] != w || len(fm[i]) != 5 {
				t.Errorf("taxonomy[%d] = %v, want %s with 5 fields", i, fm, w)
				break
			}
		}
	}
	want, _ := machinamcp.DescribeJSON()
	if s, err := read(machinamcp.CapabilitiesURI); err != nil || s != string(want) {
		t.Errorf("capabilities resource differs from describe --json: %v", err)
	}

	// Prompts.
	pl, err := c.ListPrompts(ctx, mcp.ListPromptsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pl.Prompts) != 3 {
		t.Errorf("prompts = %+v", pl.Prompts)
	}
	for _, p := range []struct {
		name string
		args map[string]string
		has  string
	}{
		{"diagnose_asset_failure", map[string]string{"asset_id": "P-101", "symptoms": "noise"}, "noise"},
		{"diagnose_asset_failure", map[string]string{"asset_id": "P-101"}, "Reported symptoms: none reported"},
		{"draft_preventive_plan", map[string]string{"asset_id": "P-101"}, "12 months"},
		{"summarize_maintenance_history", map[string]string{"asset_id": "P-101"}, "P-101"},
	} {
		req := mcp.GetPromptRequest{}
		req.Params.Name = p.name
		req.Params.Arguments = p.args
		res, err := c.GetPrompt(ctx, req)
		if err != nil {
			t.Errorf("%s: %v", p.name, err)
			continue
		}
		text := res.Messages[0].Content.(mcp.TextContent).Text
		if !strings.Contains(text, p.has) || !strings.HasSuffix(text, machinamcp.InjectionGuard) || !strings.Contains(text, machinamcp.CapabilityGuard) {
			t.Errorf("%s: prompt text lacks argument or guards:\n%s", p.name, text)
		}
		req.Params.Arguments = map[string]string{}
		if _, err := c.GetPrompt(ctx, req); err == nil {
			t.Errorf("%s without asset_id: want error", p.name)
		}
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, v := range m {
		if v != 0 {
			return false
		}
	}
	return true
}

var _ = json.Marshal
