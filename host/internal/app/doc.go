// Package app assembles a running Machina host from a configuration: secrets,
// redacting logger, tracer, sandbox gate, plugins (audited and loaded under
// their grants, with the host's mail client for mail-granted plugins), the
// document store, OPC-UA and MQTT (sharing one alarm store), the registry
// and router, the MCP server, the
// messaging router and — when [agent] is configured — the chat agent with
// its channels and the alarm_to_workorder workflow.
//
// Build is the one place where components are wired together. Every
// command that runs any part of the host goes through it, choosing the
// Parts it needs: serve, chat, demo and the public host.New take All;
// `machina docs` the Docstore, `machina opcua check` OPCUA, `machina
// doctor` the Core (to check that the host assembles), and the conformance
// kit Plugins with its own engine, tracer and sandbox gate (Options). So a
// [docstore] table, a secret reference or a grant means the same thing to
// every command.
//
// It owns lifecycles (start in order, close in reverse) and best-effort
// start: a component that fails is recorded in the registry and the others
// keep serving. It must not implement component behaviour itself, and it
// never logs a secret.
package app
