package main

import (
	"fmt"
	"strconv"
	"strings"
)

// path is a parsed JSON path: dotted keys with [n] indexes, e.g.
// "result.assignees[0].id". The empty path is the document itself.
type path []pathStep

// pathStep is an object key, or an array index when key is empty.
type pathStep struct {
	key   string
	index int
}

// parsePath parses p; "" is the whole document.
func parsePath(p string) (path, error) {
	if p == "" {
		return path{}, nil
	}
	var out path
	for _, part := range strings.Split(p, ".") {
		key, rest, _ := strings.Cut(part, "[")
		if key == "" && rest == "" {
			return nil, fmt.Errorf("path %q: empty element", p)
		}
		if key != "" {
			out = append(out, pathStep{key: key})
		}
		for rest != "" {
			num, after, ok := strings.Cut(rest, "]")
			n, err := strconv.Atoi(num)
			if !ok || err != nil || n < 0 {
				return nil, fmt.Errorf("path %q: bad index %q", p, num)
			}
			out = append(out, pathStep{index: n})
			if after == "" {
				break
			}
			if !strings.HasPrefix(after, "[") {
				return nil, fmt.Errorf("path %q: unexpected %q after an index", p, after)
			}
			rest = after[1:]
		}
	}
	return out, nil
}

// mustPath parses a path validated at Init.
func mustPath(p string) path {
	out, err := parsePath(p)
	if err != nil {
		return path{{key: "\x00invalid"}}
	}
	return out
}

// get returns the value at p in doc (decoded JSON) and whether it exists
// and is not null.
func (p path) get(doc any) (any, bool) {
	v := doc
	for _, s := range p {
		switch x := v.(type) {
		case map[string]any:
			if s.key == "" {
				return nil, false
			}
			v = x[s.key]
		case []any:
			if s.key != "" || s.index >= len(x) {
				return nil, false
			}
			v = x[s.index]
		default:
			return nil, false
		}
	}
	return v, v != nil
}

// text renders a scalar JSON value as the string a vendor code or id is
// compared as: strings as they are, numbers without a trailing ".0",
// booleans as true/false. Objects and arrays give "".
func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}
