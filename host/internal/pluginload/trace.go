package pluginload

import (
	"context"
	"fmt"

	"github.com/machina-go/machina/host/internal/policy"
	"github.com/machina-go/machina/host/internal/progress"
	"github.com/machina-go/machina/host/internal/trace"
)

// TraceObserver records every outbound plugin HTTP request (performed or
// refused) as a "plugin_http" trace entry, and the first structured notice
// of each kind, field and code a plugin reports (abi.Notice: an unmapped
// vendor code, a re-based link, skipped records) as a "plugin_notice"
// entry; the call identity carried by the context (trace.WithCall) makes
// them children of the plugin call. It records method, origin, path without
// query, status, bytes, duration and the refusal or error — never headers,
// bodies or credentials.
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

// ObserveNotice implements policy.NoticeObserver: a "plugin_notice" entry
// with the notice in its metadata (level warn).
func (o TraceObserver) ObserveNotice(ctx context.Context, ev policy.NoticeEvent) {
	if n, ok := o.Next.(policy.NoticeObserver); ok {
		n.ObserveNotice(ctx, ev)
	}
	if o.Tracer == nil {
		return
	}
	meta := map[string]any{"level": "warn", "notice": string(ev.Notice.Kind)}
	for k, v := range map[string]string{"field": ev.Notice.Field, "code": ev.Notice.Code, "fallback": ev.Notice.Fallback} {
		if v != "" {
			meta[k] = v
		}
	}
	if ev.Notice.Count != 0 {
		meta["count"] = ev.Notice.Count
	}
	plugin := o.Plugin
	if plugin == "" {
		plugin = ev.Plugin
	}
	o.Tracer.RecordContext(ctx, trace.Entry{
		Action:        trace.ActionPluginNotice,
		Connector:     ev.Plugin,
		Operation:     string(ev.Notice.Kind),
		OutputSummary: ev.Message,
		Success:       true,
		Plugin:        plugin,
		PluginSHA256:  o.SHA256,
		Metadata:      meta,
	})
}
