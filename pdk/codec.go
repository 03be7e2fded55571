package pdk

import (
	"encoding/json"

	"github.com/machina-go/machina/pdk/internal/codec"
)

// The codecs of everything the PDK sends and receives: export requests and
// results, host-call headers and replies. The ABI types go through the
// generated codecs of package codec (byte for byte what encoding/json
// produces and accepts, without reflection, which inside wasm is many
// times slower); anything else falls back to encoding/json.

// decodeRequest decodes an export's input into v.
func decodeRequest(b []byte, v any) error {
	if ok, err := codec.Unmarshal(b, v); ok {
		return err
	}
	return json.Unmarshal(b, v)
}

// encodeResult encodes an export's result or error object.
func encodeResult(v any) ([]byte, error) {
	if b, ok, err := codec.Marshal(make([]byte, 0, 512), v); ok {
		return b, err
	}
	return json.Marshal(v)
}

// encodeHeader encodes a host-call header.
func encodeHeader(v any) ([]byte, error) { return encodeResult(v) }

// decodeReply decodes a host-call reply header into v.
func decodeReply(b []byte, v any) error { return decodeRequest(b, v) }
