// Package sandbox is the host's sandbox gate: one switch (machina.toml
// sandbox = true or MACHINA_SANDBOX_MODE=true, applied by host/config) that,
// when on, keeps every write operation (abi.IsWrite, the host's own table —
// never the plugin's word) from reaching a connector, and the reference's
// synthesised responses for the writes it blocks (WO-SANDBOX-0000,
// "[SANDBOX — no real write performed] …", metadata.sandbox = true, message
// status "blocked").
//
// The router asks Gate.Blocks before dispatching an operation and logs
// sandbox_write_blocked through Gate.Block; the plugin HTTP gate (package
// policy) reads the same switch through Gate.Enabled to refuse non-GET/HEAD
// plugin requests as defence in depth.
//
// It must not call connectors, trace on its own (the router traces the
// blocked operation with its caller's identity) or hold package-level state.
package sandbox
