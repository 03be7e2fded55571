package mcp

import (
	"math"
	"slices"
	"strings"

	"github.com/machina-go/machina/abi"
)

// param describes one tool parameter: the input schema, `machina describe`
// and the argument decoder all read it, so a default or a required flag is
// written once.
type param struct {
	Name        string   `json:"name"`
	Type        string   `json:"type"` // string, integer, object, array (of strings)
	Required    bool     `json:"required"`
	Default     any      `json:"default,omitempty"`
	Enum        []string `json:"enum,omitempty"`
	Description string   `json:"description"`
}

// args reads and validates one call's arguments against the tool's
// declared parameters. The first error sticks: later reads return zero
// values and Err reports it, so a tool reads everything it needs and then
// checks once.
type args struct {
	params map[string]param
	vals   map[string]any
	err    error
}

func newArgs(ps []param, vals map[string]any) *args {
	m := make(map[string]param, len(ps))
	for _, p := range ps {
		m[p.Name] = p
	}
	return &args{params: m, vals: vals}
}

// Err is the first argument error, an *abi.Error of kind invalid_argument.
func (a *args) Err() error { return a.err }

func (a *args) fail(err error) {
	if a.err == nil {
		a.err = err
	}
}

// value returns the raw argument and its declaration; ok is false when the
// argument is absent (or null) or an earlier read failed.
func (a *args) value(name string) (v any, p param, ok bool) {
	p, declared := a.params[name]
	if !declared {
		a.fail(abi.Internal("tool reads undeclared parameter %s", name))
		return nil, p, false
	}
	if a.err != nil {
		return nil, p, false
	}
	v, ok = a.vals[name]
	return v, p, ok && v != nil
}

// str reads a string parameter: absent means its default, or an error if
// it is required (as is a blank required value).
func (a *args) str(name string) string {
	v, p, ok := a.value(name)
	if !ok {
		if p.Required && a.err == nil {
			a.fail(abi.InvalidArgument("%s is required", name))
		}
		def, _ := p.Default.(string)
		return def
	}
	s, isStr := v.(string)
	if !isStr {
		a.fail(abi.InvalidArgument("%s must be a string", name))
		return ""
	}
	if p.Required && strings.TrimSpace(s) == "" {
		a.fail(abi.InvalidArgument("%s is required", name))
		return ""
	}
	return s
}

// integer reads an integer parameter (JSON numbers arrive as float64).
func (a *args) integer(name string) int {
	v, p, ok := a.value(name)
	if !ok {
		def, _ := p.Default.(int)
		return def
	}
	f, isNum := v.(float64)
	if !isNum || f != math.Trunc(f) {
		a.fail(abi.InvalidArgument("%s must be an integer", name))
		return 0
	}
	return int(f)
}

// strMap reads an object-of-strings parameter; absent is nil.
func (a *args) strMap(name string) map[string]string {
	v, _, ok := a.value(name)
	if !ok {
		return nil
	}
	m, isObj := v.(map[string]any)
	if !isObj {
		a.fail(abi.InvalidArgument("%s must be an object of strings", name))
		return nil
	}
	out := make(map[string]string, len(m))
	for k, x := range m {
		s, isStr := x.(string)
		if !isStr {
			a.fail(abi.InvalidArgument("%s.%s must be a string", name, k))
			return nil
		}
		out[k] = s
	}
	return out
}

// strList reads an array-of-strings parameter; absent is nil, or an error
// when required.
func (a *args) strList(name string) []string {
	v, p, ok := a.value(name)
	if !ok {
		if p.Required && a.err == nil {
			a.fail(abi.InvalidArgument("%s is required", name))
		}
		return nil
	}
	list, isList := v.([]any)
	if !isList {
		a.fail(abi.InvalidArgument("%s must be an array of strings", name))
		return nil
	}
	out := make([]string, 0, len(list))
	for i, x := range list {
		s, isStr := x.(string)
		if !isStr || strings.TrimSpace(s) == "" {
			a.fail(abi.InvalidArgument("%s[%d] must be a non-empty string", name, i))
			return nil
		}
		out = append(out, s)
	}
	if p.Required && len(out) == 0 {
		a.fail(abi.InvalidArgument("%s is required", name))
	}
	return out
}

// enum reads a string parameter and parses it; blank means the zero value
// (no filter) when optional is set, and is parsed otherwise.
func enum[T ~string](a *args, name string, parse func(string) (T, error), optional bool) T {
	s := a.str(name)
	if a.err != nil || (optional && strings.TrimSpace(s) == "") {
		return ""
	}
	v, err := parse(s)
	if err != nil {
		a.fail(err)
	}
	return v
}

// all reads every declared parameter (defaults filled in) and checks enum
// values, for showing a call before it runs; the error is the first
// argument error the tool itself would report.
func (a *args) all() (map[string]any, error) {
	out := make(map[string]any, len(a.params))
	for name, p := range a.params {
		switch p.Type {
		case "integer":
			out[name] = a.integer(name)
		case "object":
			if m := a.strMap(name); m != nil {
				out[name] = m
			}
		case "array":
			if l := a.strList(name); l != nil {
				out[name] = l
			}
		default:
			s := a.str(name)
			if len(p.Enum) > 0 && s != "" && !slices.Contains(p.Enum, s) {
				a.fail(abi.InvalidArgument("%s must be one of %s", name, strings.Join(p.Enum, ", ")))
			}
			out[name] = s
		}
	}
	return out, a.err
}
