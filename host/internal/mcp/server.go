package mcp

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/router"
	"github.com/machina-go/machina/host/internal/trace"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// ServerName is the MCP server name, as in the reference.
const ServerName = "machina"

// Options configures New.
type Options struct {
	// Router serves every tool and resource (required).
	Router *router.Router
	// Tracer records one tool_call entry per tool call; nil records nothing.
	Tracer *trace.Tracer
	// Logger is the host logger; nil discards.
	Logger hclog.Logger
	// Version is the host version reported to clients and by /health.
	Version string
	// NoWriteConfirmation turns off asking the user (through elicitation)
	// before a write tool runs (machina.toml mcp.confirm_writes = false).
	NoWriteConfirmation bool
	// VendorTools registers the opt-in vendor tools (machina.toml
	// mcp.vendor_tools) when a plugin implements their operation.
	VendorTools bool
	// Metrics counts tool calls; nil counts nothing.
	Metrics ToolMetrics
}

// ToolMetrics counts MCP tool calls; *metrics.Metrics implements it.
type ToolMetrics interface {
	ToolCall(tool, client, outcome string)
}

// noMetrics is the ToolMetrics used when none is given.
type noMetrics struct{}

func (noMetrics) ToolCall(string, string, string) {}

// Server is Machina's MCP server: tools, resources and prompts on one
// mcp-go server, served over stdio or streamable HTTP.
type Server struct {
	router  *router.Router
	tracer  *trace.Tracer
	logger  hclog.Logger
	version string
	mcp     *server.MCPServer
	metrics ToolMetrics

	mu    sync.RWMutex
	tools map[string]tool
	names []string
	// stopAlarms ends the alarm watch (nil until alarms are served).
	stopAlarms func()
	// stopWatch ends the registry watch.
	stopWatch func()
	subs      subscriptions
	complete  completer

	confirmWrites bool
	vendorTools   bool
	// confirmKey keys the HMAC binding a confirmation to its arguments.
	confirmKey [32]byte
}

// New builds the server and registers the tools of the capabilities the
// router serves (in the reference's table order), every resource and every
// prompt.
func New(o Options) (*Server, error) {
	if o.Router == nil {
		return nil, errors.New("mcp: no router")
	}
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	if o.Metrics == nil {
		o.Metrics = noMetrics{}
	}
	s := &Server{router: o.Router, tracer: o.Tracer, logger: o.Logger, version: o.Version, tools: map[string]tool{},
		confirmWrites: !o.NoWriteConfirmation, vendorTools: o.VendorTools, metrics: o.Metrics}
	_, _ = rand.Read(s.confirmKey[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	s.complete.router = o.Router
	hooks := &server.Hooks{}
	s.subs.hooks(hooks)
	s.mcp = server.NewMCPServer(ServerName, o.Version,
		// Tools and resources follow the connectors present (listChanged);
		// resources can be subscribed to (live alarms).
		server.WithToolCapabilities(true),
		server.WithResourceCapabilities(true, true),
		server.WithPromptCapabilities(false),
		server.WithCompletions(),
		server.WithPromptCompletionProvider(&s.complete),
		server.WithResourceCompletionProvider(&s.complete),
		server.WithHooks(hooks),
		server.WithRecovery(),
	)
	for _, t := range tools() {
		if t.Output.err != nil {
			return nil, fmt.Errorf("mcp: tool %s: %w", t.Name, t.Output.err)
		}
	}
	s.addResources()
	s.addPrompts()
	s.sync()
	s.stopWatch = o.Router.Registry().OnChange(s.connectorsChanged)
	s.logger.Info("mcp_tools_registered", "count", len(s.ToolNames()), "sandbox", o.Router.Sandbox())
	return s, nil
}

// sync registers the tools of the capabilities now present (in the
// reference's table order) and, with a sensor connector, the live alarm
// resources. Registering after start makes mcp-go send list_changed.
func (s *Server) sync() {
	present := map[abi.Capability]bool{}
	for _, c := range s.router.Capabilities() {
		present[c] = true
	}
	var added []server.ServerTool
	s.mu.Lock()
	s.names = s.names[:0]
	for _, t := range tools() {
		if !s.offers(t, present) {
			continue
		}
		if _, ok := s.tools[t.Name]; !ok {
			s.tools[t.Name] = t
			added = append(added, server.ServerTool{Tool: t.mcpTool(), Handler: s.handler(t)})
		}
		s.names = append(s.names, t.Name)
	}
	s.mu.Unlock()
	if len(added) > 0 {
		s.mcp.AddTools(added...)
	}
	if present[abi.CapGetLatestReading] {
		s.addAlarmResources()
	}
}

// offers reports whether t is registered now: a domain tool when its
// capability is present, a vendor tool only when the operator opted in and
// a plugin implements its operation.
func (s *Server) offers(t tool, present map[abi.Capability]bool) bool {
	if t.Vendor {
		return s.vendorTools && s.router.HasOperation(t.Op)
	}
	return present[t.Capability]
}

// connectorsChanged follows a connector that appeared or failed after
// start: tools and resources are synced, and clients are told the
// resource list changed.
func (s *Server) connectorsChanged() {
	s.sync()
	s.mcp.SendNotificationToAllClients(string(mcp.MethodNotificationResourcesListChanged), nil)
}

// Close stops following the registry and the alarms.
func (s *Server) Close() {
	s.mu.Lock()
	stops := []func(){s.stopWatch, s.stopAlarms}
	s.stopWatch, s.stopAlarms = nil, nil
	s.mu.Unlock()
	for _, stop := range stops {
		if stop != nil {
			stop()
		}
	}
}

// MCPServer is the underlying mcp-go server (e.g. for an in-process client).
func (s *Server) MCPServer() *server.MCPServer { return s.mcp }

// ToolNames lists the registered tools in registration order.
func (s *Server) ToolNames() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]string(nil), s.names...)
}

// isWriteTool reports whether name is a registered tool of class write.
func (s *Server) isWriteTool(name string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.tools[name]
	return ok && t.class() == abi.ClassWrite
}

func (s *Server) handler(t tool) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		res, outcome := s.runTool(ctx, t, req)
		if outcome != "" {
			s.metrics.ToolCall(t.Name, clientIDOf(ctx), outcome)
		}
		return res, nil
	}
}

// Tool call outcomes besides "ok" and the ABI error codes.
const (
	outcomeOK           = "ok"
	outcomeNotConfirmed = "not_confirmed"
	outcomeCancelled    = "cancelled"
)

// runTool runs one tool call under its trace span and returns its result
// and outcome for the metrics ("" while a confirmation is being asked:
// the call is counted when the answer comes back).
func (s *Server) runTool(ctx context.Context, t tool, req mcp.CallToolRequest) (*mcp.CallToolResult, string) {
	write := t.class() == abi.ClassWrite
	vals := req.GetArguments()
	var d decision
	if write && ScopeFrom(ctx) != ScopeRead {
		var ask *mcp.CallToolResult
		if d, ask = s.confirmation(ctx, t, req); ask != nil {
			return ask, "" // asked; the tool call is traced when answered
		}
	}
	in, _ := json.Marshal(vals)
	ctx, sp := s.tracer.Start(ctx, trace.Entry{Action: trace.ActionToolCall, Operation: t.Name, InputSummary: string(in)})
	if write && ScopeFrom(ctx) == ScopeRead {
		err := abi.Unauthorized("insufficient_scope: this client's token may only call read-only tools")
		sp.End(err)
		return mcp.NewToolResultError(err.Message), string(err.Code)
	}
	if d.asked {
		s.recordDecision(ctx, t, string(in), d)
		sp.Entry().Metadata = map[string]any{"confirmation": string(d.action)}
	}
	if d.refused() {
		res := notConfirmedResult(t, d)
		sp.Entry().OutputSummary = "not confirmed: " + string(d.action)
		sp.End(nil)
		return res, outcomeNotConfirmed
	}
	v, err := t.call(s.runContext(ctx, write, req), s.router, vals)
	cancelled := !write && ctx.Err() != nil
	if cancelled {
		// Whatever the plugin call reported, the reason is the client.
		err = abi.Unavailable("cancelled by the client")
	}
	var text string
	if err == nil {
		text, err = marshal(v)
	}
	if err != nil {
		msg := publicMessage(err)
		sp.Entry().OutputSummary = msg
		sp.End(err)
		outcome := errorOutcome(err)
		if cancelled {
			outcome = outcomeCancelled
		}
		return mcp.NewToolResultError(msg), outcome
	}
	sp.End(nil)
	return mcp.NewToolResultStructured(t.Output.structured(v), text), outcomeOK
}

// errorOutcome is the metrics outcome of a failed call: its ABI error code
// (a fixed set), else "internal".
func errorOutcome(err error) string {
	var ae *abi.Error
	if errors.As(err, &ae) && ae.Code != "" {
		return string(ae.Code)
	}
	return string(abi.CodeInternal)
}

// clientIDOf is the caller's client id (from the token table, or "stdio").
func clientIDOf(ctx context.Context) string {
	c, _ := trace.CallFrom(ctx)
	return c.ClientID
}

// runContext is the context a tool runs in. A read follows the request:
// when the client cancels it (notifications/cancelled, or the HTTP request
// ends) its plugin call stops. A write is detached from cancellation: once
// it may have reached the CMMS it runs to completion and is traced
// (every plugin call is bounded by the runtime's per-call timeout). Both
// report progress when the request carries a progress token.
func (s *Server) runContext(ctx context.Context, write bool, req mcp.CallToolRequest) context.Context {
	if write {
		ctx = context.WithoutCancel(ctx)
	}
	return s.withProgress(ctx, req)
}

// publicMessage is the client-visible text of a tool error: router and
// argument errors are *abi.Error values whose messages are already safe
// (router sanitises connector text); anything else is sanitised here.
func publicMessage(err error) string {
	var ae *abi.Error
	if errors.As(err, &ae) {
		return ae.Message
	}
	return router.Sanitize(fmt.Sprint(err))
}
