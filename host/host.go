// Package host is the public face of the Machina host: the machina command
// line, and a small embedding API that runs plugin modules through the real
// host — loader, audit, policy, HTTP gate, credentials, runtime, router and
// MCP surface — configured exactly as an operator configures machina.toml.
//
// Plugin authors use it to test a built .wasm through the host from go test;
// everything else of the host lives under host/internal and is not an API.
package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/app"
	"github.com/machina-go/machina/host/internal/cli"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/mark3labs/mcp-go/server"
)

// Main runs the machina command line of this process (os.Args, standard
// streams and environment; SIGINT and SIGTERM stop it) and returns the exit
// code: 0 success, 1 failure, 2 usage error.
func Main() int { return cli.MainProcess() }

// Run runs one machina command line in-process, args without the program
// name, with the given output streams and the process environment. It
// returns the exit code as Main does.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return cli.Main(ctx, args, stdout, stderr, os.Getenv)
}

// Options configure New.
type Options struct {
	// Config is the text of a machina.toml. Relative paths in it are
	// relative to Dir.
	Config []byte
	// Dir is the directory Config's relative paths start from (default: the
	// working directory).
	Dir string
	// Getenv resolves env: secret references and MACHINA_* overrides
	// (default os.Getenv).
	Getenv func(string) string
	// Stderr receives the host's logs (default os.Stderr).
	Stderr io.Writer
}

// Host is a running host built from a configuration.
type Host struct {
	app *app.App
}

// New builds and starts the host Options.Config describes. A component that
// fails to start (a plugin refused by its audit, say) is reported by
// Failures; New itself fails only when the host cannot run at all.
func New(ctx context.Context, opts Options) (*Host, error) {
	parse := config.Parse
	if opts.Dir != "" {
		parse = func(text []byte, getenv func(string) string) (*config.Config, error) {
			return config.ParseIn(text, opts.Dir, getenv)
		}
	}
	cfg, err := parse(opts.Config, opts.Getenv)
	if err != nil {
		return nil, fmt.Errorf("host config: %w", err)
	}
	a, err := app.Build(ctx, cfg, app.All, app.Options{Stderr: opts.Stderr, Getenv: opts.Getenv, Version: "embedded"})
	if err != nil {
		return nil, err
	}
	return &Host{app: a}, nil
}

// Failures lists the components that did not start, by name.
func (h *Host) Failures() map[string]error {
	out := map[string]error{}
	for _, f := range h.app.Registry.Failures() {
		out[f.Name] = f.Err
	}
	return out
}

// Call runs one operation of the named plugin with req and decodes its
// result into resp. The call goes to the plugin directly, as the router
// would after its sandbox gate: a write is sent even in sandbox mode (the
// plugin's HTTP gate still refuses what sandbox mode forbids). An error the
// plugin reports is an *abi.Error.
func (h *Host) Call(ctx context.Context, plugin string, op abi.OpName, req, resp any) error {
	for _, l := range h.app.Plugins {
		if l.Name == plugin {
			return l.Plugin.CallOp(ctx, op, req, resp)
		}
	}
	if err, ok := h.Failures()[plugin]; ok {
		return fmt.Errorf("plugin %s did not start: %w", plugin, err)
	}
	return errors.New("no plugin named " + plugin)
}

// MCPServer is the host's MCP surface, for an in-process MCP client
// (mcp-go's client.NewInProcessClient).
func (h *Host) MCPServer() *server.MCPServer { return h.app.MCP.MCPServer() }

// Close stops every component.
func (h *Host) Close() { h.app.Close() }
