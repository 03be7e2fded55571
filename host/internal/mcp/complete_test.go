package mcp_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/machina-go/machina/host/internal/trace"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

func complete(t *testing.T, c *client.Client, ref any, arg, value string) *mcp.Completion {
	t.Helper()
	req := mcp.CompleteRequest{}
	req.Params.Ref = ref
	req.Params.Argument = mcp.CompleteArgument{Name: arg, Value: value}
	res, err := c.Complete(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return &res.Completion
}

// TestCompletions: prompt arguments and resource template variables
// complete from the CMMS (the memcmms plugin's assets P-101, M-201, C-301
// and work orders WO-1001..WO-1003), by case-insensitive prefix, from a
// short-lived cache (one plugin call for many keystrokes).
func TestCompletions(t *testing.T) {
	e := newEnv(t, envOpts{quiet: true, trace: true})
	c := inProcess(t, e)
	prompt := mcp.PromptReference{Type: "ref/prompt", Name: "diagnose_asset_failure"}
	for _, k := range []struct {
		value string
		want  []string
	}{{"", []string{"C-301", "M-201", "P-101"}}, {"p", []string{"P-101"}}, {"P-1", []string{"P-101"}}, {"X", []string{}}} {
		if got := complete(t, c, prompt, "asset_id", k.value); !reflect.DeepEqual(got.Values, k.want) || got.Total != len(k.want) || got.HasMore {
			t.Errorf("asset_id %q: %+v, want %v", k.value, got, k.want)
		}
	}
	wo := mcp.ResourceReference{Type: "ref/resource", URI: "machina://v1/work-orders/{wo_id}"}
	if got := complete(t, c, wo, "wo_id", "wo-100"); !reflect.DeepEqual(got.Values, []string{"WO-1001", "WO-1002", "WO-1003"}) {
		t.Errorf("wo_id: %+v", got)
	}
	asset := mcp.ResourceReference{Type: "ref/resource", URI: "machina://v1/assets/{asset_id}"}
	if got := complete(t, c, asset, "asset_id", "m"); !reflect.DeepEqual(got.Values, []string{"M-201"}) {
		t.Errorf("asset template: %+v", got)
	}
	plan := mcp.PromptReference{Type: "ref/prompt", Name: "draft_preventive_plan"}
	if got := complete(t, c, plan, "planning_horizon", "1"); !reflect.DeepEqual(got.Values, []string{"12 months"}) {
		t.Errorf("planning_horizon: %+v", got)
	}
	// Six asset completions, one list_assets plugin call.
	if !waitTrace(t, e.tracer, func(es []trace.Entry) bool { return countOp(es, "list_assets") >= 1 }) {
		t.Fatal("no list_assets plugin call traced")
	}
	if n := countOp(e.tracer.Recent(500), "list_assets"); n != 1 {
		t.Errorf("%d list_assets plugin calls for six completions, want 1 (cached)", n)
	}
}

func countOp(es []trace.Entry, op string) int {
	n := 0
	for _, en := range es {
		if en.Action == trace.ActionPluginCall && en.Operation == op {
			n++
		}
	}
	return n
}
