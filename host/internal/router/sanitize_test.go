package router

import (
	"strings"
	"testing"
)

func TestSanitize(t *testing.T) {
	cases := map[string]string{
		"query failed at /home/operator/maximo/conf/db.properties line 3":    "query failed at db.properties line 3",
		`open C:\Users\bob\plant\secret.toml: denied`:                        "open secret.toml: denied",
		"open /etc/machina/plugins/x.wasm: no such file":                     "open x.wasm: no such file",
		"GET https://maximo.internal:9443/maximo/oslc/os/mxasset?x=1 -> 500": "GET <url> -> 500",
		"upstream HTTP 503":     "upstream HTTP 503",
		"asset P-101 not found": "asset P-101 not found",
		"line1\nline2\x00":      "line1 line2",
	}
	for in, want := range cases {
		if got := Sanitize(in); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
	long := strings.Repeat("é", 400)
	got := Sanitize(long)
	if len(got) > maxMessage+len("…") || !strings.HasSuffix(got, "…") {
		t.Errorf("not truncated: %d", len(got))
	}
	for _, r := range got {
		if r == '\uFFFD' {
			t.Fatal("cut inside a rune")
		}
	}
}
