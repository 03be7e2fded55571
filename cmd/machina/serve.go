package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/config"
	"github.com/machina-go/machina/host/docstore"
	"github.com/machina-go/machina/host/logging"
	"github.com/machina-go/machina/host/mcp"
	"github.com/machina-go/machina/host/opcua"
	"github.com/machina-go/machina/host/plugin"
	"github.com/machina-go/machina/host/pluginload"
	"github.com/machina-go/machina/host/registry"
	"github.com/machina-go/machina/host/router"
	"github.com/machina-go/machina/host/sandbox"
	"github.com/machina-go/machina/host/secrets"
	"github.com/machina-go/machina/host/trace"
)

// runServe is `machina serve --config FILE [--transport stdio|http] [--listen ADDR]`.
func runServe(ctx context.Context, c *cli, args []string) int {
	fs := flag.NewFlagSet("machina serve", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	cfgPath := fs.String("config", "", "configuration `file` (machina.toml; required)")
	transport := fs.String("transport", "", "`stdio` or http (default: mcp.transport, else stdio)")
	listen := fs.String("listen", "", "HTTP bind `address` (default: mcp.listen, else 127.0.0.1:8000)")
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, "Usage: machina serve --config FILE [--transport stdio|http] [--listen ADDR]\n\n"+
			"Runs the MCP server. stdio: protocol on stdout, logs on stderr, no authentication (single local\n"+
			"user). http: streamable HTTP at /mcp and /health; requires bearer tokens from "+mcp.EnvTokensJSON+"\n"+
			"or mcp.tokens_file (SIGHUP reloads them). MACHINA_SANDBOX_MODE=true keeps every write from the CMMS.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *cfgPath == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	if _, err := os.Stat(*cfgPath); err != nil {
		fmt.Fprintf(c.stderr, "Error: config file not found: %s\n", *cfgPath)
		return 1
	}
	cfg, err := config.Load(*cfgPath, c.getenv)
	if err != nil {
		fmt.Fprintln(c.stderr, "machina serve:", err)
		return 1
	}
	if *transport != "" {
		cfg.MCP.Transport = *transport
	}
	if *listen != "" {
		cfg.MCP.Listen = *listen
	}
	if cfg.MCP.Transport != "stdio" && cfg.MCP.Transport != "http" {
		fmt.Fprintf(c.stderr, "machina serve: --transport %q: want stdio or http\n", cfg.MCP.Transport)
		return 2
	}

	rt, err := startRuntime(ctx, c, cfg)
	if err != nil {
		fmt.Fprintln(c.stderr, "machina serve:", err)
		return 1
	}
	defer rt.close()
	log := rt.logger

	if cfg.MCP.Transport == "stdio" {
		// Everything but the protocol goes to stderr; os.Stdin/os.Stdout are
		// the transport.
		if err := rt.mcp.ServeStdio(ctx, os.Stdin, c.stdout); err != nil {
			log.Error("stdio transport failed", "error", err)
			return 1
		}
		return 0
	}

	tokens, err := mcp.NewTokenStore(mcp.TokenSource{Getenv: c.getenv, File: cfg.MCP.TokensFile, Logger: log.Named("auth")})
	if err != nil {
		fmt.Fprintln(c.stderr, "machina serve: refusing to start streamable HTTP:", err)
		return 1
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				if err := tokens.Reload(); err != nil {
					log.Error("SIGHUP: token reload failed; keeping the current tokens", "error", err)
				} else {
					log.Info("SIGHUP: tokens reloaded", "count", tokens.Len())
				}
			}
		}
	}()
	ln, err := net.Listen("tcp", cfg.MCP.Listen)
	if err != nil {
		fmt.Fprintln(c.stderr, "machina serve:", err)
		return 1
	}
	err = rt.mcp.Serve(ctx, ln, mcp.HTTPOptions{Tokens: tokens, AllowedOrigins: cfg.MCP.AllowedOrigins,
		AllowedHosts: cfg.MCP.AllowedHosts, TLSCert: cfg.MCP.TLSCert, TLSKey: cfg.MCP.TLSKey})
	if err != nil {
		log.Error("http transport failed", "error", err)
		return 1
	}
	return 0
}

// runtime is everything serve (and later chat) runs on.
type runtime struct {
	logger   hclog.Logger
	tracer   *trace.Tracer
	gate     *sandbox.Gate
	registry *registry.Registry
	router   *router.Router
	mcp      *mcp.Server
	closers  []func()
}

func (r *runtime) close() {
	for i := len(r.closers) - 1; i >= 0; i-- {
		r.closers[i]()
	}
}

// startRuntime builds secrets, logger, tracer, sandbox gate, plugins
// (best-effort: a plugin that fails is recorded and the rest serve), the
// document store and OPC-UA when configured, the router and the MCP server.
func startRuntime(ctx context.Context, c *cli, cfg *config.Config) (*runtime, error) {
	scr := secrets.NewScrubber()
	log := logging.New(logging.Options{Name: "machina", Level: cfg.Log.Level, JSON: cfg.Log.JSON, Output: c.stderr, Scrubber: scr})
	sec, err := secrets.NewRegistry(cfg.Secrets, secrets.Options{Getenv: c.getenv, Logger: log.Named("secrets"), Scrubber: scr})
	if err != nil {
		return nil, fmt.Errorf("[secrets]: %w", err)
	}
	rt := &runtime{logger: log}
	if !cfg.Trace.Disabled {
		tr, err := trace.New(trace.Options{Dir: cfg.Trace.Dir, Getenv: c.getenv, MaxFileBytes: cfg.Trace.MaxFileBytes,
			Retain: cfg.Trace.Retain, Fsync: cfg.Trace.Fsync, HashChain: cfg.Trace.HashChain, Scrubber: scr, Logger: log.Named("trace")})
		if err != nil {
			return nil, fmt.Errorf("trace: %w", err)
		}
		rt.tracer = tr
		rt.closers = append(rt.closers, func() {
			cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = tr.Close(cctx)
		})
	}
	rt.gate = sandbox.New(cfg.Sandbox, log.Named("sandbox"))
	if cfg.Sandbox {
		log.Warn("sandbox mode: write operations are logged and never sent to the CMMS or messaging systems")
	}
	rt.registry = registry.New(log.Named("registry"))
	if err := loadPlugins(ctx, cfg, rt, sec, scr); err != nil {
		rt.close()
		return nil, err
	}
	startDocstore(ctx, c, cfg, rt, sec)
	startOPCUA(ctx, cfg, rt, sec)
	rt.router, err = router.New(router.Options{Registry: rt.registry, Sandbox: rt.gate, Tracer: rt.tracer, Logger: log.Named("router")})
	if err != nil {
		rt.close()
		return nil, err
	}
	rt.mcp, err = mcp.New(mcp.Options{Router: rt.router, Tracer: rt.tracer, Logger: log.Named("mcp"), Version: version})
	if err != nil {
		rt.close()
		return nil, err
	}
	return rt, nil
}

// loadPlugins loads every enabled plugin through pluginload (audit, policy,
// grants) and registers the survivors.
func loadPlugins(ctx context.Context, cfg *config.Config, rt *runtime, sec *secrets.Registry, scr *secrets.Scrubber) error {
	if len(cfg.Plugins) == 0 {
		return nil
	}
	eng, err := plugin.NewEngine(plugin.EngineOptions{CacheDir: filepath.Join(cfg.DataDir, "cache", "wazero"), Logger: rt.logger})
	if err != nil {
		return fmt.Errorf("plugin engine: %w", err)
	}
	rt.closers = append(rt.closers, func() { _ = eng.Close(context.Background()) })
	loaded, failed := pluginload.LoadAll(ctx, cfg, pluginload.Deps{Engine: eng, Secrets: sec, Scrubber: scr,
		Logger: rt.logger, Tracer: rt.tracer, Sandbox: rt.gate.Enabled})
	for _, l := range loaded {
		rt.closers = append(rt.closers, func() { _ = l.Close(context.Background()) })
		if _, err := rt.registry.AddPlugin(l.Name, l.Plugin, l.Config.Primary); err != nil {
			rt.registry.Fail(l.Name, registry.Kind(l.Plugin.Descriptor().Kind), err)
		}
	}
	for _, f := range failed {
		rt.registry.Fail(f.Name, "plugin", f.Err)
	}
	return nil
}

// docSearcher adapts *docstore.Store to registry.DocumentSearcher.
type docSearcher struct{ s *docstore.Store }

func (d docSearcher) SearchManuals(ctx context.Context, q string, k int, asset string, f map[string]string) (any, error) {
	return d.s.SearchManuals(ctx, q, k, asset, f)
}

// startDocstore opens the document store when [docstore] is configured or
// <data_dir>/docstore exists, and ingests docstore.manuals in the background.
func startDocstore(ctx context.Context, c *cli, cfg *config.Config, rt *runtime, sec *secrets.Registry) {
	var dc docstore.Config
	if err := cfg.Decode(cfg.Docstore, &dc); err != nil {
		rt.registry.Fail("docstore", registry.KindDocuments, fmt.Errorf("[docstore]: %w", err))
		return
	}
	if dc.Dir == "" && dc.Manuals == "" {
		if _, err := os.Stat(filepath.Join(cfg.DataDir, "docstore")); err != nil {
			return
		}
	}
	log := rt.logger.Named("docstore")
	opts, err := dc.Options(cfg.DataDir, log, func(name string) (string, error) {
		v, err := sec.Get(ctx, name)
		return v.Reveal(), err
	})
	if err == nil && opts.Dir != "" && !filepath.IsAbs(opts.Dir) {
		opts.Dir = filepath.Join(cfg.Dir(), opts.Dir)
	}
	var st *docstore.Store
	if err == nil {
		st, err = docstore.Open(ctx, opts)
	}
	if err != nil {
		rt.registry.Fail("docstore", registry.KindDocuments, err)
		return
	}
	rt.closers = append(rt.closers, func() { _ = st.Close() })
	if _, err := rt.registry.AddDocuments("docstore", docSearcher{st}, func(context.Context) abi.HealthResponse {
		s := st.Stats()
		return abi.HealthResponse{Status: abi.HealthHealthy, Message: fmt.Sprintf("%d files, %d chunks", s.Files, s.Chunks)}
	}); err != nil {
		rt.registry.Fail("docstore", registry.KindDocuments, err)
		return
	}
	if dc.Manuals != "" {
		dir := dc.Manuals
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(cfg.Dir(), dir)
		}
		go func() {
			sum, err := st.IngestDir(ctx, dir, nil)
			if err != nil {
				log.Error("ingesting manuals failed", "error", err)
				return
			}
			log.Info("manuals ingested", "summary", fmt.Sprintf("%+v", sum))
		}()
	}
}

// sensors adapts *opcua.Manager to registry.SensorSource.
type sensors struct{ m *opcua.Manager }

func (s sensors) LatestReadings(ctx context.Context, assetID string) (any, error) {
	return s.m.LatestReadings(ctx, assetID)
}

func (s sensors) Alarms(assetID string) []abi.Alarm { return s.m.Alarms(assetID) }

// startOPCUA starts the OPC-UA manager when [[opcua.endpoint]] is configured.
func startOPCUA(ctx context.Context, cfg *config.Config, rt *runtime, sec *secrets.Registry) {
	var oc opcua.Config
	if err := cfg.Decode(cfg.OPCUA, &oc); err != nil {
		rt.registry.Fail("opcua", registry.KindSensors, fmt.Errorf("[opcua]: %w", err))
		return
	}
	if len(oc.Endpoints) == 0 {
		return
	}
	oc.ResolvePaths(cfg.Dir())
	m, err := opcua.NewManager(oc, opcua.Options{Logger: rt.logger.Named("opcua"), Secrets: opcua.SecretFunc(
		func(ctx context.Context, name string) (string, error) {
			v, err := sec.Get(ctx, name)
			return v.Reveal(), err
		})})
	if err == nil {
		err = m.Start(ctx)
	}
	if err != nil {
		rt.registry.Fail("opcua", registry.KindSensors, err)
		return
	}
	rt.closers = append(rt.closers, func() { _ = m.Close() })
	_, err = rt.registry.AddSensors("opcua", sensors{m}, func(ctx context.Context) abi.HealthResponse {
		for _, h := range m.Health(ctx) {
			if h.Status != opcua.HealthOK {
				return abi.HealthResponse{Status: abi.HealthDegraded, Message: "endpoint " + h.Name + " " + h.State}
			}
		}
		return abi.HealthResponse{Status: abi.HealthHealthy}
	})
	if err != nil {
		rt.registry.Fail("opcua", registry.KindSensors, err)
	}
}
