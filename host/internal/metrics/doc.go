// Package metrics is Machina's operator metrics: one Prometheus registry
// per host (never the process-global default) with the families an
// operator scrapes from /metrics —
//
//	machina_tool_calls_total{tool,client,outcome}
//	machina_plugin_call_duration_seconds{plugin,operation}   (histogram)
//	machina_plugin_http_requests_total{plugin,origin,outcome}
//	machina_plugin_instance_recycles_total{plugin}
//	machina_plugin_traps_total{plugin}
//	machina_alarms_total{event,severity}
//	machina_trace_records_dropped_total
//
// plus the Go runtime and process collectors.
//
// Label values are bounded: tools, operations, outcomes and severities come
// from fixed tables; plugins and origins from the configuration; client ids
// from the token table (an OAuth client id is counted under its own label
// until MaxLabelValues distinct ids, then as "other"). No label ever holds a
// free-text value from a request.
//
// It must not decide who may read the metrics (the MCP HTTP gate does) or
// depend on the components it counts: they call its methods through small
// interfaces of their own.
package metrics
