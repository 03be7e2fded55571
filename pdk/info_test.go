package pdk_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/machina-go/machina/pdk"
)

// The cases follow the TOML 1.0 specification (toml.io/en/v1.0.0): basic
// and literal strings, comments after a value, keys of tables not being
// top-level keys.
func TestParseInfo(t *testing.T) {
	good := map[string]pdk.Info{
		"# c\nname = \"acme\"\nversion = \"1.2.3\"\n":                              {Name: "acme", Version: "1.2.3"},
		"name='acme' # literal\n  version = \"2.0.0\"  # comment":                  {Name: "acme", Version: "2.0.0"},
		"version = \"1.0.0\"\nname = \"a\\u0062c\"\n[[http]]\nname = \"not this\"": {Name: "abc", Version: "1.0.0"},
	}
	for text, want := range good {
		if got, err := pdk.ParseInfo(text); err != nil || got != want {
			t.Errorf("ParseInfo(%q) = %+v, %v; want %+v", text, got, err, want)
		}
	}
	for _, text := range []string{
		"name = \"acme\"\n",                       // no version
		"[plugin]\nname = \"a\"\nversion = \"1\"", // not top-level
		"name = acme\nversion = \"1\"",            // not a string
		"name = \"acme\nversion = \"1\"",          // unterminated
		"name = \"a\" b\nversion = \"1\"",         // trailing text
	} {
		if got, err := pdk.ParseInfo(text); err == nil {
			t.Errorf("ParseInfo(%q) = %+v, want an error", text, got)
		}
	}
}

func ExampleParseInfo() {
	// In a plugin: //go:embed plugin.toml
	manifest := `# Acme CMMS connector.
name = "cmms-acme"
version = "1.4.0"
abi = "1.0"
kind = "cmms"
`
	info, err := pdk.ParseInfo(manifest)
	fmt.Println(info.Name, info.Version, err)
	// Output: cmms-acme 1.4.0 <nil>
}

func TestConfigCheckKeys(t *testing.T) {
	cfg := pdk.NewConfig(map[string]any{"base_url": "x", "allowed_chat_id": 1, "zeta": true})
	err := cfg.CheckKeys("base_url", "allowed_chat_ids")
	if err == nil || err.Error() != "invalid_argument: unknown config keys: allowed_chat_id, zeta" {
		t.Fatalf("err = %v", err)
	}
	if err := pdk.NewConfig(map[string]any{"base_url": "x"}).CheckKeys("base_url", "other"); err != nil {
		t.Fatal(err)
	}
}

func TestConfigFields(t *testing.T) {
	raw, err := pdk.NewConfig(map[string]any{"mailbox": "INBOX", "poll_max": 5}).Fields("mailbox", "poll_max")
	if err != nil || string(raw["mailbox"]) != `"INBOX"` || string(raw["poll_max"]) != "5" {
		t.Fatalf("raw %v, err %v", raw, err)
	}
	if _, err := pdk.NewConfig(map[string]any{"mailbx": "INBOX"}).Fields("mailbox"); err == nil || !strings.Contains(err.Error(), "unknown config keys: mailbx") {
		t.Fatalf("a misspelt key: %v", err)
	}
}
