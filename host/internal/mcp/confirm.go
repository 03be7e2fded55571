package mcp

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/machina-go/machina/host/internal/trace"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// Write confirmation through MCP elicitation, one wrapper for every write
// tool. It is written as a multi round-trip handler (SEP-2322): the first
// call answers input_required with a confirmation form; the client (or,
// for clients of protocol versions before 2026-07-28, mcp-go on its behalf
// through elicitation/create) calls again with the user's answer. The
// request state binds the answer to the exact arguments shown, so a
// confirmation cannot be replayed for other arguments.

// confirmInputID names the confirmation in inputRequests/inputResponses.
const confirmInputID = "machina_confirm_write"

// decision is the outcome of asking.
type decision struct {
	asked  bool
	action mcp.ElicitationResponseAction // accept, decline or cancel
}

func (d decision) refused() bool { return d.asked && d.action != mcp.ElicitationResponseActionAccept }

// clientElicits reports whether the caller declared the elicitation
// capability with form mode (an empty capability means form mode, per
// the 2025-11-25 revision): per request on the stateless protocol, from
// the initialize handshake before it.
func clientElicits(ctx context.Context) bool {
	var c *mcp.ElicitationCapability
	if info := server.RequestProtocolInfoFromContext(ctx); info != nil && info.Modern {
		if info.ClientCapabilities != nil {
			c = info.ClientCapabilities.Elicitation
		}
	} else if s, ok := server.ClientSessionFromContext(ctx).(server.SessionWithClientInfo); ok {
		if _, can := s.(server.SessionWithElicitation); can {
			c = s.GetClientCapabilities().Elicitation
		}
	}
	return c != nil && (c.Form != nil || c.URL == nil)
}

// confirmation returns the user's decision on this write, or the
// input_required result that asks for it. Nothing is asked when
// confirmations are off, the client cannot elicit, or the arguments are
// invalid (the tool then reports the argument error as usual).
func (s *Server) confirmation(ctx context.Context, t tool, req mcp.CallToolRequest) (decision, *mcp.CallToolResult) {
	if !s.confirmWrites || !clientElicits(ctx) {
		return decision{}, nil
	}
	vals, err := newArgs(t.Params, req.GetArguments()).all()
	if err != nil {
		return decision{}, nil
	}
	state := s.confirmState(t.Name, vals)
	if ans := server.ElicitationResponse(req.Params.InputResponses, confirmInputID); ans != nil && hmac.Equal([]byte(req.Params.RequestState), []byte(state)) {
		d := decision{asked: true, action: ans.Action}
		if d.action == mcp.ElicitationResponseActionAccept && declinedInForm(ans.Content) {
			d.action = mcp.ElicitationResponseActionDecline
		}
		return d, nil
	}
	ask := server.NewInputRequestBuilder(state).Elicit(confirmInputID, mcp.ElicitationParams{
		Mode:    mcp.ElicitationModeForm,
		Message: s.confirmMessage(t, vals),
		RequestedSchema: map[string]any{
			"type": "object",
			"properties": map[string]any{"confirm": map[string]any{
				"type": "boolean", "title": "Confirm", "default": true,
				"description": "Perform this write",
			}},
			"required": []string{"confirm"},
		},
	})
	return decision{}, ask.ToolResult()
}

// declinedInForm is an accepted form whose confirm box was unticked.
func declinedInForm(content any) bool {
	m, ok := content.(map[string]any)
	if !ok {
		return false
	}
	v, ok := m["confirm"].(bool)
	return ok && !v
}

// confirmState is an HMAC of the tool and its decoded arguments under a
// per-process key: the client echoes it back, and a mismatch means the
// answer was not given for these arguments.
func (s *Server) confirmState(name string, vals map[string]any) string {
	b, _ := json.Marshal(vals) // map keys are sorted: canonical
	m := hmac.New(sha256.New, s.confirmKey[:])
	m.Write([]byte(name))
	m.Write([]byte{0})
	m.Write(b)
	return hex.EncodeToString(m.Sum(nil))
}

// confirmMessage shows the user what will be written: every argument,
// defaults included, in declaration order.
func (s *Server) confirmMessage(t tool, vals map[string]any) string {
	var b strings.Builder
	title := strings.ReplaceAll(strings.TrimPrefix(t.Name, "machina_"), "_", " ")
	fmt.Fprintf(&b, "Machina is about to %s:\n", title)
	for _, p := range t.Params {
		v, ok := vals[p.Name]
		if !ok || v == "" || v == nil {
			continue
		}
		fmt.Fprintf(&b, "• %s: %v\n", strings.ReplaceAll(p.Name, "_", " "), v)
	}
	if s.router.Sandbox() {
		b.WriteString("Sandbox mode is on: the write is only simulated.\n")
	}
	b.WriteString("Do you want to go ahead?")
	return b.String()
}

// recordDecision traces the user's answer under the tool call (the call's
// client id is in ctx).
func (s *Server) recordDecision(ctx context.Context, t tool, in string, d decision) {
	s.tracer.RecordContext(ctx, trace.Entry{Action: trace.ActionWriteConfirmation, Operation: t.Name,
		InputSummary: in, Success: true, Metadata: map[string]any{"decision": string(d.action)}})
}

// notConfirmedResult is the result of a declined or cancelled write.
func notConfirmedResult(t tool, d decision) *mcp.CallToolResult {
	status := "declined"
	if d.action == mcp.ElicitationResponseActionCancel {
		status = "cancelled"
	}
	r := notConfirmed{Status: status, Written: false,
		Message: fmt.Sprintf("The user %s the confirmation: %s was not performed and nothing was written.", status, t.Name)}
	text, _ := marshal(r)
	return mcp.NewToolResultStructured(r, text)
}
