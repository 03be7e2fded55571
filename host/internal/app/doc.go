// Package app assembles a running Machina host from a configuration: secrets,
// redacting logger, tracer, sandbox gate, plugins (audited and loaded under
// their grants, with the host's mail client for mail-granted plugins), the
// document store, OPC-UA, the registry and router, the MCP server, the
// messaging router and — when [agent] is configured — the chat agent with
// its channels and the alarm_to_workorder workflow.
//
// It is the one place where components are wired together, shared by
// `machina serve`, `machina chat` and `machina demo`. It owns lifecycles
// (start in order, close in reverse) and best-effort start: a component that
// fails is recorded in the registry and the others keep serving. It must not
// implement component behaviour itself, and it never logs a secret.
package app
