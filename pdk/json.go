package pdk

import "github.com/machina-go/machina/pdk/internal/codec"

// ParseJSON decodes a JSON document (a vendor API's response body, say)
// into the values encoding/json gives an `any`: map[string]any, []any,
// string, float64, bool or nil. It accepts and rejects exactly what
// json.Unmarshal does (the PDK's tests hold it to that) and is several
// times faster inside wasm, where encoding/json's reflective decoder runs
// many times slower than natively: on a page of 100 records it is the
// largest cost of a list operation.
func ParseJSON(b []byte) (any, error) {
	var v any
	err := codec.Decode(b, func(d *codec.Decoder) { v = d.Any() })
	if err != nil {
		return nil, err
	}
	return v, nil
}
