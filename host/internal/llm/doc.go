// Package llm talks to large language models behind one interface: the
// OpenAI-compatible chat-completions API (OpenAI, Ollama, vLLM, LocalAI, …)
// and Anthropic's messages API, both with tool calling, timeouts, retries on
// 429 and 5xx (honouring Retry-After), and token and cost accounting.
//
// The wire formats are implemented directly on net/http. The official SDKs
// were evaluated (openai-go v1.12.0, anthropic-sdk-go v1.84.0): together they
// add about seventeen modules (OpenTelemetry, a YAML v4 release candidate,
// webhook libraries) to a security-sensitive host that needs one endpoint of
// each API, so they do not earn their place.
//
// API keys are read at use through a callback (so a rotated secret is picked
// up) and never appear in errors or logs. The package knows nothing about
// Machina's tools, prompts or tracing; package agent builds on it.
package llm
