package pdk

import "encoding/json"

// The codecs of everything the PDK sends and receives: export requests and
// results, host-call headers and replies.

// decodeRequest decodes an export's input into v.
func decodeRequest(b []byte, v any) error { return json.Unmarshal(b, v) }

// encodeResult encodes an export's result or error object.
func encodeResult(v any) ([]byte, error) { return json.Marshal(v) }

// encodeHeader encodes a host-call header.
func encodeHeader(v any) ([]byte, error) { return json.Marshal(v) }

// decodeReply decodes a host-call reply header into v.
func decodeReply(b []byte, v any) error { return json.Unmarshal(b, v) }
