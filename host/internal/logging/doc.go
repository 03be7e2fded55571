// Package logging builds the host's go-hclog loggers: level from
// configuration or MACHINA_LOG_LEVEL, text or JSON, written to stderr by
// default, and redacting — field keys that look like secrets
// (secrets.LooksSecretKey) have their values replaced with "[REDACTED]",
// and every known secret value is scrubbed from the formatted line.
// Named sub-loggers (per component, per plugin) inherit the redaction.
//
// It must not write to stdout (stdout may be the MCP stdio transport), keep
// package-level state, or know which secrets exist: it only receives a
// Scrubber.
package logging
