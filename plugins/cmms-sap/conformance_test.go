package main

import (
	"slices"
	"testing"

	"github.com/machina-go/machina/internal/plugintest"
)

// The plugin passes the CMMS conformance kit against the SAP simulator
// with both auth modes, as `machina plugin test dist/plugins/cmms-sap.wasm`
// does (the simulator is chosen from the plugin name): with OAuth2 (the
// default) in every shape, with basic auth in the default shape only (the
// shapes do not depend on the credential; load, auth and error checks all
// run in the default shape).
func TestConformanceKit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the wasm module")
	}
	for _, auth := range []string{"oauth2", "basic"} {
		args := []string{"--auth", auth}
		if auth == "basic" {
			args = append(args, "--shape", "v2")
		}
		rep := plugintest.Conforms(t, "plugins/cmms-sap", "sap", args...)
		if rep.Skipped != 0 || rep.Passed < 25 {
			t.Fatalf("auth %s: %d passed, %d skipped", auth, rep.Passed, rep.Skipped)
		}
		if auth == "basic" {
			if !slices.Equal(rep.ShapeNames(), []string{"v2"}) {
				t.Fatalf("basic: shapes %v", rep.ShapeNames())
			}
			continue
		}
		// every shape of the simulator ran, with the SAP checks
		if !slices.Equal(rep.ShapeNames(), []string{"v2", "v4-relative-next", "legacy-status-field", "proxied-next", "customer-codes"}) {
			t.Fatalf("shapes %v", rep.ShapeNames())
		}
		for _, shape := range rep.ShapeNames()[1:] {
			if c, ok := rep.Find(shape + "/sap/status"); !ok || c.Status != "pass" {
				t.Fatalf("%s/sap/status: %+v", shape, c)
			}
		}
	}
}

// A copy of the plugin that is wrong in a way SAP's documentation rules
// out fails the kit, with the check that says why.
func TestConformanceKitCatchesMutants(t *testing.T) {
	if testing.Short() {
		t.Skip("builds wasm modules")
	}
	for _, m := range []struct {
		name  string
		edit  plugintest.Edit
		check string
	}{
		{"ignores SystemStatusText", plugintest.Edit{File: "mapping.go",
			Old: `var statusFields = []string{"SystemStatusText", "MaintenanceOrderSystemStatus"}`,
			New: `var statusFields = []string{"MaintenanceOrderSystemStatus"}`}, "sap/status"},
		{"reads P as piping (the reference's table)", plugintest.Edit{File: "codes.go",
			Old: `"M": abi.AssetRotating, "E": abi.AssetElectrical,`,
			New: `"M": abi.AssetRotating, "P": abi.AssetPiping, "E": abi.AssetElectrical,`}, "sap/equipment_category"},
	} {
		t.Run(m.name, func(t *testing.T) {
			// the SAP checks run in the default shape first; no other shape
			// is needed to catch these.
			rep, code := plugintest.Kit(t, plugintest.Mutant(t, "plugins/cmms-sap", m.edit), "--shape", "v2")
			c, ok := rep.Find(m.check)
			if code == 0 || !ok || c.Status != "fail" {
				t.Fatalf("the kit did not fail %s (exit %d): %+v", m.check, code, c)
			}
			t.Logf("%s: %s", m.check, c.Got)
		})
	}
}
