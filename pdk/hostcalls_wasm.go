//go:build wasip1

package pdk

import (
	"context"
	"unsafe"

	"github.com/machina-go/machina/internal/wire"
)

// Inside wasm, each host call goes straight to its own import, so the
// linker keeps only the imports a plugin actually uses and the audit sees
// exactly what the plugin can do. The calls use ABI 1.3's direct
// convention: the host reads the header and tail where they lie in this
// module's memory and writes the reply into buffers allocated here for it,
// once.

//go:wasmimport machina http_send
func hostHTTPSend(hdr unsafe.Pointer, hdrLen uint32, tail unsafe.Pointer, tailLen uint32) uint64

//go:wasmimport machina log_write
func hostLogWrite(hdr unsafe.Pointer, hdrLen uint32, tail unsafe.Pointer, tailLen uint32) uint64

//go:wasmimport machina kv_read
func hostKVRead(hdr unsafe.Pointer, hdrLen uint32, tail unsafe.Pointer, tailLen uint32) uint64

//go:wasmimport machina kv_write
func hostKVWrite(hdr unsafe.Pointer, hdrLen uint32, tail unsafe.Pointer, tailLen uint32) uint64

//go:wasmimport machina mail_submit
func hostMailSubmit(hdr unsafe.Pointer, hdrLen uint32, tail unsafe.Pointer, tailLen uint32) uint64

//go:wasmimport machina mail_receive
func hostMailReceive(hdr unsafe.Pointer, hdrLen uint32, tail unsafe.Pointer, tailLen uint32) uint64

//go:wasmimport machina reply_read
func hostReplyRead(hdr unsafe.Pointer, tail unsafe.Pointer)

// ptr is the address of b's first byte, or nil when b is empty.
func ptr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(unsafe.SliceData(b))
}

type hostFunc func(hdr unsafe.Pointer, hdrLen uint32, tail unsafe.Pointer, tailLen uint32) uint64

// call runs one capability call and fetches its reply into two fresh
// buffers: the reply tail (an HTTP body, a value) is then the plugin's own
// slice, with no further copy.
func call(f hostFunc, hdr, tail []byte) (replyHdr, replyTail []byte) {
	hl, tl := wire.UnpackReply(f(ptr(hdr), uint32(len(hdr)), ptr(tail), uint32(len(tail))))
	if hl == 0 && tl == 0 {
		return nil, nil
	}
	replyHdr = make([]byte, hl)
	if tl > 0 {
		replyTail = make([]byte, tl)
	}
	hostReplyRead(ptr(replyHdr), ptr(replyTail))
	return replyHdr, replyTail
}

func callHTTP(_ context.Context, hdr, tail []byte) ([]byte, []byte) {
	return call(hostHTTPSend, hdr, tail)
}
func callLog(_ context.Context, hdr []byte) { call(hostLogWrite, hdr, nil) }
func callKVGet(_ context.Context, hdr []byte) ([]byte, []byte) {
	return call(hostKVRead, hdr, nil)
}
func callKVSet(_ context.Context, hdr, tail []byte) ([]byte, []byte) {
	return call(hostKVWrite, hdr, tail)
}
func callMailSend(_ context.Context, hdr []byte) ([]byte, []byte) {
	return call(hostMailSubmit, hdr, nil)
}
func callMailFetch(_ context.Context, hdr []byte) ([]byte, []byte) {
	return call(hostMailReceive, hdr, nil)
}
