package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sample = `
name = "Plant 7"
sandbox = false
[secrets]
maximo_key = "env:MAXIMO_KEY"

[mcp]
transport = "http"

[[plugin]]
name = "cmms-maximo"
path = "dist/plugins/cmms-maximo.wasm"
sha256 = "abc"
primary = true
[plugin.config]
base_url = "https://maximo.example.com"
asset_type_map = { PUMP = "rotating_equipment" }
[[plugin.grant.http]]
origin = "https://maximo.example.com"
auth = { profile = "header", header = "apikey", token_secret = "maximo_key" }
[plugin.grant.limits]
timeout = "5s"

[opcua]
anything = 1
`

func TestParse(t *testing.T) {
	c, err := Parse([]byte(sample), func(k string) string {
		if k == "MACHINA_SANDBOX_MODE" {
			return "true"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Sandbox {
		t.Error("MACHINA_SANDBOX_MODE=true must override sandbox = false")
	}
	p := c.Plugins[0]
	if p.Grant.HTTP[0].Auth.Header != "apikey" || p.Grant.Limits.Timeout.Seconds() != 5 {
		t.Errorf("grant = %+v", p.Grant)
	}
	if p.Config["asset_type_map"].(map[string]any)["PUMP"] != "rotating_equipment" {
		t.Errorf("config = %+v", p.Config)
	}
	if c.MCP.Listen != "127.0.0.1:8000" {
		t.Errorf("default listen = %q", c.MCP.Listen)
	}
}

func TestValidationErrors(t *testing.T) {
	cases := []struct{ text, want string }{
		{"bogus = 1\n" + sample, "unknown keys: bogus"},
		{strings.Replace(sample, `token_secret = "maximo_key"`, `token_secret = "nope"`, 1), `secret "nope" is not defined`},
		{strings.Replace(sample, `origin = "https://maximo.example.com"`, `origin = "https://*.example.com"`, 1), "no wildcards"},
		{strings.Replace(sample, `sha256 = "abc"`, ``, 1), "sha256 is required"},
		{strings.Replace(sample, `maximo_key = "env:MAXIMO_KEY"`, `maximo_key = "plain-text-secret"`, 1), "want env:NAME"},
	}
	for _, tc := range cases {
		_, err := Parse([]byte(tc.text), func(string) string { return "" })
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("want error containing %q, got %v", tc.want, err)
		}
	}
}

// TestOperatorsDocCoversEveryKey keeps docs/operators.md in step with the
// code: every key machina.toml accepts must be documented.
func TestOperatorsDocCoversEveryKey(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "operators.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range Keys() {
		if !strings.Contains(string(doc), "`"+k+"`") {
			t.Errorf("docs/operators.md does not document `%s`", k)
		}
	}
}

func TestDecodeStrictRefusesUnknownSectionKeys(t *testing.T) {
	text := sample + "\n[[mqtt.broker]]\nname = \"b\"\nurl = \"mqtt://127.0.0.1\"\nurll = \"typo\"\n"
	c, err := Parse([]byte(text), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Broker []struct {
			Name string `toml:"name"`
			URL  string `toml:"url"`
		} `toml:"broker"`
	}
	err = c.DecodeStrict(c.MQTT, "mqtt", &v)
	if err == nil || !strings.Contains(err.Error(), "mqtt.broker.urll") {
		t.Fatalf("err = %v", err)
	}
	if v.Broker[0].URL != "mqtt://127.0.0.1" {
		t.Errorf("decoded %+v", v)
	}
}
