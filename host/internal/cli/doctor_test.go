package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/machina-go/machina/internal/opcuacert"

	"github.com/machina-go/machina/host/internal/testplugin"
)

// TestDoctorExampleConfig installs deploy/machina.toml.example into a
// throw-away root (every absolute path re-rooted, the referenced files
// created as an operator would) and expects no high finding.
func TestDoctorExampleConfig(t *testing.T) {
	root := t.TempDir()
	text, err := os.ReadFile(filepath.Join(testplugin.Root(), "deploy", "machina.toml.example"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(text)
	for _, p := range []string{"/etc/machina", "/var/lib/machina", "/opt/machina"} {
		cfg = strings.ReplaceAll(cfg, `"`+p, `"`+root+p)
	}
	mk := func(path string, data []byte, mode os.FileMode) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(path, mode)
	}
	for _, n := range []string{"cmms-maximo", "telegram"} {
		wasm := testplugin.Build(t, "plugins/"+n)
		mk(filepath.Join(root, "opt/machina/plugins", n+".wasm"), wasm, 0o644)
		sum := sha256.Sum256(wasm)
		cfg = strings.Replace(cfg, "REPLACE-with-the-sha256-printed-by-machina-plugin-audit", hex.EncodeToString(sum[:]), 1)
	}
	mk(filepath.Join(root, "etc/machina/credentials/mcp_tokens.json"), []byte(`{"0123456789abcdef0123456789abcdef":"desk"}`), 0o600)
	creds := filepath.Join(root, "run/credentials")
	mk(filepath.Join(creds, "maximo_apikey"), []byte("k"), 0o600)
	mk(filepath.Join(creds, "telegram_bot_token"), []byte("t"), 0o600)
	ca, key, err := opcuacert.GenerateCertificate(opcuacert.CertOptions{Hosts: []string{"localhost"}})
	if err == nil {
		mk(filepath.Join(root, "etc/machina/opcua/client-cert.pem"), ca, 0o644)
		mk(filepath.Join(root, "etc/machina/opcua/client-key.pem"), key, 0o600)
		mk(filepath.Join(root, "etc/machina/opcua/trusted/server.pem"), ca, 0o644)
	}
	os.MkdirAll(filepath.Join(root, "var/lib/machina/traces"), 0o750)
	os.Chmod(filepath.Join(root, "var/lib/machina/traces"), 0o750)
	path := filepath.Join(root, "etc/machina/machina.toml")
	mk(path, []byte(cfg), 0o640)

	env := map[string]string{"CREDENTIALS_DIRECTORY": creds, "OPENAI_API_KEY": "sk-x"}
	code, out, errb := runCLI(t, env, "doctor", "--config", path, "--json")
	var res struct {
		Findings []struct{ Severity, Check, Message string }
		High     bool
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("exit %d: %v\n%s\n%s", code, err, out, errb)
	}
	if code != 0 || res.High {
		t.Fatalf("example config has high findings (exit %d): %+v", code, res.Findings)
	}
}

// TestDoctorFindsWorldReadableSecretAndOpenBind is acceptance 2 of the
// product issue, through the CLI.
func TestDoctorFindsWorldReadableSecretAndOpenBind(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "apikey")
	os.WriteFile(secret, []byte("not-telling\n"), 0o644)
	os.Chmod(secret, 0o644)
	path := filepath.Join(dir, "machina.toml")
	os.WriteFile(path, []byte("[secrets]\napikey = \"file:apikey\"\n[mcp]\ntransport = \"http\"\nlisten = \"0.0.0.0:8000\"\n"), 0o600)
	env := map[string]string{"MACHINA_MCP_TOKENS_JSON": `{"abc":"x"}`}
	code, out, errb := runCLI(t, env, "doctor", "--config", path)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, out)
	}
	got := out
	if !strings.Contains(got, "[HIGH  ] bind") || !strings.Contains(got, "[HIGH  ] secret-file") {
		t.Fatalf("want both high findings:\n%s", got)
	}
	if strings.Contains(got+errb, "not-telling") {
		t.Fatal("doctor printed a secret value")
	}
}

// TestDoctorReportsConfigTheHostRefuses: doctor assembles the host core
// from the configuration, so a section serve would refuse is a high
// finding rather than a surprise at start-up.
func TestDoctorReportsConfigTheHostRefuses(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "machina.toml")
	os.WriteFile(path, []byte("sandbox = true\n[agent]\nprovider = \"openai\"\n"), 0o600)
	code, out, errb := runCLI(t, nil, "doctor", "--config", path)
	if code != 1 || !strings.Contains(out, "[HIGH  ] startup") || !strings.Contains(out, "agent.model is required") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errb)
	}
}

func TestDoctorFindsPlainTextMQTT(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "machina.toml")
	os.WriteFile(path, []byte("[[mqtt.broker]]\nname = \"plant\"\nurl = \"mqtt://10.1.2.3:1883\"\n[[mqtt.broker.topic]]\ntopic = \"a/b\"\nasset_id = \"P-1\"\n"), 0o600)
	code, out, errb := runCLI(t, nil, "doctor", "--config", path)
	if code != 1 || !strings.Contains(out, "[HIGH  ] mqtt-tls") {
		t.Fatalf("exit %d, want a high mqtt-tls finding:\n%s%s", code, out, errb)
	}
}

// TestDoctorWithoutConfig: `machina doctor` with no --config and no
// ./machina.toml checks the defaults and the environment instead of
// failing (issue #20), and says so.
func TestDoctorWithoutConfig(t *testing.T) {
	t.Chdir(t.TempDir())
	code, out, errb := runCLI(t, nil, "doctor")
	if code == 2 || !strings.Contains(errb, "no --config and no machina.toml here") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errb)
	}
	if !strings.Contains(out, "sandbox") {
		t.Errorf("the defaults were not checked:\n%s", out)
	}
}

// TestDotEnvBesideConfig: commands that take --config read .env beside it
// (issue #20: the loader existed but nothing called it); the environment
// wins over the file, and a named --env-file that is missing is an error.
func TestDotEnvBesideConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "machina.toml")
	if err := os.WriteFile(cfg, []byte("sandbox = true\n[secrets]\nmaximo_apikey = \"env:DOTENV_TEST_KEY\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	doctorJSON := func(extra ...string) (int, string, string) {
		return runCLI(t, nil, append([]string{"doctor", "--json", "--config", cfg}, extra...)...)
	}
	if _, out, _ := doctorJSON(); !strings.Contains(out, "DOTENV_TEST_KEY is not set") {
		t.Fatalf("without .env the variable should be missing:\n%s", out)
	}
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte("# test\nDOTENV_TEST_KEY=from-the-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errb := doctorJSON()
	if strings.Contains(out, "DOTENV_TEST_KEY") || !strings.Contains(errb, "loaded 1 variables from "+filepath.Join(dir, ".env")) {
		t.Fatalf(".env beside the config was not read (exit %d):\n%s\n%s", code, out, errb)
	}
	if strings.Contains(out+errb, "from-the-file") {
		t.Fatal("a value from the env file was printed")
	}
	if code, _, errb := doctorJSON("--env-file", filepath.Join(dir, "missing.env")); code != 2 || !strings.Contains(errb, "missing.env") {
		t.Fatalf("missing --env-file: exit %d, %s", code, errb)
	}
}
