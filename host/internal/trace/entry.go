package trace

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"time"
)

// Common values of Entry.Action.
const (
	ActionToolCall         = "tool_call"
	ActionPluginCall       = "plugin_call"
	ActionPluginHTTP       = "plugin_http"
	ActionPluginNotice     = "plugin_notice"
	ActionLLMCall          = "llm_call"
	ActionConnectorQuery   = "connector_query"
	ActionConnectorConnect = "connector_connect"
	ActionWorkflowStep     = "workflow_step"
	ActionTraceDropped     = "trace_dropped"
	// ActionWriteConfirmation is the user's answer (metadata.decision:
	// accept, decline or cancel) when a write tool asked for confirmation.
	ActionWriteConfirmation = "write_confirmation"
	// ActionTraceResumed opens the segment a tracer writes after a crash
	// left a torn last line (metadata torn_file, torn_line, torn_bytes):
	// Verify reports that line as truncated by a crash, not as a break.
	ActionTraceResumed = "trace_resumed"
)

// Entry is one trace record. The JSON names of the first group of fields
// are the reference's TraceEntry names and must not change.
//
// Success has no "true by default" in Go: set it, or use Tracer.Start and
// Span.End, which set Success and Error from the returned error.
type Entry struct {
	// Seq is the entry's position in the hash chain (set by the tracer when
	// the chain is on; ignored on input).
	Seq uint64 `json:"seq,omitempty"`
	// ID identifies this entry (NewID); filled in by the tracer if empty.
	ID string `json:"id"`
	// ParentID is the ID of the entry that caused this one, e.g. the tool
	// call of a plugin call, or the plugin call of an HTTP request.
	ParentID string `json:"parent_id,omitempty"`

	Timestamp        time.Time      `json:"timestamp"` // UTC; now if zero
	Action           string         `json:"action"`    // tool_call, plugin_call, plugin_http, llm_call, …
	Connector        string         `json:"connector"`
	AssetID          string         `json:"asset_id"`
	Operation        string         `json:"operation"`
	InputSummary     string         `json:"input_summary"`  // truncated at 2000 chars
	OutputSummary    string         `json:"output_summary"` // truncated at 2000 chars
	DurationMS       float64        `json:"duration_ms"`    // rounded to 2 decimals on write
	Success          bool           `json:"success"`
	Error            string         `json:"error"`
	Metadata         map[string]any `json:"metadata"` // redacted recursively on write
	ConversationID   string         `json:"conversation_id"`
	PromptTokens     int            `json:"prompt_tokens"`
	CompletionTokens int            `json:"completion_tokens"`
	TotalTokens      int            `json:"total_tokens"`
	USDCost          float64        `json:"usd_cost"`
	Model            string         `json:"model"`

	// ClientID is the MCP client identity (from the bearer token map) or
	// the channel user that caused the action.
	ClientID string `json:"client_id,omitempty"`
	// Plugin and PluginSHA256 identify the plugin module involved.
	Plugin       string `json:"plugin,omitempty"`
	PluginSHA256 string `json:"plugin_sha256,omitempty"`

	// HTTP fields describe one outbound plugin HTTP request (Action
	// "plugin_http"), one entry per request, ParentID = the plugin call.
	// HTTPPath is the URL path only: never the query string, never
	// credentials or headers.
	HTTPMethod string `json:"http_method,omitempty"`
	HTTPOrigin string `json:"http_origin,omitempty"`
	HTTPPath   string `json:"http_path,omitempty"`
	HTTPStatus int    `json:"http_status,omitempty"`
	HTTPBytes  int64  `json:"http_bytes,omitempty"`

	// PrevHash and Hash form the optional hash chain (set by the tracer;
	// ignored on input). Hash is the hex SHA-256 of the line up to and
	// including prev_hash; PrevHash is the previous line's Hash.
	PrevHash string `json:"prev_hash,omitempty"`
	Hash     string `json:"hash,omitempty"`
}

// Call is the identity of the request being served, carried in a context
// so that every layer (MCP surface, registry, plugin runtime, HTTP gate)
// can attach it to the entries it records.
type Call struct {
	// ClientID is the authenticated MCP client (or channel user).
	ClientID string
	// ConversationID groups entries of one agent conversation.
	ConversationID string
	// ParentID is the ID of the entry being executed (e.g. the tool call);
	// entries recorded below it get it as their ParentID.
	ParentID string
}

type callKey struct{}

// WithCall returns ctx carrying c.
func WithCall(ctx context.Context, c Call) context.Context {
	return context.WithValue(ctx, callKey{}, c)
}

// CallFrom returns the Call carried by ctx, if any.
func CallFrom(ctx context.Context) (Call, bool) {
	if ctx == nil {
		return Call{}, false
	}
	c, ok := ctx.Value(callKey{}).(Call)
	return c, ok
}

// Apply fills e's empty ClientID, ConversationID and ParentID from c.
func (c Call) Apply(e *Entry) {
	if e.ClientID == "" {
		e.ClientID = c.ClientID
	}
	if e.ConversationID == "" {
		e.ConversationID = c.ConversationID
	}
	if e.ParentID == "" {
		e.ParentID = c.ParentID
	}
}

// NewID returns a random 128-bit identifier in hex.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	return hex.EncodeToString(b[:])
}

// HTTPEntry builds the child entry for one outbound plugin HTTP request:
// action plugin_http, the method, the origin (scheme://host[:port], no
// user info) and the path of u — never its query string or fragment —
// the status, the response size, the duration, and Success/Error from err
// (a transport failure or a refusal by the HTTP gate). Set Plugin and
// record it with RecordContext so ParentID points at the plugin call.
func HTTPEntry(method string, u *url.URL, status int, respBytes int64, d time.Duration, err error) Entry {
	e := Entry{
		Action:     ActionPluginHTTP,
		HTTPMethod: method,
		HTTPStatus: status,
		HTTPBytes:  respBytes,
		DurationMS: float64(d.Microseconds()) / 1000,
		Success:    err == nil,
	}
	if u != nil {
		e.HTTPOrigin = u.Scheme + "://" + u.Host
		e.HTTPPath = u.EscapedPath()
		if e.HTTPPath == "" {
			e.HTTPPath = "/"
		}
	}
	if err != nil {
		e.Error = err.Error()
	}
	return e
}
