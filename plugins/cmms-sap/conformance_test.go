package main

import (
	"testing"

	"github.com/machina-go/machina/internal/plugintest"
)

// The plugin passes the CMMS conformance kit against the SAP simulator
// with both auth modes, as `machina plugin test dist/plugins/cmms-sap.wasm`
// does (the simulator is chosen from the plugin name).
func TestConformanceKit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the wasm module")
	}
	for _, auth := range []string{"oauth2", "basic"} {
		if rep := plugintest.Conforms(t, "plugins/cmms-sap", "sap", "--auth", auth); rep.Skipped != 0 || rep.Passed < 25 {
			t.Fatalf("auth %s: %d passed, %d skipped", auth, rep.Passed, rep.Skipped)
		}
	}
}
