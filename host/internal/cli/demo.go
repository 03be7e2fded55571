package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/machina-go/machina/host/internal/app"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/demo"
	machinamcp "github.com/machina-go/machina/host/internal/mcp"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// demoFlags are the flags of `machina demo`.
type demoFlags struct {
	transport, listen, plugins, manuals, state, llmURL, llmModel string
	live, exit                                                   bool
}

func parseDemoFlags(c *cli, args []string) (demoFlags, int, bool) {
	var f demoFlags
	fs := c.flagSet("machina demo", "Usage: machina demo [--transport http|stdio] [--listen ADDR] [--live] [--exit]\n\n"+
		"Starts simulators for Maximo, SAP PM, Telegram, mail and an OPC-UA plant on 127.0.0.1,\n"+
		"ingests the sample manuals, serves Machina with a generated token, calls a few tools and\n"+
		"prints the results, then serves until Ctrl-C. No network beyond loopback.\n\nFlags:")
	fs.StringVar(&f.transport, "transport", "http", "`http` (streamable HTTP on --listen) or stdio (for a client that spawns this command)")
	fs.StringVar(&f.listen, "listen", "127.0.0.1:8000", "HTTP `address` (a busy port falls back to a free one)")
	fs.StringVar(&f.plugins, "plugins", "dist/plugins", "`directory` of built plugins (make build)")
	fs.StringVar(&f.manuals, "manuals", "samples/manuals", "sample manuals `directory`")
	fs.StringVar(&f.state, "state", "", "state `directory` for config, secrets, token and data (default: user cache dir)")
	fs.BoolVar(&f.live, "live", false, "turn sandbox mode off (writes go to the simulators)")
	fs.BoolVar(&f.exit, "exit", false, "exit after the self-check instead of serving until interrupted")
	fs.StringVar(&f.llmURL, "llm-url", "", "OpenAI-compatible `URL` for the chat agent (e.g. http://127.0.0.1:11434/v1 for Ollama); off by default")
	fs.StringVar(&f.llmModel, "llm-model", "llama3.1", "model for --llm-url")
	if code, ok := parseFlags(fs, args, -1); !ok {
		return f, code, false
	}
	if f.transport != "http" && f.transport != "stdio" {
		fmt.Fprintf(c.stderr, "machina demo: --transport %q: want http or stdio\n", f.transport)
		return f, 2, false
	}
	if f.state == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			dir = os.TempDir()
		}
		f.state = filepath.Join(dir, "machina", "demo")
	}
	return f, 0, true
}

// demoRun is one `machina demo`: its flags, where it prints, and the
// simulators and host once started.
type demoRun struct {
	c    *cli
	f    demoFlags
	out  io.Writer
	addr string
	env  *demo.Env
	app  *app.App
}

func (d *demoRun) say(format string, a ...any) { fmt.Fprintf(d.out, format+"\n", a...) }

func (d *demoRun) fail(err error) int {
	fmt.Fprintln(d.c.stderr, "machina demo:", err)
	return 1
}

// runDemo is `machina demo`: simulators, generated config, the real host,
// a few tool calls, then serving until interrupted.
func runDemo(ctx context.Context, c *cli, args []string) int {
	f, code, ok := parseDemoFlags(c, args)
	if !ok {
		return code
	}
	// gopcua's simulator server logs through the standard logger; the host
	// logs through hclog, so keep the demo's output readable.
	log.SetOutput(io.Discard)
	d := &demoRun{c: c, f: f, out: c.stdout}
	if f.transport == "stdio" {
		d.out = c.stderr // stdout carries only MCP frames
	}
	addr, err := freeAddr(f.listen)
	if err != nil {
		return d.fail(err)
	}
	d.addr = addr
	if err := d.start(ctx); err != nil {
		return d.fail(err)
	}
	defer d.env.Close()
	defer d.app.Close()
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	go func() { _ = d.app.Run(runCtx) }()
	if f.transport == "stdio" {
		return d.serveStdio(ctx)
	}
	return d.serveHTTP(ctx)
}

// start starts the simulators and the host, and waits for the manuals and
// the OPC-UA sessions.
func (d *demoRun) start(ctx context.Context) error {
	start := time.Now()
	d.say("machina demo: starting simulators (Maximo, SAP PM, Telegram, SMTP/IMAP, OPC-UA) on 127.0.0.1 ...")
	env, err := demo.Start(ctx, demo.Options{PluginsDir: d.f.plugins, ManualsDir: d.f.manuals, StateDir: d.f.state,
		Sandbox: !d.f.live, Listen: d.addr, LLMURL: d.f.llmURL, LLMModel: d.f.llmModel})
	if err != nil {
		return err
	}
	cfg, err := config.Load(env.ConfigPath, d.c.getenv)
	if err != nil {
		env.Close()
		return err
	}
	d.say("machina demo: loading %d plugins (audit, sha256 pins, grants) and ingesting manuals ...", len(env.Plugins))
	a, err := app.Build(ctx, cfg, app.All, app.Options{Stderr: d.c.stderr, Getenv: d.c.getenv, Version: version})
	if err != nil {
		env.Close()
		return err
	}
	d.env, d.app = env, a
	for _, f := range a.Registry.Failures() {
		d.say("  ! %s failed to start: %v", f.Name, f.Err)
	}
	select {
	case <-a.Ingested():
	case <-ctx.Done():
		a.Close()
		env.Close()
		return ctx.Err()
	}
	if a.OPCUA != nil {
		wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		_ = a.OPCUA.WaitConnected(wctx)
		cancel()
	}
	mode := "SANDBOX (writes are synthesised, never sent)"
	if d.f.live {
		mode = "LIVE against the simulators"
	}
	d.say("machina demo: host up in %.1fs — %d tools, mode %s", time.Since(start).Seconds(), len(a.MCP.ToolNames()), mode)
	return nil
}

// serveStdio runs the self-check in process, then serves MCP on the
// command's standard streams.
func (d *demoRun) serveStdio(ctx context.Context) int {
	ic, err := inProcess(ctx, d.app)
	if err != nil {
		return d.fail(err)
	}
	defer ic.Close()
	if err := selfCheck(ctx, d.out, ic, d.env); err != nil {
		return d.fail(fmt.Errorf("self-check failed: %w", err))
	}
	d.say("machina demo: ready — serving MCP on stdio")
	if err := d.app.MCP.ServeStdio(ctx, d.c.input(), d.c.stdout); err != nil {
		return d.fail(err)
	}
	return 0
}

// serveHTTP serves streamable HTTP with the demo's token, runs the
// self-check through it and serves until interrupted (or --exit).
func (d *demoRun) serveHTTP(ctx context.Context) int {
	tokens, err := machinamcp.NewTokenStore(machinamcp.TokenSource{File: d.app.Config.MCP.TokensFile, Getenv: func(string) string { return "" }})
	if err != nil {
		return d.fail(err)
	}
	ln, err := net.Listen("tcp", d.addr)
	if err != nil {
		return d.fail(err)
	}
	serveCtx, stopServe := context.WithCancel(ctx)
	defer stopServe()
	served := make(chan error, 1)
	go func() { served <- d.app.MCP.Serve(serveCtx, ln, machinamcp.HTTPOptions{Tokens: tokens}) }()
	url := "http://" + ln.Addr().String()
	printConnect(d.out, url, d.env, d.f.state)
	hc, err := httpClient(ctx, url+"/mcp", d.env.Token)
	if err != nil {
		return d.fail(err)
	}
	defer hc.Close()
	if err := selfCheck(ctx, d.out, hc, d.env); err != nil {
		return d.fail(fmt.Errorf("self-check failed: %w", err))
	}
	d.say("\nmachina demo: ready — serving on %s/mcp (Ctrl-C to stop)", url)
	if d.f.exit {
		return 0
	}
	select {
	case <-ctx.Done():
	case err := <-served:
		if err != nil {
			return d.fail(err)
		}
	}
	d.say("machina demo: stopped")
	return 0
}

// freeAddr returns addr when it can be bound, else a free port on its host.
func freeAddr(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		a := ln.Addr().String()
		ln.Close()
		return a, nil
	}
	host, _, _ := net.SplitHostPort(addr)
	ln, err = net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return "", err
	}
	a := ln.Addr().String()
	ln.Close()
	return a, nil
}

func printConnect(w io.Writer, url string, env *demo.Env, state string) {
	exe, _ := os.Executable()
	desktop, _ := json.MarshalIndent(map[string]any{"mcpServers": map[string]any{
		"machina": map[string]any{"command": exe, "args": []string{"demo", "--transport", "stdio"}}}}, "", "  ")
	fmt.Fprintf(w, `
MCP endpoint:  %s/mcp   (streamable HTTP, bearer token)
Token:         %s
               (shown once; also in %s, mode 0600)
Config:        %s
Traces:        %s

Claude Desktop (stdio: the client spawns the demo):
%s

MCP Inspector (HTTP):
  npx @modelcontextprotocol/inspector   → transport "Streamable HTTP", URL %s/mcp,
  header Authorization: Bearer <token above>

curl:
  curl -s %s/health
`, url, env.Token, env.TokenPath, env.ConfigPath, filepath.Join(state, "traces"), indentLines(string(desktop), "  "), url, url)
}

func indentLines(s, p string) string {
	return p + strings.ReplaceAll(s, "\n", "\n"+p)
}

func httpClient(ctx context.Context, url, token string) (*client.Client, error) {
	c, err := client.NewStreamableHttpClient(url, transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + token}))
	if err != nil {
		return nil, err
	}
	return c, initClient(ctx, c)
}

func inProcess(ctx context.Context, a *app.App) (*client.Client, error) {
	c, err := client.NewInProcessClient(a.MCP.MCPServer())
	if err != nil {
		return nil, err
	}
	return c, initClient(ctx, c)
}

func initClient(ctx context.Context, c *client.Client) error {
	if err := c.Start(ctx); err != nil {
		return err
	}
	req := mcp.InitializeRequest{}
	req.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	req.Params.ClientInfo = mcp.Implementation{Name: "machina-demo", Version: version}
	_, err := c.Initialize(ctx, req)
	return err
}

// selfCheck calls a few tools through a real MCP client and prints what
// came back. It fails when a call fails.
func selfCheck(ctx context.Context, w io.Writer, c *client.Client, env *demo.Env) error {
	tools, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		return err
	}
	names := make([]string, len(tools.Tools))
	for i, t := range tools.Tools {
		names[i] = t.Name
	}
	fmt.Fprintf(w, "\n── %d tools: %s\n", len(names), strings.Join(names, ", "))
	asset := env.FirstCriticalAsset()
	calls := []struct {
		tool string
		args map[string]any
	}{
		{"machina_list_assets", nil},
		{"machina_get_asset", map[string]any{"asset_id": asset}},
		{"machina_list_work_orders", map[string]any{"asset_id": asset}},
		{"machina_search_manuals", map[string]any{"query": "how do I replace the mechanical seal", "top_k": 2}},
		{"machina_get_sensor_reading", map[string]any{"asset_id": "P-101"}},
		{"machina_create_work_order", map[string]any{"asset_id": asset, "description": "Demo: inspect seal for weeping", "priority": "high"}},
		{"machina_send_message", map[string]any{"channel": fmt.Sprintf("telegram:%d", demo.TelegramChat), "text": "Machina demo is up."}},
	}
	for _, call := range calls {
		req := mcp.CallToolRequest{}
		req.Params.Name = call.tool
		req.Params.Arguments = call.args
		res, err := c.CallTool(ctx, req)
		if err != nil {
			return fmt.Errorf("%s: %w", call.tool, err)
		}
		text := ""
		for _, ct := range res.Content {
			if tc, ok := ct.(mcp.TextContent); ok {
				text += tc.Text
			}
		}
		status := "ok"
		if res.IsError {
			status = "tool error"
		}
		fmt.Fprintf(w, "\n── %s %s → %s\n%s\n", call.tool, compact(call.args), status, preview(text, 600))
		if res.IsError {
			return fmt.Errorf("%s returned an error: %s", call.tool, preview(text, 200))
		}
	}
	return nil
}

func compact(v map[string]any) string {
	if len(v) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// preview pretty-prints JSON and cuts long output.
func preview(s string, n int) string {
	var v any
	if json.Unmarshal([]byte(s), &v) == nil {
		if list, ok := v.([]any); ok && len(list) > 3 {
			v = append(list[:3:3], fmt.Sprintf("… %d more", len(list)-3))
		}
		if b, err := json.MarshalIndent(v, "   ", "  "); err == nil {
			s = "   " + string(b)
		}
	}
	if len(s) > n {
		s = s[:n] + " …"
	}
	return s
}
