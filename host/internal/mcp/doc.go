// Package mcp is Machina's MCP surface, built on mark3labs/mcp-go: the 15
// machina_* tools (names, parameters, defaults and result shapes of the
// reference; registered only for the capabilities present, in the fixed
// order of the reference's CAPABILITY_TO_TOOL table; annotations derived
// from the ABI operation table), the four machina://v1 resources, the three
// prompts with their capability-honesty and prompt-injection guards, and the
// two transports: stdio (protocol only on stdout) and streamable HTTP at
// /mcp with bearer-token auth, per-token scope, Origin/Host validation and
// /health.
//
// Tool errors are real MCP tool errors (isError results) whose text comes
// from package router, which sanitises it; arguments are validated here
// with messages that list the valid values.
//
// Scope enforcement (read-only tokens): the HTTP middleware inspects the
// JSON-RPC body of every POST to /mcp and answers 403 insufficient_scope
// before mcp-go sees a tools/call (or a batch containing one) of a write
// tool; the tool handler checks the scope again from the request context as
// defence in depth (then the refusal is an isError result).
//
// Every /mcp body is capped (4 MiB, 413 with a JSON-RPC error) before the
// token's scope is looked at, and a session id is honoured only with a token
// of the client id and scope that opened it (404 otherwise; see sessions).
//
// Identity: the HTTP middleware puts the token's client id in the request
// context with trace.WithCall (stdio uses client id "stdio"; the agent's
// in-process client sets the chat user), so tool_call entries, the router's
// plugin_call entries, plugin HTTP entries and write audit lines carry it.
//
// Tool handlers run detached from request cancellation (bounded by the
// plugin runtime's per-call timeout): a write is never abandoned half-way
// because a client went away.
//
// It must not call plugins or connectors (everything goes through package
// router), and it never writes anything but protocol frames to the stdio
// transport's output.
package mcp
