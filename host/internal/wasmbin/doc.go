// Package wasmbin reads and appends the primitive encodings of the
// WebAssembly binary format: bytes, LEB128 integers, vector lengths and
// names. It is shared by the packages that decode modules (wasmfile for
// metadata, interrupt for the load-time rewrite) so the format's rules live
// in one place. It knows nothing about sections or instructions, never
// panics on malformed input and allocates only for names.
package wasmbin
