package mcp

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/machina-go/machina/abi"
)

// output is what a tool declares about its result: the JSON Schema of its
// structuredContent (MCP tools/list outputSchema) and how a result value
// becomes that content. MCP requires structuredContent to be an object, so
// a tool whose result is a list (the reference's shape, kept in the text
// content) declares the property that carries the list in structuredContent.
type output struct {
	schema json.RawMessage
	// key is the property holding a list result ("" for object results).
	key string
	err error
}

// structured is v as structuredContent.
func (o output) structured(v any) any {
	if o.key == "" {
		return v
	}
	return map[string]any{o.key: v}
}

// enumSchemas gives the ABI's enumerated types their value lists, so an
// outputSchema states the contract's values (abi/README.md), not just
// "string".
func enumSchemas() map[reflect.Type]*jsonschema.Schema {
	m := map[reflect.Type]*jsonschema.Schema{}
	add := func(t reflect.Type, vals []string) {
		enum := make([]any, len(vals))
		for i, v := range vals {
			enum[i] = v
		}
		m[t] = &jsonschema.Schema{Type: "string", Enum: enum}
	}
	add(reflect.TypeFor[abi.AssetType](), enumStrings(abi.AssetTypes()))
	add(reflect.TypeFor[abi.Criticality](), enumStrings(abi.Criticalities()))
	add(reflect.TypeFor[abi.WorkOrderType](), enumStrings(abi.WorkOrderTypes()))
	add(reflect.TypeFor[abi.Priority](), enumStrings(abi.Priorities()))
	add(reflect.TypeFor[abi.Status](), enumStrings(abi.Statuses()))
	add(reflect.TypeFor[abi.Severity](), enumStrings(abi.Severities()))
	return m
}

// schemaFor is the JSON Schema of T's JSON encoding (struct fields without
// omitempty are required; no other properties are allowed).
func schemaFor[T any]() (*jsonschema.Schema, error) {
	s, err := jsonschema.For[T](&jsonschema.ForOptions{TypeSchemas: enumSchemas()})
	if err != nil {
		return nil, fmt.Errorf("output schema: %w", err)
	}
	return s, nil
}

func encode(s *jsonschema.Schema, err error, key string) output {
	if err != nil {
		return output{err: err}
	}
	b, err := json.Marshal(s)
	if err != nil {
		return output{err: fmt.Errorf("output schema: %w", err)}
	}
	return output{schema: b, key: key}
}

// objectOutput is a result of struct type T.
func objectOutput[T any]() output {
	s, err := schemaFor[T]()
	return encode(s, err, "")
}

// listOutput is a result of type []T, carried in structuredContent as
// {key: [...]}.
func listOutput[T any](key string) output {
	items, err := schemaFor[T]()
	if err != nil {
		return output{err: err}
	}
	return encode(&jsonschema.Schema{
		Type:                 "object",
		Properties:           map[string]*jsonschema.Schema{key: {Type: "array", Items: items}},
		Required:             []string{key},
		AdditionalProperties: &jsonschema.Schema{Not: &jsonschema.Schema{}},
	}, nil, key)
}

// notConfirmed is a write tool's result when the user declined or
// cancelled the confirmation: nothing was written.
type notConfirmed struct {
	// Status is "declined" or "cancelled".
	Status  string `json:"status"`
	Message string `json:"message"`
	// Written is always false.
	Written bool `json:"written"`
}

// writeOutput is a write tool's result: the connector's answer (T), the
// sandbox's synthesised answer (S), or the user's refusal to confirm.
func writeOutput[T, S any]() output {
	var branches []*jsonschema.Schema
	for _, f := range []func() (*jsonschema.Schema, error){schemaFor[T], schemaFor[S], schemaFor[notConfirmed]} {
		s, err := f()
		if err != nil {
			return output{err: err}
		}
		branches = append(branches, s)
	}
	refusal := branches[2]
	refusal.Properties["status"].Enum = []any{"declined", "cancelled"}
	f := any(false)
	refusal.Properties["written"].Const = &f
	return encode(&jsonschema.Schema{Type: "object", AnyOf: branches}, nil, "")
}
