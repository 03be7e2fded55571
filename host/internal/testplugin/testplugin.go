// Package testplugin builds plugins for tests with the same builder as
// `machina plugin build`, once per plugin folder per test process, and
// provides a compilation cache directory shared by test processes.
//
// Test support only: it holds a process-wide memo of built modules.
package testplugin

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/machina-go/machina/host/internal/pluginbuild"
	"github.com/machina-go/machina/internal/testcache"
)

type result struct {
	once sync.Once
	wasm []byte
	err  error
}

var built sync.Map // absolute dir -> *result

// Root returns the repository root.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

// Build compiles the plugin in dir (relative to the repository root, or
// absolute) and returns the module bytes. If MACHINA_DIST holds a prebuilt
// <folder>.wasm for a plugin under plugins/, that file is used instead.
func Build(tb testing.TB, dir string) []byte {
	tb.Helper()
	return BuildWith(tb, dir, pluginbuild.Options{})
}

// BuildWith is Build with builder options (e.g. SkipManifestCheck).
func BuildWith(tb testing.TB, dir string, opts pluginbuild.Options) []byte {
	tb.Helper()
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(Root(), dir)
	}
	if dist := os.Getenv("MACHINA_DIST"); dist != "" && filepath.Dir(dir) == filepath.Join(Root(), "plugins") {
		if b, err := os.ReadFile(filepath.Join(dist, filepath.Base(dir)+".wasm")); err == nil {
			return b
		}
	}
	v, _ := built.LoadOrStore(dir, &result{})
	r := v.(*result)
	r.once.Do(func() {
		out, err := os.MkdirTemp("", "machina-testplugin-*")
		if err != nil {
			r.err = err
			return
		}
		defer os.RemoveAll(out)
		res, err := pluginbuild.Build(context.Background(), dir, filepath.Join(out, "p.wasm"), opts)
		if err != nil {
			r.err = err
			return
		}
		r.wasm, r.err = os.ReadFile(res.Path)
	})
	if r.err != nil {
		tb.Fatalf("building plugin %s: %v", dir, r.err)
	}
	return r.wasm
}

// CacheDir returns a compilation cache directory shared by test processes
// of this user, so compiled plugins are reused across packages and runs.
func CacheDir(tb testing.TB) string {
	tb.Helper()
	return testcache.Dir(tb)
}

// DemoPlugins returns a new directory holding the plugins `machina demo`
// loads, built, as <name>.wasm (what `make build` puts in dist/plugins).
func DemoPlugins(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	for _, n := range []string{"cmms-maximo", "cmms-sap", "telegram", "email"} {
		if err := os.WriteFile(filepath.Join(dir, n+".wasm"), Build(tb, "plugins/"+n), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}
