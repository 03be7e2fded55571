package mcp_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
	machinamcp "github.com/machina-go/machina/host/internal/mcp"
	"github.com/machina-go/machina/host/internal/metrics"
	"github.com/machina-go/machina/host/internal/registry"
	"github.com/machina-go/machina/host/internal/router"
)

// TestMetricsListenerAuth: /metrics on a listener of its own
// (metrics.listen) keeps the /mcp checks — a bearer token of the token
// table, the Host check, GET only — and metrics.auth = "none" drops the
// token alone. Without tokens, token auth refuses to start.
func TestMetricsListenerAuth(t *testing.T) {
	rt, err := router.New(router.Options{Registry: registry.New(hclog.NewNullLogger())})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := machinamcp.New(machinamcp.Options{Router: rt, Logger: hclog.NewNullLogger()})
	if err != nil {
		t.Fatal(err)
	}
	tokens, _ := tokenStore(t, t.TempDir(), `{"0123456789abcdef0123456789abcdef":"prometheus"}`, hclog.NewNullLogger())
	m := metrics.New(nil)
	m.ToolCall("machina_get_asset", "desk", "ok")
	serve := func(o machinamcp.HTTPOptions) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- srv.ServeMetrics(ctx, ln, o) }()
		t.Cleanup(func() { cancel(); <-done })
		return "http://" + ln.Addr().String()
	}
	get := func(method, url, token, host string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, url+"/metrics", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if host != "" {
			req.Host = host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	withToken := serve(machinamcp.HTTPOptions{Tokens: tokens, Metrics: m.Handler()})
	if code, _ := get(http.MethodGet, withToken, "", ""); code != http.StatusUnauthorized {
		t.Errorf("no token: %d", code)
	}
	if code, _ := get(http.MethodGet, withToken, "not-a-token", ""); code != http.StatusUnauthorized {
		t.Errorf("wrong token: %d", code)
	}
	if code, body := get(http.MethodGet, withToken, "0123456789abcdef0123456789abcdef", ""); code != http.StatusOK ||
		!strings.Contains(body, `machina_tool_calls_total{client="desk",outcome="ok",tool="machina_get_asset"} 1`) {
		t.Errorf("token: %d\n%s", code, body)
	}
	if code, _ := get(http.MethodGet, withToken, "0123456789abcdef0123456789abcdef", "evil.example:80"); code != http.StatusForbidden {
		t.Errorf("foreign Host header: %d", code)
	}
	if code, _ := get(http.MethodPost, withToken, "0123456789abcdef0123456789abcdef", ""); code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", code)
	}
	open := serve(machinamcp.HTTPOptions{Metrics: m.Handler(), MetricsNoAuth: true})
	if code, _ := get(http.MethodGet, open, "", ""); code != http.StatusOK {
		t.Errorf("auth none: %d", code)
	}
	if code, _ := get(http.MethodGet, open, "", "evil.example:80"); code != http.StatusForbidden {
		t.Errorf("auth none keeps the Host check: %d", code)
	}
	if _, err := srv.MetricsHandler(machinamcp.HTTPOptions{Metrics: m.Handler()}, "9"); !errors.Is(err, machinamcp.ErrNoTokens) {
		t.Errorf("token auth without tokens: %v", err)
	}
}
