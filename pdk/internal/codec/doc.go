// Package codec encodes and decodes the JSON the PDK exchanges with the
// host — export requests and results, host-call headers and replies —
// without reflection. Go compiled to WebAssembly runs encoding/json's
// reflective encoder and its byte-at-a-time scanner many times slower than
// native code, and the plugin boundary is where every byte passes; the
// functions here (the runtime in encode.go and decode.go, one generated
// function per ABI type in types_gen.go) produce and accept exactly what
// encoding/json does, which the fuzz tests check against encoding/json
// itself.
//
// Types without a generated codec fall back to encoding/json (Marshal and
// Unmarshal report whether they handled a value). The package holds no
// state and does no I/O.
package codec

//go:generate go run ./gen
