package mcp

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/host/internal/oauth"
	"github.com/machina-go/machina/host/internal/registry"
	"github.com/machina-go/machina/host/internal/router"
	"github.com/machina-go/machina/host/internal/trace"
	"github.com/mark3labs/mcp-go/server"
)

// MCPPath is the streamable HTTP endpoint.
const MCPPath = "/mcp"

// maxBody caps a JSON-RPC request body.
const maxBody = 4 << 20

// HTTPOptions configures the streamable HTTP transport.
type HTTPOptions struct {
	// Tokens verifies static bearer tokens. The transport refuses to start
	// with neither static tokens nor OAuth.
	Tokens *TokenStore
	// OAuth validates access tokens from the operator's identity provider
	// (nil: static tokens only). With it, /.well-known/oauth-protected-resource
	// is served and 401 answers point to it.
	OAuth *oauth.Validator
	// AllowedOrigins are the exact Origin values accepted (scheme://host[:port]).
	// Default: http and https on localhost, 127.0.0.1 and [::1] with the
	// bound port. A request without Origin (a non-browser client) passes.
	AllowedOrigins []string
	// AllowedHosts are the Host header values accepted (host or host:port).
	// Default: localhost, 127.0.0.1 and [::1] with the bound port (DNS
	// rebinding defence). Set it when clients reach the server by another
	// name (reverse proxy, remote clients).
	AllowedHosts []string
	// TLSCert and TLSKey enable native TLS (both or neither).
	TLSCert, TLSKey string
	// HealthTimeout bounds the per-connector health checks of /health
	// (default 3 s).
	HealthTimeout time.Duration
	// Metrics, when set, is served at /metrics behind the same Host,
	// Origin and bearer checks as /mcp (any valid token, read scope
	// included) — unless MetricsNoAuth, which drops the token check for a
	// scraper that cannot send one (the Host and Origin checks stay).
	Metrics       http.Handler
	MetricsNoAuth bool
}

// MetricsPath is where the Prometheus metrics are served.
const MetricsPath = "/metrics"

// Handler returns the HTTP handler: /mcp (Host and Origin checks, bearer
// auth, scope) and /health. port is the bound port, used for the default
// allowed origins and hosts.
func (s *Server) Handler(o HTTPOptions, port string) (http.Handler, error) {
	if o.Tokens == nil {
		o.Tokens = &TokenStore{}
	}
	if o.Tokens.Len() == 0 && o.OAuth == nil {
		return nil, ErrNoTokens
	}
	if o.HealthTimeout <= 0 {
		o.HealthTimeout = 3 * time.Second
	}
	bound := newSessions()
	streamable := server.NewStreamableHTTPServer(s.mcp,
		server.WithEndpointPath(MCPPath),
		server.WithSessionIdManagerResolver(bound),
		// Host validation is done here, against the configured list.
		server.WithDisableLocalhostProtection(true),
		server.WithStreamableHTTPLogger(slog.New(slog.NewTextHandler(
			s.logger.Named("http").StandardWriter(&hclog.StandardLoggerOptions{InferLevels: true}), nil))),
	)
	g := s.newGate(o, port, streamable, bound)
	auth := g.auth
	mux := http.NewServeMux()
	mux.Handle(MCPPath, g)
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) { s.health(w, r, auth, o.HealthTimeout) })
	if o.Metrics != nil {
		mux.Handle(MetricsPath, &metricsGate{g: g, next: o.Metrics, noAuth: o.MetricsNoAuth})
	}
	auth.mountMetadata(mux)
	return mux, nil
}

// MetricsHandler returns a handler serving /metrics alone, behind the same
// Host, Origin and (unless o.MetricsNoAuth) bearer checks as /mcp: for a
// listener of its own (machina.toml metrics.listen).
func (s *Server) MetricsHandler(o HTTPOptions, port string) (http.Handler, error) {
	if o.Metrics == nil {
		return nil, errors.New("mcp: no metrics handler")
	}
	if o.Tokens == nil {
		o.Tokens = &TokenStore{}
	}
	if !o.MetricsNoAuth && o.Tokens.Len() == 0 && o.OAuth == nil {
		return nil, fmt.Errorf("metrics: %w (or set metrics.auth = \"none\")", ErrNoTokens)
	}
	g := s.newGate(o, port, nil, nil)
	mux := http.NewServeMux()
	mux.Handle(MetricsPath, &metricsGate{g: g, next: o.Metrics, noAuth: o.MetricsNoAuth})
	return mux, nil
}

// Serve serves HTTP on ln until ctx is done, then shuts down gracefully.
func (s *Server) Serve(ctx context.Context, ln net.Listener, o HTTPOptions) error {
	return s.serveOn(ctx, ln, o, s.Handler, MCPPath)
}

// ServeMetrics serves MetricsHandler on ln until ctx is done.
func (s *Server) ServeMetrics(ctx context.Context, ln net.Listener, o HTTPOptions) error {
	return s.serveOn(ctx, ln, o, s.MetricsHandler, MetricsPath)
}

// serveOn builds a handler for ln's port and serves it on ln.
func (s *Server) serveOn(ctx context.Context, ln net.Listener, o HTTPOptions,
	handler func(HTTPOptions, string) (http.Handler, error), path string) error {
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	s.warnBeyondLoopback(ln, o)
	h, err := handler(o, port)
	if err != nil {
		return err
	}
	return s.serveHandler(ctx, ln, h, o, path)
}

func (s *Server) warnBeyondLoopback(ln net.Listener, o HTTPOptions) {
	host, _, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); ip != nil && !ip.IsLoopback() && len(o.AllowedHosts) == 0 {
		s.logger.Warn("listening beyond loopback, but only localhost Host headers are accepted; set mcp.allowed_hosts to the names clients use", "listen", ln.Addr().String())
	}
}

// serveHandler serves h on ln (TLS when configured) until ctx is done,
// then shuts down gracefully.
func (s *Server) serveHandler(ctx context.Context, ln net.Listener, h http.Handler, o HTTPOptions, path string) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: s.logger.Named("http").StandardLogger(&hclog.StandardLoggerOptions{InferLevels: true})}
	if (o.TLSCert == "") != (o.TLSKey == "") {
		return errors.New("mcp: tls_cert and tls_key go together")
	}
	if o.TLSCert != "" {
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	errc := make(chan error, 1)
	go func() {
		if o.TLSCert != "" {
			errc <- srv.ServeTLS(ln, o.TLSCert, o.TLSKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	scheme := "http"
	if o.TLSCert != "" {
		scheme = "https"
	}
	if path == MCPPath {
		s.logger.Info("mcp_server_ready", "transport", "http", "url", scheme+"://"+ln.Addr().String()+path, "sandbox", s.router.Sandbox())
	} else {
		s.logger.Info("metrics_ready", "url", scheme+"://"+ln.Addr().String()+path)
	}
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	<-errc
	return err
}

// newGate builds the /mcp checks: allowed Host and Origin values (default:
// localhost names with the bound port) and the authenticator.
func (s *Server) newGate(o HTTPOptions, port string, next http.Handler, bound *sessions) *gate {
	origins := o.AllowedOrigins
	if len(origins) == 0 {
		for _, h := range []string{"localhost", "127.0.0.1", "[::1]"} {
			origins = append(origins, "http://"+h+":"+port, "https://"+h+":"+port)
		}
	}
	hosts := o.AllowedHosts
	if len(hosts) == 0 {
		for _, h := range []string{"localhost", "127.0.0.1", "[::1]"} {
			hosts = append(hosts, h+":"+port)
		}
	}
	auth := newAuthenticator(o.Tokens, o.OAuth, s.logger.Named("auth"))
	return &gate{s: s, auth: auth, origins: set(origins, normOrigin), hosts: set(hosts, strings.ToLower), next: next, sessions: bound}
}

func set(vs []string, norm func(string) string) map[string]bool {
	m := make(map[string]bool, len(vs))
	for _, v := range vs {
		m[norm(strings.TrimSpace(v))] = true
	}
	return m
}

func normOrigin(o string) string { return strings.ToLower(strings.TrimRight(o, "/")) }

// gate is the /mcp middleware.
type gate struct {
	s        *Server
	auth     *authenticator
	origins  map[string]bool
	hosts    map[string]bool
	next     http.Handler
	sessions *sessions
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func forbidden(w http.ResponseWriter, code, desc string) {
	writeJSON(w, http.StatusForbidden, map[string]string{"error": code, "error_description": desc})
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// checkHostOrigin applies the Host (DNS rebinding) and Origin checks; it
// answers 403 and returns false when one fails.
func (g *gate) checkHostOrigin(w http.ResponseWriter, r *http.Request) bool {
	if !g.hosts[strings.ToLower(r.Host)] {
		g.s.logger.Warn("refused request with an unexpected Host header (DNS rebinding defence; see mcp.allowed_hosts)", "host", r.Host)
		forbidden(w, "invalid_host", "Host header not allowed")
		return false
	}
	if o := r.Header.Get("Origin"); o != "" && !g.origins[normOrigin(o)] {
		g.s.logger.Warn("refused request from a disallowed Origin (see mcp.allowed_origins)", "origin", o)
		forbidden(w, "invalid_origin", "Origin not allowed")
		return false
	}
	return true
}

// metricsGate serves /metrics behind the /mcp checks.
type metricsGate struct {
	g      *gate
	next   http.Handler
	noAuth bool
}

func (m *metricsGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method_not_allowed"})
		return
	}
	if !m.g.checkHostOrigin(w, r) {
		return
	}
	if !m.noAuth {
		if _, refused := m.g.auth.authenticate(r); refused != nil {
			m.g.auth.refuse(w, refused)
			return
		}
	}
	m.next.ServeHTTP(w, r)
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !g.checkHostOrigin(w, r) {
		return
	}
	client, refused := g.auth.authenticate(r)
	if refused != nil {
		g.auth.refuse(w, refused)
		return
	}
	// Every body is capped here, whatever the token's scope.
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	if id := r.Header.Get(sessionHeader); id != "" {
		if g.sessions.check(id, client) != nil {
			g.s.logger.Warn("refused a session id not issued to this client", "client_id", client.ID, "scope", client.Scope, "method", r.Method)
			writeJSON(w, http.StatusNotFound, rpcError(-32001, "Session not found: start a new session with initialize"))
			return
		}
	}
	if client.Scope == ScopeRead && body != nil {
		if name, bad := g.writeCall(body); bad {
			g.s.logger.Warn("read-scoped client called a write tool", "client_id", client.ID, "tool", name)
			g.auth.refuse(w, &refusal{http.StatusForbidden, "insufficient_scope", "this token may only call read-only tools"})
			return
		}
	}
	ctx := trace.WithCall(r.Context(), trace.Call{ClientID: client.ID})
	ctx = WithScope(ctx, client.Scope)
	ctx = withClient(ctx, client)
	g.next.ServeHTTP(w, r.WithContext(ctx))
}

// sessionHeader carries the MCP session id (streamable HTTP transport).
const sessionHeader = "Mcp-Session-Id"

// readBody reads a POST body up to maxBody and puts it back on r, so that
// nothing past the cap is ever buffered. An oversized body is answered with
// 413 and a JSON-RPC error, and ok is false. Other methods get a capped
// reader (mcp-go reads no body for GET and DELETE).
func readBody(w http.ResponseWriter, r *http.Request) (body []byte, ok bool) {
	tooLarge := func() {
		w.Header().Set("Connection", "close")
		writeJSON(w, http.StatusRequestEntityTooLarge, rpcError(-32600, fmt.Sprintf("request body exceeds the %d byte limit", maxBody)))
	}
	if r.ContentLength > maxBody {
		tooLarge()
		return nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if r.Method != http.MethodPost {
		return nil, true
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			tooLarge()
		} else {
			writeJSON(w, http.StatusBadRequest, rpcError(-32700, "cannot read the request body"))
		}
		return nil, false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, true
}

// rpcError is a JSON-RPC 2.0 error response without an id (the request was
// not parsed).
func rpcError(code int, msg string) map[string]any {
	return map[string]any{"jsonrpc": "2.0", "id": nil, "error": map[string]any{"code": code, "message": msg}}
}

// writeCall reports whether a JSON-RPC body (one message or a batch) calls
// a write tool. A body that does not parse is passed on: mcp-go answers it
// with a parse error, and the tool handler re-checks the scope anyway.
func (g *gate) writeCall(body []byte) (string, bool) {
	type msg struct {
		Method string `json:"method"`
		Params struct {
			Name string `json:"name"`
		} `json:"params"`
	}
	var batch []msg
	if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '[' {
		if json.Unmarshal(t, &batch) != nil {
			return "", false
		}
	} else {
		var m msg
		if json.Unmarshal(body, &m) != nil {
			return "", false
		}
		batch = []msg{m}
	}
	for _, m := range batch {
		if m.Method == "tools/call" && g.s.isWriteTool(m.Params.Name) {
			return m.Params.Name, true
		}
	}
	return "", false
}

// healthReport is /health with a valid token.
type healthReport struct {
	Status      string            `json:"status"`
	Connectors  []registry.Health `json:"connectors"`
	SandboxMode bool              `json:"sandbox_mode"`
	Version     string            `json:"version"`
}

func (s *Server) health(w http.ResponseWriter, r *http.Request, auth *authenticator, timeout time.Duration) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method_not_allowed"})
		return
	}
	if _, refused := auth.authenticate(r); refused != nil {
		writeJSON(w, http.StatusOK, map[string]string{"status": "healthy"})
		return
	}
	hs := s.router.Registry().Health(r.Context(), timeout)
	for i := range hs {
		hs[i].Message = router.Sanitize(hs[i].Message)
	}
	if hs == nil {
		hs = []registry.Health{}
	}
	writeJSON(w, http.StatusOK, healthReport{Status: "healthy", Connectors: hs, SandboxMode: s.router.Sandbox(), Version: s.version})
}
