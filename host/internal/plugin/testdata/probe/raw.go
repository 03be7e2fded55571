package main

// Raw host calls that break ABI 1.3's rules on purpose (modes badptr and
// twice), declared here with the host functions' wasm signatures.

//go:wasmimport machina http_send
func rawHTTPSend(hdr, hdrLen, tail, tailLen uint32) uint64

//go:wasmimport machina output_write
func rawOutputWrite(p, n uint32)
