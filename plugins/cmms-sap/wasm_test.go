package main

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/internal/plugintest"
	sapsim "github.com/machina-go/machina/internal/sim/sap"
	"github.com/machina-go/machina/internal/syncbuf"
)

type syncBuffer = syncbuf.Buffer

// wasmFixture is the built module running through the real host (HTTP
// gate, auth profiles, oauth2 token cache, cookie jar, response scrubbing)
// in front of the simulator, configured as an operator would.
type wasmFixture struct {
	t    testing.TB
	sim  *sapsim.Server
	auth sapsim.Auth
	call func(op abi.OpName, req, resp any) error
	logs *syncBuffer
}

func newWasmFixture(t testing.TB, opts sapsim.Options, cfg map[string]any) *wasmFixture {
	t.Helper()
	defaultAuth(t, &opts, sapsim.AuthOAuth2)
	opts.SAPClient, opts.RequireIfMatch = "100", true
	sim, err := sapsim.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	call, logs := loadWasm(t, ts.URL, opts.Auth, cfg)
	return &wasmFixture{t: t, sim: sim, auth: opts.Auth, call: call, logs: logs}
}

// loadWasm starts a host running the module with a grant for the
// simulator at base and the auth profile matching a.
func loadWasm(t testing.TB, base string, a sapsim.Auth, cfg map[string]any) (func(op abi.OpName, req, resp any) error, *syncBuffer) {
	t.Helper()
	auth := map[string]any{}
	env := map[string]string{}
	switch a.Mode {
	case sapsim.AuthOAuth2:
		auth = map[string]any{"profile": "oauth2_client_credentials", "token_url": base + sapsim.TokenPath, "client_id": a.ClientID, "client_secret_secret": "sap_client_secret"}
		env["T_SAP_SECRET"] = a.ClientSecret
	case sapsim.AuthBasic:
		auth = map[string]any{"profile": "basic", "username": a.Username, "password_secret": "sap_password"}
		env["T_SAP_SECRET"] = a.Password
	}
	conf := map[string]any{"base_url": base + sapsim.BasePath, "sap_client": "100", "retry_base_ms": 1, "bom_equipment_field": "Equipment"}
	for k, v := range cfg {
		conf[k] = v
	}
	logs := &syncBuffer{}
	h := plugintest.Host(t, map[string]any{
		"log":     map[string]any{"level": "debug"},
		"secrets": map[string]string{"sap_client_secret": "env:T_SAP_SECRET", "sap_password": "env:T_SAP_SECRET"},
		"plugin": []map[string]any{{
			"name": info().Name, "path": plugintest.Module(t, "plugins/cmms-sap"), "allow_unpinned": true, "config": conf,
			"grant": map[string]any{
				"http":   []map[string]any{{"origin": base, "allow_private": true, "auth": auth}},
				"limits": map[string]any{"instances": 1},
			},
		}},
	}, env, logs)
	if err := h.Failures()[info().Name]; err != nil {
		t.Fatalf("loading the module through the host: %v", err)
	}
	return func(op abi.OpName, req, resp any) error {
		return h.Call(context.Background(), info().Name, op, req, resp)
	}, logs
}

// The wasm module through the real host: OAuth2 (the host fetches and
// caches the token), both protocol versions, paging, escaping, and the CSRF
// session kept by the host's cookie jar — expiry mid-session (one retry,
// then success) and a second 403 (clear error, no loop).
func TestWasmThroughPolicyHost(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the wasm module")
	}
	for _, v := range []string{sapsim.V2, sapsim.V4} {
		t.Run(v, func(t *testing.T) {
			f := newWasmFixture(t, sapsim.Options{ODataVersion: v, ServerPageSize: 16}, map[string]any{"page_size": 20})
			var h abi.HealthResponse
			if err := f.call(abi.OpHealth, abi.HealthRequest{}, &h); err != nil || h.Status != abi.HealthHealthy {
				t.Fatalf("health: %v %+v", err, h)
			}
			var l abi.ListAssetsResponse
			if err := f.call(abi.OpListAssets, abi.ListAssetsRequest{}, &l); err != nil || len(l.Assets) != len(f.sim.Records(sapsim.SetEquipment)) {
				t.Fatalf("list: %v %d", err, len(l.Assets))
			}
			var g abi.GetAssetResponse
			if err := f.call(abi.OpGetAsset, abi.GetAssetRequest{AssetID: `10000001' or Equipment ne '`}, &g); abi.AsError(err).Code != abi.CodeNotFound {
				t.Fatalf("escaping: %v", err)
			}
			var w abi.WorkOrderResponse
			if err := f.call(abi.OpCreateWorkOrder, abi.CreateWorkOrderRequest{AssetID: "10000001", Description: "Seal leak", Priority: abi.PriorityHigh}, &w); err != nil || w.WorkOrder.Status != abi.StatusCreated {
				t.Fatalf("create: %v %+v", err, w.WorkOrder)
			}
			id := w.WorkOrder.ID
			f.sim.ExpireCSRF()
			before := f.sim.Stats()
			if err := f.call(abi.OpUpdateWorkOrder, abi.UpdateWorkOrderRequest{WorkOrderID: id, Status: abi.StatusAssigned}, &w); err != nil || w.WorkOrder.Status != abi.StatusAssigned {
				t.Fatalf("update after expiry: %v %+v", err, w.WorkOrder)
			}
			after := f.sim.Stats()
			if after.CSRFRejected-before.CSRFRejected != 1 || after.Writes-before.Writes != 2 || after.WritesDone-before.WritesDone != 1 {
				t.Fatalf("expiry: %+v → %+v", before, after)
			}
			f.sim.SetFaults(sapsim.Faults{CSRFReject: -1})
			before = f.sim.Stats()
			err := f.call(abi.OpCancelWorkOrder, abi.CancelWorkOrderRequest{WorkOrderID: id}, &w)
			if e := abi.AsError(err); e == nil || e.Code != abi.CodeUnauthorized || !strings.Contains(e.Message, "again") {
				t.Fatalf("second 403: %v", err)
			}
			after = f.sim.Stats()
			if after.Writes-before.Writes != 2 || after.WritesDone != before.WritesDone {
				t.Fatalf("second 403 must stop after two attempts: %+v → %+v", before, after)
			}
			f.sim.SetFaults(sapsim.Faults{})
			if st := f.sim.Stats(); st.TokensIssued != 1 {
				t.Fatalf("the host should cache the access token: %d issued", st.TokensIssued)
			}
			// a revoked access token: the host refetches it once on 401
			f.sim.ExpireAccessTokens()
			if err := f.call(abi.OpGetWorkOrder, abi.GetWorkOrderRequest{WorkOrderID: id}, &w); err != nil {
				t.Fatalf("after token revocation: %v", err)
			}
			if st := f.sim.Stats(); st.TokensIssued != 2 {
				t.Fatalf("want one token refetch, %d issued", st.TokensIssued)
			}
		})
	}
}

// Neither the OAuth2 client secret, nor the bearer token, nor the CSRF
// token appears in anything plugin-visible that leaves the plugin: its
// results, its errors and its logs — even when the gateway reflects the
// request headers in an error body (the host scrubs the bearer it learned,
// the plugin redacts its CSRF token).
func TestWasmSecretsStayOutOfPluginOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the wasm module")
	}
	f := newWasmFixture(t, sapsim.Options{}, nil)
	var out outputs
	var w abi.WorkOrderResponse
	out.record(w, f.call(abi.OpCreateWorkOrder, abi.CreateWorkOrderRequest{AssetID: "10000001", Description: "x"}, &w))
	for _, op := range []func() error{
		func() error {
			return f.call(abi.OpUpdateWorkOrder, abi.UpdateWorkOrderRequest{WorkOrderID: w.WorkOrder.ID, Description: "y"}, &w)
		},
		func() error {
			var l abi.ListAssetsResponse
			return f.call(abi.OpListAssets, abi.ListAssetsRequest{}, &l)
		},
	} {
		f.sim.SetFaults(sapsim.Faults{ReflectHeaders: 1})
		err := op()
		if err == nil || !strings.Contains(err.Error(), "request headers") {
			t.Fatalf("reflect fault: %v", err)
		}
		out.record(nil, err)
	}
	var h abi.HealthResponse
	out.record(h, f.call(abi.OpHealth, abi.HealthRequest{}, &h))
	out = append(out, f.logs.String())
	out.checkNoSecrets(t, append(f.sim.IssuedSecrets(), f.auth.ClientSecret))
}
