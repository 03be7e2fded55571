package mcp_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	machinamcp "github.com/machina-go/machina/host/internal/mcp"
	"github.com/machina-go/machina/host/internal/trace"
	"github.com/machina-go/machina/internal/mcpclient"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

// user answers every elicitation with a fixed action and remembers what
// it was shown.
type user struct {
	action mcp.ElicitationResponseAction
	mu     sync.Mutex
	shown  []string
}

func (u *user) Elicit(_ context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	u.mu.Lock()
	u.shown = append(u.shown, req.Params.Message)
	u.mu.Unlock()
	res := &mcp.ElicitationResult{}
	res.Action = u.action
	if u.action == mcp.ElicitationResponseActionAccept {
		res.Content = map[string]any{"confirm": true}
	}
	return res, nil
}

func (u *user) asked() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string(nil), u.shown...)
}

// connectAs opens a streamable HTTP client with token tok, answering
// elicitations as u (nil: the client declares no elicitation capability),
// speaking protocol version v.
func connectAs(t *testing.T, url, tok string, u *user, v string) *client.Client {
	t.Helper()
	var opts []client.ClientOption
	if u != nil {
		opts = append(opts, client.WithElicitationHandler(u))
	}
	c := client.NewClient(bearerTransport(t, url, tok), opts...)
	initializeVersion(t, c, v)
	t.Cleanup(func() { c.Close() })
	return c
}

var createArgs = map[string]any{"asset_id": "P-101", "description": "Replace the drive-end bearing", "priority": "high"}

// TestWriteConfirmation is acceptance point 1 of issue #23, over streamable
// HTTP with mcp-go's client, for both protocol eras: the stateless
// 2026-07-28 core (multi round-trip: input_required, the client retries
// with the answer) and 2025-11-25 (server-initiated elicitation/create).
func TestWriteConfirmation(t *testing.T) {
	e := newEnv(t, envOpts{quiet: true, trace: true, chat: true})
	ts, _ := tokenStore(t, e.dir, `{"`+testToken+`": "alice"}`, hclog.NewNullLogger())
	s := e.serveHTTP(t, ts, machinamcp.HTTPOptions{})
	writes := func() int { return e.counter(t, "memcmms", "writes") }

	for _, v := range []string{mcp.LATEST_PROTOCOL_VERSION, mcp.ProtocolVersion20251125} {
		t.Run(v, func(t *testing.T) {
			t.Run("accept", func(t *testing.T) {
				u := &user{action: mcp.ElicitationResponseActionAccept}
				c := connectAs(t, s.url, testToken, u, v)
				before := writes()
				res := callTool(t, c, "machina_create_work_order", createArgs)
				want := abi.AutoWorkOrderID("P-101", abi.TypeCorrective, abi.PriorityHigh, "Replace the drive-end bearing", "")
				if text := mcpclient.Text(res); res.IsError || !strings.Contains(text, `"id":"`+want+`"`) {
					t.Fatalf("accepted create: %s", text)
				}
				if writes() != before+1 {
					t.Fatal("the accepted write did not reach the plugin")
				}
				shown := u.asked()
				if len(shown) != 1 {
					t.Fatalf("asked %d times", len(shown))
				}
				for _, want := range []string{"create work order", "asset id: P-101", "description: Replace the drive-end bearing", "priority: high", "work order type: corrective"} {
					if !strings.Contains(shown[0], want) {
						t.Errorf("the confirmation does not show %q:\n%s", want, shown[0])
					}
				}
				// Reads are never confirmed.
				callTool(t, c, "machina_get_asset", map[string]any{"asset_id": "P-101"})
				if len(u.asked()) != 1 {
					t.Error("a read tool asked for confirmation")
				}
			})
			for _, action := range []mcp.ElicitationResponseAction{mcp.ElicitationResponseActionDecline, mcp.ElicitationResponseActionCancel} {
				t.Run(string(action), func(t *testing.T) {
					u := &user{action: action}
					c := connectAs(t, s.url, testToken, u, v)
					before := writes()
					res := callTool(t, c, "machina_close_work_order", map[string]any{"work_order_id": "WO-1002"})
					status := map[mcp.ElicitationResponseAction]string{"decline": "declined", "cancel": "cancelled"}[action]
					if text := mcpclient.Text(res); res.IsError || !strings.Contains(text, `"status":"`+status+`"`) || !strings.Contains(text, "nothing was written") {
						t.Fatalf("%s: %s", action, text)
					}
					if writes() != before {
						t.Fatal("a declined write reached the plugin")
					}
					if !waitTrace(t, e.tracer, func(es []trace.Entry) bool {
						for _, en := range es {
							if en.Action == trace.ActionWriteConfirmation && en.ClientID == "alice" && en.Metadata["decision"] == string(action) &&
								en.Operation == "machina_close_work_order" && en.ParentID != "" {
								return true
							}
						}
						return false
					}) {
						t.Errorf("no write_confirmation trace entry with decision %s and client alice", action)
					}
				})
			}
			t.Run("no elicitation capability", func(t *testing.T) {
				c := connectAs(t, s.url, testToken, nil, v)
				before := writes()
				if res := callTool(t, c, "machina_close_work_order", map[string]any{"work_order_id": "WO-1001"}); res.IsError {
					t.Fatal(mcpclient.Text(res))
				}
				if writes() != before+1 {
					t.Fatal("a client without elicitation did not get today's behaviour")
				}
			})
		})
	}
}

func TestWriteConfirmationSandboxAndOff(t *testing.T) {
	t.Run("sandbox", func(t *testing.T) {
		e := newEnv(t, envOpts{quiet: true, sandbox: true})
		u := &user{action: mcp.ElicitationResponseActionAccept}
		c := inProcessAs(t, e, u)
		res := callTool(t, c, "machina_create_work_order", createArgs)
		if text := mcpclient.Text(res); !strings.Contains(text, `"id":"WO-SANDBOX-0000"`) || !strings.Contains(text, `"sandbox":true`) {
			t.Fatalf("sandboxed create after confirmation: %s", text)
		}
		if shown := u.asked(); len(shown) != 1 || !strings.Contains(shown[0], "Sandbox mode") {
			t.Fatalf("shown %q", shown)
		}
		if e.counter(t, "memcmms", "writes") != 0 {
			t.Fatal("a sandboxed write reached the plugin")
		}
	})
	t.Run("confirm_writes off", func(t *testing.T) {
		e := newEnv(t, envOpts{quiet: true, noConfirm: true})
		u := &user{action: mcp.ElicitationResponseActionDecline}
		c := inProcessAs(t, e, u)
		if res := callTool(t, c, "machina_close_work_order", map[string]any{"work_order_id": "WO-1001"}); res.IsError {
			t.Fatal(mcpclient.Text(res))
		}
		if len(u.asked()) != 0 || e.counter(t, "memcmms", "writes") != 1 {
			t.Fatal("confirm_writes = false still asked")
		}
	})
	t.Run("a forged answer is not a confirmation", func(t *testing.T) {
		e := newEnv(t, envOpts{quiet: true})
		u := &user{action: mcp.ElicitationResponseActionDecline}
		c := inProcessAs(t, e, u)
		// The client sends an "accept" it was never asked for, with a made-up
		// request state: the server asks anyway, and the user declines.
		req := toolReq("machina_close_work_order", map[string]any{"work_order_id": "WO-1001"})
		req.Params.InputResponses = mcp.InputResponses{"machina_confirm_write": mcp.NewElicitationInputResponse(mcp.ElicitationResult{
			ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionAccept}})}
		req.Params.RequestState = "forged"
		res, err := c.CallTool(context.Background(), req)
		if err != nil || !strings.Contains(mcpclient.Text(res), "declined") {
			t.Fatalf("%v %s", err, mcpclient.Text(res))
		}
		if e.counter(t, "memcmms", "writes") != 0 || len(u.asked()) != 1 {
			t.Fatal("a forged confirmation was honoured")
		}
	})
}

func inProcessAs(t *testing.T, e *env, u *user) *client.Client {
	t.Helper()
	c, err := client.NewInProcessClientWithOptions(e.srv.MCPServer(), client.WithElicitationHandler(u))
	if err != nil {
		t.Fatal(err)
	}
	initialize(t, c)
	t.Cleanup(func() { c.Close() })
	return c
}

func callTool(t *testing.T, c *client.Client, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	res, err := c.CallTool(context.Background(), toolReq(name, args))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res
}
