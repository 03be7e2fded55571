//go:build wasip1

package pdk

import (
	"context"

	"github.com/extism/go-pdk"
)

// Inside wasm, each host call goes straight to its import, so the linker
// keeps only the imports a plugin actually uses and the audit sees exactly
// what the plugin can do.

//go:wasmimport machina http_request
func hostHTTPRequest(uint64) uint64

//go:wasmimport machina log
func hostLog(uint64)

//go:wasmimport machina kv_get
func hostKVGet(uint64) uint64

//go:wasmimport machina kv_set
func hostKVSet(uint64) uint64

//go:wasmimport machina mail_send
func hostMailSend(uint64) uint64

//go:wasmimport machina mail_fetch
func hostMailFetch(uint64) uint64

// call copies in to extism memory, calls f, and copies the result out.
func call(f func(uint64) uint64, in []byte) []byte {
	mem := pdk.AllocateBytes(in)
	off := f(mem.Offset())
	mem.Free()
	out := pdk.FindMemory(off)
	b := out.ReadBytes()
	out.Free()
	return b
}

func callHTTP(_ context.Context, in []byte) []byte { return call(hostHTTPRequest, in) }
func callLog(_ context.Context, in []byte) {
	mem := pdk.AllocateBytes(in)
	hostLog(mem.Offset())
	mem.Free()
}
func callKVGet(_ context.Context, in []byte) []byte     { return call(hostKVGet, in) }
func callKVSet(_ context.Context, in []byte) []byte     { return call(hostKVSet, in) }
func callMailSend(_ context.Context, in []byte) []byte  { return call(hostMailSend, in) }
func callMailFetch(_ context.Context, in []byte) []byte { return call(hostMailFetch, in) }
