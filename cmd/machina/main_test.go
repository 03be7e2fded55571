package main_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/machina-go/machina/internal/stdiotest"
)

// TestBinary is the one test of the built binary (everything else tests
// the packages in process): `machina --help`, `machina docs ingest` into
// the [docstore] of a machina.toml, then a stdio MCP session
// against `machina serve` in which stdout carries nothing but JSON-RPC
// frames (logs, a plugin that fails to start and malformed input go
// elsewhere), a burst of calls right after the handshake all complete,
// and the server exits by itself at the end of its input.
func TestBinary(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "machina")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	help, err := exec.Command(bin, "--help").CombinedOutput()
	if err != nil || !strings.Contains(string(help), "Usage: machina <command>") || !strings.Contains(string(help), "serve") {
		t.Fatalf("--help: %v\n%s", err, help)
	}

	dir := t.TempDir()
	manuals := filepath.Join(dir, "manuals")
	if err := os.MkdirAll(manuals, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(manuals, "pump.md"), []byte("# Pump P-101\n\n## Seal\n\nReplace the mechanical seal when it leaks.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "machina.toml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`data_dir = %q
[trace]
disabled = true
[docstore]
dir = "store"
[[plugin]]
name = "broken"
path = "missing/broken.wasm"
allow_unpinned = true
`, filepath.Join(dir, "data"))), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "docs", "ingest", manuals, "--config", cfg).CombinedOutput(); err != nil || !strings.Contains(string(out), "1 added") {
		t.Fatalf("docs ingest: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "serve", "--config", cfg)
	cmd.Env = append(os.Environ(), "MACHINA_LOG_LEVEL=debug", "MACHINA_SANDBOX_MODE=true", "MACHINA_MCP_TOKENS_JSON=")
	msgs := []string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"machina_search_manuals","arguments":{"query":"mechanical seal"}}}`,
		`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"machina_nope","arguments":{}}}`,
		`not json at all`,
	}
	// A burst of reads the moment the handshake is done, as a desktop
	// client sends them: every one completes.
	const burst = 16
	for i := range burst {
		msgs = append(msgs, fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"machina_search_manuals","arguments":{"query":"seal"}}}`, 100+i))
	}
	s := stdiotest.Run(t, cmd, msgs, 4+burst, 90*time.Second, func(m map[string]any, line string) error {
		if id, _ := m["id"].(float64); id >= 100 && (m["error"] != nil || !strings.Contains(line, "pump.md")) {
			return fmt.Errorf("burst call %v failed: %s", id, line)
		}
		return nil
	})
	frames, stderr := s.Frames, s.Stderr
	all := strings.Join(frames, "\n")
	if !strings.Contains(all, "pump.md") || !strings.Contains(all, "machina_nope") {
		t.Errorf("answers lack the manual or the unknown tool's error:\n%s", all)
	}
	for _, want := range []string{"broken", "mcp_server_ready"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}
