package demo_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/app"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/demo"
	"github.com/machina-go/machina/host/internal/testplugin"
)

// The demo's Maximo data reads as a plant would: plant, areas and lines,
// tanks, transmitters and MCC panels have their asset types (the demo sets
// asset_type_map), no code of the demo plant is unmapped, and assets with a
// failure history carry failure modes, their completed work orders the
// failure report.
func TestDemoMaximoDataIsBelievable(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plugins")
	}
	dir := t.TempDir()
	for _, n := range []string{"cmms-maximo", "cmms-sap", "telegram", "email"} {
		if err := os.WriteFile(filepath.Join(dir, n+".wasm"), testplugin.Build(t, "plugins/"+n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env, err := demo.Start(ctx, demo.Options{PluginsDir: dir, ManualsDir: filepath.Join(testplugin.Root(), "samples", "manuals"),
		StateDir: t.TempDir(), Listen: "127.0.0.1:0", Static: true})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	cfg, err := config.Load(env.ConfigPath, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Build(ctx, cfg, app.Trace|app.Plugins, app.Options{Stderr: os.Stderr, LogLevel: "error", Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	assets, err := a.Router.ListAssets(ctx)
	if err != nil || len(assets) < 50 {
		t.Fatalf("assets: %v, %d", err, len(assets))
	}
	want := map[string]abi.AssetType{"PLANT-": abi.AssetStructural, "AREA-": abi.AssetStructural, "LINE-": abi.AssetStructural,
		"TK-": abi.AssetStatic, "TT-": abi.AssetInstrument, "E-": abi.AssetElectrical, "P-": abi.AssetRotating}
	seen := map[string]int{}
	for _, as := range assets {
		for prefix, typ := range want {
			if strings.HasPrefix(as.ID, prefix) {
				seen[prefix]++
				if as.Type != typ {
					t.Errorf("%s (%s) is %s, want %s", as.ID, as.Name, as.Type, typ)
				}
			}
		}
		if u, ok := as.Metadata["unmapped"]; ok {
			t.Errorf("%s has unmapped codes %v", as.ID, u)
		}
	}
	if len(seen) != len(want) {
		t.Fatalf("asset kinds seen: %v", seen)
	}
	p101, err := a.Router.GetAsset(ctx, "P-101")
	if err != nil || !slices.Contains(p101.FailureModes, "BEARING") || !slices.Contains(p101.FailureModes, "PUMPS") {
		t.Fatalf("P-101 failure modes: %v %v", err, p101.FailureModes)
	}
	history, err := a.Router.MaintenanceHistory(ctx, "P-101")
	if err != nil || len(history) == 0 {
		t.Fatalf("history: %v %d", err, len(history))
	}
	reported := 0
	for _, w := range history {
		if w.FailureMode != "" && w.Metadata["failure"] != nil {
			reported++
		}
		if u, ok := w.Metadata["unmapped"]; ok {
			t.Errorf("%s has unmapped codes %v", w.ID, u)
		}
	}
	if reported == 0 {
		t.Fatalf("no work order in P-101's history carries failure data: %+v", history)
	}
	wos, err := a.Router.ListWorkOrders(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range wos {
		if u, ok := w.Metadata["unmapped"]; ok {
			t.Errorf("%s has unmapped codes %v", w.ID, u)
		}
	}
}
