// Package wasmfile reads and writes the parts of a WebAssembly binary that
// Machina needs without executing it: imports, exports and custom sections
// (the embedded plugin manifest). It is a decoder for audit and inspection
// only; it never instantiates or validates code.
package wasmfile
