package router

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/messaging"
	"github.com/machina-go/machina/host/internal/opctx"
	"github.com/machina-go/machina/host/internal/plugin"
	"github.com/machina-go/machina/host/internal/registry"
	"github.com/machina-go/machina/host/internal/sandbox"
	"github.com/machina-go/machina/host/internal/trace"
)

// ActionSandboxBlocked is the trace action of a write the sandbox kept from
// its connector.
const ActionSandboxBlocked = "sandbox_write_blocked"

// Options configures New.
type Options struct {
	// Registry resolves connectors (required).
	Registry *registry.Registry
	// Sandbox is the gate; nil means sandbox off.
	Sandbox *sandbox.Gate
	// Tracer records one entry per operation; nil records nothing.
	Tracer *trace.Tracer
	// Logger receives write audit lines and raw errors; nil discards.
	Logger hclog.Logger
	// Messenger, when set, serves machina_send_message with channel routing
	// ("telegram:<chat>", "email:<address>", or a bare id for the only
	// channel); without it sends go through the first messaging connector.
	Messenger Messenger
}

// Messenger sends a text through a named messaging channel; package
// messaging's Router implements it (and applies the sandbox gate itself).
type Messenger interface {
	Send(ctx context.Context, target, text string) (messaging.SendResult, error)
	// Resolve names the channel and chat id a target routes to (the
	// sandbox checks the target without sending).
	Resolve(target string) (channel, chatID string, err error)
}

// Router dispatches typed operations to connectors. It is safe for
// concurrent use.
type Router struct {
	reg       *registry.Registry
	gate      *sandbox.Gate
	tracer    *trace.Tracer
	logger    hclog.Logger
	messenger Messenger
}

// New returns a router.
func New(o Options) (*Router, error) {
	if o.Registry == nil {
		return nil, errors.New("router: no registry")
	}
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	if o.Sandbox == nil {
		o.Sandbox = sandbox.New(false, o.Logger)
	}
	return &Router{reg: o.Registry, gate: o.Sandbox, tracer: o.Tracer, logger: o.Logger, messenger: o.Messenger}, nil
}

// Registry returns the registry the router dispatches to.
func (r *Router) Registry() *registry.Registry { return r.reg }

// Sandbox reports whether sandbox mode is on.
func (r *Router) Sandbox() bool { return r.gate.Enabled() }

// Capabilities is the union of the capabilities currently served.
func (r *Router) Capabilities() []abi.Capability { return r.reg.Capabilities() }

// WriteResult is the outcome of a work-order write: either the connector's
// work order, or — in sandbox mode — the reference's synthesised response
// in Sandboxed (sandbox.Created or sandbox.Logged).
type WriteResult struct {
	WorkOrder abi.WorkOrder
	Sandboxed any
}

// SandboxPreview is the sandbox's response when the write was not
// performed, else nil.
func (w WriteResult) SandboxPreview() any { return w.Sandboxed }

// SendResult is the outcome of SendMessage: the connector's response, or
// the sandbox's sandbox.Blocked in Sandboxed.
type SendResult struct {
	Status    string
	Channel   string
	MessageID string
	Sandboxed any
}

// SandboxPreview is the sandbox's response when nothing was sent, else nil.
func (s SendResult) SandboxPreview() any { return s.Sandboxed }

// CreateRequest is a work order to create. The router validates the enums,
// checks that the asset exists and computes the deterministic id.
type CreateRequest struct {
	AssetID     string
	Description string
	Type        abi.WorkOrderType
	Priority    abi.Priority
	FailureMode string
	// Session scopes the deterministic id (the agent passes the chat id;
	// MCP passes nothing, as the reference does).
	Session string
}

func clientID(ctx context.Context) string {
	c, _ := trace.CallFrom(ctx)
	return c.ClientID
}

// resolve finds the connector serving cp, as a client-safe error.
func (r *Router) resolve(cp abi.Capability, none string) (*registry.Connector, error) {
	c, err := r.reg.For(cp)
	if err != nil {
		return nil, abi.Unavailable("%s", none)
	}
	return c, nil
}

// errHostRefused marks a plugin's error in a call during which the host's
// policy gate refused one of the plugin's requests as unauthorized (noted
// host-side through opctx, never taken from the plugin's own error).
var errHostRefused = errors.New("the host's policy refused a request of the plugin")

// call runs op on a plugin connector under a trace span.
func (r *Router) call(ctx context.Context, c *registry.Connector, op abi.OpName, assetID string, req, resp any) error {
	e := trace.Entry{Action: trace.ActionPluginCall, Connector: c.Name, Plugin: c.Name, PluginSHA256: c.SHA256(),
		Operation: string(op), AssetID: assetID, InputSummary: summary(req)}
	ctx, sp := r.tracer.Start(ctx, e)
	ctx, refusals := opctx.WithRefusals(ctx)
	err := c.Plugin.CallOp(ctx, op, req, resp)
	if err == nil && abi.IsWrite(op) {
		sp.Entry().OutputSummary = summary(resp)
	}
	sp.End(err)
	if err != nil && refusals.Refused() {
		return fmt.Errorf("%w: %w", errHostRefused, err)
	}
	return err
}

// blocked records a write kept from its connector by the sandbox.
func (r *Router) blocked(ctx context.Context, c *registry.Connector, op abi.OpName, assetID string, req any) {
	name := ""
	if c != nil {
		name = c.Name
	}
	r.gate.Block(op, "connector", name, "asset_id", assetID, "client_id", clientID(ctx))
	e := trace.Entry{Action: ActionSandboxBlocked, Connector: name, Plugin: name, Operation: string(op), AssetID: assetID,
		InputSummary: summary(req), Metadata: map[string]any{"sandbox": true}, Success: true}
	if c != nil {
		e.PluginSHA256 = c.SHA256()
	}
	cl, _ := trace.CallFrom(ctx)
	cl.Apply(&e)
	r.tracer.Record(e)
}

// audit logs a write that reached a connector, with the caller's identity.
func (r *Router) audit(ctx context.Context, c *registry.Connector, op abi.OpName, assetID, woID string, err error) {
	r.logger.Info("write operation", "operation", string(op), "connector", c.Name, "client_id", clientID(ctx),
		"asset_id", assetID, "work_order_id", woID, "success", err == nil)
}

func summary(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// public turns a connector error into a client-safe *abi.Error. notFound is
// the message used for not_found (the reference's wording).
func (r *Router) public(c *registry.Connector, op abi.OpName, err error, notFound string) error {
	if err == nil {
		return nil
	}
	name := "connector"
	if c != nil {
		name = "connector '" + c.Name + "'"
	}
	var ae *abi.Error
	switch {
	case errors.As(err, &ae):
		switch abi.AsError(ae).Code {
		case abi.CodeNotFound:
			if notFound != "" {
				return abi.NotFound("%s", notFound)
			}
			return abi.NotFound("%s", Sanitize(ae.Message))
		case abi.CodeInvalidArgument:
			return abi.InvalidArgument("%s", Sanitize(ae.Message))
		case abi.CodeUnauthorized:
			if errors.Is(err, errHostRefused) {
				r.logger.Warn("connector request refused by the host's policy", "connector", name, "operation", string(op), "error", err)
				return abi.Unauthorized("the plugin's request was refused by the host's policy (%s): not declared by the plugin, not granted by the operator, or not allowed in sandbox mode; the host log names the request and the reason", name)
			}
			r.logger.Warn("connector refused by upstream", "connector", name, "operation", string(op), "error", err)
			return abi.Unauthorized("the upstream system refused the credentials of %s", name)
		case abi.CodeUnavailable:
			return abi.Unavailable("%s is unavailable: %s", name, Sanitize(ae.Message))
		case abi.CodeUpstream:
			return abi.Upstream("%s reported an upstream error: %s", name, Sanitize(ae.Message))
		}
	case errors.Is(err, context.DeadlineExceeded):
		return abi.Unavailable("%s timed out", name)
	case errors.Is(err, context.Canceled):
		return abi.Unavailable("request cancelled")
	case errors.Is(err, plugin.ErrTrap):
		r.logger.Error("connector failed", "connector", name, "operation", string(op), "error", err)
		return abi.Internal("%s failed while handling the request", name)
	case errors.Is(err, plugin.ErrClosed):
		return abi.Unavailable("%s is shutting down", name)
	}
	r.logger.Error("connector error", "connector", name, "operation", string(op), "error", err)
	return abi.Internal("internal error in %s", name)
}

// publicNative is public for native components (document store, OPC-UA),
// whose plain errors are written for operators and carry no secrets: they
// are shown sanitised rather than replaced by a generic text.
func (r *Router) publicNative(c *registry.Connector, op abi.OpName, err error) error {
	var ae *abi.Error
	if errors.As(err, &ae) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return r.public(c, op, err, "")
	}
	r.logger.Warn("native connector error", "connector", c.Name, "operation", string(op), "error", err)
	return abi.Unavailable("%s: %s", c.Name, Sanitize(err.Error()))
}

// resolveID trims an operation's id argument, refuses it blank
// (invalid_argument naming param), and finds the connector serving cp.
func (r *Router) resolveID(cp abi.Capability, none, param, id string) (string, *registry.Connector, error) {
	id = strings.TrimSpace(id)
	if err := required(param, id); err != nil {
		return "", nil, err
	}
	c, err := r.resolve(cp, none)
	return id, c, err
}

// required returns an invalid_argument error when v is blank.
func required(name, v string) error {
	if v == "" {
		return abi.InvalidArgument("%s is required", name)
	}
	return nil
}

func errNoCMMS() string { return "No CMMS connector configured" }

// need returns an error when c does not implement op.
func need(c *registry.Connector, op abi.OpName) error {
	if c.Plugin == nil || !c.Has(op) {
		return abi.Unavailable("connector '%s' does not support %s", c.Name, op)
	}
	return nil
}
