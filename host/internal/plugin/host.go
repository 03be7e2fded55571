package plugin

import (
	"context"
	"fmt"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/internal/wire"
)

// Host answers a plugin's host-function calls. One Host is bound to one
// plugin, so it knows whose grant applies. Implementations must never panic
// and must return refusals as error responses: a refusal is data, not a
// trap. The context carries the call's identity (see package trace) and
// the export being run (see package opctx).
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
// It is the default Host (a plugin loaded without one is granted nothing).
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
