package cli

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/host/internal/app"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/mcp"
	"github.com/machina-go/machina/host/internal/oauth"
)

// runServe is `machina serve --config FILE [--transport stdio|http] [--listen ADDR]`.
func runServe(ctx context.Context, c *cli, fs *flag.FlagSet, args []string) int {
	cf := addConfigFlags(fs, "", "configuration `file` (machina.toml; required)")
	transport := fs.String("transport", "", "`stdio` or http (default: mcp.transport, else stdio)")
	listen := fs.String("listen", "", "HTTP bind `address` (default: mcp.listen, else 127.0.0.1:8000)")
	if code, ok := parseFlags(fs, args, 0); !ok {
		return code
	}
	if *cf.path == "" {
		fs.Usage()
		return 2
	}
	if _, err := os.Stat(*cf.path); err != nil {
		fmt.Fprintf(c.stderr, "Error: config file not found: %s\n", *cf.path)
		return 1
	}
	c, err := cf.withDotEnv(c, *cf.path)
	if err != nil {
		return 1 // withDotEnv printed why
	}
	cfg, err := config.Load(*cf.path, c.getenv)
	if err != nil {
		return c.fail(fs, err)
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

	a, err := app.Build(ctx, cfg, app.All, app.Options{Stderr: c.stderr, Getenv: c.getenv, Version: version})
	if err != nil {
		return c.fail(fs, err)
	}
	defer a.Close()
	log := a.Logger
	// Background loops (messaging polls, the alarm workflow) run beside the
	// transport and stop with it.
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	go func() {
		if err := a.Run(runCtx); err != nil {
			log.Error("background loop failed", "error", err)
		}
	}()

	if cfg.MCP.Transport == "stdio" {
		if cfg.Metrics.On() && cfg.Metrics.Listen != "" {
			stop, err := serveMetricsListener(ctx, c, a, nil)
			if err != nil {
				return c.fail(fs, err)
			}
			defer stop()
		}
		// Everything but the protocol goes to stderr; standard input and output
		// are the transport.
		if err := a.MCP.ServeStdio(ctx, c.input(), c.stdout); err != nil {
			log.Error("stdio transport failed", "error", err)
			return 1
		}
		return 0
	}
	return serveHTTP(ctx, c, a)
}

// serveHTTP serves streamable HTTP, with bearer tokens (SIGHUP reloads
// them) and OAuth when configured, until ctx ends.
func serveHTTP(ctx context.Context, c *cli, a *app.App) int {
	cfg, log := a.Config, a.Logger
	tokens, err := mcp.NewTokenStore(mcp.TokenSource{Getenv: c.getenv, File: cfg.MCP.TokensFile, Logger: log.Named("auth"),
		Optional: cfg.MCP.OAuth.Enabled()})
	if err != nil {
		fmt.Fprintln(c.stderr, "machina serve: refusing to start streamable HTTP:", err)
		return 1
	}
	var validator *oauth.Validator
	if cfg.MCP.OAuth.Enabled() {
		if validator, err = oauth.New(ctx, oauthConfig(cfg.MCP.OAuth, log.Named("oauth"))); err != nil {
			fmt.Fprintln(c.stderr, "machina serve: refusing to start streamable HTTP:", err)
			return 1
		}
		defer validator.Close()
	}
	stop := reloadOnSIGHUP(ctx, tokens, log)
	defer stop()
	ln, err := net.Listen("tcp", cfg.MCP.Listen)
	if err != nil {
		fmt.Fprintln(c.stderr, "machina serve:", err)
		return 1
	}
	opts := mcp.HTTPOptions{Tokens: tokens, OAuth: validator, AllowedOrigins: cfg.MCP.AllowedOrigins,
		AllowedHosts: cfg.MCP.AllowedHosts, TLSCert: cfg.MCP.TLSCert, TLSKey: cfg.MCP.TLSKey}
	if cfg.Metrics.On() {
		opts.Metrics, opts.MetricsNoAuth = a.Metrics.Handler(), cfg.Metrics.NoAuth()
		if cfg.Metrics.Listen != "" {
			stop, err := serveMetricsListener(ctx, c, a, &opts)
			if err != nil {
				ln.Close()
				fmt.Fprintln(c.stderr, "machina serve:", err)
				return 1
			}
			defer stop()
		}
	}
	err = a.MCP.Serve(ctx, ln, opts)
	if err != nil {
		log.Error("http transport failed", "error", err)
		return 1
	}
	return 0
}

// serveMetricsListener serves /metrics alone on metrics.listen until ctx
// ends or stop is called. base carries the HTTP transport's tokens and
// checks (nil for stdio: the tokens are read here when metrics.auth asks
// for them).
func serveMetricsListener(ctx context.Context, c *cli, a *app.App, base *mcp.HTTPOptions) (stop func(), err error) {
	cfg := a.Config
	var o mcp.HTTPOptions
	if base != nil {
		o = *base
	} else if !cfg.Metrics.NoAuth() {
		if o.Tokens, err = mcp.NewTokenStore(mcp.TokenSource{Getenv: c.getenv, File: cfg.MCP.TokensFile, Logger: a.Logger.Named("auth")}); err != nil {
			return nil, fmt.Errorf("metrics.listen: %w (or set metrics.auth = \"none\")", err)
		}
	}
	o.Metrics, o.MetricsNoAuth = a.Metrics.Handler(), cfg.Metrics.NoAuth()
	o.TLSCert, o.TLSKey = cfg.MCP.TLSCert, cfg.MCP.TLSKey // tokens never travel in the clear where /mcp's do not
	o.AllowedOrigins, o.AllowedHosts = cfg.MCP.AllowedOrigins, cfg.MCP.AllowedHosts
	ln, err := net.Listen("tcp", cfg.Metrics.Listen)
	if err != nil {
		return nil, fmt.Errorf("metrics.listen: %w", err)
	}
	mctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := a.MCP.ServeMetrics(mctx, ln, o); err != nil {
			a.Logger.Error("metrics listener failed", "error", err)
		}
	}()
	return func() { cancel(); <-done }, nil
}

// oauthConfig maps [mcp.oauth] to the validator's configuration.
func oauthConfig(o config.OAuth, log hclog.Logger) oauth.Config {
	return oauth.Config{Issuer: o.Issuer, JWKSURL: o.JWKSURL, Resource: o.Resource, Audiences: o.Audiences,
		ClientIDClaim: o.ClientIDClaim, ReadScope: o.ReadScope, WriteScope: o.WriteScope,
		Leeway: o.Leeway.Duration, JWKSRefresh: o.JWKSRefresh.Duration, Logger: log}
}

// reloadOnSIGHUP reloads the tokens on every SIGHUP until ctx ends or stop
// is called.
func reloadOnSIGHUP(ctx context.Context, tokens *mcp.TokenStore, log hclog.Logger) (stop func()) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case _, ok := <-hup:
				if !ok {
					return
				}
				if err := tokens.Reload(); err != nil {
					log.Error("SIGHUP: token reload failed; keeping the current tokens", "error", err)
				} else {
					log.Info("SIGHUP: tokens reloaded", "count", tokens.Len())
				}
			}
		}
	}()
	return func() { signal.Stop(hup) }
}
