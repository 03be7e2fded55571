// Package abi is version 1 of the contract between the Machina host and its
// WebAssembly plugins: the maintenance domain model, one request and one
// response type per operation, the HTTP and mail messages a plugin
// exchanges through the pdk, errors with fixed codes, and the fixed
// operation table the host (never a plugin) classifies operations with.
// README.md here is the normative specification.
//
// Valid values are listed by functions returning fresh slices: no importer
// can change validation. Host-only wire types live in internal/wire. The
// package stays dependency-free and compiles for GOOS=wasip1 GOARCH=wasm.
package abi
