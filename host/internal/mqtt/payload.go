package mqtt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// step is one element of a value path: an object key, or an array index
// when key is empty.
type step struct {
	key   string
	index int
}

// parsePath parses "a.b[2].c"; "" is the empty path (plain payload).
func parsePath(p string) ([]step, error) {
	if p == "" {
		return nil, nil
	}
	var out []step
	for _, part := range strings.Split(p, ".") {
		key, rest, _ := strings.Cut(part, "[")
		if key == "" && rest == "" {
			return nil, fmt.Errorf("value_path %q: empty element", p)
		}
		if key != "" {
			out = append(out, step{key: key})
		}
		for rest != "" {
			num, after, ok := strings.Cut(rest, "]")
			n, err := strconv.Atoi(num)
			if !ok || err != nil || n < 0 {
				return nil, fmt.Errorf("value_path %q: bad index %q", p, num)
			}
			out = append(out, step{index: n})
			if after == "" {
				break
			}
			if !strings.HasPrefix(after, "[") {
				return nil, fmt.Errorf("value_path %q: unexpected %q", p, after)
			}
			rest = after[1:]
		}
	}
	return out, nil
}

// errNotNumeric is wrapped when a payload holds no usable number.
var errNotNumeric = errors.New("payload is not numeric")

// decodeValue reads the number in payload at path (nil path: the whole
// payload is a number, bare or as JSON). Booleans read as 0 and 1. NaN and
// infinities are refused.
func decodeValue(payload []byte, path []step) (float64, error) {
	payload = bytes.TrimSpace(payload)
	if path == nil {
		if f, err := strconv.ParseFloat(string(payload), 64); err == nil && finite(f) {
			return f, nil
		}
		// a JSON string or number as the whole payload
		var v any
		if json.Unmarshal(payload, &v) == nil {
			return number(v)
		}
		return 0, fmt.Errorf("%w: %q", errNotNumeric, abbreviate(payload))
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return 0, fmt.Errorf("%w: not JSON", errNotNumeric)
	}
	for _, s := range path {
		switch x := v.(type) {
		case map[string]any:
			if s.key == "" {
				return 0, fmt.Errorf("%w: index [%d] on an object", errNotNumeric, s.index)
			}
			var ok bool
			if v, ok = x[s.key]; !ok {
				return 0, fmt.Errorf("%w: no %q", errNotNumeric, s.key)
			}
		case []any:
			if s.key != "" || s.index >= len(x) {
				return 0, fmt.Errorf("%w: no element %v", errNotNumeric, s)
			}
			v = x[s.index]
		default:
			return 0, fmt.Errorf("%w: path goes through a %T", errNotNumeric, v)
		}
	}
	return number(v)
}

func number(v any) (float64, error) {
	var f float64
	var err error
	switch x := v.(type) {
	case json.Number:
		f, err = x.Float64()
	case float64:
		f = x
	case string:
		f, err = strconv.ParseFloat(strings.TrimSpace(x), 64)
	case bool:
		if x {
			f = 1
		}
	default:
		return 0, fmt.Errorf("%w: value is %T", errNotNumeric, v)
	}
	if err != nil || !finite(f) {
		return 0, fmt.Errorf("%w: %v", errNotNumeric, v)
	}
	return f, nil
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// abbreviate returns at most 32 bytes of b for messages.
func abbreviate(b []byte) string {
	if len(b) > 32 {
		return string(b[:32]) + "…"
	}
	return string(b)
}
