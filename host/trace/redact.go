package trace

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/machina-go/machina/host/secrets"
)

// Scrubber removes known secret values from text; *secrets.Scrubber
// implements it.
type Scrubber interface {
	ScrubString(string) string
}

// DefaultMaxSummaryChars is where input and output summaries are cut.
const DefaultMaxSummaryChars = 2000

// truncatedMark ends a truncated summary.
const truncatedMark = "...[truncated]"

// maxDepth bounds recursion into metadata.
const maxDepth = 32

// redactor applies the write-time redaction rules.
type redactor struct {
	s          Scrubber
	maxSummary int
}

func (r redactor) str(s string) string {
	if r.s == nil || s == "" {
		return s
	}
	return r.s.ScrubString(s)
}

// entry returns a redacted copy of e; e and its metadata are not modified.
func (r redactor) entry(e Entry) Entry {
	e.ID = r.str(e.ID)
	e.ParentID = r.str(e.ParentID)
	e.Action = r.str(e.Action)
	e.Connector = r.str(e.Connector)
	e.AssetID = r.str(e.AssetID)
	e.Operation = r.str(e.Operation)
	e.InputSummary = truncate(r.str(e.InputSummary), r.maxSummary)
	e.OutputSummary = truncate(r.str(e.OutputSummary), r.maxSummary)
	e.Error = r.str(e.Error)
	e.ConversationID = r.str(e.ConversationID)
	e.Model = r.str(e.Model)
	e.ClientID = r.str(e.ClientID)
	e.Plugin = r.str(e.Plugin)
	e.PluginSHA256 = r.str(e.PluginSHA256)
	e.HTTPMethod = r.str(e.HTTPMethod)
	e.HTTPOrigin = r.str(stripUserinfo(e.HTTPOrigin))
	e.HTTPPath = r.str(pathOnly(e.HTTPPath))
	e.DurationMS = round2(e.DurationMS)
	e.Timestamp = e.Timestamp.UTC()
	e.Metadata = r.metadata(e.Metadata)
	e.Seq, e.PrevHash, e.Hash = 0, "", ""
	return e
}

func (r redactor) metadata(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if secrets.LooksSecretKey(k) {
			out[r.str(k)] = secrets.Redacted
			continue
		}
		out[r.str(k)] = r.value(v, 1)
	}
	return out
}

// value returns a redacted, JSON-ready copy of v: maps and slices are
// walked (keys that look secret lose their values), strings are scrubbed,
// and any other type is normalised through its JSON form first.
func (r redactor) value(v any, depth int) any {
	if depth > maxDepth {
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
		return r.str(x)
	case secrets.Value:
		return secrets.Redacted
	case error:
		return r.str(x.Error())
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if secrets.LooksSecretKey(k) {
				out[r.str(k)] = secrets.Redacted
			} else {
				out[r.str(k)] = r.value(e, depth+1)
			}
		}
		return out
	case map[string]string:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if secrets.LooksSecretKey(k) {
				out[r.str(k)] = secrets.Redacted
			} else {
				out[r.str(k)] = r.str(e)
			}
		}
		return out
	case map[string][]string: // e.g. http.Header, url.Values
		out := make(map[string]any, len(x))
		for k, e := range x {
			if secrets.LooksSecretKey(k) {
				out[r.str(k)] = secrets.Redacted
			} else {
				out[r.str(k)] = r.value(e, depth+1)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = r.value(e, depth+1)
		}
		return out
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = r.str(e)
		}
		return out
	case []map[string]any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = r.value(e, depth+1)
		}
		return out
	case json.RawMessage:
		var y any
		if err := unmarshalNumber(x, &y); err != nil {
			return r.str(string(x))
		}
		return r.value(y, depth+1)
	}
	// Structs, typed maps and slices, pointers: redact their JSON form so
	// that struct fields named like secrets are caught too.
	b, err := json.Marshal(v)
	if err != nil {
		return r.str(fmt.Sprintf("%v", v))
	}
	var y any
	if err := unmarshalNumber(b, &y); err != nil {
		return r.str(string(b))
	}
	return r.value(y, depth+1)
}

func unmarshalNumber(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

// truncate cuts s after max runes and appends "...[truncated]".
func truncate(s string, max int) string {
	if max <= 0 || len(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max {
			return s[:i] + truncatedMark
		}
		n++
	}
	return s
}

func round2(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return math.Round(f*100) / 100
}

// pathOnly drops a query string or fragment that slipped into a path.
func pathOnly(p string) string {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		return p[:i]
	}
	return p
}

// stripUserinfo removes "user:pass@" from an origin.
func stripUserinfo(o string) string {
	scheme, rest, ok := strings.Cut(o, "://")
	if !ok {
		return o
	}
	host := rest
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		host = rest[:i]
	}
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		return scheme + "://" + rest[at+1:]
	}
	return o
}
