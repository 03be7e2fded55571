package cli

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/machina-go/machina/host/internal/pluginsig"
	"github.com/machina-go/machina/host/internal/testplugin"
)

// runPluginCLI runs `machina plugin ARGS…` and returns the exit code and
// both streams.
func runPluginCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runCLI(t, map[string]string{"MACHINA_CACHE_DIR": testplugin.CacheDir(t)}, append([]string{"plugin"}, args...)...)
}

func writeWasm(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// shippedPlugins are the plugins `make build` puts in dist/plugins, plus
// the PDK example.
func shippedPlugins(t *testing.T) []string {
	dirs, err := filepath.Glob(filepath.Join(testplugin.Root(), "plugins", "*", "plugin.toml"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range dirs {
		out = append(out, filepath.Dir(d))
	}
	return append(out, filepath.Join(testplugin.Root(), "pdk", "examples", "hello-cmms"))
}

func TestPluginAuditShippedPlugins(t *testing.T) {
	dir := t.TempDir()
	for _, pd := range shippedPlugins(t) {
		t.Run(filepath.Base(pd), func(t *testing.T) {
			file := writeWasm(t, dir, filepath.Base(pd)+".wasm", testplugin.Build(t, pd))
			code, out, stderr := runPluginCLI(t, "audit", file, "--json")
			if code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
			}
			var rep map[string]any
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"name", "version", "abi", "kind", "sha256", "imports", "exports", "requested", "findings", "descriptor", "signature"} {
				if _, ok := rep[k]; !ok {
					t.Errorf("report has no %q", k)
				}
			}
			if rep["name"] == "" || len(rep["sha256"].(string)) != 64 {
				t.Fatalf("report: %v", rep)
			}
			// The text form works too.
			if code, out, _ := runPluginCLI(t, "audit", file); code != 0 || !strings.Contains(out, "findings:") {
				t.Fatalf("text audit: exit %d\n%s", code, out)
			}
		})
	}
}

func TestPluginAuditWithConfig(t *testing.T) {
	dir := t.TempDir()
	wasm := testplugin.Build(t, "pdk/examples/hello-cmms")
	file := writeWasm(t, dir, "hello.wasm", wasm)
	sum := sha256.Sum256(wasm)
	cfg := filepath.Join(dir, "machina.toml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`
[secrets]
tok = "env:HELLO_TOKEN"
[[plugin]]
name = "hello-cmms"
path = "hello.wasm"
sha256 = %q
[plugin.config]
base_url = "http://127.0.0.1:9/api"
[[plugin.grant.http]]
origin = "http://127.0.0.1:9"
allow_private = true
[plugin.grant.http.auth]
profile = "bearer"
token_secret = "tok"
[[plugin.grant.http]]
origin = "https://not-requested.example.com"
[plugin.grant.kv]
quota_bytes = 100000
`, hex.EncodeToString(sum[:]))), 0o600)
	code, out, stderr := runPluginCLI(t, "audit", file, "--config", cfg, "--json")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	var rep struct {
		Granted struct {
			Origins []struct {
				Host string
				Port string
				Auth struct{ Profile string }
			}
			KVQuota int64 `json:"kv_quota_bytes"`
		}
		Descriptor struct {
			Source     string
			Operations []struct{ Name string }
		}
		Findings []struct{ Severity, Code, Message string }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Granted.Origins) != 1 || rep.Granted.Origins[0].Port != "9" || rep.Granted.Origins[0].Auth.Profile != "bearer" || rep.Granted.KVQuota != 4096 {
		t.Fatalf("granted = %+v", rep.Granted)
	}
	// The operations are the exports, exactly what hello-cmms implements.
	if !strings.Contains(rep.Descriptor.Source, "static") || len(rep.Descriptor.Operations) != 3 {
		t.Fatalf("descriptor = %+v", rep.Descriptor)
	}
	found := false
	for _, f := range rep.Findings {
		found = found || f.Code == "grant_not_requested" && strings.Contains(f.Message, "not-requested.example.com")
	}
	if !found {
		t.Fatalf("unrequested grant not reported: %+v", rep.Findings)
	}
	// A wrong pin is a high finding: exit 1.
	os.WriteFile(cfg, bytes.Replace(must(os.ReadFile(cfg)), []byte(hex.EncodeToString(sum[:])), []byte(strings.Repeat("0", 64)), 1), 0o600)
	if code, out, _ := runPluginCLI(t, "audit", file, "--config", cfg); code != 1 || !strings.Contains(out, "sha256 mismatch") {
		t.Fatalf("pin mismatch: exit %d\n%s", code, out)
	}
}

// Acceptance #18.3: audit never executes the module. initloop spins
// forever in Go's init(), which runs when a module is instantiated; the
// audit must come back at once with its findings and the operations read
// from the exports.
func TestPluginAuditNeverRunsGuestCode(t *testing.T) {
	file := writeWasm(t, t.TempDir(), "initloop.wasm", testplugin.Build(t, "host/internal/cli/testdata/initloop"))
	start := time.Now()
	code, out, stderr := runPluginCLI(t, "audit", file, "--json")
	elapsed := time.Since(start)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	if elapsed >= time.Second {
		t.Fatalf("audit took %v: it must not instantiate the module", elapsed)
	}
	var rep struct {
		Descriptor struct{ Operations []struct{ Name string } }
		Findings   []struct{ Code string }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, o := range rep.Descriptor.Operations {
		ops = append(ops, o.Name)
	}
	if strings.Join(ops, ",") != "health,get_work_order" || len(rep.Findings) == 0 {
		t.Fatalf("operations %v, findings %+v", ops, rep.Findings)
	}
	start = time.Now()
	if code, out, _ := runPluginCLI(t, "inspect", file); code != 0 || time.Since(start) >= time.Second || !strings.Contains(out, "exported operations: health, get_work_order\n") {
		t.Fatalf("inspect: exit %d after %v\n%s", code, time.Since(start), out)
	}
}

// Acceptance #18.3: inspect of the PDK example lists exactly the three
// operations it implements (pdk/examples/hello-cmms/main.go: Health and
// pdk.AssetReader's ListAssets and GetAsset).
func TestPluginInspectListsImplementedOperations(t *testing.T) {
	file := writeWasm(t, t.TempDir(), "hello.wasm", testplugin.Build(t, "pdk/examples/hello-cmms"))
	code, out, stderr := runPluginCLI(t, "inspect", file, "--json")
	if code != 0 {
		t.Fatalf("exit %d %s", code, stderr)
	}
	var rep struct {
		Ops []string `json:"exported_operations"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if strings.Join(rep.Ops, ",") != "health,list_assets,get_asset" {
		t.Fatalf("exported operations = %v", rep.Ops)
	}
	if code, out, _ := runPluginCLI(t, "inspect", file); code != 0 || !strings.Contains(out, "exported operations: health, list_assets, get_asset\n") {
		t.Fatalf("text inspect:\n%s", out)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestPluginAuditHostileImport(t *testing.T) {
	file := writeWasm(t, t.TempDir(), "bad.wasm", testplugin.Build(t, "host/internal/pluginload/testdata/badimport"))
	code, out, stderr := runPluginCLI(t, "audit", file, "--json")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, stderr)
	}
	if !strings.Contains(out, "machina.secret_get") || !strings.Contains(out, "extism:host/env.http_request") {
		t.Fatalf("output does not name the forbidden imports:\n%s", out)
	}
	if !strings.Contains(stderr, "high findings") {
		t.Fatalf("stderr: %s", stderr)
	}
}

// buildModifiedHello builds a copy of the example plugin whose plugin.toml
// requests one more origin, with a write path, in a temporary Go workspace
// next to this module.
func buildModifiedHello(t *testing.T) []byte {
	t.Helper()
	root := t.TempDir()
	src := filepath.Join(testplugin.Root(), "pdk", "examples", "hello-cmms")
	dst := filepath.Join(root, "hello")
	os.MkdirAll(dst, 0o755)
	for _, f := range []string{"main.go", "plugin.toml"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "plugin.toml" {
			b = append(b, "\n[[http]]\norigin = \"https://api.example.com\"\nauth = [\"bearer\"]\npurpose = \"added in the upgrade\"\nwrites = [\"POST /v1/items\"]\n"...)
		}
		os.WriteFile(filepath.Join(dst, f), b, 0o644)
	}
	os.WriteFile(filepath.Join(dst, "go.mod"), []byte("module example.com/hello\n\ngo 1.26.0\n"), 0o644)
	os.WriteFile(filepath.Join(root, "go.work"), []byte(fmt.Sprintf("go 1.26.0\n\nuse (\n\t%s\n\t./hello\n)\n", testplugin.Root())), 0o644)
	return testplugin.Build(t, dst)
}

// An upgrade that adds an origin with a write path: the diff shows both,
// and the new write path is a finding.
func TestPluginDiffOneOrigin(t *testing.T) {
	dir := t.TempDir()
	old := writeWasm(t, dir, "old.wasm", testplugin.Build(t, "pdk/examples/hello-cmms"))
	new := writeWasm(t, dir, "new.wasm", buildModifiedHello(t))
	code, out, stderr := runPluginCLI(t, "diff", old, new)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := []string{
		"+ origin https://api.example.com:443 (auth: bearer)",
		"+ write https://api.example.com:443 (POST /v1/items)",
		"",
		"findings:",
		"  [low   ] origin_added: the upgrade requests a new origin https://api.example.com:443",
		"  [medium] write_path_added: the upgrade adds the write POST /v1/items on https://api.example.com:443",
	}
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 8 || strings.Join(lines[2:], "\n") != strings.Join(want, "\n") {
		t.Fatalf("diff should show exactly the added origin and its write:\n%s", out)
	}
	code, out, _ = runPluginCLI(t, "diff", old, new, "--json")
	var d struct {
		Changes  []struct{ What, Change, Subject, Detail string }
		Findings []struct{ Severity, Code string }
	}
	if code != 0 || json.Unmarshal([]byte(out), &d) != nil || len(d.Changes) != 2 ||
		d.Changes[0].What != "origin" || d.Changes[0].Change != "added" || d.Changes[0].Subject != "https://api.example.com:443" ||
		d.Changes[1].What != "write" || d.Changes[1].Detail != "POST /v1/items" ||
		len(d.Findings) != 2 || d.Findings[1].Code != "write_path_added" || d.Findings[1].Severity != "medium" {
		t.Fatalf("json diff: exit %d\n%s", code, out)
	}
	if code, out, _ := runPluginCLI(t, "diff", old, old); code != 0 || !strings.Contains(out, "no capability changes") {
		t.Fatalf("self diff: %s", out)
	}
}

func TestPluginKeygenAndSign(t *testing.T) {
	dir := t.TempDir()
	code, out, stderr := runPluginCLI(t, "keygen", "--out", filepath.Join(dir, "keys"))
	if code != 0 {
		t.Fatalf("keygen: exit %d %s", code, stderr)
	}
	keyFile := filepath.Join(dir, "keys", "machina-plugin.key")
	if st, err := os.Stat(keyFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("private key file: %v", err)
	}
	pubLine := ""
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "public_key = ") {
			pubLine = l
		}
	}
	if pubLine == "" {
		t.Fatalf("keygen did not print the public key:\n%s", out)
	}
	if code, _, _ := runPluginCLI(t, "keygen", "--out", filepath.Join(dir, "keys")); code != 1 {
		t.Fatal("keygen must refuse to overwrite a key")
	}
	key, _ := os.ReadFile(keyFile)
	if strings.Contains(out, string(key)) || strings.Contains(stderr, "PRIVATE KEY") {
		t.Fatal("keygen printed the private key")
	}
	wasm := testplugin.Build(t, "pdk/examples/hello-cmms")
	file := writeWasm(t, dir, "hello.wasm", wasm)
	if code, out, stderr := runPluginCLI(t, "sign", file, "--key", keyFile); code != 0 || !strings.Contains(out, "signed") {
		t.Fatalf("sign: exit %d %s %s", code, out, stderr)
	}
	signed, _ := os.ReadFile(file)
	pub, err := pluginsig.ParsePublicKey(strings.Trim(strings.TrimPrefix(pubLine, "public_key = "), `"`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pluginsig.Verify(signed, pub); err != nil {
		t.Fatalf("signed module does not verify: %v", err)
	}
	// The audit sees the signature and, with the key configured, verifies it.
	sum := sha256.Sum256(signed)
	cfg := filepath.Join(dir, "machina.toml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("[[plugin]]\nname = \"hello-cmms\"\npath = \"hello.wasm\"\nsha256 = %q\n%s\n", hex.EncodeToString(sum[:]), pubLine)), 0o600)
	code, out, _ = runPluginCLI(t, "audit", file, "--config", cfg, "--json")
	if code != 0 || !strings.Contains(out, `"status": "valid"`) {
		t.Fatalf("audit of the signed module: exit %d\n%s", code, out)
	}
	// A group-readable key is refused.
	os.Chmod(keyFile, 0o640)
	if code, _, stderr := runPluginCLI(t, "sign", file, "--key", keyFile); code != 1 || !strings.Contains(stderr, "readable by group") {
		t.Fatalf("group-readable key: exit %d %s", code, stderr)
	}
	// Usage errors.
	if code, _, _ := runPluginCLI(t, "sign", file); code != 2 {
		t.Fatal("sign without --key must be a usage error")
	}
}
