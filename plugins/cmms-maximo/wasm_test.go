package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/config"
	"github.com/machina-go/machina/host/plugin"
	"github.com/machina-go/machina/host/pluginload"
	"github.com/machina-go/machina/host/policy"
	"github.com/machina-go/machina/internal/testplugin"
	maxsim "github.com/machina-go/machina/sim/maximo"
)

// wasmFixture is the built module running through the real host: the
// loader, the policy host (origin grant with allow_private, the "header"
// auth profile attaching the API key, response scrubbing) and the runtime.
type wasmFixture struct {
	ts     *httptest.Server
	sim    *maxsim.Server
	url    string
	loaded *pluginload.Loaded
}

func newWasmFixture(tb testing.TB, simOpts maxsim.Options, cfg map[string]any) *wasmFixture {
	tb.Helper()
	auth, err := maxsim.GenerateAuth(maxsim.AuthAPIKey)
	if err != nil {
		tb.Fatal(err)
	}
	simOpts.Auth = auth
	sim, err := maxsim.NewServer(simOpts)
	if err != nil {
		tb.Fatal(err)
	}
	ts := httptest.NewServer(sim)
	tb.Cleanup(ts.Close)

	wasm := testplugin.Build(tb, "plugins/cmms-maximo")
	dir := tb.TempDir()
	path := filepath.Join(dir, "cmms-maximo.wasm")
	if err := os.WriteFile(path, wasm, 0o600); err != nil {
		tb.Fatal(err)
	}
	sum := sha256.Sum256(wasm)
	conf := map[string]any{"base_url": ts.URL, "page_size": 10, "retry_base_ms": 1, "asset_type_map": testTypeMap}
	for k, v := range cfg {
		conf[k] = v
	}
	c := &config.Config{DataDir: dir, Secrets: map[string]string{"maximo_apikey": "env:T_MAXIMO_APIKEY"}}
	p := config.Plugin{Name: pluginName, Path: path, SHA256: hex.EncodeToString(sum[:]), Config: conf,
		Grant: config.Grant{HTTP: []config.OriginGrant{{Origin: ts.URL, AllowPrivate: true,
			Auth: config.Auth{Profile: abi.AuthHeader, Header: "apikey", TokenSecret: "maximo_apikey"}}}}}
	eng, err := plugin.NewEngine(plugin.EngineOptions{CacheDir: testplugin.CacheDir(tb)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { eng.Close(context.Background()) })
	l, err := pluginload.Load(context.Background(), c, p, pluginload.Deps{Engine: eng, Getenv: func(k string) string {
		if k == "T_MAXIMO_APIKEY" {
			return auth.APIKey
		}
		return ""
	}})
	if err != nil {
		tb.Fatalf("loading the module through the host: %v", err)
	}
	tb.Cleanup(func() { l.Close(context.Background()) })
	for _, m := range l.Mismatches {
		if m.Kind != policy.RequestNotGranted { // the SaaS origin is simply not granted here
			tb.Fatalf("policy mismatch: %v", m)
		}
	}
	return &wasmFixture{ts: ts, sim: sim, url: ts.URL, loaded: l}
}

func (f *wasmFixture) call(op abi.OpName, req, resp any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return f.loaded.Plugin.CallOp(ctx, op, req, resp)
}

func TestWasmThroughHost(t *testing.T) {
	f := newWasmFixture(t, maxsim.Options{Seed: 1}, nil)
	var h abi.HealthResponse
	if err := f.call(abi.OpHealth, abi.HealthRequest{}, &h); err != nil || h.Status != abi.HealthHealthy {
		t.Fatalf("health: %v %+v", err, h)
	}
	var l abi.ListAssetsResponse
	if err := f.call(abi.OpListAssets, abi.ListAssetsRequest{}, &l); err != nil || len(l.Assets) != len(f.sim.Records(maxsim.OSAsset)) {
		t.Fatalf("list: %v %d", err, len(l.Assets))
	}
	var g abi.GetAssetResponse
	if err := f.call(abi.OpGetAsset, abi.GetAssetRequest{AssetID: "P-101"}, &g); err != nil || g.Asset.Criticality != abi.CriticalityA {
		t.Fatalf("get: %v %+v", err, g.Asset)
	}
	wantCode(t, f.call(abi.OpGetAsset, abi.GetAssetRequest{AssetID: `P-1" or assetnum="*`}, &g), abi.CodeNotFound)

	var c abi.WorkOrderResponse
	if err := f.call(abi.OpCreateWorkOrder, abi.CreateWorkOrderRequest{AssetID: "P-101", Description: "wasm", Type: abi.TypeCorrective, Priority: abi.PriorityEmergency}, &c); err != nil || c.WorkOrder.Priority != abi.PriorityEmergency {
		t.Fatalf("create: %v %+v", err, c.WorkOrder)
	}
	writes := f.sim.Stats().Writes
	var e abi.WorkOrderResponse
	wantCode(t, f.call(abi.OpCloseWorkOrder, abi.CloseWorkOrderRequest{WorkOrderID: c.WorkOrder.ID}, &e), abi.CodeInvalidArgument)
	if f.sim.Stats().Writes != writes {
		t.Fatal("refused transition was written")
	}
	if err := f.call(abi.OpCancelWorkOrder, abi.CancelWorkOrderRequest{WorkOrderID: c.WorkOrder.ID, Reason: "test"}, &e); err != nil || e.WorkOrder.Status != abi.StatusCancelled {
		t.Fatalf("cancel: %v %+v", err, e.WorkOrder)
	}
	// retries run inside wasm (time.Sleep works there).
	f.sim.SetFaults(maxsim.Faults{Unavailable: 2})
	if err := f.call(abi.OpGetAsset, abi.GetAssetRequest{AssetID: "P-101"}, &g); err != nil {
		t.Fatalf("503×2 then success: %v", err)
	}
	f.sim.SetFaults(maxsim.Faults{Unavailable: -1})
	wantCode(t, f.call(abi.OpGetAsset, abi.GetAssetRequest{AssetID: "P-101"}, &g), abi.CodeUnavailable)
	f.sim.SetFaults(maxsim.Faults{})
	var sp abi.ListSparePartsResponse
	if err := f.call(abi.OpListSpareParts, abi.ListSparePartsRequest{AssetID: "P-101"}, &sp); err != nil || len(sp.SpareParts) != 4 {
		t.Fatalf("parts: %v %d", err, len(sp.SpareParts))
	}
}

// An oversized page beyond the host's response cap is an error, not a crash.
func TestWasmOversizedResponse(t *testing.T) {
	f := newWasmFixture(t, maxsim.Options{Seed: 1}, nil)
	f.sim.SetFaults(maxsim.Faults{Oversized: -1, OversizedBytes: 64 << 20})
	var l abi.ListAssetsResponse
	err := f.call(abi.OpListAssets, abi.ListAssetsRequest{}, &l)
	if err == nil {
		t.Fatal("a 64 MiB page was accepted")
	}
	f.sim.SetFaults(maxsim.Faults{})
	if err := f.call(abi.OpListAssets, abi.ListAssetsRequest{}, &l); err != nil {
		t.Fatalf("plugin stopped serving: %v", err)
	}
}

// A Maximo that cannot be reached is unavailable (after the read retries).
func TestWasmUpstreamDown(t *testing.T) {
	f := newWasmFixture(t, maxsim.Options{Seed: 1}, nil)
	f.ts.Close()
	var g abi.GetAssetResponse
	wantCode(t, f.call(abi.OpGetAsset, abi.GetAssetRequest{AssetID: "P-101"}, &g), abi.CodeUnavailable)
	var h abi.HealthResponse
	if err := f.call(abi.OpHealth, abi.HealthRequest{}, &h); err != nil || h.Status != abi.HealthUnhealthy {
		t.Fatalf("health: %v %+v", err, h)
	}
}
