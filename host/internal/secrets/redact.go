package secrets

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// StringScrubber removes known secret values from a string; *Scrubber
// implements it.
type StringScrubber interface {
	ScrubString(string) string
}

// maxRedactDepth bounds recursion in Redact.
const maxRedactDepth = 32

// Redact returns a redacted, JSON-ready deep copy of v for logs and traces:
// maps and slices are walked; the value of every key for which
// LooksSecretKey is true becomes "[REDACTED]"; every string (keys included)
// goes through s (which may be nil); a Value becomes "[REDACTED]"; errors
// become their scrubbed message; and any other type (structs, typed maps,
// pointers) is first converted through its JSON form, so struct fields
// named like secrets are caught too. v itself is never modified.
func Redact(v any, s StringScrubber) any {
	r := func(x string) string { return x }
	if s != nil {
		r = s.ScrubString
	}
	return redact(v, r, 0)
}

type scrubFunc func(string) string

// redact returns a redacted, JSON-ready copy of v: maps and slices are
// walked (keys that look secret lose their values), strings are scrubbed,
// and any other type is normalised through its JSON form first.
func redact(v any, r scrubFunc, depth int) any {
	if depth > maxRedactDepth {
		return "[depth limit]"
	}
	switch x := v.(type) {
	case nil, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64,
		float32, json.Number, time.Time, time.Duration:
		return x
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Sprint(x)
		}
		return x
	case string:
		return r(x)
	case Value:
		return Redacted
	case error:
		return r(x.Error())
	case map[string]any:
		return redactMap(x, r, func(e any) any { return redact(e, r, depth+1) })
	case map[string]string:
		return redactMap(x, r, func(e string) any { return r(e) })
	case map[string][]string: // e.g. http.Header, url.Values
		return redactMap(x, r, func(e []string) any { return redact(e, r, depth+1) })
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = redact(e, r, depth+1)
		}
		return out
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = r(e)
		}
		return out
	case []map[string]any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = redact(e, r, depth+1)
		}
		return out
	case json.RawMessage:
		var y any
		if err := unmarshalNumber(x, &y); err != nil {
			return r(string(x))
		}
		return redact(y, r, depth+1)
	}
	// Structs, typed maps and slices, pointers: redact their JSON form so
	// that struct fields named like secrets are caught too.
	b, err := json.Marshal(v)
	if err != nil {
		return r(fmt.Sprintf("%v", v))
	}
	var y any
	if err := unmarshalNumber(b, &y); err != nil {
		return r(string(b))
	}
	return redact(y, r, depth+1)
}

func unmarshalNumber(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

// redactMap redacts a map: values of keys that look secret become
// Redacted, the others go through value; every key is scrubbed.
func redactMap[V any](x map[string]V, r func(string) string, value func(V) any) map[string]any {
	out := make(map[string]any, len(x))
	for k, e := range x {
		if LooksSecretKey(k) {
			out[r(k)] = Redacted
		} else {
			out[r(k)] = value(e)
		}
	}
	return out
}
