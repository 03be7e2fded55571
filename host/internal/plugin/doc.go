// Package plugin loads and runs Machina plugins: WebAssembly modules built
// against ABI v1, executed on wazero.
//
// Two calling conventions are supported (abi/README.md §1). Modules of ABI
// 1.3's direct convention — everything the Go PDK builds — run on wazero
// itself: host functions read and write the module's own memory, export
// handles are cached per instance, every payload crosses once per
// direction and HTTP bodies travel raw (direct.go, direct_host.go).
// Modules of the Extism convention (ABI 1.0–1.2, or built with an Extism
// PDK) run through Extism's go-sdk as before (extism.go, extism_host.go).
// The convention is chosen from the module's imports.
//
// It treats every module as untrusted. At load it checks the sha256 pin, the
// embedded manifest, the import allow-list (only the machina host functions,
// extism's memory kernel and a fixed WASI subset — never extism's built-in
// HTTP), the descriptor and the ABI version. At run time every instance gets
// the real clocks and a crypto random source, a memory cap, a per-call
// timeout that really stops a runaway loop or recursion (the module is
// rewritten at load with counted interrupt checks, package interrupt), input
// and output size caps, no filesystem, no environment and no sockets. An instance
// that traps (panic, out of memory, timeout, exit) is discarded and the next
// call gets a fresh one; instances are pooled and recycled after a number of
// calls. Compiled code is cached on disk across restarts. Direct-convention
// instances start from the module's data laid out once as a memory image
// (mapped copy-on-write) in memory mappings reused, cleared, between
// instances (memory*.go).
//
// The package does not decide policy: what a plugin may reach over HTTP,
// which credentials are attached, and what it may store are answered by the
// Host given at load (see package policy). It also does not classify
// operations as reads or writes — that is the abi operation table, applied
// by the caller.
package plugin
