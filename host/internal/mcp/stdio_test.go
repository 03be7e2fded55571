package mcp_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	machinamcp "github.com/machina-go/machina/host/internal/mcp"
	"github.com/machina-go/machina/host/internal/testplugin"
	"github.com/mark3labs/mcp-go/client"
)

var (
	binDir   string
	binOnce  sync.Once
	binPath  string
	binError error
)

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "machina-mcp-test-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = d
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}

// machinaBinary builds the real binary once per test process
// (go build -o <tmp>/machina ./cmd/machina).
func machinaBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binPath = filepath.Join(binDir, "machina")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/machina")
		cmd.Dir = testplugin.Root()
		out, err := cmd.CombinedOutput()
		if err != nil {
			binError = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binError != nil {
		t.Fatal(binError)
	}
	return binPath
}

// stdioConfig writes a machina.toml with the test plugins and one plugin
// that cannot load (its module is missing), so the server starts partially
// and logs the failure.
func stdioConfig(t *testing.T) (string, string) {
	dir := t.TempDir()
	text := pluginTOML(t, dir, envOpts{chat: true}) + nativesTOML(t, dir, startSim(t)) +
		fmt.Sprintf("[[plugin]]\nname = \"broken\"\npath = %q\nallow_unpinned = true\n", filepath.Join(dir, "missing", "broken.wasm"))
	// Use the shared compilation cache so the subprocess does not recompile.
	p := filepath.Join(dir, "machina.toml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p, dir
}

var childEnv = []string{"MACHINA_SANDBOX_MODE=false", "MACHINA_LOG_LEVEL=debug", "MACHINA_MCP_TOKENS_JSON=", "MACHINA_MCP_TOKENS="}

func TestStdioEndToEnd(t *testing.T) {
	bin := machinaBinary(t)
	cfg, _ := stdioConfig(t)
	c, err := client.NewStdioMCPClient(bin, childEnv, "serve", "--config", cfg, "--transport", "stdio")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	initialize(t, c)
	exerciseEverything(t, c, nil, false)
}

// TestStdioOnlyProtocolOnStdout drives the binary with raw JSON-RPC lines
// (with a failing plugin, plugin logs at debug level and tool errors) and
// checks that every stdout line is a JSON-RPC 2.0 frame, while the logs
// went to stderr.
func TestStdioOnlyProtocolOnStdout(t *testing.T) {
	bin := machinaBinary(t)
	cfg, _ := stdioConfig(t)
	cmd := exec.Command(bin, "serve", "--config", cfg)
	cmd.Env = append(os.Environ(), childEnv...)
	var stdout bytes.Buffer
	var stderr syncBuffer
	cmd.Stderr = &stderr
	msgs := []string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"machina_get_asset","arguments":{"asset_id":"P-101"}}}`,
		`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"machina_get_asset","arguments":{"asset_id":"boom"}}}`,
		`{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"machina_nope","arguments":{}}}`,
		`{"jsonrpc":"2.0","id":6,"method":"resources/read","params":{"uri":"machina://v1/capabilities"}}`,
		`not json at all`,
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdoutPipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(stdin, strings.Join(msgs, "\n")+"\n"); err != nil {
		t.Fatal(err)
	}
	// Read frames until every request is answered, then close stdin: the
	// server must exit by itself at the end of its input.
	ids := map[float64]bool{}
	lines := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdoutPipe)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			stdout.Write(append(sc.Bytes(), '\n'))
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil || m["jsonrpc"] != "2.0" {
				lines <- fmt.Errorf("stdout line is not a JSON-RPC frame: %q", sc.Text())
				return
			}
			if id, ok := m["id"].(float64); ok {
				ids[id] = true
				if len(ids) == 6 {
					stdin.Close()
				}
			}
		}
		lines <- sc.Err()
	}()
	select {
	case err := <-lines:
		if err != nil {
			_ = cmd.Process.Kill()
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("no complete answer\nstdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve exited with %v\nstderr:\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("serve did not exit at end of input\nstderr:\n%s", stderr.String())
	}
	for _, id := range []float64{1, 2, 3, 4, 5, 6} {
		if !ids[id] {
			t.Errorf("no response for id %v", id)
		}
	}
	errs := stderr.String()
	for _, want := range []string{"broken", "get_asset P-101", "mcp_server_ready"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
}

func TestDescribeJSONMatchesBinary(t *testing.T) {
	bin := machinaBinary(t)
	out, err := exec.Command(bin, "describe", "--json").Output()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := machinamcp.DescribeJSON()
	if !bytes.Equal(out, want) {
		t.Fatal("machina describe --json differs from the capabilities resource")
	}
	if !bytes.HasSuffix(out, []byte("}\n")) || !bytes.Contains(out, []byte("\n  \"schema_version\": 1")) {
		t.Fatal("describe --json: want 2-space indent and a trailing newline")
	}
	text, err := exec.Command(bin, "describe").Output()
	if err != nil || !bytes.Contains(text, []byte("machina_create_work_order")) {
		t.Fatalf("describe: %v %s", err, text)
	}
}

func TestServeRefusesHTTPWithoutTokens(t *testing.T) {
	bin := machinaBinary(t)
	cfg, _ := stdioConfig(t)
	cmd := exec.Command(bin, "serve", "--config", cfg, "--transport", "http", "--listen", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), childEnv...)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatal("serve started HTTP without tokens")
	}
	for _, want := range []string{"MACHINA_MCP_TOKENS_JSON", "tokens_file"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("message lacks %s:\n%s", want, out)
		}
	}
	if out, err := exec.Command(bin, "serve", "--config", filepath.Join(t.TempDir(), "nope.toml")).CombinedOutput(); err == nil ||
		!strings.Contains(string(out), "config file not found") {
		t.Errorf("missing config: %v %s", err, out)
	}
}
