package conformance

import (
	"context"
	"fmt"
	"io"

	"github.com/machina-go/machina/host/internal/app"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/plugin"
	"github.com/machina-go/machina/host/internal/pluginload"
	"github.com/machina-go/machina/host/internal/sandbox"
	"github.com/machina-go/machina/host/internal/trace"
)

// kitHost describes the host the kit runs a module in. It is built by
// app.Build — the assembly `machina serve` uses — from a generated
// configuration: the module as the one (primary) [[plugin]] with the
// simulator's grant, and its credentials as env: references in [secrets]
// whose values the kit serves from memory. Engine, tracer and sandbox gate
// are the kit's, shared by every load of a run.
type kitHost struct {
	// Plugin is the [[plugin]] entry.
	Plugin config.Plugin
	// Secrets are the credential values by secret name.
	Secrets map[string]string
	// DataDir holds the plugin's key-value file (reuse it to "restart").
	DataDir string
	Engine  *plugin.Engine
	Tracer  *trace.Tracer
	Gate    *sandbox.Gate
	// Logs receives host and plugin logs, at trace level.
	Logs io.Writer
	// MapOrigin rewrites the origins the manifest requests (messaging
	// plugins are pointed at their simulator).
	MapOrigin func(plugin, pattern string) string
}

// build starts the host and returns it with the loaded plugin. The host
// holds nothing but the plugin (engine, tracer and gate are the caller's),
// so closing the plugin releases it.
func (k kitHost) build(ctx context.Context) (*app.App, *pluginload.Loaded, error) {
	refs := map[string]string{}
	env := map[string]string{}
	for name, v := range k.Secrets {
		refs[name] = "env:" + envName(name)
		env[envName(name)] = v
	}
	p := k.Plugin
	p.Primary = true
	cfg := &config.Config{Name: "conformance", DataDir: k.DataDir, Secrets: refs, Plugins: []config.Plugin{p}}
	a, err := app.Build(ctx, cfg, app.Plugins, app.Options{Stderr: k.Logs, LogLevel: "trace", Version: "conformance",
		Getenv: func(name string) string { return env[name] }, Engine: k.Engine, Tracer: k.Tracer, Gate: k.Gate, MapOrigin: k.MapOrigin})
	if err != nil {
		return nil, nil, err
	}
	l, ok := a.Plugin(p.Name)
	if !ok {
		a.Close()
		if err := a.Failure(p.Name); err != nil {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("plugin %s did not load", p.Name)
	}
	return a, l, nil
}
