package trace

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/machina-go/machina/host/internal/secrets"
	"github.com/machina-go/machina/internal/jsonenc"
)

// appendEntry appends e as compact JSON: byte-for-byte what encoding/json
// produces for the Entry with HTML escaping off and its metadata replaced
// by secrets.Redact(metadata, scrubber), but without reflection and without
// copying the metadata: the tracer's hot path. The top-level strings of e
// must already be scrubbed (redactor.entry).
func (r redactor) appendEntry(b []byte, e *Entry) []byte {
	b = append(b, '{')
	if e.Seq != 0 {
		b = append(b, `"seq":`...)
		b = strconv.AppendUint(b, e.Seq, 10)
		b = append(b, ',')
	}
	b = append(b, `"id":`...)
	b = appendString(b, e.ID)
	if e.ParentID != "" {
		b = append(b, `,"parent_id":`...)
		b = appendString(b, e.ParentID)
	}
	b = append(b, `,"timestamp":"`...)
	b = e.Timestamp.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","action":`...)
	b = appendString(b, e.Action)
	b = append(b, `,"connector":`...)
	b = appendString(b, e.Connector)
	b = append(b, `,"asset_id":`...)
	b = appendString(b, e.AssetID)
	b = append(b, `,"operation":`...)
	b = appendString(b, e.Operation)
	b = append(b, `,"input_summary":`...)
	b = appendString(b, e.InputSummary)
	b = append(b, `,"output_summary":`...)
	b = appendString(b, e.OutputSummary)
	b = append(b, `,"duration_ms":`...)
	b = appendFloat(b, e.DurationMS, 64)
	b = append(b, `,"success":`...)
	b = strconv.AppendBool(b, e.Success)
	b = append(b, `,"error":`...)
	b = appendString(b, e.Error)
	b = append(b, `,"metadata":`...)
	if e.Metadata == nil {
		b = append(b, "{}"...)
	} else {
		b = r.appendValue(b, e.Metadata, 0)
	}
	b = append(b, `,"conversation_id":`...)
	b = appendString(b, e.ConversationID)
	b = append(b, `,"prompt_tokens":`...)
	b = strconv.AppendInt(b, int64(e.PromptTokens), 10)
	b = append(b, `,"completion_tokens":`...)
	b = strconv.AppendInt(b, int64(e.CompletionTokens), 10)
	b = append(b, `,"total_tokens":`...)
	b = strconv.AppendInt(b, int64(e.TotalTokens), 10)
	b = append(b, `,"usd_cost":`...)
	b = appendFloat(b, e.USDCost, 64)
	b = append(b, `,"model":`...)
	b = appendString(b, e.Model)
	for _, f := range [...]struct{ k, v string }{
		{`,"client_id":`, e.ClientID}, {`,"plugin":`, e.Plugin}, {`,"plugin_sha256":`, e.PluginSHA256},
		{`,"http_method":`, e.HTTPMethod}, {`,"http_origin":`, e.HTTPOrigin}, {`,"http_path":`, e.HTTPPath},
	} {
		if f.v != "" {
			b = append(b, f.k...)
			b = appendString(b, f.v)
		}
	}
	if e.HTTPStatus != 0 {
		b = append(b, `,"http_status":`...)
		b = strconv.AppendInt(b, int64(e.HTTPStatus), 10)
	}
	if e.HTTPBytes != 0 {
		b = append(b, `,"http_bytes":`...)
		b = strconv.AppendInt(b, e.HTTPBytes, 10)
	}
	if e.PrevHash != "" {
		b = append(b, `,"prev_hash":`...)
		b = appendString(b, e.PrevHash)
	}
	if e.Hash != "" {
		b = append(b, `,"hash":`...)
		b = appendString(b, e.Hash)
	}
	return append(b, '}')
}

// maxDepth bounds recursion into metadata (as secrets.Redact does).
const maxDepth = 32

// appendValue appends the JSON of secrets.Redact(v, scrubber) without
// building it: values of keys that look secret become "[REDACTED]", every
// string and key is scrubbed, and types other than the common JSON-ready
// ones are normalised through their JSON form first.
func (r redactor) appendValue(b []byte, v any, depth int) []byte {
	if depth > maxDepth {
		return appendString(b, "[depth limit]")
	}
	if out, ok := r.appendScalar(b, v); ok {
		return out
	}
	if out, ok := r.appendComposite(b, v, depth); ok {
		return out
	}
	// Structs, typed maps and slices, pointers: redact their JSON form so
	// that struct fields named like secrets are caught too.
	j, err := json.Marshal(v)
	if err != nil {
		return appendString(b, r.str(fmt.Sprintf("%v", v)))
	}
	var y any
	if err := decodeNumber(j, &y); err != nil {
		return appendString(b, r.str(string(j)))
	}
	return r.appendValue(b, y, depth+1)
}

// appendScalar appends the common scalar types; ok is false for others.
func (r redactor) appendScalar(b []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), true
	case string:
		return appendString(b, r.str(x)), true
	case bool:
		return strconv.AppendBool(b, x), true
	case int:
		return strconv.AppendInt(b, int64(x), 10), true
	case int8:
		return strconv.AppendInt(b, int64(x), 10), true
	case int16:
		return strconv.AppendInt(b, int64(x), 10), true
	case int32:
		return strconv.AppendInt(b, int64(x), 10), true
	case int64:
		return strconv.AppendInt(b, x, 10), true
	case uint:
		return strconv.AppendUint(b, uint64(x), 10), true
	case uint8:
		return strconv.AppendUint(b, uint64(x), 10), true
	case uint16:
		return strconv.AppendUint(b, uint64(x), 10), true
	case uint32:
		return strconv.AppendUint(b, uint64(x), 10), true
	case uint64:
		return strconv.AppendUint(b, x, 10), true
	case time.Duration:
		return strconv.AppendInt(b, int64(x), 10), true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return appendString(b, strconv.FormatFloat(x, 'g', -1, 64)), true
		}
		return appendFloat(b, x, 64), true
	case float32:
		return appendFloat(b, float64(x), 32), true
	case json.Number:
		if x == "" {
			return append(b, '0'), true
		}
		return append(b, x...), true
	case time.Time:
		if y := x.Year(); y >= 0 && y <= 9999 {
			b = append(b, '"')
			b = x.AppendFormat(b, time.RFC3339Nano)
			return append(b, '"'), true
		}
		return appendString(b, x.String()), true
	case secrets.Value:
		return appendString(b, secrets.Redacted), true
	case error:
		return appendString(b, r.str(x.Error())), true
	}
	return b, false
}

// appendComposite appends the common maps and slices (and raw JSON);
// ok is false for other types.
func (r redactor) appendComposite(b []byte, v any, depth int) ([]byte, bool) {
	nested := func(b []byte, v any) []byte { return r.appendValue(b, v, depth+1) }
	switch x := v.(type) {
	case map[string]any:
		return appendObject(r, b, x, nested), true
	case map[string]string:
		return appendObject(r, b, x, func(b []byte, v string) []byte { return appendString(b, r.str(v)) }), true
	case map[string][]string:
		return appendObject(r, b, x, func(b []byte, v []string) []byte { return nested(b, v) }), true
	case []any:
		return appendArray(b, x, nested), true
	case []string:
		return appendArray(b, x, func(b []byte, e string) []byte { return appendString(b, r.str(e)) }), true
	case []map[string]any:
		return appendArray(b, x, func(b []byte, e map[string]any) []byte { return nested(b, e) }), true
	case json.RawMessage:
		var y any
		if err := decodeNumber(x, &y); err != nil {
			return appendString(b, r.str(string(x))), true
		}
		return r.appendValue(b, y, depth+1), true
	}
	return b, false
}

// appendArray appends xs as a JSON array, each element with elem.
func appendArray[T any](b []byte, xs []T, elem func([]byte, T) []byte) []byte {
	b = append(b, '[')
	for i, e := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = elem(b, e)
	}
	return append(b, ']')
}

func decodeNumber(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

// mapKey is a map key and its scrubbed form (what is written).
type mapKey struct{ orig, out string }

// sortedKeys returns m's keys ordered by their scrubbed form, as
// encoding/json orders the keys of the redacted copy.
func (r redactor) sortedKeys(keys []string) []mapKey {
	out := make([]mapKey, len(keys))
	for i, k := range keys {
		out[i] = mapKey{k, r.str(k)}
	}
	slices.SortFunc(out, func(a, b mapKey) int { return strings.Compare(a.out, b.out) })
	return out
}

// appendObject encodes m as a JSON object with sorted keys, replacing the
// value of every key that looks secret and encoding the others with value.
func appendObject[V any](r redactor, b []byte, m map[string]V, value func([]byte, V) []byte) []byte {
	b = append(b, '{')
	for i, mk := range r.sortedKeys(keysOf(m)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, mk.out)
		b = append(b, ':')
		if secrets.LooksSecretKey(mk.orig) {
			b = appendString(b, secrets.Redacted)
		} else {
			b = value(b, m[mk.orig])
		}
	}
	return append(b, '}')
}

func keysOf[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// appendFloat formats like encoding/json, writing 0 for NaN and
// infinities (which JSON cannot represent).
func appendFloat(b []byte, f float64, bits int) []byte {
	out, err := jsonenc.AppendFloat(b, f, bits)
	if err != nil {
		return append(b, '0')
	}
	return out
}

// appendString quotes s like encoding/json with HTML escaping off.
func appendString(b []byte, s string) []byte { return jsonenc.AppendString(b, s, false) }
