// Package wasmfile reads and writes the parts of a WebAssembly binary that
// Machina needs without executing it: imports, exports and custom sections
// (the embedded plugin manifest), and the data section, which SplitData
// turns into one initial memory image. It decodes and re-encodes sections;
// it never instantiates or validates code.
package wasmfile
