// Package sanitize strips host filesystem layout from strings before they
// reach an MCP client or an LLM.
//
// It owns two pure functions shared by the document store, the agent and
// the MCP layer:
//
//   - SafeSource turns a document source (usually an absolute path) into
//     something safe to cite: remote URLs pass unchanged, paths become their
//     base name, anything that looks like a serialised structure becomes the
//     placeholder "<document>".
//   - SafeText scrubs identity- or infrastructure-revealing absolute paths
//     (UNC shares, Windows user profiles, /home/<user>, /Users/<user>) out of
//     free text, replacing each with its base name.
//
// The rules follow the reference implementation (machina-spec §4) exactly;
// SafeText additionally never keeps the user-name component of a home path.
//
// It must not: touch the filesystem, log, keep state, or rewrite anything
// that is not a path (system paths such as /etc/fstab are deliberately kept
// because they are instructional, not identifying).
package sanitize
