package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/machina-go/machina/host/internal/app"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/demo"
	machinamcp "github.com/machina-go/machina/host/internal/mcp"
)

// demoFlags are the flags of `machina demo`.
type demoFlags struct {
	transport, listen, plugins, manuals, state, llmURL, llmModel string
	live, exit                                                   bool
}

func parseDemoFlags(c *cli, fs *flag.FlagSet, args []string) (demoFlags, int, bool) {
	var f demoFlags
	fs.StringVar(&f.transport, "transport", "http", "`http` (streamable HTTP on --listen) or stdio (for a client that spawns this command)")
	fs.StringVar(&f.listen, "listen", "127.0.0.1:8000", "HTTP `address` (a busy port falls back to a free one)")
	fs.StringVar(&f.plugins, "plugins", "", "`directory` of built plugins (default: dist/plugins beside the binary's checkout, else in the working directory)")
	fs.StringVar(&f.manuals, "manuals", "", "sample manuals `directory` (default: samples/manuals, found the same way)")
	fs.StringVar(&f.state, "state", "", "this demo's own state `directory` (default: a free slot <user cache>/machina/demo/<transport>[-N])")
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
	var err error
	if f.plugins, err = locate(f.plugins, "dist/plugins", "run `make build`, or give --plugins DIR"); err == nil {
		f.manuals, err = locate(f.manuals, "samples/manuals", "give --manuals DIR")
	}
	if err != nil {
		fmt.Fprintln(c.stderr, "machina demo:", err)
		return f, 1, false
	}
	return f, 0, true
}

// locate returns dir made absolute, or — when dir is empty — rel found
// beside the running binary's checkout (bin/machina → ../rel), else in the
// working directory: the demo must not depend on where a client starts it.
func locate(dir, rel, hint string) (string, error) {
	if dir != "" {
		return filepath.Abs(dir)
	}
	var tried []string
	if exe, err := os.Executable(); err == nil {
		if exe, err = filepath.EvalSymlinks(exe); err == nil {
			tried = append(tried, filepath.Join(filepath.Dir(exe), "..", rel))
		}
	}
	if wd, err := os.Getwd(); err == nil {
		tried = append(tried, filepath.Join(wd, rel))
	}
	for _, p := range tried {
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return filepath.Clean(p), nil
		}
	}
	return "", fmt.Errorf("no %s beside the binary or in the working directory (looked in %v); %s", rel, tried, hint)
}

// userCacheDir is os.UserCacheDir through the command's environment ("" when
// it names none): demos keep their state and compiled plugins there.
func userCacheDir(getenv func(string) string) string {
	if runtime.GOOS == "darwin" {
		if h := getenv("HOME"); h != "" {
			return filepath.Join(h, "Library", "Caches")
		}
		return ""
	}
	if d := getenv("XDG_CACHE_HOME"); d != "" {
		return d
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".cache")
	}
	return ""
}

// demoRun is one `machina demo`: its flags, where it prints, and the
// simulators and host once started.
type demoRun struct {
	c    *cli
	f    demoFlags
	out  io.Writer
	logs *demoLogs
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
func runDemo(ctx context.Context, c *cli, fs *flag.FlagSet, args []string) int {
	f, code, ok := parseDemoFlags(c, fs, args)
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
	defer d.logs.Close()
	defer d.app.Close()
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	go func() { _ = d.app.Run(runCtx) }()
	if f.transport == "stdio" {
		return d.serveStdio(ctx)
	}
	return d.serveHTTP(ctx)
}

// demoOptions maps the flags to the environment's options.
func (d *demoRun) demoOptions() demo.Options {
	o := demo.Options{PluginsDir: d.f.plugins, ManualsDir: d.f.manuals, StateDir: d.f.state,
		Sandbox: !d.f.live, Listen: d.addr, LLMURL: d.f.llmURL, LLMModel: d.f.llmModel, Slot: d.f.transport}
	if cache := userCacheDir(d.c.getenv); cache != "" {
		o.StateRoot = filepath.Join(cache, "machina", "demo")
		o.CompileCache = filepath.Join(cache, "machina", "compiled-plugins")
	} else if o.StateDir == "" {
		o.StateRoot = filepath.Join(os.TempDir(), fmt.Sprintf("machina-demo-%d", os.Getuid()))
	}
	return o
}

// start starts the simulators and the host, and waits for the manuals and
// the OPC-UA sessions.
func (d *demoRun) start(ctx context.Context) error {
	start := time.Now()
	d.say("machina demo: starting simulators (Maximo, SAP PM, Telegram, SMTP/IMAP, OPC-UA) on 127.0.0.1 ...")
	env, err := demo.Start(ctx, d.demoOptions())
	if err != nil {
		return err
	}
	logs, err := openDemoLogs(filepath.Join(env.StateDir, "machina.log"), d.c.stderr, d.f.transport == "stdio")
	if err != nil {
		env.Close()
		return err
	}
	cfg, err := config.Load(env.ConfigPath, d.c.getenv)
	if err == nil {
		d.say("machina demo: loading %d plugins (audit, sha256 pins, grants) and ingesting manuals ...", len(env.Plugins))
		d.app, err = app.Build(ctx, cfg, app.All, app.Options{Stderr: logs, Getenv: d.c.getenv, Version: version})
	}
	if err != nil {
		logs.Close()
		env.Close()
		return err
	}
	d.env, d.logs = env, logs
	if err := d.waitReady(ctx); err != nil {
		d.app.Close()
		logs.Close()
		env.Close()
		return err
	}
	mode := "SANDBOX (writes are synthesised, never sent)"
	if d.f.live {
		mode = "LIVE against the simulators"
	}
	d.say("machina demo: host up in %.1fs — %d tools, mode %s", time.Since(start).Seconds(), len(d.app.MCP.ToolNames()), mode)
	return nil
}

// waitReady reports components that failed and waits for the manuals and
// the OPC-UA sessions.
func (d *demoRun) waitReady(ctx context.Context) error {
	for _, f := range d.app.Registry.Failures() {
		d.say("  ! %s failed to start: %v", f.Name, f.Err)
	}
	select {
	case <-d.app.Ingested():
	case <-ctx.Done():
		return ctx.Err()
	}
	if d.app.OPCUA != nil {
		wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		_ = d.app.OPCUA.WaitConnected(wctx)
		cancel()
	}
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
	d.say("machina demo: ready — serving MCP on stdio (state %s, logs %s)", d.env.StateDir, d.logs.Path())
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
	go func() {
		served <- d.app.MCP.Serve(serveCtx, ln, machinamcp.HTTPOptions{Tokens: tokens, Metrics: d.app.Metrics.Handler()})
	}()
	url := "http://" + ln.Addr().String()
	printConnect(d.out, url, d.env, d.f, d.logs.Path())
	hc, err := httpClient(ctx, url+"/mcp", d.env.Token)
	if err != nil {
		return d.fail(err)
	}
	defer hc.Close()
	if err := selfCheck(ctx, d.out, hc, d.env); err != nil {
		return d.fail(fmt.Errorf("self-check failed: %w", err))
	}
	d.say("\nmachina demo: ready — serving on %s/mcp (Ctrl-C to stop; logs: %s)", url, d.logs.Path())
	d.logs.Quiet() // from here on, the terminal is the demo's alone
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
