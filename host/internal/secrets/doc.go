// Package secrets resolves the operator's secret references (env:NAME,
// file:PATH, systemd:NAME / credential:NAME) into values, holds them in a
// type that cannot be printed, marshalled or logged by accident, and keeps
// a Scrubber that removes every known secret value from text (logs, traces,
// plugin HTTP responses).
//
// It owns: the Value holder, the Registry of named secrets (read at use so
// file rotation works), permission checks on secret files, the .env loader
// for development and the key-name heuristic LooksSecretKey shared by the
// logger and the tracer.
//
// It must not: accept literal secrets in configuration, put a secret value
// in an error message or a log line, write anything to disk, or decide who
// may use a secret (that is the policy layer's job).
package secrets
