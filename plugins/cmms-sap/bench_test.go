package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/plugin"
	"github.com/machina-go/machina/internal/testplugin"
	"github.com/machina-go/machina/pdk"
	"github.com/machina-go/machina/pdk/pdktest"
	sapsim "github.com/machina-go/machina/sim/sap"
)

// forwardHost adapts pdktest.Host (plain HTTP forwarding with a cookie jar
// and basic auth) to plugin.Host, so the wasm module can run with exactly
// the host work the native benchmark has: the difference is the sandbox.
type forwardHost struct{ h *pdktest.Host }

func (f forwardHost) call(ctx context.Context, fn string, in, out any) {
	b, _ := json.Marshal(in)
	_ = json.Unmarshal(f.h.Call(ctx, fn, b), out)
}

func (f forwardHost) HTTPRequest(ctx context.Context, req abi.HTTPRequest) (out abi.HTTPResponse) {
	f.call(ctx, abi.HostHTTPRequest, req, &out)
	return out
}
func (f forwardHost) Log(ctx context.Context, rec abi.LogRecord) {
	b, _ := json.Marshal(rec)
	f.h.Call(ctx, abi.HostLog, b)
}
func (f forwardHost) KVGet(ctx context.Context, req abi.KVGetRequest) (out abi.KVGetResponse) {
	f.call(ctx, abi.HostKVGet, req, &out)
	return out
}
func (f forwardHost) KVSet(ctx context.Context, req abi.KVSetRequest) (out abi.KVSetResponse) {
	f.call(ctx, abi.HostKVSet, req, &out)
	return out
}
func (f forwardHost) MailSend(context.Context, abi.MailSendRequest) abi.MailSendResponse {
	return abi.MailSendResponse{Error: abi.Unauthorized("mail is not granted")}
}
func (f forwardHost) MailFetch(context.Context, abi.MailFetchRequest) abi.MailFetchResponse {
	return abi.MailFetchResponse{Error: abi.Unauthorized("mail is not granted")}
}

// benchSetup starts one simulator with exactly 100 equipment (basic auth)
// and returns the three ways to call the connector against it: native
// (pdktest), wasm with a forwarding host, and wasm behind the real policy
// host. page_size 500 makes list_assets one upstream request.
func benchSetup(b *testing.B) (sim *sapsim.Server, calls map[string]func(op abi.OpName, req, resp any) error) {
	a, err := sapsim.GenerateAuth(sapsim.AuthBasic)
	if err != nil {
		b.Fatal(err)
	}
	sim, err = sapsim.NewServer(sapsim.Options{Auth: a, SAPClient: "100", MinEquipment: 100})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(sim)
	b.Cleanup(ts.Close)
	cfg := map[string]any{"base_url": ts.URL + sapsim.BasePath, "sap_client": "100", "page_size": 500, "odata_version": "v2", "bom_equipment_field": "Equipment"}
	jar, _ := cookiejar.New(nil)
	host := &pdktest.Host{Client: &http.Client{Jar: jar, Timeout: 30 * time.Second}, Auth: func(r *http.Request) { r.SetBasicAuth(a.Username, a.Password) }}
	r := pdk.NewCMMS(pdk.Info{Name: pluginName, Version: pluginVersion}, &sapPM{})
	ctx := context.Background()
	if err := pdktest.Init(ctx, host, r, cfg); err != nil {
		b.Fatal(err)
	}
	eng, err := plugin.NewEngine(plugin.EngineOptions{CacheDir: testplugin.CacheDir(b)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { eng.Close(ctx) })
	fwd, err := eng.Load(ctx, testplugin.Build(b, "plugins/cmms-sap"), plugin.LoadOptions{Config: cfg, Host: forwardHost{host}, Limits: plugin.Limits{PoolSize: 1}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { fwd.Close(ctx) })
	pol, _ := loadWasm(b, ts.URL, a, cfg)
	return sim, map[string]func(op abi.OpName, req, resp any) error{
		"native": func(op abi.OpName, req, resp any) error { return pdktest.Invoke(ctx, host, r, string(op), req, resp) },
		"wasm":   func(op abi.OpName, req, resp any) error { return fwd.CallOp(ctx, op, req, resp) },
		"wasm+policy": func(op abi.OpName, req, resp any) error {
			return pol.CallOp(ctx, op, req, resp)
		},
	}
}

// BenchmarkListAssets100 lists 100 equipment from one OData v2 page.
func BenchmarkListAssets100(b *testing.B) {
	sim, calls := benchSetup(b)
	for _, name := range []string{"native", "wasm", "wasm+policy"} {
		call := calls[name]
		b.Run(name, func(b *testing.B) {
			before := sim.Stats().Requests
			var resp abi.ListAssetsResponse
			n := 0
			for b.Loop() {
				if err := call(abi.OpListAssets, abi.ListAssetsRequest{}, &resp); err != nil || len(resp.Assets) != 100 {
					b.Fatalf("%v %d", err, len(resp.Assets))
				}
				n++
			}
			if reqs := sim.Stats().Requests - before; reqs != int64(n) {
				b.Fatalf("%d upstream requests for %d calls (want one page each)", reqs, n)
			}
		})
	}
}

// BenchmarkGetWorkOrder reads one maintenance order by key.
func BenchmarkGetWorkOrder(b *testing.B) {
	_, calls := benchSetup(b)
	for _, name := range []string{"native", "wasm", "wasm+policy"} {
		call := calls[name]
		b.Run(name, func(b *testing.B) {
			var resp abi.WorkOrderResponse
			for b.Loop() {
				if err := call(abi.OpGetWorkOrder, abi.GetWorkOrderRequest{WorkOrderID: "4000001"}, &resp); err != nil || resp.WorkOrder.ID != "4000001" {
					b.Fatal(err)
				}
			}
		})
	}
}
