// Package config is the operator's configuration, machina.toml: the one
// place where the host learns which plugins to load with which grants, how
// to serve MCP, where traces go, and how secrets are referenced.
//
// It owns parsing (strict: unknown keys are errors), defaults, environment
// overrides (MACHINA_SANDBOX_MODE, MACHINA_TRACE_DIR, MACHINA_LOG_LEVEL) and
// static validation with clear messages. It holds secret *references* only
// (env:NAME, file:PATH, systemd:NAME); resolving them is package secrets'
// job. It must not start anything.
package config
