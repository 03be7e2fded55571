package doctor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/machina-go/machina/host/internal/config"
)

func load(t *testing.T, dir, text string, env map[string]string) *config.Config {
	t.Helper()
	path := filepath.Join(dir, "machina.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// secretFileConfig is a sandboxed configuration serving MCP over HTTP on
// listen (tokens from the environment) with the secret apikey in a file
// holding value with permissions perm, and the options running doctor on it.
func secretFileConfig(t *testing.T, value string, perm os.FileMode, listen string) (*config.Config, Options) {
	t.Helper()
	dir := t.TempDir()
	secret := filepath.Join(dir, "apikey")
	if err := os.WriteFile(secret, []byte(value), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(secret, perm); err != nil { // whatever the umask
		t.Fatal(err)
	}
	env := map[string]string{"MACHINA_MCP_TOKENS_JSON": `{"t":"c"}`}
	cfg := load(t, dir, `
sandbox = true
[secrets]
apikey = "file:apikey"
[mcp]
transport = "http"
listen = "`+listen+`"
`, env)
	return cfg, Options{Getenv: func(k string) string { return env[k] }}
}

func find(fs []Finding, check string, sev Severity) bool {
	for _, f := range fs {
		if f.Check == check && f.Severity == sev {
			return true
		}
	}
	return false
}

func TestWorldReadableSecretAndOpenBind(t *testing.T) {
	fs := Run(secretFileConfig(t, "s3cr3t-value\n", 0o644, "0.0.0.0:8000"))
	if !find(fs, "bind", High) || !find(fs, "secret-file", High) {
		t.Fatalf("want high bind and secret-file findings, got %+v", fs)
	}
	if !HasHigh(fs) {
		t.Fatal("HasHigh must be true")
	}
	var b strings.Builder
	Print(&b, fs)
	if strings.Contains(b.String(), "s3cr3t-value") {
		t.Fatal("doctor output must never contain a secret value")
	}
}

func TestSafeConfigHasNoHigh(t *testing.T) {
	if fs := Run(secretFileConfig(t, "x", 0o600, "127.0.0.1:8000")); HasHigh(fs) {
		t.Fatalf("unexpected high findings: %+v", fs)
	}
}

func TestHTTPWithoutTokensIsHigh(t *testing.T) {
	cfg := load(t, t.TempDir(), "[mcp]\ntransport = \"http\"\n", nil)
	if fs := Run(cfg, Options{Getenv: func(string) string { return "" }}); !find(fs, "tokens", High) {
		t.Fatalf("want a high tokens finding, got %+v", fs)
	}
}
