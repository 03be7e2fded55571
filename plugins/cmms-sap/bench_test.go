package main

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/internal/benchcpu"
	sapsim "github.com/machina-go/machina/internal/sim/sap"
	"github.com/machina-go/machina/pdk"
	"github.com/machina-go/machina/pdk/pdktest"
)

// benchSetup starts one simulator with exactly 100 equipment (basic auth)
// and returns the two ways to call the connector against it: native
// (pdktest) and wasm through the real host. page_size 500 makes list_assets one upstream request.
func benchSetup(b *testing.B) (sim *sapsim.Server, calls map[string]func(op abi.OpName, req, resp any) error) {
	a, err := sapsim.GenerateAuth(sapsim.AuthBasic)
	if err != nil {
		b.Fatal(err)
	}
	// MinEquipment pads the generated plant; the simulator adds 5 corpus
	// and support records beside it, so 95 gives exactly 100 equipment.
	sim, err = sapsim.NewServer(sapsim.Options{Auth: a, SAPClient: "100", MinEquipment: 95})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(sim)
	b.Cleanup(ts.Close)
	cfg := map[string]any{"base_url": ts.URL + sapsim.BasePath, "sap_client": "100", "page_size": 500, "odata_version": "v2", "bom_equipment_field": "Equipment"}
	jar, _ := cookiejar.New(nil)
	host := &pdktest.Host{Manifest: manifest, Client: &http.Client{Jar: jar, Timeout: 30 * time.Second}, Auth: func(r *http.Request) { r.SetBasicAuth(a.Username, a.Password) }}
	r := pdk.NewCMMS(info(), &sapPM{})
	ctx := context.Background()
	if err := pdktest.Init(ctx, host, r, cfg); err != nil {
		b.Fatal(err)
	}
	wasm, _ := loadWasm(b, ts.URL, a, cfg)
	return sim, map[string]func(op abi.OpName, req, resp any) error{
		"native": func(op abi.OpName, req, resp any) error { return pdktest.Invoke(ctx, host, r, string(op), req, resp) },
		"wasm":   wasm,
	}
}

// BenchmarkListAssets100 lists 100 equipment from one OData v2 page.
func BenchmarkListAssets100(b *testing.B) {
	sim, calls := benchSetup(b)
	for _, name := range []string{"native", "wasm"} {
		call := calls[name]
		b.Run(name, func(b *testing.B) {
			before := sim.Stats().Requests
			var resp abi.ListAssetsResponse
			n := 0
			cpu := benchcpu.Now()
			for b.Loop() {
				if err := call(abi.OpListAssets, abi.ListAssetsRequest{}, &resp); err != nil || len(resp.Assets) != 100 {
					b.Fatalf("%v %d", err, len(resp.Assets))
				}
				n++
			}
			benchcpu.Report(b, cpu)
			if reqs := sim.Stats().Requests - before; reqs != int64(n) {
				b.Fatalf("%d upstream requests for %d calls (want one page each)", reqs, n)
			}
		})
	}
}

// BenchmarkListAssets100Interleaved alternates native and wasm calls in
// one loop (see benchcpu.Interleave): "ratio" is wasm ÷ native measured
// side by side.
func BenchmarkListAssets100Interleaved(b *testing.B) {
	_, calls := benchSetup(b)
	call := func(f func(op abi.OpName, req, resp any) error) func() {
		return func() {
			var resp abi.ListAssetsResponse
			if err := f(abi.OpListAssets, abi.ListAssetsRequest{}, &resp); err != nil || len(resp.Assets) != 100 {
				b.Fatalf("%v %d", err, len(resp.Assets))
			}
		}
	}
	benchcpu.Interleave(b, call(calls["native"]), call(calls["wasm"]))
}

// BenchmarkGetWorkOrderInterleaved is BenchmarkGetWorkOrder side by side.
func BenchmarkGetWorkOrderInterleaved(b *testing.B) {
	_, calls := benchSetup(b)
	call := func(f func(op abi.OpName, req, resp any) error) func() {
		return func() {
			var resp abi.WorkOrderResponse
			if err := f(abi.OpGetWorkOrder, abi.GetWorkOrderRequest{WorkOrderID: "4000001"}, &resp); err != nil || resp.WorkOrder.ID != "4000001" {
				b.Fatal(err)
			}
		}
	}
	benchcpu.Interleave(b, call(calls["native"]), call(calls["wasm"]))
}

// BenchmarkGetWorkOrder reads one maintenance order by key.
func BenchmarkGetWorkOrder(b *testing.B) {
	_, calls := benchSetup(b)
	for _, name := range []string{"native", "wasm"} {
		call := calls[name]
		b.Run(name, func(b *testing.B) {
			var resp abi.WorkOrderResponse
			cpu := benchcpu.Now()
			for b.Loop() {
				if err := call(abi.OpGetWorkOrder, abi.GetWorkOrderRequest{WorkOrderID: "4000001"}, &resp); err != nil || resp.WorkOrder.ID != "4000001" {
					b.Fatal(err)
				}
			}
			benchcpu.Report(b, cpu)
		})
	}
}
