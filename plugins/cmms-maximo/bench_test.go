package main

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/plugin"
	"github.com/machina-go/machina/internal/testplugin"
	"github.com/machina-go/machina/pdk/pdktest"
	maxsim "github.com/machina-go/machina/sim/maximo"
)

// The same connector code, natively (pdktest host, plain HTTP client) and as
// wasm through the real host (policy gate, auth profile, scrubbing), against
// the same simulator. The ratio wasm/native is the plugin boundary's cost.

func benchCfg() map[string]any { return map[string]any{"page_size": 100} }

var benchSim = maxsim.Options{Seed: 1, MinAssets: 100}

func benchListAssets(b *testing.B, call func(op abi.OpName, req, resp any) error) {
	b.Helper()
	var resp abi.ListAssetsResponse
	if err := call(abi.OpListAssets, abi.ListAssetsRequest{}, &resp); err != nil || len(resp.Assets) != 100 {
		b.Fatalf("warm-up: %v, %d assets", err, len(resp.Assets))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var resp abi.ListAssetsResponse
		if err := call(abi.OpListAssets, abi.ListAssetsRequest{}, &resp); err != nil {
			b.Fatal(err)
		}
	}
}

func benchGetWorkOrder(b *testing.B, call func(op abi.OpName, req, resp any) error) {
	b.Helper()
	req := abi.GetWorkOrderRequest{WorkOrderID: "WO1003"}
	var resp abi.WorkOrderResponse
	if err := call(abi.OpGetWorkOrder, req, &resp); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var resp abi.WorkOrderResponse
		if err := call(abi.OpGetWorkOrder, req, &resp); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkListAssets100(b *testing.B) {
	b.Run("native", func(b *testing.B) {
		f := newFixtureWith(b, benchSim, benchCfg())
		benchListAssets(b, f.call)
	})
	b.Run("wasm", func(b *testing.B) {
		f := newWasmFixture(b, benchSim, benchCfg())
		benchListAssets(b, f.call)
	})
	b.Run("wasm-direct", func(b *testing.B) { benchListAssets(b, newDirectWasm(b)) })
}

func BenchmarkGetWorkOrder(b *testing.B) {
	b.Run("native", func(b *testing.B) {
		f := newFixtureWith(b, benchSim, benchCfg())
		benchGetWorkOrder(b, f.call)
	})
	b.Run("wasm", func(b *testing.B) {
		f := newWasmFixture(b, benchSim, benchCfg())
		benchGetWorkOrder(b, f.call)
	})
	b.Run("wasm-direct", func(b *testing.B) { benchGetWorkOrder(b, newDirectWasm(b)) })
}

// forwardHost is a minimal plugin.Host that forwards HTTP to the simulator
// and attaches the API key (no policy gate, no scrubbing): the "wasm-direct"
// variants separate the runtime's cost from the policy gate's.
type forwardHost struct {
	plugin.DenyHost
	host *pdktest.Host
}

func (h *forwardHost) HTTPRequest(ctx context.Context, req abi.HTTPRequest) abi.HTTPResponse {
	in, _ := json.Marshal(req)
	var out abi.HTTPResponse
	_ = json.Unmarshal(h.host.Call(ctx, abi.HostHTTPRequest, in), &out)
	return out
}

func newDirectWasm(b *testing.B) func(op abi.OpName, req, resp any) error {
	b.Helper()
	native := newFixtureWith(b, benchSim, benchCfg())
	eng, err := plugin.NewEngine(plugin.EngineOptions{CacheDir: testplugin.CacheDir(b)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { eng.Close(context.Background()) })
	conf := map[string]any{"base_url": native.url, "page_size": 100, "asset_type_map": testTypeMap}
	p, err := eng.Load(context.Background(), testplugin.Build(b, "plugins/cmms-maximo"), plugin.LoadOptions{Config: conf, Host: &forwardHost{host: native.host}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { p.Close(context.Background()) })
	return func(op abi.OpName, req, resp any) error { return p.CallOp(context.Background(), op, req, resp) }
}
