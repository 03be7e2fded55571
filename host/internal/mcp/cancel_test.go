package mcp_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/machina-go/machina/host/internal/trace"
	"github.com/machina-go/machina/internal/mcpclient"
	"github.com/mark3labs/mcp-go/mcp"
)

// TestCancellation over stdio (the client cancels with
// notifications/cancelled): a cancelled read stops its plugin call long
// before the per-call timeout; a cancelled write that already reached the
// plugin completes and is traced.
func TestCancellation(t *testing.T) {
	e := newEnv(t, envOpts{quiet: true, trace: true})
	c := serveStdioPipes(t, e)

	t.Run("read", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		if _, err := c.CallTool(ctx, toolReq("machina_get_asset", map[string]any{"asset_id": "spin"})); err == nil {
			t.Fatal("a cancelled call returned a result")
		}
		var call trace.Entry
		if !waitTrace(t, e.tracer, func(es []trace.Entry) bool {
			for _, en := range es {
				if en.Action == trace.ActionPluginCall && en.Operation == "get_asset" && en.AssetID == "spin" {
					call = en
					return true
				}
			}
			return false
		}) {
			t.Fatal("the cancelled plugin call never ended")
		}
		// The runtime's per-call timeout is far longer (see plugin limits):
		// the call ended because the request was cancelled.
		if call.Success || call.DurationMS > 5000 {
			t.Fatalf("plugin call: success=%v after %.0f ms", call.Success, call.DurationMS)
		}
	})
	t.Run("write", func(t *testing.T) {
		before := e.counter(t, "memcmms", "writes")
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		if _, err := c.CallTool(ctx, toolReq("machina_cancel_work_order", map[string]any{"work_order_id": "WO-1003", "reason": "slow"})); err == nil {
			t.Fatal("the client's cancelled call returned a result")
		}
		if !waitTrace(t, e.tracer, func(es []trace.Entry) bool {
			for _, en := range es {
				if en.Action == trace.ActionToolCall && en.Operation == "machina_cancel_work_order" && en.Success {
					return true
				}
			}
			return false
		}) {
			t.Fatal("the write was not completed and traced after the client cancelled")
		}
		if e.counter(t, "memcmms", "writes") != before+1 {
			t.Fatal("the write did not reach the plugin")
		}
		res, err := c.CallTool(context.Background(), toolReq("machina_get_work_order", map[string]any{"work_order_id": "WO-1003"}))
		if err != nil || res.IsError || !strings.Contains(mcpclient.Text(res), `"status":"cancelled"`) {
			t.Fatalf("after the write: %v %s", err, mcpclient.Text(res))
		}
	})
}

// TestProgress: a tool call with a progress token gets
// notifications/progress for each step of the work (here the manual
// search's stages); without a token, none.
func TestProgress(t *testing.T) {
	e := newEnv(t, envOpts{quiet: true, natives: true})
	c := inProcess(t, e)
	progress := notes(c, string(mcp.MethodNotificationProgress))
	req := toolReq("machina_search_manuals", map[string]any{"query": "bearing replacement"})
	req.Params.Meta = &mcp.Meta{ProgressToken: "search-1"}
	if res, err := c.CallTool(context.Background(), req); err != nil || res.IsError {
		t.Fatal(err, res)
	}
	var got []mcp.JSONRPCNotification
	for len(got) < 2 {
		select {
		case n := <-progress:
			got = append(got, n)
		case <-time.After(10 * time.Second):
			t.Fatalf("got %d progress notifications, want the lexical and the vector stage", len(got))
		}
	}
	for i, n := range got {
		p := n.Params.AdditionalFields
		if p["progressToken"] != "search-1" || fmt.Sprint(p["progress"]) != fmt.Sprint(i+1) || p["message"] == "" {
			t.Errorf("progress %d: %v", i, p)
		}
	}
	if res, err := c.CallTool(context.Background(), toolReq("machina_search_manuals", map[string]any{"query": "seal"})); err != nil || res.IsError {
		t.Fatal(err)
	}
	select {
	case n := <-progress:
		t.Errorf("progress without a token: %v", n.Params.AdditionalFields)
	case <-time.After(200 * time.Millisecond):
	}
}
