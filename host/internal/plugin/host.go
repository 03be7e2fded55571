package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	extism "github.com/extism/go-sdk"
	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/internal/wire"
)

// Host answers a plugin's host-function calls. One Host is bound to one
// plugin, so it knows whose grant applies. Implementations must never panic
// and must return refusals as error responses: a refusal is data, not a
// trap. The context carries the call's identity (see package trace).
type Host interface {
	HTTPRequest(ctx context.Context, req abi.HTTPRequest) abi.HTTPResponse
	Log(ctx context.Context, rec wire.LogRecord)
	KVGet(ctx context.Context, req wire.KVGetRequest) wire.KVGetResponse
	KVSet(ctx context.Context, req wire.KVSetRequest) wire.KVSetResponse
	MailSend(ctx context.Context, req wire.MailSendRequest) wire.MailSendResponse
	MailFetch(ctx context.Context, req abi.MailFetchRequest) wire.MailFetchResponse
}

// DenyHost grants nothing: every HTTP and mail call is refused, logs go to
// Logger, and the key-value store is an in-memory map capped at QuotaBytes.
// It is the default Host and what `machina plugin inspect` runs with.
type DenyHost struct {
	Logger     hclog.Logger
	QuotaBytes int64

	mu   sync.Mutex
	kv   map[string][]byte
	used int64
}

var errNotGranted = func(what string) *abi.Error {
	return abi.Unauthorized("%s is not granted to this plugin", what)
}

// HTTPRequest implements Host.
func (h *DenyHost) HTTPRequest(context.Context, abi.HTTPRequest) abi.HTTPResponse {
	return abi.HTTPResponse{Error: errNotGranted("HTTP")}
}

// Log implements Host.
func (h *DenyHost) Log(_ context.Context, rec wire.LogRecord) {
	if h.Logger != nil {
		logRecord(h.Logger, rec)
	}
}

// KVGet implements Host.
func (h *DenyHost) KVGet(_ context.Context, req wire.KVGetRequest) wire.KVGetResponse {
	h.mu.Lock()
	defer h.mu.Unlock()
	v, ok := h.kv[req.Key]
	return wire.KVGetResponse{Found: ok, Value: v}
}

// KVSet implements Host.
func (h *DenyHost) KVSet(_ context.Context, req wire.KVSetRequest) wire.KVSetResponse {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.kv == nil {
		h.kv = map[string][]byte{}
	}
	old := int64(len(h.kv[req.Key]))
	if _, ok := h.kv[req.Key]; ok {
		old += int64(len(req.Key))
	}
	add := int64(len(req.Key) + len(req.Value))
	if req.Value == nil {
		add = 0
	}
	if h.used-old+add > h.QuotaBytes {
		return wire.KVSetResponse{Error: abi.Unavailable("kv quota of %d bytes exceeded", h.QuotaBytes)}
	}
	h.used = h.used - old + add
	if req.Value == nil {
		delete(h.kv, req.Key)
	} else {
		h.kv[req.Key] = append([]byte(nil), req.Value...)
	}
	return wire.KVSetResponse{}
}

// MailSend implements Host.
func (h *DenyHost) MailSend(context.Context, wire.MailSendRequest) wire.MailSendResponse {
	return wire.MailSendResponse{Error: errNotGranted("mail")}
}

// MailFetch implements Host.
func (h *DenyHost) MailFetch(context.Context, abi.MailFetchRequest) wire.MailFetchResponse {
	return wire.MailFetchResponse{Error: errNotGranted("mail")}
}

// logRecord writes a plugin log record to an hclog logger.
func logRecord(l hclog.Logger, rec wire.LogRecord) {
	args := make([]any, 0, 2*len(rec.Fields))
	for k, v := range rec.Fields {
		args = append(args, k, v)
	}
	switch rec.Level {
	case abi.LogDebug:
		l.Debug(rec.Message, args...)
	case abi.LogWarn:
		l.Warn(rec.Message, args...)
	case abi.LogError:
		l.Error(rec.Message, args...)
	default:
		l.Info(rec.Message, args...)
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

// safeCall runs f, turning a panic in host code into an internal error reply
// so a host bug cannot crash the process through a plugin.
func safeCall(f func() any) (out any) {
	defer func() {
		if r := recover(); r != nil {
			out = map[string]any{"error": abi.Internal("host function failed: %v", fmt.Sprint(r))}
		}
	}()
	return f()
}
