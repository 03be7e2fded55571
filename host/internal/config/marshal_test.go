package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestMarshalRoundTrip: what Marshal writes parses back (with Parse, the
// loader every command uses) into the same tables, without zero-valued
// keys, and keeps a pointer to false.
func TestMarshalRoundTrip(t *testing.T) {
	no := false
	in := struct {
		Name    string            `toml:"name"`
		Sandbox bool              `toml:"sandbox"`
		Secrets map[string]string `toml:"secrets"`
		Trace   Trace             `toml:"trace"`
		MCP     MCP               `toml:"mcp"`
		Plugins []Plugin          `toml:"plugin"`
	}{
		Name: "Plant 7", Sandbox: true,
		Secrets: map[string]string{"maximo_key": "file:/run/key"},
		Trace:   Trace{Dir: "/var/traces", HashChain: true},
		MCP:     MCP{Transport: "http", Listen: "127.0.0.1:9000", TokensFile: "/etc/tokens.json", ConfirmWrites: &no},
		Plugins: []Plugin{{
			Name: "cmms-maximo", Path: "/opt/p.wasm", SHA256: "abc", Primary: true,
			Config: map[string]any{"base_url": "http://127.0.0.1:1", "page_size": int64(100), "asset_type_map": map[string]any{"PUMP": "rotating_equipment"}},
			Grant: Grant{
				HTTP:   []OriginGrant{{Origin: "http://127.0.0.1:1", AllowPrivate: true, Auth: Auth{Profile: "header", Header: "apikey", TokenSecret: "maximo_key"}}},
				KV:     KVGrant{QuotaBytes: 1024},
				Limits: Limits{Timeout: Duration{30 * time.Second}},
				Mail:   &MailGrant{SMTPAddr: "127.0.0.1:2", From: "m@example.com"},
			},
		}},
	}
	text, err := Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	s := string(text)
	for _, noise := range []string{`= ""`, "= 0\n", "tls_cert", "oauth", "disabled"} {
		if strings.Contains(s, noise) {
			t.Errorf("zero value written (%q):\n%s", noise, s)
		}
	}
	c, err := Parse(text, func(string) string { return "" })
	if err != nil {
		t.Fatalf("%v\n%s", err, s)
	}
	if c.Name != in.Name || !c.Sandbox || c.Trace != in.Trace || c.Secrets["maximo_key"] != "file:/run/key" {
		t.Errorf("top level: %+v", c)
	}
	if c.MCP.ConfirmWrites == nil || *c.MCP.ConfirmWrites || c.MCP.TokensFile != in.MCP.TokensFile || c.MCP.Listen != in.MCP.Listen {
		t.Errorf("mcp = %+v", c.MCP)
	}
	got, want := c.Plugins[0], in.Plugins[0]
	if !reflect.DeepEqual(got.Grant, want.Grant) {
		t.Errorf("grant:\n got %+v\nwant %+v", got.Grant, want.Grant)
	}
	if !reflect.DeepEqual(got.Config, want.Config) || got.Name != want.Name || got.SHA256 != want.SHA256 || !got.Primary {
		t.Errorf("plugin:\n got %+v\nwant %+v", got, want)
	}
}

func TestMarshalFlattensEmbeddedStructs(t *testing.T) {
	type inner struct {
		Provider string `toml:"provider"`
	}
	type outer struct {
		inner
		Key   string `toml:"api_key_secret"`
		Inner inner  `toml:"embedder"`
	}
	text, err := Marshal(struct {
		Docstore outer `toml:"docstore"`
	}{outer{inner{"ollama"}, "k", inner{"x"}}})
	if err != nil {
		t.Fatal(err)
	}
	want := "[docstore]\n  api_key_secret = \"k\"\n  provider = \"ollama\"\n"
	if !strings.HasPrefix(string(text), want) {
		t.Errorf("got\n%s", text)
	}
}
