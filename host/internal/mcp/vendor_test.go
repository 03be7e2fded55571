package mcp_test

import (
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	machinamcp "github.com/machina-go/machina/host/internal/mcp"
	"github.com/machina-go/machina/host/internal/router"
	"github.com/machina-go/machina/host/internal/trace"
	"github.com/machina-go/machina/internal/mcpclient"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

var vendorTools = []string{"sap_pm_raw_iw38_notification", "maximo_raw_attribute_update"}

func listed(t *testing.T, c *client.Client) map[string]bool {
	t.Helper()
	tl, err := c.ListTools(t.Context(), toolsList())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, x := range tl.Tools {
		out[x.Name] = x.Annotations.ReadOnlyHint != nil && !*x.Annotations.ReadOnlyHint
	}
	return out
}

// Acceptance: the vendor tools are absent by default, even with a plugin
// that implements their operations; and they reach an upstream only
// through a plugin that serves the vendor operation: enabled, but with a
// CMMS configured without them, they are not registered. Either way the
// CMMS's own tools are there, and nothing answers in the vendor tools'
// place: a call fails and no write reaches the plugin.
func TestVendorToolsUnregistered(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts envOpts
		tool string
		args map[string]any
	}{
		{"absent by default", envOpts{quiet: true, noConfirm: true},
			"maximo_raw_attribute_update", map[string]any{"resource_type": "mxwo", "resource_id": "x", "attributes": map[string]any{"a": "b"}}},
		{"enabled without a plugin serving them", envOpts{quiet: true, noConfirm: true, vendorTools: true, noVendorOps: true},
			"sap_pm_raw_iw38_notification", map[string]any{"equipment_id": "10000042"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.opts)
			c := inProcess(t, e)
			got := listed(t, c)
			if _, ok := got["machina_create_work_order"]; !ok {
				t.Fatal("the CMMS's own tools are missing")
			}
			for _, name := range vendorTools {
				if _, ok := got[name]; ok {
					t.Errorf("%s registered", name)
				}
			}
			res, err := c.CallTool(t.Context(), toolReq(tc.tool, tc.args))
			if err == nil && !res.IsError {
				t.Fatalf("an unregistered vendor tool answered: %+v", res)
			}
			if n := e.counter(t, "memcmms", "writes"); n != 0 {
				t.Fatalf("%d writes reached the plugin", n)
			}
		})
	}
}

// Acceptance: enabled, they are registered as writes (not read-only),
// reach the upstream through the plugin's vendor operation, and are traced
// as plugin calls of that operation with the client's call.
func TestVendorToolsEnabledAreTracedWrites(t *testing.T) {
	e := newEnv(t, envOpts{quiet: true, noConfirm: true, trace: true, vendorTools: true})
	c := inProcess(t, e)
	got := listed(t, c)
	for _, name := range vendorTools {
		if write, ok := got[name]; !ok || !write {
			t.Errorf("%s: registered %v, write annotation %v", name, ok, write)
		}
	}
	text, isErr := call(t, c, "maximo_raw_attribute_update", map[string]any{"resource_type": "mxwo", "resource_id": "_V08xMDAxL0JFREZPUkQ-", "attributes": map[string]any{"description": "raw"}})
	if isErr || !strings.Contains(text, `"status_code":200`) || !strings.Contains(text, `"description":"raw"`) {
		t.Fatalf("maximo_raw_attribute_update: %s", text)
	}
	text, isErr = call(t, c, "sap_pm_raw_iw38_notification", map[string]any{"equipment_id": "10000042", "description": "Leak at flange"})
	if isErr || !strings.Contains(text, `"status_code":201`) || !strings.Contains(text, `"NotificationType":"M2"`) {
		t.Fatalf("sap_pm_raw_iw38_notification: %s", text)
	}
	if n := e.counter(t, "memcmms", "writes"); n != 2 {
		t.Fatalf("%d writes reached the plugin, want 2", n)
	}
	for _, op := range []abi.OpName{abi.OpVendorUpdateAttributes, abi.OpVendorCreateNotification} {
		if !waitTrace(t, e.tracer, func(es []trace.Entry) bool {
			for _, en := range es {
				if en.Action == trace.ActionPluginCall && en.Operation == string(op) && en.Plugin == "memcmms" && en.Success {
					return true
				}
			}
			return false
		}) {
			t.Errorf("no plugin_call trace of %s", op)
		}
	}
	if _, isErr := call(t, c, "maximo_raw_attribute_update", map[string]any{"resource_type": "../users", "resource_id": "x", "attributes": map[string]any{"a": "b"}}); !isErr {
		t.Error("a resource type that is no object structure name was accepted")
	}
}

// Acceptance: in sandbox mode a vendor tool never reaches the plugin; the
// reference's synthesised answer is returned and the block is traced.
func TestVendorToolsSandboxed(t *testing.T) {
	e := newEnv(t, envOpts{quiet: true, noConfirm: true, trace: true, vendorTools: true, sandbox: true})
	c := inProcess(t, e)
	text, isErr := call(t, c, "maximo_raw_attribute_update", map[string]any{"resource_type": "mxwo", "resource_id": "x", "attributes": map[string]any{"status": "CLOSE"}})
	if isErr || text != `{"description":"[SANDBOX — no real write performed] Attribute update logged.","metadata":{"sandbox":true}}` {
		t.Fatalf("sandboxed attribute update: %s", text)
	}
	text, isErr = call(t, c, "sap_pm_raw_iw38_notification", map[string]any{"equipment_id": "10000042", "description": "Leak at flange"})
	if isErr || !strings.Contains(text, "[SANDBOX — no real write performed] Leak at flange") {
		t.Fatalf("sandboxed notification: %s", text)
	}
	if n := e.counter(t, "memcmms", "writes"); n != 0 {
		t.Fatalf("%d sandboxed writes reached the plugin", n)
	}
	if !waitTrace(t, e.tracer, func(es []trace.Entry) bool {
		n := 0
		for _, en := range es {
			if en.Action == router.ActionSandboxBlocked && strings.HasPrefix(en.Operation, "vendor_") {
				n++
			}
		}
		return n == 2
	}) {
		t.Fatal("the sandboxed vendor calls were not traced as blocked")
	}
}

// A read-only token cannot call a vendor tool: it is a write for the scope
// check as for every other write.
func TestVendorToolsNeedWriteScope(t *testing.T) {
	e := newEnv(t, envOpts{quiet: true, noConfirm: true, vendorTools: true})
	const reader = "readreadreadreadreadreadreadread"
	ts, _ := tokenStore(t, e.dir, `{"`+testToken+`": "alice", "`+reader+`": {"client_id": "dashboard", "scope": "read"}}`, hclog.NewNullLogger())
	s := e.serveHTTP(t, ts, machinamcp.HTTPOptions{})
	body := `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"maximo_raw_attribute_update","arguments":{"resource_type":"mxwo","resource_id":"x","attributes":{"a":"b"}}}}`
	resp, out := post(t, s.url, map[string]string{"Authorization": "Bearer " + reader}, body)
	if resp.StatusCode != 403 || !strings.Contains(out, "insufficient_scope") {
		t.Fatalf("status %d %s", resp.StatusCode, out)
	}
	if n := e.counter(t, "memcmms", "writes"); n != 0 {
		t.Fatalf("%d writes reached the plugin", n)
	}
}

// Vendor tools are confirmed like every write: the user sees every
// argument, a decline writes nothing, an accept writes once, and both
// answers are traced.
func TestVendorToolsConfirmed(t *testing.T) {
	e := newEnv(t, envOpts{quiet: true, trace: true, vendorTools: true})
	args := map[string]any{"resource_type": "mxwo", "resource_id": "_V08xMDAxL0JFREZPUkQ-", "attributes": map[string]any{"status": "WAPPR"}}

	no := &user{action: mcp.ElicitationResponseActionDecline}
	res := callTool(t, inProcessAs(t, e, no), "maximo_raw_attribute_update", args)
	if text := mcpclient.Text(res); res.IsError || !strings.Contains(text, `"status":"declined"`) {
		t.Fatalf("declined vendor write: %s", text)
	}
	if n := e.counter(t, "memcmms", "writes"); n != 0 {
		t.Fatalf("a declined vendor write reached the plugin (%d writes)", n)
	}
	shown := no.asked()
	if len(shown) != 1 {
		t.Fatalf("asked %d times", len(shown))
	}
	for _, want := range []string{"maximo raw attribute update", "resource type: mxwo", "resource id: _V08xMDAxL0JFREZPUkQ-", "WAPPR"} {
		if !strings.Contains(shown[0], want) {
			t.Errorf("the confirmation does not show %q:\n%s", want, shown[0])
		}
	}

	yes := &user{action: mcp.ElicitationResponseActionAccept}
	res = callTool(t, inProcessAs(t, e, yes), "maximo_raw_attribute_update", args)
	if text := mcpclient.Text(res); res.IsError || !strings.Contains(text, `"status_code":200`) {
		t.Fatalf("accepted vendor write: %s", text)
	}
	if n := e.counter(t, "memcmms", "writes"); n != 1 || len(yes.asked()) != 1 {
		t.Fatalf("accepted: %d writes, asked %d times (want 1, 1)", n, len(yes.asked()))
	}
	for _, decision := range []string{"decline", "accept"} {
		if !waitTrace(t, e.tracer, func(es []trace.Entry) bool {
			for _, en := range es {
				if en.Action == trace.ActionWriteConfirmation && en.Operation == "maximo_raw_attribute_update" && en.Metadata["decision"] == decision {
					return true
				}
			}
			return false
		}) {
			t.Errorf("no write_confirmation trace with decision %s", decision)
		}
	}
}
