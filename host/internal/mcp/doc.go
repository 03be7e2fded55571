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
// Every tool declares an outputSchema derived from its result type (ABI
// enums included; schema.go) and returns structuredContent beside the
// reference's text. Write tools ask the user to confirm through
// elicitation when the client can (confirm.go, a multi round-trip handler
// serving both protocol eras; the answer is bound to the arguments by an
// HMAC and traced as write_confirmation). Read tools follow their
// request's cancellation, so a cancelled read stops its plugin call; write
// tools run detached from it (bounded by the runtime's per-call timeout):
// a write is never abandoned half-way because a client went away. Both
// report progress (package progress) when the request carries a token.
//
// Live alarms are resources that can be subscribed to (alarms.go: the
// server tracks resources/subscribe and subscriptions/listen itself and
// sends notifications/resources/updated on every raise and clear); tools
// and resources follow the registry (connectors appearing or failing send
// list_changed); completion/complete offers asset and work-order ids
// (complete.go). Streamable HTTP accepts OAuth access tokens besides the
// static tokens (httpauth.go over package oauth) and serves the RFC 9728
// metadata.
//
// On stdio, the end of the client's input is held back until every request
// read has been answered (stdio_drain.go): mcp-go v1.2.1 cancels requests in
// flight at end of input and drops queued tool calls, which lost the calls
// of clients that write their requests and close the pipe.
//
// It must not call plugins or connectors (everything goes through package
// router), and it never writes anything but protocol frames to the stdio
// transport's output.
package mcp
