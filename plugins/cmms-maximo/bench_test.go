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

// benchOp measures op natively, as wasm, and both interleaved; check
// validates the warm-up response.
func benchOp[Resp any](b *testing.B, op abi.OpName, req any, check func(*Resp) bool) {
	b.Run("native", func(b *testing.B) {
		benchCalls(b, newFixtureWith(b, benchSim, benchCfg()).call, op, req, check)
	})
	b.Run("wasm", func(b *testing.B) {
		benchCalls(b, newWasmFixture(b, benchSim, benchCfg()).call, op, req, check)
	})
	b.Run("interleaved", func(b *testing.B) { interleaved(b, op, req, check) })
}

// benchCalls checks one call, then times calls in a loop.
func benchCalls[Resp any](b *testing.B, call func(op abi.OpName, req, resp any) error, op abi.OpName, req any, check func(*Resp) bool) {
	b.Helper()
	var resp Resp
	if err := call(op, req, &resp); err != nil || !check(&resp) {
		b.Fatalf("warm-up %s: %v %+v", op, err, resp)
	}
	b.ReportAllocs()
	cpu := benchcpu.Now()
	for b.Loop() {
		var resp Resp
		if err := call(op, req, &resp); err != nil {
			b.Fatal(err)
		}
	}
	benchcpu.Report(b, cpu)
}

// interleaved alternates native and wasm calls in one loop (see
// benchcpu.Interleave): "ratio" is wasm ÷ native measured side by side.
func interleaved[Resp any](b *testing.B, op abi.OpName, req any, check func(*Resp) bool) {
	native := newFixtureWith(b, benchSim, benchCfg())
	wasm := newWasmFixture(b, benchSim, benchCfg())
	call := func(f func(op abi.OpName, req, resp any) error) func() {
		return func() {
			var resp Resp
			if err := f(op, req, &resp); err != nil || !check(&resp) {
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
	benchOp(b, abi.OpListAssets, abi.ListAssetsRequest{}, func(r *abi.ListAssetsResponse) bool { return len(r.Assets) == 100 })
}

func BenchmarkGetWorkOrder(b *testing.B) {
	benchOp(b, abi.OpGetWorkOrder, abi.GetWorkOrderRequest{WorkOrderID: "WO1003"},
		func(r *abi.WorkOrderResponse) bool { return r.WorkOrder.ID == "WO1003" })
}
