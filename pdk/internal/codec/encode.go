package codec

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/machina-go/machina/internal/jsonenc"
)

// The append functions below produce exactly the bytes encoding/json's
// Marshal does for the same value (HTML-safe escaping included); the fuzz
// tests hold them to it.

// AppendString appends s as a JSON string, HTML-safe as Marshal writes it.
func AppendString(b []byte, s string) []byte { return jsonenc.AppendString(b, s, true) }

// ErrUnsupportedFloat is returned for NaN and infinities, which JSON
// cannot represent.
var ErrUnsupportedFloat = jsonenc.ErrUnsupportedFloat

// AppendFloat appends f as Marshal formats a float of the given bit size
// (like %g, with ES6 exponent cut-offs).
func AppendFloat(b []byte, f float64, bits int) ([]byte, error) {
	return jsonenc.AppendFloat(b, f, bits)
}

// Member appends an object member's quoted key and colon, preceded by a
// comma unless it is the first member after the object's opening at n.
func Member(b []byte, n int, key string) []byte {
	if len(b) > n {
		b = append(b, ',')
	}
	return append(b, key...)
}

// AppendBool appends true or false.
func AppendBool(b []byte, v bool) []byte {
	if v {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}

// AppendTime appends t as time.Time's MarshalJSON does (RFC 3339 with
// nanoseconds), with its errors for years outside [0,9999] and zone
// offsets of 24 hours or more.
func AppendTime(b []byte, t time.Time) ([]byte, error) {
	n0 := len(b) + 1
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	switch {
	case b[n0+len("9999")] != '-':
		return b, errors.New("Time.MarshalJSON: year outside of range [0,9999]")
	case b[len(b)-1] != 'Z':
		c := b[len(b)-len("Z07:00")]
		h := b[len(b)-len("07:00"):]
		if ('0' <= c && c <= '9') || 10*(h[0]-'0')+(h[1]-'0') >= 24 {
			return b, errors.New("Time.MarshalJSON: timezone hour outside of range [0,23]")
		}
	}
	return append(b, '"'), nil
}

// AppendStrings appends a []string (null when nil).
func AppendStrings(b []byte, v []string) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, s)
	}
	return append(b, ']')
}

// AppendStringMap appends a map[string]string with sorted keys (null when
// nil).
func AppendStringMap(b []byte, m map[string]string) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	keys := sortedKeys(m)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, k)
		b = append(b, ':')
		b = AppendString(b, m[k])
	}
	return append(b, '}')
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// AppendAnyMap appends a map[string]any with sorted keys (null when nil).
func AppendAnyMap(b []byte, m map[string]any) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	keys := sortedKeys(m)
	b = append(b, '{')
	var err error
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, k)
		b = append(b, ':')
		if b, err = AppendAny(b, m[k]); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// AppendAny appends a dynamic value. The shapes JSON decoding produces
// (and the common Go scalars) are encoded here; anything else is handed to
// encoding/json, which gives the same bytes it would inside a document.
func AppendAny(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return AppendString(b, x), nil
	case float64:
		return AppendFloat(b, x, 64)
	case bool:
		return AppendBool(b, x), nil
	case map[string]any:
		return AppendAnyMap(b, x)
	case []any:
		if x == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		var err error
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = AppendAny(b, e); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case uint32:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint64:
		return strconv.AppendUint(b, x, 10), nil
	case float32:
		return AppendFloat(b, float64(x), 32)
	case []string:
		return AppendStrings(b, x), nil
	case map[string]string:
		return AppendStringMap(b, x), nil
	}
	out, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	return append(b, out...), nil
}
