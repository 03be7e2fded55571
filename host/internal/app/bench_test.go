package app_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/machina-go/machina/host/internal/app"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/demo"
	"github.com/machina-go/machina/host/internal/testplugin"
	"github.com/machina-go/machina/internal/benchcpu"
)

// BenchmarkStartToReady measures a host start with the four repository
// plugins (cmms-maximo, cmms-sap, telegram, email) and a warm compilation
// cache — what a restart costs: reading the configuration, auditing and
// loading each plugin (sha256 pin, manifest, imports, the interrupt
// rewrite from its cache, machine code from wazero's cache, a first
// instance, describe and init), the tracer, the messaging router and the
// MCP server, up to the point where the host answers. ns/op is one start.
func BenchmarkStartToReady(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env, err := demo.Start(ctx, demo.Options{PluginsDir: testplugin.DemoPlugins(b), ManualsDir: filepath.Join(testplugin.Root(), "samples", "manuals"),
		StateDir: b.TempDir(), Listen: "127.0.0.1:0", Static: true})
	if err != nil {
		b.Fatal(err)
	}
	defer env.Close()
	getenv := func(string) string { return "" }
	start := func() {
		cfg, err := config.Load(env.ConfigPath, getenv)
		if err != nil {
			b.Fatal(err)
		}
		a, err := app.Build(ctx, cfg, app.Trace|app.Plugins|app.Messaging|app.MCP, app.Options{Stderr: discard{}, Getenv: getenv})
		if err != nil {
			b.Fatal(err)
		}
		if f := a.Registry.Failures(); len(f) > 0 || len(a.Plugins) != 4 {
			b.Fatalf("%d plugins, failures %+v", len(a.Plugins), f)
		}
		a.Close()
	}
	start() // warms the compilation cache
	cpu := benchcpu.Now()
	b.ResetTimer()
	for b.Loop() {
		start()
	}
	benchcpu.Report(b, cpu)
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
