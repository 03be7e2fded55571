package plugin

import (
	"context"
	"encoding/json"

	extism "github.com/extism/go-sdk"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/internal/wire"
)

// decoded adapts a Host method to a call on JSON input: input that does not
// decode gets a reply holding only the error, which the plugin reads as its
// response type with the error set.
func decoded[Req, Resp any](call func(context.Context, Req) Resp) func(context.Context, []byte) any {
	return func(ctx context.Context, in []byte) any {
		var req Req
		if err := json.Unmarshal(in, &req); err != nil {
			return map[string]any{"error": abi.InvalidArgument("decoding host call: %v", err)}
		}
		return call(ctx, req)
	}
}

// hostFunctions adapts a Host to extism host functions in the machina
// namespace. Each decodes JSON from plugin memory, calls the Host, and writes
// the JSON reply back. Decoding failures and host panics become error
// replies, never traps.
func hostFunctions(h Host, maxIn int) []extism.HostFunction {
	type fn struct {
		name string
		call func(ctx context.Context, in []byte) any
	}
	fns := []fn{
		{wire.HostHTTPRequest, decoded(h.HTTPRequest)},
		{wire.HostKVGet, decoded(h.KVGet)},
		{wire.HostKVSet, decoded(h.KVSet)},
		{wire.HostMailSend, decoded(h.MailSend)},
		{wire.HostMailFetch, decoded(h.MailFetch)},
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
