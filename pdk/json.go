package pdk

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/machina-go/machina/pdk/internal/codec"
)

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

// Scalar renders a decoded JSON scalar as a trimmed string: strings
// trimmed, numbers in their shortest form (7, 7.5, not 7.000000), booleans
// as true/false; objects, arrays and null give "". Upstream APIs send the
// same attribute as a string in one payload and a number in another (OData
// v2 decimals, Maximo priorities); read codes with Scalar.
func Scalar(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}
