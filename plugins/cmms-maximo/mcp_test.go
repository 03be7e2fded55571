package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/machina-go/machina/internal/mcpclient"
	maxsim "github.com/machina-go/machina/internal/sim/maximo"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

// End to end: an MCP client calls every machina_* CMMS tool; the host's
// MCP server, router and sandbox gate dispatch to the wasm plugin, which
// talks to the Maximo simulator through the policy host.
func TestMCPToolsAgainstSimulator(t *testing.T) {
	f := newWasmFixture(t, maxsim.Options{Seed: 1}, nil)
	c, err := client.NewInProcessClient(f.host.MCPServer())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if err := mcpclient.Initialize(ctx, c, "maximo-e2e", "1"); err != nil {
		t.Fatal(err)
	}
	tools, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, tl := range tools.Tools {
		listed[tl.Name] = true
	}
	call := func(name string, args map[string]any) (string, bool) {
		t.Helper()
		text, isErr, err := mcpclient.Call(ctx, c, name, args)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return text, isErr
	}
	ok := func(name string, args map[string]any, want ...string) string {
		t.Helper()
		if !listed[name] {
			t.Fatalf("tool %s is not registered (tools: %v)", name, listed)
		}
		out, isErr := call(name, args)
		if isErr {
			t.Fatalf("%s(%v): tool error %s", name, args, out)
		}
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Fatalf("%s(%v) = %.400s; want %q in it", name, args, out, w)
			}
		}
		return out
	}
	var assets []map[string]any
	if err := json.Unmarshal([]byte(ok("machina_list_assets", nil)), &assets); err != nil || len(assets) != len(f.sim.Records(maxsim.OSAsset)) {
		t.Fatalf("list_assets: %v %d", err, len(assets))
	}
	ok("machina_get_asset", map[string]any{"asset_id": "P-101"}, `"P-101"`, `"A"`)
	ok("machina_list_work_orders", map[string]any{"asset_id": "P-101", "status": "in_progress"}, "in_progress")
	ok("machina_get_work_order", map[string]any{"work_order_id": "WO1001"}, "WO1001")
	ok("machina_get_maintenance_history", map[string]any{"asset_id": "P-101"}, "P-101")
	ok("machina_list_spare_parts", map[string]any{"asset_id": "P-101"}, "SEAL-M32")
	ok("machina_get_maintenance_plan", nil, "P-101")
	created := ok("machina_create_work_order", map[string]any{"asset_id": "P-101", "description": "MCP e2e: seal leak", "priority": "high", "work_order_type": "corrective"}, "created")
	var wo struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(created), &wo); err != nil || wo.ID == "" {
		t.Fatalf("create result %s: %v", created, err)
	}
	ok("machina_update_work_order", map[string]any{"work_order_id": wo.ID, "status": "assigned", "assigned_to": "LCHEN"}, "assigned")
	ok("machina_cancel_work_order", map[string]any{"work_order_id": wo.ID, "reason": "duplicate"}, "cancelled")
	var done string
	for _, r := range f.sim.Records(maxsim.OSWorkOrder) {
		if r["status"] == "COMP" {
			done = r["wonum"].(string)
			break
		}
	}
	ok("machina_close_work_order", map[string]any{"work_order_id": done}, "closed")

	// errors come back as tool errors, and a hostile id finds nothing.
	writes := f.sim.Stats().Writes
	if out, isErr := call("machina_update_work_order", map[string]any{"work_order_id": done, "status": "in_progress"}); !isErr || !strings.Contains(out, "transition") {
		t.Fatalf("closed → in_progress: %v %s", isErr, out)
	}
	if f.sim.Stats().Writes != writes {
		t.Fatal("a refused transition reached Maximo")
	}
	if out, isErr := call("machina_get_asset", map[string]any{"asset_id": `P-1" or assetnum="*`}); !isErr {
		t.Fatalf("hostile id: %s", out)
	}
}
