//go:build !wasip1

package pdk

import (
	"context"
	"encoding/json"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/internal/wire"
)

// Natively, every host call goes to the NativeHost in the context, with
// the same header and tail bytes the wasm host receives.

func nativeCall(ctx context.Context, fn string, hdr, tail []byte) ([]byte, []byte) {
	h := nativeHost(ctx)
	if h == nil {
		out, _ := json.Marshal(map[string]any{"error": abi.Internal("no native host in context: run the plugin through pdktest")})
		return out, nil
	}
	return h.Call(ctx, fn, hdr, tail)
}

func callHTTP(ctx context.Context, hdr, tail []byte) ([]byte, []byte) {
	return nativeCall(ctx, wire.HostHTTPSend, hdr, tail)
}
func callLog(ctx context.Context, hdr []byte) { nativeCall(ctx, wire.HostLogWrite, hdr, nil) }
func callKVGet(ctx context.Context, hdr []byte) ([]byte, []byte) {
	return nativeCall(ctx, wire.HostKVRead, hdr, nil)
}
func callKVSet(ctx context.Context, hdr, tail []byte) ([]byte, []byte) {
	return nativeCall(ctx, wire.HostKVWrite, hdr, tail)
}
func callMailSend(ctx context.Context, hdr []byte) ([]byte, []byte) {
	return nativeCall(ctx, wire.HostMailSubmit, hdr, nil)
}
func callMailFetch(ctx context.Context, hdr []byte) ([]byte, []byte) {
	return nativeCall(ctx, wire.HostMailReceive, hdr, nil)
}
