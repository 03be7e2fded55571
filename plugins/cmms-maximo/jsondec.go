package main

import "github.com/machina-go/machina/pdk"

// decodeJSON parses a JSON document into the same values encoding/json
// produces for an `any` (map[string]any, []any, string, float64, bool,
// nil). Inside wasm, encoding/json's reflective decoder dominates the cost
// of reading a page of records; the PDK's parser does the same job several
// times faster.
func decodeJSON(b []byte) (any, error) { return pdk.ParseJSON(b) }
