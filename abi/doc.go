// Package abi is version 1 of the contract between the Machina host and its
// WebAssembly plugins.
//
// It holds only data: the maintenance domain model (assets, work orders,
// spare parts, maintenance plans, alarms, failure modes, messages), one
// request and one response type per plugin operation, the plugin descriptor
// and manifest, the HTTP, key-value and mail payloads exchanged with host
// functions, and the error envelope with its fixed codes.
//
// The package also owns the fixed operation table (Operations). The host —
// never a plugin — uses that table to decide whether an operation reads or
// writes, which capability it serves, and whether it may be retried. Sandbox
// mode, confirmations and audit records depend on it.
//
// The package must stay dependency-free (standard library only) and must
// compile for GOOS=wasip1 GOARCH=wasm, because plugins import it. README.md in
// this directory is the normative specification a vendor can implement from
// without reading Go.
package abi
