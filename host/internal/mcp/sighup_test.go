package mcp_test

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeHTTPSighupReload runs the real binary over HTTP with a tokens
// file, rewrites the file, sends SIGHUP and checks that the new token is
// accepted and the removed one refused, without a restart.
func TestServeHTTPSighupReload(t *testing.T) {
	bin := machinaBinary(t)
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens.json")
	const oldTok, newTok = "old-token-0123456789abcdef0123", "new-token-0123456789abcdef0123"
	if err := os.WriteFile(tokens, []byte(`{"`+oldTok+`": "alice"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "machina.toml")
	text := pluginTOML(t, dir, envOpts{quiet: true}) + fmt.Sprintf("[mcp]\ntransport = \"http\"\nlisten = \"127.0.0.1:0\"\ntokens_file = %q\n", tokens)
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--config", cfg)
	cmd.Env = append(os.Environ(), childEnv...)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	urlRE := regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+)/mcp`)
	var base string
	for deadline := time.Now().Add(60 * time.Second); base == ""; {
		if m := urlRE.FindStringSubmatch(stderr.String()); m != nil {
			base = m[1]
			break
		}
		select {
		case err := <-done:
			t.Fatalf("serve exited: %v\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	status := func(tok string) int {
		resp, _ := post(t, base, map[string]string{"Authorization": "Bearer " + tok}, initBody)
		return resp.StatusCode
	}
	if s := status(oldTok); s != 200 {
		t.Fatalf("old token before reload: %d", s)
	}
	if err := os.WriteFile(tokens, []byte(`{"`+newTok+`": "bob"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); status(newTok) != 200; {
		if time.Now().After(deadline) {
			t.Fatalf("new token not accepted after SIGHUP:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if s := status(oldTok); s != http.StatusUnauthorized {
		t.Fatalf("removed token after SIGHUP: %d", s)
	}
	if strings.Contains(stderr.String(), oldTok) || strings.Contains(stderr.String(), newTok) {
		t.Fatal("a token reached the log")
	}
}
