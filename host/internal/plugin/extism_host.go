package plugin

import (
	"context"
	"encoding/json"

	extism "github.com/extism/go-sdk"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/internal/wire"
)

// hostFunctions adapts a Host to extism host functions in the machina
// namespace. Each decodes JSON from plugin memory, calls the Host, and writes
// the JSON reply back. Decoding failures and host panics become error
// replies, never traps.
func hostFunctions(h Host, maxIn int) []extism.HostFunction {
	type fn struct {
		name string
		call func(ctx context.Context, in []byte) any
	}
	decode := func(in []byte, v any) *abi.Error {
		if err := json.Unmarshal(in, v); err != nil {
			return abi.InvalidArgument("decoding host call: %v", err)
		}
		return nil
	}
	fns := []fn{
		{wire.HostHTTPRequest, func(ctx context.Context, in []byte) any {
			var req abi.HTTPRequest
			if e := decode(in, &req); e != nil {
				return abi.HTTPResponse{Error: e}
			}
			return h.HTTPRequest(ctx, req)
		}},
		{wire.HostKVGet, func(ctx context.Context, in []byte) any {
			var req wire.KVGetRequest
			if e := decode(in, &req); e != nil {
				return wire.KVGetResponse{Error: e}
			}
			return h.KVGet(ctx, req)
		}},
		{wire.HostKVSet, func(ctx context.Context, in []byte) any {
			var req wire.KVSetRequest
			if e := decode(in, &req); e != nil {
				return wire.KVSetResponse{Error: e}
			}
			return h.KVSet(ctx, req)
		}},
		{wire.HostMailSend, func(ctx context.Context, in []byte) any {
			var req wire.MailSendRequest
			if e := decode(in, &req); e != nil {
				return wire.MailSendResponse{Error: e}
			}
			return h.MailSend(ctx, req)
		}},
		{wire.HostMailFetch, func(ctx context.Context, in []byte) any {
			var req abi.MailFetchRequest
			if e := decode(in, &req); e != nil {
				return wire.MailFetchResponse{Error: e}
			}
			return h.MailFetch(ctx, req)
		}},
	}
	out := make([]extism.HostFunction, 0, len(fns)+1)
	for _, f := range fns {
		f := f
		hf := extism.NewHostFunctionWithStack(f.name, func(ctx context.Context, p *extism.CurrentPlugin, stack []uint64) {
			var reply any
			in, err := p.ReadBytes(stack[0])
			switch {
			case err != nil:
				reply = map[string]any{"error": abi.InvalidArgument("reading host call input: %v", err)}
			case len(in) > maxIn:
				reply = map[string]any{"error": abi.InvalidArgument("host call input of %d bytes exceeds the %d byte cap", len(in), maxIn)}
			default:
				reply = safeCall(func() any { return f.call(ctx, in) })
			}
			b, _ := json.Marshal(reply)
			off, err := p.WriteBytes(b)
			if err != nil {
				// Out of plugin memory: a zero offset reads as an empty reply,
				// which the PDK decodes as an error.
				off = 0
			}
			stack[0] = off
		}, []extism.ValueType{extism.ValueTypePTR}, []extism.ValueType{extism.ValueTypePTR})
		hf.SetNamespace(wire.Namespace)
		out = append(out, hf)
	}
	logFn := extism.NewHostFunctionWithStack(wire.HostLog, func(ctx context.Context, p *extism.CurrentPlugin, stack []uint64) {
		in, err := p.ReadBytes(stack[0])
		if err != nil || len(in) > maxIn {
			return
		}
		var rec wire.LogRecord
		if json.Unmarshal(in, &rec) != nil {
			return
		}
		safeCall(func() any { h.Log(ctx, rec); return nil })
	}, []extism.ValueType{extism.ValueTypePTR}, nil)
	logFn.SetNamespace(wire.Namespace)
	return append(out, logFn)
}
