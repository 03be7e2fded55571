// Package inbox is the host's ledger of incoming messages: for each
// channel and message id, what became of it — a reply recorded but not yet
// confirmed sent (Replying), answered, handled without a reply, refused by
// the plugin, or given up after failures. The messaging router consults it
// before handling a message, so a message a plugin delivers again (at-least-
// once delivery, ABI 1.4: after a crash, or while its acknowledgement is
// pending) is never handled or answered twice, and a reply that was
// recorded but whose send a crash interrupted is sent again rather than
// produced again.
//
// The ledger is a durable.Journal in the data directory
// (<data_dir>/state/inbox.jsonl), one synced line per state change,
// compacted when it grows to twice its live records; settled records are
// kept for Retain (default 7 days) and at most MaxRecords. Without a path
// it lives in memory (tests, `machina chat`).
//
// What it must not do: interpret message content, send anything, or keep a
// message's text (only the reply while it is being sent, and the ids).
package inbox
