// Package pdktest runs a plugin natively, in the same process as its tests,
// through the same encoding the wasm host uses. Host calls go to a
// Host that speaks real HTTP (to a simulator on loopback), keeps key-value
// state in memory and records logs.
//
// It is for tests only. Given the plugin's manifest (Host.Manifest) it
// refuses, as the host's HTTP gate does, a request the manifest does not
// declare, and fails the Invoke that made it; it knows no operator grant,
// sandbox mode, rate or size limit, and attaches credentials with a plain
// callback. The real policy is exercised by the wasm tests through the
// host.
package pdktest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/internal/wire"
	"github.com/machina-go/machina/pdk"
)

// Host is a native stand-in for the Machina host.
type Host struct {
	// Client sends HTTP requests (default: a client with a 30 s timeout).
	Client *http.Client
	// Auth, when set, attaches credentials to each outgoing request, as the
	// host's auth profiles would.
	Auth func(*http.Request)
	// MailSend and MailFetch serve the mail host functions when set (the
	// host refuses mail otherwise, as it does for a plugin without a mail
	// grant).
	MailSend  func(ctx context.Context, msg abi.MailMessage) (messageID string, err error)
	MailFetch func(ctx context.Context, req abi.MailFetchRequest) ([]abi.MailMessage, error)
	// Manifest is the text of the plugin's plugin.toml (the string it
	// embeds for pdk.MustParseInfo). When set, every HTTP request must be
	// one the manifest declares, as the host's gate requires: its origin
	// under an [[http]] origin, its method and path matching that origin's
	// reads or writes, and a write (a write rule, a method-override header,
	// or no read rule) only while Invoke runs a write operation. A request
	// that breaks them never leaves: the plugin gets the unauthorized error
	// the host would return, and Invoke fails with the reason even if the
	// plugin swallowed that error. Empty: requests are not checked.
	Manifest string

	mu       sync.Mutex
	kv       map[string][]byte
	logs     []LogRecord
	manifest *wire.Manifest
}

// LogRecord is one line the plugin logged.
type LogRecord struct {
	Level   abi.LogLevel   `json:"level"`
	Message string         `json:"message"`
	Fields  map[string]any `json:"fields,omitempty"`
}

// Logs returns the records the plugin logged.
func (h *Host) Logs() []LogRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]LogRecord(nil), h.logs...)
}

// Call implements pdk.NativeHost: the header is JSON, bodies and values
// travel as raw tails (ABI 1.3's direct convention).
func (h *Host) Call(ctx context.Context, fn string, hdr, tail []byte) ([]byte, []byte) {
	var out any
	var outTail []byte
	switch fn {
	case wire.HostHTTPSend:
		var req abi.HTTPRequest
		if err := json.Unmarshal(hdr, &req); err != nil {
			out = abi.HTTPResponse{Error: abi.InvalidArgument("%v", err)}
			break
		}
		req.Body = tail
		resp := h.http(ctx, req)
		outTail, resp.Body = resp.Body, nil
		out = resp
	case wire.HostLogWrite:
		var rec LogRecord
		if json.Unmarshal(hdr, &rec) == nil {
			h.mu.Lock()
			h.logs = append(h.logs, rec)
			h.mu.Unlock()
		}
		return nil, nil
	case wire.HostKVRead:
		out, outTail = h.kvRead(decode[wire.KVGetRequest](hdr))
	case wire.HostKVWrite:
		out = h.kvWrite(decode[wire.KVWriteRequest](hdr), tail)
	case wire.HostMailSubmit:
		out = wire.MailSendResponse{Error: errNoMail()}
		if h.MailSend != nil {
			id, err := h.MailSend(ctx, decode[wire.MailSendRequest](hdr).Message)
			out = wire.MailSendResponse{MessageID: id, Error: asError(err)}
		}
	case wire.HostMailReceive:
		out = wire.MailFetchResponse{Error: errNoMail()}
		if h.MailFetch != nil {
			msgs, err := h.MailFetch(ctx, decode[abi.MailFetchRequest](hdr))
			out = wire.MailFetchResponse{Messages: msgs, Error: asError(err)}
		}
	default:
		out = map[string]any{"error": abi.InvalidArgument("unknown host function %q", fn)}
	}
	b, _ := json.Marshal(out)
	return b, outTail
}

// errNoMail is the host's answer to a mail call without a mail grant.
func errNoMail() *abi.Error { return abi.Unauthorized("mail is not granted") }

// decode reads a host call's JSON header; a malformed one reads as the zero
// request, which the host function then refuses or ignores.
func decode[T any](hdr []byte) T {
	var v T
	_ = json.Unmarshal(hdr, &v)
	return v
}

func (h *Host) kvRead(req wire.KVGetRequest) (wire.KVGetResponse, []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	v, ok := h.kv[req.Key]
	return wire.KVGetResponse{Found: ok}, v
}

func (h *Host) kvWrite(req wire.KVWriteRequest, value []byte) wire.KVSetResponse {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.kv == nil {
		h.kv = map[string][]byte{}
	}
	if req.Delete {
		delete(h.kv, req.Key)
	} else {
		h.kv[req.Key] = append([]byte{}, value...)
	}
	return wire.KVSetResponse{}
}

func (h *Host) http(ctx context.Context, req abi.HTTPRequest) abi.HTTPResponse {
	if err := h.declared(ctx, req); err != nil {
		if c, ok := ctx.Value(callKey{}).(*call); ok {
			c.refuse(err)
		}
		return abi.HTTPResponse{Error: abi.Unauthorized("%v", err)}
	}
	if req.TimeoutMS > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(req.TimeoutMS)*time.Millisecond)
		defer cancel()
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, req.URL, bytes.NewReader(req.Body))
	if err != nil {
		return abi.HTTPResponse{Error: abi.InvalidArgument("%v", err)}
	}
	for k, v := range req.Headers {
		hr.Header.Set(k, v)
	}
	if h.Auth != nil {
		h.Auth(hr)
	}
	c := h.Client
	if c == nil {
		c = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := c.Do(hr)
	if err != nil {
		return abi.HTTPResponse{Error: abi.Unavailable("%v", err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return abi.HTTPResponse{Error: abi.Unavailable("%v", err)}
	}
	headers := map[string]string{}
	for k := range resp.Header {
		headers[k] = resp.Header.Get(k)
	}
	return abi.HTTPResponse{Status: resp.StatusCode, Headers: headers, Body: body}
}

// Invoke runs an export of r with h as the host and decodes the result into
// resp. A plugin-reported error is returned as *abi.Error; a request the
// host would have refused (see Host.Manifest) fails the call with the
// reason, whatever the plugin made of it.
func Invoke(ctx context.Context, h *Host, r *pdk.Runner, export string, req, resp any) error {
	in, err := json.Marshal(req)
	if err != nil {
		return err
	}
	c := &call{export: export}
	out, err := r.Call(pdk.WithNativeHost(context.WithValue(ctx, callKey{}, c), h), export, in)
	if rerr := c.err(); rerr != nil {
		return rerr
	}
	if err != nil {
		return err
	}
	if resp == nil {
		return nil
	}
	return json.Unmarshal(out, resp)
}

// Init runs machina_init with cfg.
func Init(ctx context.Context, h *Host, r *pdk.Runner, cfg map[string]any) error {
	return Invoke(ctx, h, r, wire.ExportInit, wire.InitRequest{Config: cfg}, nil)
}

// asError is nil for nil, else the error as the ABI error it travels as.
func asError(err error) *abi.Error {
	if err == nil {
		return nil
	}
	return abi.AsError(err)
}
