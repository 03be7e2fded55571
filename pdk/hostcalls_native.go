//go:build !wasip1

package pdk

import (
	"context"
	"encoding/json"

	"github.com/machina-go/machina/abi"
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
	return nativeCall(ctx, abi.HostHTTPRequest, in)
}
func callLog(ctx context.Context, in []byte)          { nativeCall(ctx, abi.HostLog, in) }
func callKVGet(ctx context.Context, in []byte) []byte { return nativeCall(ctx, abi.HostKVGet, in) }
func callKVSet(ctx context.Context, in []byte) []byte { return nativeCall(ctx, abi.HostKVSet, in) }
func callMailSend(ctx context.Context, in []byte) []byte {
	return nativeCall(ctx, abi.HostMailSend, in)
}
func callMailFetch(ctx context.Context, in []byte) []byte {
	return nativeCall(ctx, abi.HostMailFetch, in)
}
