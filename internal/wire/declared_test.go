package wire

import (
	"strings"
	"testing"
)

// CheckDeclared applies the manifest's origins and rules (abi/README.md §6):
// default ports, wildcard hosts, a write rule or method override making a
// request a write, and the reason for a refusal.
func TestCheckDeclared(t *testing.T) {
	m := Manifest{HTTP: []OriginRequest{
		{Pattern: "https://*.example.com", Reads: []string{"GET /api/*"}, Writes: []string{"POST /api/*"}},
		{Pattern: "http://[::1]:*", Reads: []string{"GET /x"}},
	}}
	for _, c := range []struct {
		method, url string
		headers     map[string]string
		write       bool
		err         string
	}{
		{"GET", "https://eu.example.com/api/a?q=1", nil, false, ""},
		{"GET", "https://eu.example.com:443/api/a", nil, false, ""},
		{"POST", "https://eu.example.com/api/a", nil, true, ""},
		{"GET", "https://eu.example.com/api/a", map[string]string{"X-HTTP-Method-Override": "DELETE"}, true, ""},
		{"GET", "http://[::1]:8080/x", nil, false, ""},
		{"GET", "https://example.com/api/a", nil, false, "origin https://example.com:443 is not requested"},
		{"GET", "https://eu.example.com:8443/api/a", nil, false, "origin https://eu.example.com:8443 is not requested"},
		{"GET", "http://[::1]:8080/y", nil, false, "GET /y is not a request the plugin declared for http://[::1]:8080"},
		{"DELETE", "https://eu.example.com/api/a", nil, false, "DELETE /api/a is not a request the plugin declared"},
		{"GET", "https://eu.example.com/api/../admin", nil, false, `".." segment`},
		{"GET", "/api/a", nil, false, "not an absolute URL"},
	} {
		write, err := m.CheckDeclared(c.method, c.url, c.headers)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s %s: err %v, want %q", c.method, c.url, err, c.err)
			}
			continue
		}
		if err != nil || write != c.write {
			t.Errorf("%s %s: write %v err %v, want write %v", c.method, c.url, write, err, c.write)
		}
	}
}
