package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
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

// runDemo is `machina demo`: simulators, generated config, the real host,
// a few tool calls, then serving until interrupted.
func runDemo(ctx context.Context, c *cli, args []string) int {
	fs := flag.NewFlagSet("machina demo", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	transportName := fs.String("transport", "http", "`http` (streamable HTTP on --listen) or stdio (for a client that spawns this command)")
	listen := fs.String("listen", "127.0.0.1:8000", "HTTP `address` (a busy port falls back to a free one)")
	plugins := fs.String("plugins", "dist/plugins", "`directory` of built plugins (make build)")
	manuals := fs.String("manuals", "samples/manuals", "sample manuals `directory`")
	state := fs.String("state", "", "state `directory` for config, secrets, token and data (default: user cache dir)")
	live := fs.Bool("live", false, "turn sandbox mode off (writes go to the simulators)")
	exit := fs.Bool("exit", false, "exit after the self-check instead of serving until interrupted")
	llmURL := fs.String("llm-url", "", "OpenAI-compatible `URL` for the chat agent (e.g. http://127.0.0.1:11434/v1 for Ollama); off by default")
	llmModel := fs.String("llm-model", "llama3.1", "model for --llm-url")
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, "Usage: machina demo [--transport http|stdio] [--listen ADDR] [--live] [--exit]\n\n"+
			"Starts simulators for Maximo, SAP PM, Telegram, mail and an OPC-UA plant on 127.0.0.1,\n"+
			"ingests the sample manuals, serves Machina with a generated token, calls a few tools and\n"+
			"prints the results, then serves until Ctrl-C. No network beyond loopback.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *transportName != "http" && *transportName != "stdio" {
		fmt.Fprintf(c.stderr, "machina demo: --transport %q: want http or stdio\n", *transportName)
		return 2
	}
	// gopcua's simulator server logs through the standard logger; the host
	// logs through hclog, so keep the demo's output readable.
	log.SetOutput(io.Discard)
	out := c.stdout
	if *transportName == "stdio" {
		out = c.stderr // stdout carries only MCP frames
	}
	say := func(format string, a ...any) { fmt.Fprintf(out, format+"\n", a...) }
	if *state == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			dir = os.TempDir()
		}
		*state = filepath.Join(dir, "machina", "demo")
	}
	addr, err := freeAddr(*listen)
	if err != nil {
		fmt.Fprintln(c.stderr, "machina demo:", err)
		return 1
	}

	start := time.Now()
	say("machina demo: starting simulators (Maximo, SAP PM, Telegram, SMTP/IMAP, OPC-UA) on 127.0.0.1 ...")
	env, err := demo.Start(ctx, demo.Options{PluginsDir: *plugins, ManualsDir: *manuals, StateDir: *state,
		Sandbox: !*live, Listen: addr, LLMURL: *llmURL, LLMModel: *llmModel})
	if err != nil {
		fmt.Fprintln(c.stderr, "machina demo:", err)
		return 1
	}
	defer env.Close()
	cfg, err := config.Load(env.ConfigPath, c.getenv)
	if err != nil {
		fmt.Fprintln(c.stderr, "machina demo:", err)
		return 1
	}
	say("machina demo: loading %d plugins (audit, sha256 pins, grants) and ingesting manuals ...", len(env.Plugins))
	a, err := app.Build(ctx, cfg, app.All, app.Options{Stderr: c.stderr, Getenv: c.getenv, Version: version})
	if err != nil {
		fmt.Fprintln(c.stderr, "machina demo:", err)
		return 1
	}
	defer a.Close()
	for _, f := range a.Registry.Failures() {
		say("  ! %s failed to start: %v", f.Name, f.Err)
	}
	select {
	case <-a.Ingested():
	case <-ctx.Done():
		return 1
	}
	if a.OPCUA != nil {
		wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		_ = a.OPCUA.WaitConnected(wctx)
		cancel()
	}
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	go func() { _ = a.Run(runCtx) }()

	mode := "SANDBOX (writes are synthesised, never sent)"
	if *live {
		mode = "LIVE against the simulators"
	}
	say("machina demo: host up in %.1fs — %d tools, mode %s", time.Since(start).Seconds(), len(a.MCP.ToolNames()), mode)

	if *transportName == "stdio" {
		ic, err := inProcess(ctx, a)
		if err != nil {
			fmt.Fprintln(c.stderr, "machina demo:", err)
			return 1
		}
		defer ic.Close()
		if err := selfCheck(ctx, out, ic, env); err != nil {
			fmt.Fprintln(c.stderr, "machina demo: self-check failed:", err)
			return 1
		}
		say("machina demo: ready — serving MCP on stdio")
		if err := a.MCP.ServeStdio(ctx, os.Stdin, c.stdout); err != nil {
			fmt.Fprintln(c.stderr, "machina demo:", err)
			return 1
		}
		return 0
	}

	tokens, err := machinamcp.NewTokenStore(machinamcp.TokenSource{File: cfg.MCP.TokensFile, Getenv: func(string) string { return "" }})
	if err != nil {
		fmt.Fprintln(c.stderr, "machina demo:", err)
		return 1
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(c.stderr, "machina demo:", err)
		return 1
	}
	serveCtx, stopServe := context.WithCancel(ctx)
	defer stopServe()
	served := make(chan error, 1)
	go func() { served <- a.MCP.Serve(serveCtx, ln, machinamcp.HTTPOptions{Tokens: tokens}) }()
	url := "http://" + ln.Addr().String()
	printConnect(out, url, env, *state)
	hc, err := httpClient(ctx, url+"/mcp", env.Token)
	if err != nil {
		fmt.Fprintln(c.stderr, "machina demo:", err)
		return 1
	}
	defer hc.Close()
	if err := selfCheck(ctx, out, hc, env); err != nil {
		fmt.Fprintln(c.stderr, "machina demo: self-check failed:", err)
		return 1
	}
	say("\nmachina demo: ready — serving on %s/mcp (Ctrl-C to stop)", url)
	if *exit {
		return 0
	}
	select {
	case <-ctx.Done():
	case err := <-served:
		if err != nil {
			fmt.Fprintln(c.stderr, "machina demo:", err)
			return 1
		}
	}
	say("machina demo: stopped")
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
