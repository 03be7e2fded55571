package mcp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/machina-go/machina/internal/mcpclient"
	"github.com/machina-go/machina/internal/syncbuf"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/config"
	machinamcp "github.com/machina-go/machina/host/internal/mcp"
	"github.com/machina-go/machina/host/internal/plugin"
	"github.com/machina-go/machina/host/internal/pluginload"
	"github.com/machina-go/machina/host/internal/registry"
	"github.com/machina-go/machina/host/internal/router"
	"github.com/machina-go/machina/host/internal/sandbox"
	"github.com/machina-go/machina/host/internal/testplugin"
	"github.com/machina-go/machina/host/internal/trace"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

type syncBuffer = syncbuf.Buffer

// env is a running Machina runtime over the test plugins.
type env struct {
	srv     *machinamcp.Server
	reg     *registry.Registry
	gate    *sandbox.Gate
	tracer  *trace.Tracer
	plugins map[string]*plugin.Plugin
	logs    *syncBuffer
	dir     string
}

type envOpts struct {
	sandbox bool
	chat    bool // also load memchat
	quiet   bool // memcmms does not log per call
	trace   bool
	natives bool // also a real document store and OPC-UA (simulator)
	// noConfirm turns write confirmations off (mcp.confirm_writes = false).
	noConfirm bool
	// vendorTools registers the opt-in vendor tools (mcp.vendor_tools).
	vendorTools bool
	// noVendorOps configures memcmms to serve no vendor operation.
	noVendorOps bool
}

// writePlugin builds a test plugin and writes it to dir.
func writePlugin(t testing.TB, dir, name string) string {
	t.Helper()
	wasm := testplugin.Build(t, "host/internal/mcp/testdata/"+name)
	p := filepath.Join(dir, name+".wasm")
	if err := os.WriteFile(p, wasm, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// pluginTOML is the configuration of the test plugins in dir.
func pluginTOML(t testing.TB, dir string, o envOpts) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "data_dir = %q\n[trace]\ndisabled = true\n", filepath.Join(dir, "data"))
	fmt.Fprintf(&b, "[[plugin]]\nname = \"memcmms\"\npath = %q\nallow_unpinned = true\nprimary = true\n", writePlugin(t, dir, "memcmms"))
	b.WriteString("[plugin.config]\n")
	if o.quiet {
		b.WriteString("quiet = \"true\"\n")
	}
	if o.noVendorOps {
		b.WriteString("vendor_ops = \"off\"\n")
	}
	b.WriteString("[plugin.grant.kv]\nquota_bytes = 65536\n")
	if o.chat {
		fmt.Fprintf(&b, "[[plugin]]\nname = \"memchat\"\npath = %q\nallow_unpinned = true\n[plugin.grant.kv]\nquota_bytes = 4096\n", writePlugin(t, dir, "memchat"))
	}
	return b.String()
}

func noenv(string) string { return "" }

func newEnv(t testing.TB, o envOpts) *env {
	t.Helper()
	dir := t.TempDir()
	cfg, err := config.Parse([]byte(pluginTOML(t, dir, o)), noenv)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	log := hclog.New(&hclog.LoggerOptions{Name: "test", Output: logs, Level: hclog.Info})
	e := &env{logs: logs, dir: dir, plugins: map[string]*plugin.Plugin{}}
	if o.trace {
		e.tracer, err = trace.New(trace.Options{Dir: filepath.Join(dir, "traces"), Getenv: noenv})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = e.tracer.Close(context.Background()) })
	}
	e.gate = sandbox.New(o.sandbox, log)
	eng, err := plugin.NewEngine(plugin.EngineOptions{CacheDir: testplugin.CacheDir(t), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	loaded, failed := pluginload.LoadAll(ctx, cfg, pluginload.Deps{Engine: eng, Getenv: noenv, Logger: log, Sandbox: e.gate.Enabled})
	if len(failed) > 0 {
		t.Fatalf("plugins failed: %v", failed)
	}
	e.reg = registry.New(log)
	for _, l := range loaded {
		t.Cleanup(func() { _ = l.Close(context.Background()) })
		if _, err := e.reg.AddPlugin(l.Name, l.Plugin, l.Config.Primary); err != nil {
			t.Fatal(err)
		}
		e.plugins[l.Name] = l.Plugin
	}
	if o.natives {
		e.addNatives(t)
	}
	rt, err := router.New(router.Options{Registry: e.reg, Sandbox: e.gate, Tracer: e.tracer, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	e.srv, err = machinamcp.New(machinamcp.Options{Router: rt, Tracer: e.tracer, Logger: log, Version: "test", NoWriteConfirmation: o.noConfirm, VendorTools: o.vendorTools})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// counter reads a KV counter a test plugin reports in health details.
func (e *env) counter(t testing.TB, pluginName, key string) int {
	t.Helper()
	var h abi.HealthResponse
	if err := e.plugins[pluginName].CallOp(context.Background(), abi.OpHealth, abi.HealthRequest{}, &h); err != nil {
		t.Fatal(err)
	}
	n, _ := h.Details[key].(float64)
	return int(n)
}

// httpServer serves e over streamable HTTP on 127.0.0.1:0.
type httpServer struct {
	url    string
	port   string
	tokens *machinamcp.TokenStore
}

func (e *env) serveHTTP(t testing.TB, tokens *machinamcp.TokenStore, o machinamcp.HTTPOptions) *httpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o.Tokens = tokens
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.srv.Serve(ctx, ln, o) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	s := &httpServer{url: "http://" + ln.Addr().String(), port: port, tokens: tokens}
	// Wait for readiness (the listener is already bound; poll /health).
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(s.url + "/health")
		if err == nil {
			resp.Body.Close()
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// tokenStore builds a store from a JSON token map (through a tokens file).
func tokenStore(t testing.TB, dir, tokensJSON string, log hclog.Logger) (*machinamcp.TokenStore, string) {
	t.Helper()
	p := filepath.Join(dir, "tokens.json")
	if err := os.WriteFile(p, []byte(tokensJSON), 0o600); err != nil {
		t.Fatal(err)
	}
	ts, err := machinamcp.NewTokenStore(machinamcp.TokenSource{Getenv: noenv, File: p, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	return ts, p
}

// bearerTransport is a streamable HTTP transport to url's /mcp that sends
// token as a bearer token; more adds transport options.
func bearerTransport(t testing.TB, url, token string, more ...transport.StreamableHTTPCOption) *transport.StreamableHTTP {
	t.Helper()
	opts := append([]transport.StreamableHTTPCOption{transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + token})}, more...)
	tr, err := transport.NewStreamableHTTP(url+"/mcp", opts...)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// connect opens an initialised mcp-go client with a bearer token (closed
// when the test ends).
func connect(t testing.TB, url, token string) *client.Client {
	t.Helper()
	c := client.NewClient(bearerTransport(t, url, token))
	initialize(t, c)
	t.Cleanup(func() { c.Close() })
	return c
}

func initialize(t testing.TB, c *client.Client) {
	t.Helper()
	initializeVersion(t, c, mcp.LATEST_PROTOCOL_VERSION)
}

// initializeVersion starts c asking for protocol version v (the stateless
// 2026-07-28 core, or an initialize-handshake revision before it).
func initializeVersion(t testing.TB, c *client.Client, v string) {
	t.Helper()
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	req := mcp.InitializeRequest{}
	req.Params.ProtocolVersion = v
	req.Params.ClientInfo = mcp.Implementation{Name: "machina-test", Version: "1"}
	if _, err := c.Initialize(ctx, req); err != nil {
		t.Fatal(err)
	}
}

// call runs a tool and returns its text and isError.
func call(t testing.TB, c *client.Client, name string, args map[string]any) (string, bool) {
	t.Helper()
	text, isErr, err := mcpclient.Call(context.Background(), c, name, args)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return text, isErr
}

func decode[T any](t testing.TB, s string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("decoding %q: %v", s, err)
	}
	return v
}

func toolReq(name string, args map[string]any) mcp.CallToolRequest {
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	return req
}

func toolsList() mcp.ListToolsRequest { return mcp.ListToolsRequest{} }

func contextWithCancel() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}

// waitTrace polls the tracer's recent entries until ok holds for them (the
// tracer records in the background).
func waitTrace(t testing.TB, tr *trace.Tracer, ok func([]trace.Entry) bool) bool {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		if ok(tr.Recent(500)) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}
