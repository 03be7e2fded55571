package audit

import (
	"reflect"
	"strings"
	"testing"

	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/wasmfile"
	"github.com/machina-go/machina/internal/wire"
)

func tiny(t *testing.T, manifest string) []byte {
	t.Helper()
	b, err := wasmfile.AppendCustomSection([]byte("\x00asm\x01\x00\x00\x00"), wire.ManifestSection, []byte(manifest))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const base = `name = "p"
version = "1.0.0"
abi = "1.0"
kind = "cmms"
`

func TestSecretLookingKeys(t *testing.T) {
	cfg := map[string]any{
		"base_url": "https://x", "site": "A", "Password": "x",
		"upstream":   map[string]any{"api_key": "x", "nested": map[string]any{"client-secret": "x", "page_size": 5}},
		"list":       []map[string]any{{"authorization": "x"}},
		"max_tokens": 10,
	}
	got := SecretLookingKeys(cfg)
	want := []string{"Password", "list[0].authorization", "upstream.api_key", "upstream.nested.client-secret"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v want %v", got, want)
	}
}

func TestAuditFindingsAndGrant(t *testing.T) {
	wasm := tiny(t, base+"[[http]]\norigin = \"https://*.example.com:*\"\nauth = [\"bearer\"]\nreads = [\"GET /**\", \"POST /search\"]\nwrites = [\"POST /items\"]\n")
	r, err := Audit(wasm, Options{Plugin: &config.Plugin{Name: "p", AllowUnpinned: true,
		Config: map[string]any{"token": "v"},
		Grant:  config.Grant{HTTP: []config.OriginGrant{{Origin: "https://a.example.com:8443", Auth: config.Auth{Profile: wire.AuthBearer}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]Severity{}
	for _, f := range r.Findings {
		codes[f.Code] = f.Severity
	}
	for code, sev := range map[string]Severity{"export_missing": High, "config_secret_key": High, "origin_wildcard": Low, "origin_any_port": Low, "unpinned": Medium,
		"http_writes": Info, "read_unsafe_method": Low, "request_any_path": Low} {
		if codes[code] != sev {
			t.Errorf("finding %s = %q, want %q (all: %+v)", code, codes[code], sev, r.Findings)
		}
	}
	if r.Max() != High || r.Granted == nil || len(r.Granted.Origins) != 1 || r.Granted.Origins[0].Port != "8443" {
		t.Fatalf("report: %+v", r)
	}
	if _, err := Audit([]byte("nope"), Options{}); err == nil {
		t.Fatal("garbage accepted")
	}
}

func TestDiff(t *testing.T) {
	old, err := Audit(tiny(t, base+"[[http]]\norigin = \"https://a.example.com\"\nauth = [\"bearer\"]\nreads = [\"GET /a\", \"GET /old\"]\n"+
		"writes = [\"POST /w\"]\n[kv]\nquota_bytes = 10\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	new, err := Audit(tiny(t, strings.Replace(base, "1.0.0", "1.1.0", 1)+
		"mail = true\n[[http]]\norigin = \"https://a.example.com:443\"\nauth = [\"bearer\", \"basic\"]\nsecrets = [\"k\"]\nreads = [\"get /a\", \"GET /new\"]\n"+
		"writes = [\"POST /w\", \"GET /bot/sendMessage\"]\n[[http]]\norigin = \"https://b.example.com\"\nreads = [\"GET /b\"]\n[kv]\nquota_bytes = 20\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := Diff(old, new)
	var got []string
	for _, c := range d.Changes {
		got = append(got, c.String())
	}
	want := []string{
		"~ version 1.0.0 → 1.1.0",
		"+ auth https://a.example.com:443 (profile basic)",
		"+ secret https://a.example.com:443 (placeholder {{secret:k}})",
		"+ read https://a.example.com:443 (GET /new)",
		"- read https://a.example.com:443 (GET /old)",
		"+ write https://a.example.com:443 (GET /bot/sendMessage)",
		"+ origin https://b.example.com:443 (auth: none)",
		"+ read https://b.example.com:443 (GET /b)",
		"+ mail mail_send/mail_fetch",
		"~ kv key-value store (quota 10 → 20 bytes)",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("diff:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var codes []string
	for _, f := range d.Findings {
		codes = append(codes, f.Code)
	}
	if !reflect.DeepEqual(codes, []string{"write_path_added", "origin_added", "mail_added"}) {
		t.Fatalf("findings = %+v", d.Findings)
	}
	if len(Diff(old, old).Changes) != 0 {
		t.Fatal("self diff not empty")
	}
}
