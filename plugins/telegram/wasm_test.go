package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/machina-go/machina/host/conformance"
	"github.com/machina-go/machina/internal/testplugin"
)

// TestConformanceWasm builds the plugin as wasm and runs the messaging
// conformance kit on it: the module is loaded through the real policy host
// and exercised against the telegram simulator (round trips, allow-list,
// restart, rate limits, wrong credentials, sandbox, secrecy).
func TestConformanceWasm(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the wasm module")
	}
	file := filepath.Join(t.TempDir(), "telegram.wasm")
	if err := os.WriteFile(file, testplugin.Build(t, "plugins/telegram"), 0o600); err != nil {
		t.Fatal(err)
	}
	rep, err := conformance.Run(context.Background(), conformance.Options{Module: file, CacheDir: testplugin.CacheDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Checks {
		if c.Status == conformance.Fail {
			t.Errorf("%s: expected %s; got %s", c.Name, c.Expected, c.Got)
		}
	}
	if !rep.OK() || rep.Simulator != "telegram" {
		t.Fatalf("conformance: %d passed, %d failed (simulator %s)", rep.Passed, rep.Failed, rep.Simulator)
	}
}
