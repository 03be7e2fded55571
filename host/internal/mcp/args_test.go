package mcp

import (
	"errors"
	"testing"

	"github.com/machina-go/machina/abi"
)

// The decoder's rules are the MCP input schema each tool publishes
// (required, default, type): JSON numbers arrive as float64 (encoding/json).
func TestArgsDecoder(t *testing.T) {
	ps := []param{
		{Name: "id", Type: "string", Required: true},
		{Name: "opt", Type: "string", Default: "dflt"},
		{Name: "n", Type: "integer", Default: 5},
		{Name: "f", Type: "object"},
	}
	cases := []struct {
		name    string
		vals    map[string]any
		wantErr string
	}{
		{"missing required", map[string]any{}, "id is required"},
		{"null required", map[string]any{"id": nil}, "id is required"},
		{"blank required", map[string]any{"id": "  "}, "id is required"},
		{"wrong type", map[string]any{"id": 7.0}, "id must be a string"},
		{"fraction", map[string]any{"id": "x", "n": 1.5}, "n must be an integer"},
		{"integer as string", map[string]any{"id": "x", "n": "3"}, "n must be an integer"},
		{"object not object", map[string]any{"id": "x", "f": "a=b"}, "f must be an object of strings"},
		{"object value not string", map[string]any{"id": "x", "f": map[string]any{"k": 1.0}}, "f.k must be a string"},
		{"first error sticks", map[string]any{"n": "bad"}, "id is required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := newArgs(ps, c.vals)
			a.str("id")
			a.str("opt")
			a.integer("n")
			a.strMap("f")
			var ae *abi.Error
			if !errors.As(a.Err(), &ae) || ae.Code != abi.CodeInvalidArgument || ae.Message != c.wantErr {
				t.Fatalf("err = %v, want invalid_argument %q", a.Err(), c.wantErr)
			}
		})
	}

	a := newArgs(ps, map[string]any{"id": "P-101", "f": map[string]any{"doc_type": "manual"}})
	if id, o, n, f := a.str("id"), a.str("opt"), a.integer("n"), a.strMap("f"); a.Err() != nil ||
		id != "P-101" || o != "dflt" || n != 5 || f["doc_type"] != "manual" {
		t.Fatalf("got %q %q %d %v err %v", id, o, n, f, a.Err())
	}
	if a.str("undeclared"); a.Err() == nil {
		t.Fatal("reading an undeclared parameter must fail")
	}
}

func TestEnumBlankOptional(t *testing.T) {
	ps := []param{{Name: "status", Type: "string", Default: ""}, {Name: "priority", Type: "string", Default: "medium"}}
	a := newArgs(ps, map[string]any{"status": " "})
	if st := enum(a, "status", abi.ParseStatus, true); st != "" || a.Err() != nil {
		t.Fatalf("blank optional status = %q, %v", st, a.Err())
	}
	if p := enum(a, "priority", abi.ParsePriority, false); p != abi.PriorityMedium || a.Err() != nil {
		t.Fatalf("default priority = %q, %v", p, a.Err())
	}
	a = newArgs(ps, map[string]any{"priority": ""})
	if enum(a, "priority", abi.ParsePriority, false); a.Err() == nil {
		t.Fatal("an explicit blank priority must be rejected")
	}
}
