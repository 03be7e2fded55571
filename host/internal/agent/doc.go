// Package agent is Machina's own assistant: an LLM tool loop over exactly
// the tools MCP clients get (through an in-process MCP client, so the same
// sandbox gate, router and tracer apply), answering technicians on chat
// channels.
//
// It owns the system prompt (the reference's nine guidelines, execution mode,
// plant context, capability honesty, citation rules), entity resolution of
// the asset a message is about, context prefetch from the document store,
// delimiting of retrieved and tool text as untrusted data, the two-turn
// confirmation of writes keyed by chat and user, the write-authority gate,
// per-call token and cost tracing, and the alarm_to_workorder workflow. With
// Restore it keeps the pending confirmations and the workflow's runs per
// alarm in a state file (state.go), so a restart neither forgets a pending
// "yes" nor drafts a work order twice.
//
// It must not call plugins, connectors or the CMMS directly, hold secrets
// (the LLM key is read by package llm at use), or show file paths to the
// model.
package agent
