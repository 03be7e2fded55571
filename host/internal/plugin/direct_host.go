package plugin

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/internal/wire"
)

// directCall serves one capability call of the direct convention: a JSON
// header and a raw tail in (views of plugin memory, valid only during the
// call), a JSON reply header and a raw reply tail out.
type directCall func(ctx context.Context, hdr, tail []byte) (replyHdr, replyTail []byte)

// errorReply is the reply header of a refused or malformed call: every
// reply header type has an "error" member.
func errorReply(e *abi.Error) []byte {
	b, _ := json.Marshal(struct {
		Error *abi.Error `json:"error"`
	}{e})
	return b
}

// safeDirectCall runs call, turning a panic in host code into an internal
// error reply so a host bug cannot crash the process through a plugin.
func safeDirectCall(ctx context.Context, call directCall, hdr, tail []byte) (rh, rt []byte) {
	defer func() {
		if r := recover(); r != nil {
			rh, rt = errorReply(abi.Internal("host function failed: %v", fmt.Sprint(r))), nil
		}
	}()
	return call(ctx, hdr, tail)
}

// decodeHeader decodes a call's JSON header.
func decodeHeader(hdr []byte, v any) *abi.Error {
	if err := json.Unmarshal(hdr, v); err != nil {
		return abi.InvalidArgument("decoding host call header: %v", err)
	}
	return nil
}

func encodeReply(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return errorReply(abi.Internal("encoding host call reply: %v", err))
	}
	return b
}

// withHeader adapts a call that takes its header decoded as a T; a header
// that does not decode is refused with an invalid-argument reply.
func withHeader[T any](call func(ctx context.Context, req T, tail []byte) ([]byte, []byte)) directCall {
	return func(ctx context.Context, hdr, tail []byte) ([]byte, []byte) {
		var req T
		if e := decodeHeader(hdr, &req); e != nil {
			return errorReply(e), nil
		}
		return call(ctx, req, tail)
	}
}

// directCalls adapts a Host to the capability calls of the direct
// convention. Bodies and values cross as raw tails: the request body is
// copied out of plugin memory once, the response body is written into it
// once (by reply_read).
func directCalls(h Host) map[string]directCall {
	return map[string]directCall{
		wire.HostHTTPSend: withHeader(func(ctx context.Context, req abi.HTTPRequest, tail []byte) ([]byte, []byte) {
			if req.Body != nil {
				return errorReply(abi.InvalidArgument("http_send: the body travels as the call's tail, not in the header")), nil
			}
			if len(tail) > 0 {
				req.Body = append([]byte(nil), tail...)
			}
			resp := h.HTTPRequest(ctx, req)
			body := resp.Body
			resp.Body = nil
			return encodeReply(resp), body
		}),
		wire.HostLogWrite: func(ctx context.Context, hdr, _ []byte) ([]byte, []byte) {
			var rec wire.LogRecord
			if decodeHeader(hdr, &rec) == nil {
				h.Log(ctx, rec)
			}
			return nil, nil
		},
		wire.HostKVRead: withHeader(func(ctx context.Context, req wire.KVGetRequest, _ []byte) ([]byte, []byte) {
			resp := h.KVGet(ctx, req)
			value := resp.Value
			resp.Value = nil
			return encodeReply(resp), value
		}),
		wire.HostKVWrite: withHeader(func(ctx context.Context, req wire.KVWriteRequest, tail []byte) ([]byte, []byte) {
			set := wire.KVSetRequest{Key: req.Key}
			if !req.Delete {
				set.Value = append([]byte{}, tail...)
			}
			return encodeReply(h.KVSet(ctx, set)), nil
		}),
		wire.HostMailSubmit: withHeader(func(ctx context.Context, req wire.MailSendRequest, _ []byte) ([]byte, []byte) {
			return encodeReply(h.MailSend(ctx, req)), nil
		}),
		wire.HostMailReceive: withHeader(func(ctx context.Context, req abi.MailFetchRequest, _ []byte) ([]byte, []byte) {
			return encodeReply(h.MailFetch(ctx, req)), nil
		}),
	}
}
