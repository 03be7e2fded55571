package cli

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	machinamcp "github.com/machina-go/machina/host/internal/mcp"
)

// TestDescribeJSON: `machina describe --json` is the capabilities resource,
// 2-space indented with a trailing newline.
func TestDescribeJSON(t *testing.T) {
	code, out, _ := runCLI(t, nil, "describe", "--json")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	want, _ := machinamcp.DescribeJSON()
	if out != string(want) {
		t.Fatal("machina describe --json differs from the capabilities resource")
	}
	if !strings.HasSuffix(out, "}\n") || !strings.Contains(out, "\n  \"schema_version\": 1") {
		t.Fatal("describe --json: want 2-space indent and a trailing newline")
	}
	if code, out, _ := runCLI(t, nil, "describe"); code != 0 || !strings.Contains(out, "machina_create_work_order") {
		t.Fatalf("describe: exit %d\n%s", code, out)
	}
}

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "machina.toml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestServeRefusesHTTPWithoutTokens: streamable HTTP never starts without
// bearer tokens, and the message says where they come from.
func TestServeRefusesHTTPWithoutTokens(t *testing.T) {
	cfg := writeConfig(t, "[trace]\ndisabled = true\n")
	code, _, errb := runCLI(t, nil, "serve", "--config", cfg, "--transport", "http", "--listen", "127.0.0.1:0")
	if code != 1 {
		t.Fatalf("serve started HTTP without tokens: exit %d", code)
	}
	for _, want := range []string{"MACHINA_MCP_TOKENS_JSON", "tokens_file"} {
		if !strings.Contains(errb, want) {
			t.Errorf("message lacks %s:\n%s", want, errb)
		}
	}
	if code, _, errb := runCLI(t, nil, "serve", "--config", filepath.Join(t.TempDir(), "nope.toml")); code != 1 ||
		!strings.Contains(errb, "config file not found") {
		t.Errorf("missing config: exit %d %s", code, errb)
	}
}

// TestServeHTTPSighupReload serves over HTTP with a tokens file, rewrites
// the file, sends SIGHUP and checks that the new token is accepted and the
// removed one refused, without a restart.
func TestServeHTTPSighupReload(t *testing.T) {
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens.json")
	const oldTok, newTok = "old-token-0123456789abcdef0123", "new-token-0123456789abcdef0123"
	if err := os.WriteFile(tokens, []byte(`{"`+oldTok+`": "alice"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, fmt.Sprintf("data_dir = %q\n[trace]\ndisabled = true\n[mcp]\ntransport = \"http\"\nlisten = \"127.0.0.1:0\"\ntokens_file = %q\n", dir, tokens))
	var stderr lockedBuf
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, &cli{stdout: &stderr, stderr: &stderr, getenv: func(string) string { return "" }}, []string{"serve", "--config", cfg})
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve: exit %d\n%s", code, stderr.String())
		}
	})
	// The ready line is logged after the SIGHUP handler is installed.
	urlRE := regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+)/mcp`)
	var base string
	for deadline := time.Now().Add(60 * time.Second); base == ""; time.Sleep(20 * time.Millisecond) {
		if m := urlRE.FindStringSubmatch(stderr.String()); m != nil {
			base = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("server not ready:\n%s", stderr.String())
		}
	}
	status := func(tok string) int {
		req, _ := http.NewRequest(http.MethodPost, base+"/mcp", strings.NewReader(
			`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := status(oldTok); s != 200 {
		t.Fatalf("old token before reload: %d", s)
	}
	if err := os.WriteFile(tokens, []byte(`{"`+newTok+`": "bob"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); status(newTok) != 200; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("new token not accepted after SIGHUP:\n%s", stderr.String())
		}
	}
	if s := status(oldTok); s != http.StatusUnauthorized {
		t.Fatalf("removed token after SIGHUP: %d", s)
	}
	if strings.Contains(stderr.String(), oldTok) || strings.Contains(stderr.String(), newTok) {
		t.Fatal("a token reached the log")
	}
}
