package pdk

import (
	"context"
	"fmt"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/internal/wire"
)

// NativeHost answers host calls when a plugin runs natively (under go
// test). Call receives the host function name of ABI 1.3's direct
// convention ("http_send", "log_write", "kv_read", …) with its JSON header
// and raw tail, and returns the reply header and tail, exactly as the wasm
// host does (see internal/wire/direct.go).
type NativeHost interface {
	Call(ctx context.Context, function string, header, tail []byte) (replyHeader, replyTail []byte)
}

type nativeHostKey struct{}

// WithNativeHost returns a context whose host calls go to h. It has no
// effect inside a wasm module, where the real host functions are used.
func WithNativeHost(ctx context.Context, h NativeHost) context.Context {
	return context.WithValue(ctx, nativeHostKey{}, h)
}

func nativeHost(ctx context.Context) NativeHost {
	h, _ := ctx.Value(nativeHostKey{}).(NativeHost)
	return h
}

// hostCall encodes the header, runs a host function through call with the
// raw tail, and decodes the reply header into out, returning the raw reply
// tail.
func hostCall(call func(hdr, tail []byte) ([]byte, []byte), hdr any, tail []byte, out any) ([]byte, error) {
	b, err := encodeHeader(hdr)
	if err != nil {
		return nil, abi.Internal("encoding host call: %v", err)
	}
	rh, rt := call(b, tail)
	if out == nil {
		return rt, nil
	}
	if err := decodeReply(rh, out); err != nil {
		return nil, abi.Internal("decoding host reply: %v", err)
	}
	return rt, nil
}

// HTTP sends a request through the host's policy-checked HTTP gate. The host
// checks the origin against the operator's grant, attaches credentials, and
// scrubs secrets from the response. A refusal or transport failure comes
// back as an *abi.Error (the plugin keeps running); any HTTP status,
// including 4xx and 5xx, is a successful call.
func HTTP(ctx context.Context, req abi.HTTPRequest) (abi.HTTPResponse, error) {
	var resp abi.HTTPResponse
	body := req.Body
	req.Body = nil
	tail, err := hostCall(func(h, t []byte) ([]byte, []byte) { return callHTTP(ctx, h, t) }, &req, body, &resp)
	if err != nil {
		return resp, err
	}
	resp.Body = tail
	if resp.Error != nil {
		return resp, resp.Error
	}
	return resp, nil
}

// Log writes a message to the host's log under the plugin's name. The host
// rate-limits and scrubs plugin logs.
func Log(ctx context.Context, level abi.LogLevel, msg string, fields map[string]any) {
	_, _ = hostCall(func(h, _ []byte) ([]byte, []byte) { callLog(ctx, h); return nil, nil }, &wire.LogRecord{Level: level, Message: msg, Fields: fields}, nil, nil)
}

// Logf is Log with a format string.
func Logf(ctx context.Context, level abi.LogLevel, format string, args ...any) {
	Log(ctx, level, fmt.Sprintf(format, args...), nil)
}

// KVGet reads a value from the plugin's persistent key-value store.
func KVGet(ctx context.Context, key string) (value []byte, found bool, err error) {
	var resp wire.KVGetResponse
	tail, err := hostCall(func(h, _ []byte) ([]byte, []byte) { return callKVGet(ctx, h) }, &wire.KVGetRequest{Key: key}, nil, &resp)
	if err != nil {
		return nil, false, err
	}
	if resp.Error != nil {
		return nil, false, resp.Error
	}
	if resp.Found && tail == nil {
		tail = []byte{}
	}
	return tail, resp.Found, nil
}

// KVSet writes (or, with a nil value, deletes) a key in the plugin's
// persistent store, within the granted quota.
func KVSet(ctx context.Context, key string, value []byte) error {
	var resp wire.KVSetResponse
	req := wire.KVWriteRequest{Key: key, Delete: value == nil}
	if _, err := hostCall(func(h, t []byte) ([]byte, []byte) { return callKVSet(ctx, h, t) }, &req, value, &resp); err != nil {
		return err
	}
	if resp.Error != nil {
		return resp.Error
	}
	return nil
}

// MailSend sends an e-mail through the host's SMTP client, authenticated by
// the host. It returns the Message-ID.
func MailSend(ctx context.Context, msg abi.MailMessage) (string, error) {
	var resp wire.MailSendResponse
	if _, err := hostCall(func(h, _ []byte) ([]byte, []byte) { return callMailSend(ctx, h) }, &wire.MailSendRequest{Message: msg}, nil, &resp); err != nil {
		return "", err
	}
	if resp.Error != nil {
		return "", resp.Error
	}
	return resp.MessageID, nil
}

// MailFetch fetches unseen (or newer than SinceUID) messages through the
// host's IMAP client and marks them seen.
func MailFetch(ctx context.Context, req abi.MailFetchRequest) ([]abi.MailMessage, error) {
	var resp wire.MailFetchResponse
	if _, err := hostCall(func(h, _ []byte) ([]byte, []byte) { return callMailFetch(ctx, h) }, &req, nil, &resp); err != nil {
		return nil, err
	}
	if resp.Error != nil {
		return nil, resp.Error
	}
	return resp.Messages, nil
}
