package main

import "github.com/machina-go/machina/pdk"

// parseJSON decodes a JSON document into the values encoding/json gives an
// `any` (map[string]any, []any, string, float64, bool, nil). Inside wasm,
// encoding/json's reflective decoder runs many times slower than natively;
// the PDK's parser reads an OData page several times faster and accepts
// exactly what encoding/json does (nesting up to its 10000 levels).
func parseJSON(b []byte) (any, error) { return pdk.ParseJSON(b) }
