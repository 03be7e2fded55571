// Package plugin loads and runs Machina plugins: WebAssembly modules built
// against ABI v1, executed with extism on wazero.
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
// calls. Compiled code is cached on disk across restarts.
//
// The package does not decide policy: what a plugin may reach over HTTP,
// which credentials are attached, and what it may store are answered by the
// Host given at load (see package policy). It also does not classify
// operations as reads or writes — that is the abi operation table, applied
// by the caller.
package plugin
