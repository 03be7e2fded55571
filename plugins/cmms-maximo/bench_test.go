package main

import (
	"testing"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/internal/benchcpu"
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
	cpu := benchcpu.Now()
	for b.Loop() {
		var resp abi.ListAssetsResponse
		if err := call(abi.OpListAssets, abi.ListAssetsRequest{}, &resp); err != nil {
			b.Fatal(err)
		}
	}
	benchcpu.Report(b, cpu)
}

func benchGetWorkOrder(b *testing.B, call func(op abi.OpName, req, resp any) error) {
	b.Helper()
	req := abi.GetWorkOrderRequest{WorkOrderID: "WO1003"}
	var resp abi.WorkOrderResponse
	if err := call(abi.OpGetWorkOrder, req, &resp); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu := benchcpu.Now()
	for b.Loop() {
		var resp abi.WorkOrderResponse
		if err := call(abi.OpGetWorkOrder, req, &resp); err != nil {
			b.Fatal(err)
		}
	}
	benchcpu.Report(b, cpu)
}

// interleaved alternates native and wasm calls in one loop (see
// benchcpu.Interleave): "ratio" is wasm ÷ native measured side by side.
func interleaved(b *testing.B, op abi.OpName, req any, check func(resp any) bool, newResp func() any) {
	native := newFixtureWith(b, benchSim, benchCfg())
	wasm := newWasmFixture(b, benchSim, benchCfg())
	call := func(f func(op abi.OpName, req, resp any) error) func() {
		return func() {
			resp := newResp()
			if err := f(op, req, resp); err != nil || !check(resp) {
				b.Fatalf("%s: %v", op, err)
			}
		}
	}
	n, w := call(native.call), call(wasm.call)
	n()
	w()
	benchcpu.Interleave(b, n, w)
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
	b.Run("interleaved", func(b *testing.B) {
		interleaved(b, abi.OpListAssets, abi.ListAssetsRequest{},
			func(r any) bool { return len(r.(*abi.ListAssetsResponse).Assets) == 100 },
			func() any { return &abi.ListAssetsResponse{} })
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
	b.Run("interleaved", func(b *testing.B) {
		interleaved(b, abi.OpGetWorkOrder, abi.GetWorkOrderRequest{WorkOrderID: "WO1003"},
			func(r any) bool { return r.(*abi.WorkOrderResponse).WorkOrder.ID == "WO1003" },
			func() any { return &abi.WorkOrderResponse{} })
	})
}
