package mcp_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
	machinamcp "github.com/machina-go/machina/host/internal/mcp"
)

// post sends one raw JSON-RPC POST to /mcp.
func post(t *testing.T, url string, hdr map[string]string, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/mcp", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

const initBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`

func TestHTTPAuth(t *testing.T) {
	e := newEnv(t, envOpts{quiet: true})
	logs := &syncBuffer{}
	log := hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Info})
	const reader = "readreadreadreadreadreadreadread"
	ts, file := tokenStore(t, e.dir, `{"`+testToken+`": "alice", "`+reader+`": {"client_id": "dashboard", "scope": "read"}}`, log)
	s := e.serveHTTP(t, ts, machinamcp.HTTPOptions{})
	auth := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

	t.Run("no token", func(t *testing.T) {
		resp, body := post(t, s.url, nil, initBody)
		if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `Bearer error="invalid_token"`) {
			t.Fatalf("status %d, WWW-Authenticate %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
		var v map[string]string
		if json.Unmarshal([]byte(body), &v) != nil || v["error"] != "invalid_token" {
			t.Fatalf("body %q", body)
		}
	})
	t.Run("wrong token", func(t *testing.T) {
		if resp, _ := post(t, s.url, auth(testToken+"x"), initBody); resp.StatusCode != 401 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if resp, _ := post(t, s.url, map[string]string{"Authorization": "Basic " + testToken}, initBody); resp.StatusCode != 401 {
			t.Fatalf("basic scheme: status %d", resp.StatusCode)
		}
	})
	t.Run("valid token", func(t *testing.T) {
		if resp, body := post(t, s.url, auth(testToken), initBody); resp.StatusCode != 200 {
			t.Fatalf("status %d %s", resp.StatusCode, body)
		}
	})
	t.Run("read scope", func(t *testing.T) {
		c := connect(t, s.url, reader)
		if text, isErr := call(t, c, "machina_list_assets", nil); isErr {
			t.Fatalf("read tool refused: %s", text)
		}
		before := e.counter(t, "memcmms", "writes")
		body := `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"machina_create_work_order","arguments":{"asset_id":"P-101","description":"x"}}}`
		resp, out := post(t, s.url, auth(reader), body)
		if resp.StatusCode != 403 || !strings.Contains(out, "insufficient_scope") ||
			!strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="insufficient_scope"`) {
			t.Fatalf("status %d %s %q", resp.StatusCode, out, resp.Header.Get("WWW-Authenticate"))
		}
		batch := `[{"jsonrpc":"2.0","id":8,"method":"tools/list"},` + body + `]`
		if resp, _ := post(t, s.url, auth(reader), batch); resp.StatusCode != 403 {
			t.Fatalf("batch: status %d", resp.StatusCode)
		}
		if _, err := c.CallTool(t.Context(), toolReq("machina_close_work_order", map[string]any{"work_order_id": "WO-1001"})); err == nil {
			t.Fatal("client call of a write tool with a read token succeeded")
		}
		if n := e.counter(t, "memcmms", "writes"); n != before {
			t.Fatalf("a write reached the plugin: %d → %d", before, n)
		}
	})
	t.Run("reload", func(t *testing.T) {
		const fresh = "freshfreshfreshfreshfreshfresh12"
		if err := os.WriteFile(file, []byte(`{"`+fresh+`": "bob"}`), 0o600); err != nil {
			t.Fatal(err)
		}
		old := connect(t, s.url, testToken) // a session opened before the reload
		if err := ts.Reload(); err != nil {
			t.Fatal(err)
		}
		if resp, _ := post(t, s.url, auth(fresh), initBody); resp.StatusCode != 200 {
			t.Fatalf("new token: status %d", resp.StatusCode)
		}
		if resp, _ := post(t, s.url, auth(testToken), initBody); resp.StatusCode != 401 {
			t.Fatalf("removed token: status %d", resp.StatusCode)
		}
		if _, err := old.ListTools(t.Context(), toolsList()); err == nil {
			t.Fatal("a removed token still works on its old session")
		}
		c := connect(t, s.url, fresh)
		if text, isErr := call(t, c, "machina_get_asset", map[string]any{"asset_id": "P-101"}); isErr {
			t.Fatal(text)
		}
		// A broken file keeps the current tokens.
		if err := os.WriteFile(file, []byte(`{"`+fresh+`": `), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := ts.Reload(); err == nil || strings.Contains(err.Error(), fresh) {
			t.Fatalf("reload of a broken file: %v", err)
		}
		if resp, _ := post(t, s.url, auth(fresh), initBody); resp.StatusCode != 200 {
			t.Fatalf("after failed reload: status %d", resp.StatusCode)
		}
		if err := os.WriteFile(file, []byte(`{"`+testToken+`": "alice", "`+reader+`": {"client_id": "dashboard", "scope": "read"}}`), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := ts.Reload(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("origin and host", func(t *testing.T) {
		h := auth(testToken)
		h["Origin"] = "http://evil.example"
		if resp, _ := post(t, s.url, h, initBody); resp.StatusCode != 403 {
			t.Fatalf("bad origin: status %d", resp.StatusCode)
		}
		h["Origin"] = "http://localhost:" + s.port
		if resp, _ := post(t, s.url, h, initBody); resp.StatusCode != 200 {
			t.Fatalf("good origin: status %d", resp.StatusCode)
		}
		delete(h, "Origin")
		h["Host"] = "rebind.example:" + s.port
		if resp, _ := post(t, s.url, h, initBody); resp.StatusCode != 403 {
			t.Fatalf("bad host: status %d", resp.StatusCode)
		}
	})
	t.Run("health", func(t *testing.T) {
		get := func(tok string) string {
			req, _ := http.NewRequest(http.MethodGet, s.url+"/health", nil)
			if tok != "" {
				req.Header.Set("Authorization", "Bearer "+tok)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return strings.TrimSpace(string(b))
		}
		if b := get(""); b != `{"status":"healthy"}` {
			t.Fatalf("anonymous health: %s", b)
		}
		if b := get("nope"); b != `{"status":"healthy"}` {
			t.Fatalf("bad-token health: %s", b)
		}
		var full struct {
			Status      string `json:"status"`
			Connectors  []map[string]any
			SandboxMode *bool  `json:"sandbox_mode"`
			Version     string `json:"version"`
		}
		if err := json.Unmarshal([]byte(get(testToken)), &full); err != nil {
			t.Fatal(err)
		}
		if full.Status != "healthy" || len(full.Connectors) != 1 || full.Connectors[0]["status"] != "healthy" || full.SandboxMode == nil || full.Version != "test" {
			t.Fatalf("full health: %+v", full)
		}
	})
	if strings.Contains(logs.String(), testToken) || strings.Contains(logs.String(), reader) {
		t.Fatal("a token value reached the logs")
	}
}

func TestTokenSources(t *testing.T) {
	dir := t.TempDir()
	envOf := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

	t.Run("none refuses", func(t *testing.T) {
		_, err := machinamcp.NewTokenStore(machinamcp.TokenSource{Getenv: noenv})
		if !errors.Is(err, machinamcp.ErrNoTokens) {
			t.Fatalf("err = %v", err)
		}
		for _, want := range []string{"MACHINA_MCP_TOKENS_JSON", "mcp.tokens_file", "MACHINA_MCP_TOKENS"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("message lacks %s: %v", want, err)
			}
		}
		e := newEnv(t, envOpts{quiet: true})
		if _, err := e.srv.Handler(machinamcp.HTTPOptions{}, "8000"); !errors.Is(err, machinamcp.ErrNoTokens) {
			t.Fatalf("handler without tokens: %v", err)
		}
	})
	t.Run("legacy", func(t *testing.T) {
		logs := &syncBuffer{}
		ts, err := machinamcp.NewTokenStore(machinamcp.TokenSource{Getenv: envOf(map[string]string{"MACHINA_MCP_TOKENS": " a-legacy-token-1234 , ,b-legacy-token-5678"}),
			Logger: hclog.New(&hclog.LoggerOptions{Output: logs})})
		if err != nil {
			t.Fatal(err)
		}
		c, ok := ts.Lookup("b-legacy-token-5678")
		if !ok || c.ID != machinamcp.UnattributedClient || c.Scope != machinamcp.ScopeWrite {
			t.Fatalf("lookup = %+v %v", c, ok)
		}
		if !strings.Contains(logs.String(), "deprecated") {
			t.Fatalf("no deprecation warning: %s", logs.String())
		}
	})
	t.Run("json wins", func(t *testing.T) {
		ts, err := machinamcp.NewTokenStore(machinamcp.TokenSource{Getenv: envOf(map[string]string{
			"MACHINA_MCP_TOKENS_JSON": `{"tok-json-1234567890": "c1"}`, "MACHINA_MCP_TOKENS": "tok-legacy-1234567890"})})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := ts.Lookup("tok-legacy-1234567890"); ok {
			t.Fatal("legacy token accepted although the JSON variable is set")
		}
		if c, ok := ts.Lookup("tok-json-1234567890"); !ok || c.ID != "c1" {
			t.Fatalf("lookup = %+v", c)
		}
	})
	for name, bad := range map[string]string{
		"not json":     `{"secret-value-xyz": `,
		"empty":        `{}`,
		"array":        `["secret-value-xyz"]`,
		"empty client": `{"secret-value-xyz": ""}`,
		"bad scope":    `{"secret-value-xyz": {"client_id": "a", "scope": "admin"}}`,
	} {
		t.Run("invalid "+name, func(t *testing.T) {
			_, err := machinamcp.NewTokenStore(machinamcp.TokenSource{Getenv: envOf(map[string]string{"MACHINA_MCP_TOKENS_JSON": bad})})
			if err == nil || strings.Contains(err.Error(), "secret-value-xyz") {
				t.Fatalf("err = %v", err)
			}
		})
	}
	_ = dir
}

var _ = bytes.NewReader
