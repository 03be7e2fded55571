package wire

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/machina-go/machina/abi"
)

func TestOriginPattern(t *testing.T) {
	cases := []struct {
		pattern, scheme, host, port string
		want                        bool
	}{
		{"https://api.telegram.org", "https", "api.telegram.org", "443", true},
		{"https://api.telegram.org", "http", "api.telegram.org", "80", false},
		{"https://api.telegram.org", "https", "api.telegram.org", "8443", false},
		{"https://*.example.com", "https", "maximo.example.com", "443", true},
		{"https://*.example.com", "https", "example.com", "443", false},
		{"https://*.example.com", "https", "evilexample.com", "443", false},
		{"http://127.0.0.1:*", "http", "127.0.0.1", "51234", true},
		{"http://[::1]:8080", "http", "::1", "8080", true},
	}
	for _, c := range cases {
		p, err := ParseOriginPattern(c.pattern)
		if err != nil {
			t.Fatalf("%s: %v", c.pattern, err)
		}
		if got := p.Match(c.scheme, c.host, c.port); got != c.want {
			t.Errorf("%s ~ %s://%s:%s = %v", c.pattern, c.scheme, c.host, c.port, got)
		}
	}
	for _, bad := range []string{"ftp://x", "https://x/path", "https://u@x", "https://a.*.com", "https://*x.com", "https://"} {
		if _, err := ParseOriginPattern(bad); err == nil {
			t.Errorf("%q: want error", bad)
		}
	}
}

func TestDescriptorValidate(t *testing.T) {
	d := Descriptor{ABI: abi.Version, Name: "x", Version: "1", Kind: abi.KindCMMS, Operations: []abi.OpName{abi.OpHealth, abi.OpSend}}
	if err := d.Validate(); err == nil || !strings.Contains(err.Error(), "not defined for cmms") {
		t.Fatalf("got %v", err)
	}
	d.Operations = []abi.OpName{abi.OpListAssets}
	if err := d.Validate(); err == nil || !strings.Contains(err.Error(), "mandatory") {
		t.Fatalf("got %v", err)
	}
	d.ABI = "2.0"
	if err := d.Validate(); err == nil || !strings.Contains(err.Error(), "2.0") {
		t.Fatalf("got %v", err)
	}
}

func TestEnvelopeJSON(t *testing.T) {
	b, _ := json.Marshal(Envelope{Error: abi.Unauthorized("no")})
	if string(b) != `{"error":{"code":"unauthorized","message":"no"}}` {
		t.Fatalf("envelope = %s", b)
	}
}

func TestValidName(t *testing.T) {
	// The rule of abi/README.md §6: [a-z][a-z0-9-]{0,62}.
	for _, ok := range []string{"a", "cmms-maximo", "x9", "a" + strings.Repeat("-", 62)} {
		if !ValidName(ok) {
			t.Errorf("%q rejected", ok)
		}
	}
	for _, bad := range []string{"", "9a", "-a", "A", "cmms_maximo", "cmms.maximo", "é", "a" + strings.Repeat("b", 63), "a\n"} {
		if ValidName(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}
