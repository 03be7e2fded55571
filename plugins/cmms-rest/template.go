package main

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/machina-go/machina/abi"
)

// A template is a string with {name} or {name:type} placeholders for the
// operation's values (id, asset_id, status, description, …). type is
// string (default), int, number or auto (a number when the value is
// numeric, else a string); it matters only where a placeholder is a whole
// JSON value.
var placeholder = regexp.MustCompile(`\{([a-z_]+)(?::(string|int|number|auto))?\}`)

// values are an operation's values by name, in domain terms. An
// enumerated field (status, priority, type) is sent as the vendor's code
// from its write table: in a write (strict) a value without a code is an
// error, in a query filter the parameter is left out (the plugin filters
// the records itself).
type values struct {
	v      map[string]string
	fields fields
	strict bool
	vendor string
}

// lookup returns the vendor value of name; ok is false when the value is
// empty (or, in a filter, has no vendor code).
func (vs values) lookup(name string) (any, bool, error) {
	d := strings.TrimSpace(vs.v[name])
	if d == "" {
		return nil, false, nil
	}
	if f := vs.fields[name]; f != nil && f.table != nil {
		w, ok := vs.fields.writeValue(name, d)
		switch {
		case ok:
			return w, true, nil
		case vs.strict:
			return nil, false, abi.InvalidArgument("%s %q cannot be written to %s: the configuration names no code for it (fields.%s.map or write)", name, d, vs.vendor, name)
		default:
			return nil, false, nil
		}
	}
	return vs.v[name], true, nil
}

// expandString renders a template as text; ok is false when a placeholder
// has no value.
func (vs values) expandString(t string) (string, bool, error) {
	var err error
	ok := true
	out := placeholder.ReplaceAllStringFunc(t, func(m string) string {
		name := placeholder.FindStringSubmatch(m)[1]
		v, have, e := vs.lookup(name)
		if e != nil && err == nil {
			err = e
		}
		if !have {
			ok = false
			return ""
		}
		return text(v)
	})
	return out, ok, err
}

// expandValue renders a JSON template: a string that is one placeholder
// becomes the typed value; other strings are rendered as text; objects and
// arrays recursively. ok is false when a value is missing: an object with a
// missing member is dropped whole, an array keeps its other elements.
func (vs values) expandValue(t any) (any, bool, error) {
	switch x := t.(type) {
	case string:
		if m := placeholder.FindStringSubmatch(x); m != nil && m[0] == x {
			v, ok, err := vs.lookup(m[1])
			if !ok || err != nil {
				return nil, false, err
			}
			v, err = convert(m[1], v, m[2])
			return v, err == nil, err
		}
		return vs.expandString(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			v, ok, err := vs.expandValue(e)
			if err != nil || !ok {
				return nil, false, err
			}
			out[k] = v
		}
		return out, true, nil
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			v, ok, err := vs.expandValue(e)
			if err != nil {
				return nil, false, err
			}
			if ok {
				out = append(out, v)
			}
		}
		return out, len(out) > 0 || len(x) == 0, nil
	}
	return t, true, nil // numbers, booleans, null: as written
}

// expandBody renders a request body template: top-level members whose
// value is missing are left out (an update sends only what changes).
func (vs values) expandBody(t any) (any, error) {
	obj, isObj := t.(map[string]any)
	if !isObj {
		v, _, err := vs.expandValue(t)
		return v, err
	}
	out := make(map[string]any, len(obj))
	for k, e := range obj {
		v, ok, err := vs.expandValue(e)
		if err != nil {
			return nil, err
		}
		if ok {
			out[k] = v
		}
	}
	return out, nil
}

// convert applies a placeholder's type to a value.
func convert(name string, v any, typ string) (any, error) {
	s := text(v)
	switch typ {
	case "int":
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, abi.InvalidArgument("%s %q is not an integer", name, s)
		}
		return n, nil
	case "number":
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, abi.InvalidArgument("%s %q is not a number", name, s)
		}
		return f, nil
	case "auto":
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, nil
		}
		return s, nil
	}
	if _, isString := v.(string); !isString && typ == "" {
		return v, nil // a mapped vendor value keeps its JSON type
	}
	return s, nil
}

// expandPath renders a path template; every placeholder is required and
// path-escaped. Values that would change the path's shape are refused.
func (vs values) expandPath(t string) (string, error) {
	var err error
	out := placeholder.ReplaceAllStringFunc(t, func(m string) string {
		name := placeholder.FindStringSubmatch(m)[1]
		v, ok, e := vs.lookup(name)
		s := strings.TrimSpace(text(v))
		switch {
		case e != nil:
			err = e
		case !ok || s == "":
			err = abi.InvalidArgument("%s is required", name)
		case dotted(s):
			err = abi.InvalidArgument("%s %q is not a valid identifier", name, s)
		}
		return url.PathEscape(s)
	})
	return out, err
}

// dotted reports a value that is, or once a server decodes its escaped
// slashes holds, a "." or ".." segment (the host refuses such paths).
func dotted(s string) bool {
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '\\' }) {
		if part == "." || part == ".." {
			return true
		}
	}
	return s == "." || s == ".."
}

// expandQuery renders query templates; a parameter whose value is missing
// is left out. Values may be one template or a list (repeated parameter).
func (vs values) expandQuery(q map[string]any) (url.Values, error) {
	out := url.Values{}
	for k, t := range q {
		list, isList := t.([]any)
		if !isList {
			list = []any{t}
		}
		for _, e := range list {
			s, isString := e.(string)
			if !isString {
				s = text(e)
			}
			v, ok, err := vs.expandString(s)
			if err != nil {
				return nil, err
			}
			if ok && v != "" {
				out.Add(k, v)
			}
		}
	}
	return out, nil
}

// placeholders lists the names a template uses (for validation).
func placeholders(t any) []string {
	var out []string
	var walk func(any)
	walk = func(x any) {
		switch y := x.(type) {
		case string:
			for _, m := range placeholder.FindAllStringSubmatch(y, -1) {
				out = append(out, m[1])
			}
			if strings.Count(y, "{") != len(placeholder.FindAllString(y, -1)) {
				out = append(out, fmt.Sprintf("!malformed %q", y))
			}
		case map[string]any:
			for _, e := range y {
				walk(e)
			}
		case []any:
			for _, e := range y {
				walk(e)
			}
		}
	}
	walk(t)
	return out
}
