package trace

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/machina-go/machina/host/internal/secrets"
)

func TestAppendEntryMatchesEncodingJSON(t *testing.T) {
	red := redactor{maxSummary: DefaultMaxSummaryChars, s: secrets.NewScrubber("known-secret-1", "q\"b\\s")}
	tricky := "q\"b\\s/<&>\x00\x1f\t\n\r\b\f é \u2028\u2029 \xff\xfe end"
	entries := []Entry{
		{},
		{ID: "a", Action: "x", Success: true, DurationMS: 1e-7, USDCost: 1e21, Metadata: map[string]any{}},
		{
			Seq: 3, ID: tricky, ParentID: "p", Timestamp: time.Date(2026, 11, 23, 1, 2, 3, 4500, time.FixedZone("X", 7200)),
			Action: tricky, Connector: "c", AssetID: "a", Operation: "o", InputSummary: tricky, OutputSummary: "out",
			DurationMS: 12.345, Success: true, Error: "e", ConversationID: "conv", PromptTokens: -1, CompletionTokens: 2,
			TotalTokens: math.MaxInt32, USDCost: 0.000123, Model: "m", ClientID: "cl", Plugin: "pl", PluginSHA256: "ab",
			HTTPMethod: "GET", HTTPOrigin: "https://h", HTTPPath: "/p", HTTPStatus: 200, HTTPBytes: 1 << 40,
			PrevHash: "ph", Hash: "h",
			Metadata: map[string]any{
				"z": 1, "a": []any{1.5, "s", nil, true, map[string]any{"k": tricky}}, "n": json.Number("12.50"),
				"t": time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), "d": 3 * time.Second, "i8": int8(-3), "u64": uint64(1 << 63),
				"f32": float32(0.1), "strs": []string{"x", tricky}, "struct": struct{ A, B int }{1, 2}, "big": 1e300, "neg": -0.0,
				"tiny": 5e-324, "empty": map[string]any{}, "nilslice": []any(nil),
				"password": "x", "deep": map[string]any{"l": []map[string]any{{"Cookie": 1, "v": "has known-secret-1 inside"}}},
				"hdr": map[string][]string{"Authorization": {"b"}, "Accept": {"known-secret-1"}}, "ms": map[string]string{"api-key": "k", "o": "known-secret-1"},
				"raw": json.RawMessage(`{"token":"t","n":1.50}`), "err": errors.New("e known-secret-1"), "val": secrets.NewValue("zzzz"),
				"nan": math.NaN(), "ptr": &struct{ Secret, Name string }{"s", "known-secret-1"}, "known-secret-1": "key scrubbed",
				"max_tokens": 3,
			},
		},
	}
	for i, e := range entries {
		r := red.entry(e)
		r.Seq, r.PrevHash, r.Hash = e.Seq, e.PrevHash, e.Hash
		got := red.appendEntry(nil, &r)
		r.Metadata, _ = secrets.Redact(e.Metadata, red.s).(map[string]any)
		if r.Metadata == nil {
			r.Metadata = map[string]any{}
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(&r); err != nil {
			t.Fatal(err)
		}
		if string(got) != string(bytes.TrimSuffix(want.Bytes(), []byte("\n"))) {
			t.Fatalf("entry %d:\n got %s\nwant %s", i, got, want.Bytes())
		}
	}
}
