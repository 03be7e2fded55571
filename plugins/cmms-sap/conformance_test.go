package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/machina-go/machina/host/conformance"
	"github.com/machina-go/machina/internal/testplugin"
)

// The plugin passes the CMMS conformance kit against the SAP simulator
// with both auth modes, as `machina plugin test dist/plugins/cmms-sap.wasm`
// does (the simulator is chosen from the plugin name).
func TestConformanceKit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the wasm module")
	}
	mod := filepath.Join(t.TempDir(), "cmms-sap.wasm")
	if err := os.WriteFile(mod, testplugin.Build(t, "plugins/cmms-sap"), 0o600); err != nil {
		t.Fatal(err)
	}
	if sim := conformance.DefaultSimulator(mod); sim != "sap" {
		t.Fatalf("default simulator %q", sim)
	}
	for _, auth := range []string{"oauth2", "basic"} {
		rep, err := conformance.Run(context.Background(), conformance.Options{Module: mod, Sim: "sap", Auth: auth, CacheDir: testplugin.CacheDir(t)})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() || rep.Skipped != 0 || rep.Passed < 25 {
			var b bytes.Buffer
			conformance.WriteText(&b, rep)
			t.Fatalf("auth %s:\n%s", auth, b.String())
		}
	}
}
