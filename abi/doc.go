// Package abi is version 1 of the contract between the Machina host and its
// WebAssembly plugins.
//
// It is the vendor contract and holds only data: the maintenance domain
// model (assets, work orders, spare parts, maintenance plans, alarms,
// failure modes, messages), one request and one response type per plugin
// operation, the HTTP request and response and the mail message a plugin
// exchanges through the pdk, and errors with their fixed codes. The lists
// of valid values are functions returning fresh slices, so no importer can
// change what validation accepts. What only the host and the pdk need on
// the wire (descriptor, manifest, envelopes, host-function payloads) lives
// in the module's internal/wire package.
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
