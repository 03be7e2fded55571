package pluginload

import (
	"context"
	"fmt"

	"github.com/machina-go/machina/host/internal/policy"
	"github.com/machina-go/machina/host/internal/progress"
	"github.com/machina-go/machina/host/internal/trace"
)

// TraceObserver records every outbound plugin HTTP request (performed or
// refused) as a "plugin_http" trace entry; the call identity carried by the
// context (trace.WithCall) makes it a child of the plugin call. It records
// method, origin, path without query, status, bytes, duration and the
// refusal or error — never headers, bodies or credentials.
type TraceObserver struct {
	Tracer *trace.Tracer
	// Plugin and SHA256 identify the module (filled in by the loader).
	Plugin string
	SHA256 string
	// Next, when set, also receives every event.
	Next policy.HTTPObserver
}

// ObserveHTTP implements policy.HTTPObserver.
func (o TraceObserver) ObserveHTTP(ctx context.Context, ev policy.HTTPEvent) {
	if o.Next != nil {
		o.Next.ObserveHTTP(ctx, ev)
	}
	// Each upstream request of a paging plugin is one step of progress
	// (no path: it is the trace's business, not the client's).
	if ev.Refusal == "" && ev.Error == "" {
		progress.Report(ctx, fmt.Sprintf("%s: upstream answered HTTP %d (%d bytes)", ev.Plugin, ev.Status, ev.ResponseBytes))
	}
	if o.Tracer == nil {
		return
	}
	e := trace.Entry{
		Action:       trace.ActionPluginHTTP,
		Connector:    ev.Plugin,
		Operation:    "http_request",
		DurationMS:   float64(ev.Duration.Microseconds()) / 1000,
		Success:      ev.Refusal == "" && ev.Error == "",
		Plugin:       o.Plugin,
		PluginSHA256: o.SHA256,
		HTTPMethod:   ev.Method,
		HTTPOrigin:   ev.Origin,
		HTTPPath:     ev.Path,
		HTTPStatus:   ev.Status,
		HTTPBytes:    ev.ResponseBytes,
		Metadata:     map[string]any{"request_bytes": ev.RequestBytes},
	}
	switch {
	case ev.Refusal != "":
		e.Error = ev.Refusal
		e.Metadata["refused"] = true
	case ev.Error != "":
		e.Error = ev.Error
	}
	if e.Plugin == "" {
		e.Plugin = ev.Plugin
	}
	o.Tracer.RecordContext(ctx, e)
}
