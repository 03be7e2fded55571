//go:build !wasip1

package pdk

import (
	"context"
	"encoding/json"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/internal/wire"
)

// Natively, every host call goes to the NativeHost in the context.

func nativeCall(ctx context.Context, fn string, in []byte) []byte {
	h := nativeHost(ctx)
	if h == nil {
		out, _ := json.Marshal(map[string]any{"error": abi.Internal("no native host in context: run the plugin through pdktest")})
		return out
	}
	return h.Call(ctx, fn, in)
}

func callHTTP(ctx context.Context, in []byte) []byte {
	return nativeCall(ctx, wire.HostHTTPRequest, in)
}
func callLog(ctx context.Context, in []byte)          { nativeCall(ctx, wire.HostLog, in) }
func callKVGet(ctx context.Context, in []byte) []byte { return nativeCall(ctx, wire.HostKVGet, in) }
func callKVSet(ctx context.Context, in []byte) []byte { return nativeCall(ctx, wire.HostKVSet, in) }
func callMailSend(ctx context.Context, in []byte) []byte {
	return nativeCall(ctx, wire.HostMailSend, in)
}
func callMailFetch(ctx context.Context, in []byte) []byte {
	return nativeCall(ctx, wire.HostMailFetch, in)
}
