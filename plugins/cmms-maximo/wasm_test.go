package main

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host"
	"github.com/machina-go/machina/internal/plugintest"
	maxsim "github.com/machina-go/machina/internal/sim/maximo"
)

// wasmFixture is the built module running through the real host,
// configured as an operator would: an origin grant with allow_private, the
// "header" auth profile attaching the API key, response scrubbing.
type wasmFixture struct {
	ts   *httptest.Server
	sim  *maxsim.Server
	url  string
	host *host.Host
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
	conf := map[string]any{"base_url": ts.URL, "page_size": 10, "retry_base_ms": 1, "asset_type_map": testTypeMap, "worktype_map": testWorkTypeMap}
	for k, v := range cfg {
		conf[k] = v
	}
	h := plugintest.Host(tb, map[string]any{
		"secrets": map[string]string{"maximo_apikey": "env:T_MAXIMO_APIKEY"},
		"plugin": []map[string]any{{
			"name": info().Name, "path": plugintest.Module(tb, "plugins/cmms-maximo"), "allow_unpinned": true, "config": conf,
			"grant": map[string]any{"http": []map[string]any{{"origin": ts.URL, "allow_private": true,
				"auth": map[string]any{"profile": "header", "header": "apikey", "token_secret": "maximo_apikey"}}}},
		}},
	}, map[string]string{"T_MAXIMO_APIKEY": auth.APIKey}, nil)
	if err := h.Failures()[info().Name]; err != nil {
		tb.Fatalf("loading the module through the host: %v", err)
	}
	return &wasmFixture{ts: ts, sim: sim, url: ts.URL, host: h}
}

func (f *wasmFixture) call(op abi.OpName, req, resp any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return f.host.Call(ctx, info().Name, op, req, resp)
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
	plugintest.WantCode(t, f.call(abi.OpGetAsset, abi.GetAssetRequest{AssetID: `P-1" or assetnum="*`}, &g), abi.CodeNotFound)

	var c abi.WorkOrderResponse
	if err := f.call(abi.OpCreateWorkOrder, abi.CreateWorkOrderRequest{AssetID: "P-101", Description: "wasm", Type: abi.TypeCorrective, Priority: abi.PriorityEmergency}, &c); err != nil || c.WorkOrder.Priority != abi.PriorityEmergency {
		t.Fatalf("create: %v %+v", err, c.WorkOrder)
	}
	// a retried create with the same deterministic id (issue #17, Maximo
	// item 10) returns the first work order and writes nothing.
	retry := abi.CreateWorkOrderRequest{ID: "WO-AUTO-7A5E0017", AssetID: "P-101", Description: "wasm retry", Type: abi.TypeCorrective, Priority: abi.PriorityHigh}
	var first, again abi.WorkOrderResponse
	if err := f.call(abi.OpCreateWorkOrder, retry, &first); err != nil {
		t.Fatalf("create: %v", err)
	}
	writes := f.sim.Stats().Writes
	if err := f.call(abi.OpCreateWorkOrder, retry, &again); err != nil || again.WorkOrder.ID != first.WorkOrder.ID ||
		again.WorkOrder.Metadata["idempotent_replay"] != true || f.sim.Stats().Writes != writes {
		t.Fatalf("retried create: %v %s vs %s, %d writes", err, again.WorkOrder.ID, first.WorkOrder.ID, f.sim.Stats().Writes-writes)
	}
	var e abi.WorkOrderResponse
	plugintest.WantCode(t, f.call(abi.OpCloseWorkOrder, abi.CloseWorkOrderRequest{WorkOrderID: c.WorkOrder.ID}, &e), abi.CodeInvalidArgument)
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
	plugintest.WantCode(t, f.call(abi.OpGetAsset, abi.GetAssetRequest{AssetID: "P-101"}, &g), abi.CodeUnavailable)
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
	plugintest.WantCode(t, f.call(abi.OpGetAsset, abi.GetAssetRequest{AssetID: "P-101"}, &g), abi.CodeUnavailable)
	var h abi.HealthResponse
	if err := f.call(abi.OpHealth, abi.HealthRequest{}, &h); err != nil || h.Status != abi.HealthUnhealthy {
		t.Fatalf("health: %v %+v", err, h)
	}
}
