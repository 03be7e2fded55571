// Package router is the one path from a surface (the MCP server now, the
// agent later) to a connector. Every call becomes a typed operation that
// goes through the same steps: resolve the connector that serves the
// capability (package registry, primary CMMS first) → sandbox gate (package
// sandbox: writes by the host's table never reach the plugin, the
// reference's response is synthesised) → tracer (one entry per operation,
// carrying the caller's client id from trace.CallFrom) → connector.
//
// Errors returned by Router methods are *abi.Error values whose messages
// are safe to show a client: not-found messages are the reference's
// ("Asset 'X' not found"), plugin messages pass through Sanitize (no paths,
// no URLs, bounded length), and traps or internal failures become generic
// text. The raw cause goes to the log and the trace only. An unauthorized
// error says the upstream refused the credentials, unless the host's own
// policy gate refused a request of the plugin during the call (noted
// host-side through opctx.WithRefusals, never read from the plugin's
// error): then it says the host's policy refused the plugin's request.
//
// It must not know about MCP (no mcp-go import), parse tool arguments, or
// hold package-level mutable state.
package router
