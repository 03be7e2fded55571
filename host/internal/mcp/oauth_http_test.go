package mcp_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	machinamcp "github.com/machina-go/machina/host/internal/mcp"
	"github.com/machina-go/machina/host/internal/oauth"
	"github.com/machina-go/machina/host/internal/oauth/oauthtest"
	"github.com/machina-go/machina/host/internal/trace"
)

const oauthResource = "https://machina.example.com/mcp"

// TestHTTPOAuth runs streamable HTTP with OAuth access tokens from a real
// issuer (over HTTP, publishing a JWKS) beside a static token: the MCP
// authorization spec's 401 with resource_metadata, the RFC 9728 document,
// scope mapping, and the client id claim in the trace.
func TestHTTPOAuth(t *testing.T) {
	e := newEnv(t, envOpts{quiet: true, trace: true})
	iss := oauthtest.NewIssuer(t)
	v, err := oauth.New(context.Background(), oauth.Config{Issuer: iss.URL, Resource: oauthResource})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	ts, _ := tokenStore(t, e.dir, `{"`+testToken+`": "alice"}`, hclog.NewNullLogger())
	s := e.serveHTTP(t, ts, machinamcp.HTTPOptions{OAuth: v})
	auth := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }
	metaURL := "https://machina.example.com/.well-known/oauth-protected-resource/mcp"

	t.Run("metadata document", func(t *testing.T) {
		// RFC 9728 §3.1: the well-known segment goes between host and path;
		// §2: resource (required), authorization_servers, scopes_supported,
		// bearer_methods_supported.
		for _, p := range []string{"/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"} {
			resp, err := http.Get(s.url + p)
			if err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			err = json.NewDecoder(resp.Body).Decode(&doc)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Fatalf("%s: %d %v", p, resp.StatusCode, err)
			}
			want := map[string]any{
				"resource":                 oauthResource,
				"authorization_servers":    []any{iss.URL},
				"scopes_supported":         []any{"machina:read", "machina:write"},
				"bearer_methods_supported": []any{"header"},
			}
			for k, w := range want {
				if got, _ := json.Marshal(doc[k]); string(got) != mustJSON(t, w) {
					t.Errorf("%s: %s = %s, want %s", p, k, got, mustJSON(t, w))
				}
			}
		}
	})
	t.Run("401 points to the metadata", func(t *testing.T) {
		for name, hdr := range map[string]map[string]string{
			"no token":       nil,
			"expired":        auth(iss.Token(t, expired(iss.Claims(oauthResource, "ide", "machina:write")))),
			"wrong audience": auth(iss.Token(t, iss.Claims("https://other.example.com/mcp", "ide", "machina:write"))),
			"unknown key":    auth(oauthtest.Sign(t, iss.Unpublished(t), iss.Claims(oauthResource, "ide", "machina:write"))),
		} {
			resp, _ := post(t, s.url, hdr, initBody)
			wa := resp.Header.Get("WWW-Authenticate")
			if resp.StatusCode != 401 || !strings.Contains(wa, `resource_metadata="`+metaURL+`"`) || !strings.HasPrefix(wa, "Bearer ") {
				t.Errorf("%s: %d %q", name, resp.StatusCode, wa)
			}
		}
	})
	t.Run("write token", func(t *testing.T) {
		c := connect(t, s.url, iss.Token(t, iss.Claims(oauthResource, "claude-desktop", "openid machina:write")))
		if text, isErr := call(t, c, "machina_close_work_order", map[string]any{"work_order_id": "WO-1001"}); isErr {
			t.Fatal(text)
		}
		if !waitTrace(t, e.tracer, func(es []trace.Entry) bool {
			for _, en := range es {
				if en.Action == "tool_call" && en.Operation == "machina_close_work_order" && en.ClientID == "claude-desktop" {
					return true
				}
			}
			return false
		}) {
			t.Error("no tool_call entry carries the token's azp as client id")
		}
	})
	t.Run("read token", func(t *testing.T) {
		tok := iss.Token(t, iss.Claims(oauthResource, "dashboard", "machina:read"))
		c := connect(t, s.url, tok)
		if text, isErr := call(t, c, "machina_list_assets", nil); isErr {
			t.Fatal(text)
		}
		body := `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"machina_create_work_order","arguments":{"asset_id":"P-101","description":"x"}}}`
		resp, _ := post(t, s.url, auth(tok), body)
		wa := resp.Header.Get("WWW-Authenticate")
		if resp.StatusCode != 403 || !strings.Contains(wa, `error="insufficient_scope"`) || !strings.Contains(wa, `scope="machina:write"`) {
			t.Fatalf("%d %q", resp.StatusCode, wa)
		}
	})
	t.Run("no Machina scope", func(t *testing.T) {
		resp, _ := post(t, s.url, auth(iss.Token(t, iss.Claims(oauthResource, "x", "openid profile"))), initBody)
		if resp.StatusCode != 403 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "insufficient_scope") {
			t.Fatalf("%d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	})
	t.Run("static token still works", func(t *testing.T) {
		c := connect(t, s.url, testToken)
		if text, isErr := call(t, c, "machina_get_asset", map[string]any{"asset_id": "P-101"}); isErr {
			t.Fatal(text)
		}
	})
	t.Run("health", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, s.url+"/health", nil)
		req.Header.Set("Authorization", "Bearer "+iss.Token(t, iss.Claims(oauthResource, "probe", "machina:read")))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var h map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&h)
		resp.Body.Close()
		if _, full := h["connectors"]; !full {
			t.Fatalf("an access token did not get the full health report: %v", h)
		}
	})
}

// TestHTTPOAuthOnly: with OAuth configured, static tokens are optional.
func TestHTTPOAuthOnly(t *testing.T) {
	e := newEnv(t, envOpts{quiet: true})
	iss := oauthtest.NewIssuer(t)
	v, err := oauth.New(context.Background(), oauth.Config{Issuer: iss.URL, Resource: oauthResource})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	empty, err := machinamcp.NewTokenStore(machinamcp.TokenSource{Getenv: noenv, Optional: true})
	if err != nil || empty.Len() != 0 {
		t.Fatalf("optional token store: %v", err)
	}
	if _, err := e.srv.Handler(machinamcp.HTTPOptions{Tokens: empty}, "1"); err == nil {
		t.Fatal("HTTP without static tokens nor OAuth was accepted")
	}
	s := e.serveHTTP(t, empty, machinamcp.HTTPOptions{OAuth: v})
	c := connect(t, s.url, iss.Token(t, iss.Claims(oauthResource, "ide", "machina:read")))
	if text, isErr := call(t, c, "machina_get_asset", map[string]any{"asset_id": "P-101"}); isErr {
		t.Fatal(text)
	}
}

func expired(c map[string]any) map[string]any {
	c["exp"] = time.Now().Add(-time.Hour).Unix()
	c["iat"] = time.Now().Add(-2 * time.Hour).Unix()
	return c
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
