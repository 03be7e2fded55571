// Package durable keeps small host state on disk so that it survives a
// crash (kill -9, power loss) at any instant: whole documents written
// atomically (WriteFile, Doc) and append-only journals of records
// (Journal).
//
// WriteFile writes a temporary file in the target's directory, syncs it,
// renames it over the target and syncs the directory, so a reader sees
// the old content or the new, never a mix. A Journal appends one JSON
// line per record and syncs it before Append returns; reopening after a
// crash drops a torn last line (a record whose append had not returned,
// so nothing acted on it) and reports it, and Rewrite compacts the
// journal atomically. Files are 0600 in directories of 0700.
//
// What it owns: the on-disk format of these files and their crash
// semantics. What it must not do: decide what state is kept (its users
// do), hold secrets (its users must not give it any), or share a file
// between processes (the data directory belongs to one host).
package durable
