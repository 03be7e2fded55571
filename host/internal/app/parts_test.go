package app_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/machina-go/machina/host/internal/app"
	"github.com/machina-go/machina/host/internal/config"
)

// A part that is switched off is not started, even when it is configured:
// `machina docs` must not load plugins, `machina doctor` must not open a
// store or write traces.
func TestBuildStartsOnlyTheSelectedParts(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "machina.toml")
	if err := os.WriteFile(cfgPath, []byte(`
data_dir = "state"
[trace]
dir = "traces"
[[plugin]]
name = "missing"
path = "missing.wasm"
allow_unpinned = true
[docstore]
dir = "store"
[agent]
provider = "openai"
model = "m"
base_url = "http://127.0.0.1:1/v1"
`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	build := func(p app.Parts) *app.App {
		t.Helper()
		a, err := app.Build(context.Background(), cfg, p, app.Options{Stderr: io.Discard, Getenv: func(string) string { return "" }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(a.Close)
		return a
	}
	exists := func(rel string) bool { _, err := os.Stat(filepath.Join(dir, rel)); return err == nil }

	a := build(app.Core)
	if a.Tracer != nil || a.MCP != nil || a.Docs != nil || a.Agent != nil || len(a.Registry.Failures()) != 0 || a.Router == nil {
		t.Fatalf("core: tracer %v mcp %v docs %v agent %v failures %v", a.Tracer, a.MCP, a.Docs, a.Agent, a.Registry.Failures())
	}
	if exists("store") || exists("traces") {
		t.Fatal("the core created the store or the trace directory")
	}
	a = build(app.Docstore)
	if a.Docs == nil || a.Failure("missing") != nil || !exists("store") {
		t.Fatalf("docstore part: docs %v, plugin failure %v", a.Docs, a.Failure("missing"))
	}
	a = build(app.Plugins)
	if a.Failure("missing") == nil {
		t.Fatal("plugins part: the missing module was not reported")
	}
	a = build(app.Agent)
	if a.Agent == nil || a.MCP == nil {
		t.Fatal("the agent part implies MCP")
	}
}
