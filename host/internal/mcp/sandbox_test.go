package mcp_test

import (
	"strings"
	"testing"

	"github.com/machina-go/machina/host/internal/trace"

	"github.com/mark3labs/mcp-go/client"
)

// inProcess connects an in-process mcp-go client (the agent's path).
func inProcess(t *testing.T, e *env) *client.Client {
	t.Helper()
	c, err := client.NewInProcessClient(e.srv.MCPServer())
	if err != nil {
		t.Fatal(err)
	}
	initialize(t, c)
	t.Cleanup(func() { c.Close() })
	return c
}

func TestSandboxWritesNeverReachPlugins(t *testing.T) {
	e := newEnv(t, envOpts{sandbox: true, chat: true, quiet: true, trace: true})
	c := inProcess(t, e)

	cases := []struct {
		tool string
		args map[string]any
		want string
	}{
		{"machina_create_work_order", map[string]any{"asset_id": "P-101", "description": "Seal weeping", "priority": "high", "work_order_type": "predictive"},
			`{"id":"WO-SANDBOX-0000","type":"predictive","priority":"high","status":"created","asset_id":"P-101","description":"[SANDBOX — no real write performed] Seal weeping","metadata":{"sandbox":true}}`},
		{"machina_update_work_order", map[string]any{"work_order_id": "WO-1002", "status": "assigned"},
			`{"id":"WO-1002","description":"[SANDBOX — no real write performed] Update request logged.","metadata":{"sandbox":true}}`},
		{"machina_close_work_order", map[string]any{"work_order_id": "WO-1001"},
			`{"id":"WO-1001","description":"[SANDBOX — no real write performed] Close request logged.","metadata":{"sandbox":true}}`},
		{"machina_cancel_work_order", map[string]any{"work_order_id": "WO-1003", "reason": "duplicate"},
			`{"id":"WO-1003","description":"[SANDBOX — no real write performed] Cancel request logged. Reason: duplicate","metadata":{"sandbox":true}}`},
		{"machina_send_message", map[string]any{"channel": "42", "text": "hello"},
			`{"status":"blocked","description":"[SANDBOX — no real message sent]","metadata":{"sandbox":true}}`},
	}
	for _, k := range cases {
		text, isErr := call(t, c, k.tool, k.args)
		if isErr || text != k.want {
			t.Errorf("%s:\n got  %s (error=%v)\n want %s", k.tool, text, isErr, k.want)
		}
	}
	// The asset existence check still runs first.
	if text, isErr := call(t, c, "machina_create_work_order", map[string]any{"asset_id": "NOPE", "description": "x"}); !isErr || !strings.Contains(text, "Asset 'NOPE' not found") {
		t.Errorf("sandboxed create of a missing asset: %s", text)
	}
	// Enum validation still applies.
	if _, isErr := call(t, c, "machina_create_work_order", map[string]any{"asset_id": "P-101", "description": "x", "priority": "asap"}); !isErr {
		t.Error("sandboxed create with a bad priority succeeded")
	}
	if n := e.counter(t, "memcmms", "writes"); n != 0 {
		t.Errorf("%d writes reached memcmms in sandbox mode", n)
	}
	if n := e.counter(t, "memchat", "sends"); n != 0 {
		t.Errorf("%d sends reached memchat in sandbox mode", n)
	}
	// Reads still work.
	if text, isErr := call(t, c, "machina_get_work_order", map[string]any{"work_order_id": "WO-1002"}); isErr || !strings.Contains(text, `"status":"created"`) {
		t.Errorf("read in sandbox: %s", text)
	}
	if !strings.Contains(e.logs.String(), "sandbox_write_blocked") {
		t.Error("no sandbox_write_blocked log line")
	}
	if !waitTrace(t, e.tracer, func(es []trace.Entry) bool {
		blocked := 0
		for _, en := range es {
			if en.Action == "sandbox_write_blocked" && en.Metadata["sandbox"] == true && en.ParentID != "" {
				blocked++
			}
		}
		return blocked == len(cases)
	}) {
		t.Errorf("want %d sandbox_write_blocked trace entries under their tool calls", len(cases))
	}

	// Turning sandbox off lets writes through (the same plugins).
	e.gate.Set(false)
	if text, isErr := call(t, c, "machina_close_work_order", map[string]any{"work_order_id": "WO-1001"}); isErr {
		t.Fatal(text)
	}
	if text, isErr := call(t, c, "machina_send_message", map[string]any{"channel": "42", "text": "hello"}); isErr {
		t.Fatal(text)
	}
	if e.counter(t, "memcmms", "writes") != 1 || e.counter(t, "memchat", "sends") != 1 {
		t.Error("live writes did not reach the plugins")
	}
}
