package pdk

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/internal/wire"
)

// NativeHost answers host calls when a plugin runs natively (under go test).
// Call receives the host function name ("http_request", "log", "kv_get", …) and its JSON
// input, and returns its JSON output, exactly as the wasm host does.
type NativeHost interface {
	Call(ctx context.Context, function string, input []byte) []byte
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

// roundTrip encodes in, runs a host function through call, and decodes the
// output into out.
func roundTrip(call func([]byte) []byte, in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return abi.Internal("encoding host call: %v", err)
	}
	res := call(b)
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(res, out); err != nil {
		return abi.Internal("decoding host reply: %v", err)
	}
	return nil
}

// HTTP sends a request through the host's policy-checked HTTP gate. The host
// checks the origin against the operator's grant, attaches credentials, and
// scrubs secrets from the response. A refusal or transport failure comes
// back as an *abi.Error (the plugin keeps running); any HTTP status,
// including 4xx and 5xx, is a successful call.
func HTTP(ctx context.Context, req abi.HTTPRequest) (abi.HTTPResponse, error) {
	var resp abi.HTTPResponse
	if err := roundTrip(func(b []byte) []byte { return callHTTP(ctx, b) }, req, &resp); err != nil {
		return resp, err
	}
	if resp.Error != nil {
		return resp, resp.Error
	}
	return resp, nil
}

// Log writes a message to the host's log under the plugin's name. The host
// rate-limits and scrubs plugin logs.
func Log(ctx context.Context, level abi.LogLevel, msg string, fields map[string]any) {
	_ = roundTrip(func(b []byte) []byte { callLog(ctx, b); return nil }, wire.LogRecord{Level: level, Message: msg, Fields: fields}, nil)
}

// Logf is Log with a format string.
func Logf(ctx context.Context, level abi.LogLevel, format string, args ...any) {
	Log(ctx, level, fmt.Sprintf(format, args...), nil)
}

// KVGet reads a value from the plugin's persistent key-value store.
func KVGet(ctx context.Context, key string) (value []byte, found bool, err error) {
	var resp wire.KVGetResponse
	if err := roundTrip(func(b []byte) []byte { return callKVGet(ctx, b) }, wire.KVGetRequest{Key: key}, &resp); err != nil {
		return nil, false, err
	}
	if resp.Error != nil {
		return nil, false, resp.Error
	}
	return resp.Value, resp.Found, nil
}

// KVSet writes (or, with a nil value, deletes) a key in the plugin's
// persistent store, within the granted quota.
func KVSet(ctx context.Context, key string, value []byte) error {
	var resp wire.KVSetResponse
	if err := roundTrip(func(b []byte) []byte { return callKVSet(ctx, b) }, wire.KVSetRequest{Key: key, Value: value}, &resp); err != nil {
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
	if err := roundTrip(func(b []byte) []byte { return callMailSend(ctx, b) }, wire.MailSendRequest{Message: msg}, &resp); err != nil {
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
	if err := roundTrip(func(b []byte) []byte { return callMailFetch(ctx, b) }, req, &resp); err != nil {
		return nil, err
	}
	if resp.Error != nil {
		return nil, resp.Error
	}
	return resp.Messages, nil
}
