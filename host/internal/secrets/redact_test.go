package secrets_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/machina-go/machina/host/internal/secrets"
)

func TestRedactRecursive(t *testing.T) {
	type inner struct {
		APIKey string `json:"api_key"`
		Host   string `json:"host"`
	}
	in := map[string]any{
		"user":       "bob",
		"password":   "pw-unknown",
		"max_tokens": 100,
		"list":       []any{map[string]any{"Cookie": "c"}, "has known-value-1"},
		"cfg":        inner{APIKey: "k-unknown", Host: "known-value-1.example"},
		"hdr":        map[string][]string{"Authorization": {"Bearer x"}, "Accept": {"json"}},
		"err":        errors.New("boom known-value-1"),
		"v":          secrets.NewValue("zzzz-value"),
		"raw":        json.RawMessage(`{"client_secret":"s","ok":1}`),
	}
	out := secrets.Redact(in, secrets.NewScrubber("known-value-1"))
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, bad := range []string{"pw-unknown", `"c"`, "known-value-1", "k-unknown", "Bearer x", "zzzz-value", `"s"`} {
		if strings.Contains(s, bad) {
			t.Errorf("%s survived: %s", bad, s)
		}
	}
	for _, good := range []string{`"user":"bob"`, `"max_tokens":100`, `"Accept":["json"]`, `"ok":1`, `"host":"[REDACTED].example"`} {
		if !strings.Contains(s, good) {
			t.Errorf("%s missing: %s", good, s)
		}
	}
	if in["password"] != "pw-unknown" {
		t.Fatal("input modified")
	}
	// Depth limit and nil scrubber.
	deep := map[string]any{}
	cur := deep
	for i := 0; i < 40; i++ {
		next := map[string]any{}
		cur["n"] = next
		cur = next
	}
	if b, _ := json.Marshal(secrets.Redact(deep, nil)); !strings.Contains(string(b), "[depth limit]") {
		t.Fatal("no depth limit")
	}
}
