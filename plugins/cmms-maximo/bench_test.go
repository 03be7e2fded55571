package main

import (
	"testing"

	"github.com/machina-go/machina/abi"
	maxsim "github.com/machina-go/machina/internal/sim/maximo"
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
}
