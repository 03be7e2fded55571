// Package trace is Machina's action tracer: one JSONL entry per tool call,
// plugin call, outbound plugin HTTP request, LLM call or workflow step,
// written asynchronously to traces-YYYY-MM-DD[.N].jsonl files (UTC days,
// size rotation, retention) in a directory kept at 0750 or stricter with
// files at 0600.
//
// Every entry is redacted on write: metadata keys that look like secrets
// are replaced recursively, every string is passed through the secret value
// scrubber, and summaries are truncated. An optional hash chain (seq,
// prev_hash, hash) lets Verify detect edited, deleted or reordered lines;
// Tail prints entries for humans or machines. A line a crash cut short is
// ended by the next Tracer, which opens a new, linked segment with a
// trace_resumed entry; Verify reports it as truncated by a crash, apart
// from breaks (crash.go).
//
// One Tracer owns one directory: New takes the directory's lock file
// (.machina.lock, package dirlock) and a second tracer — in this process
// or another — is refused with an error naming the holder, because two
// hash chains interleaved in one file would read as tampering. Verify
// reads beside the writer: a last line still being written is not a break.
//
// It must not block callers (a full buffer drops and counts entries), hold
// package-level state, or ever write a secret value, an URL query string or
// a credential header.
package trace
