//go:build !wasip1

package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/machina-go/machina/abi"
	maxsim "github.com/machina-go/machina/internal/sim/maximo"
	"github.com/machina-go/machina/pdk"
	"github.com/machina-go/machina/pdk/pdktest"
)

type rec struct{ bodies [][]byte }

func (r *rec) RoundTrip(q *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(q)
	if err != nil {
		return resp, err
	}
	b, _ := io.ReadAll(resp.Body)
	r.bodies = append(r.bodies, b)
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

func TestZZDump(t *testing.T) {
	auth, _ := maxsim.GenerateAuth(maxsim.AuthAPIKey)
	o := benchSim
	o.Auth = auth
	sim, _ := maxsim.NewServer(o)
	ts := httptest.NewServer(sim)
	defer ts.Close()
	rc := &rec{}
	h := &pdktest.Host{Client: &http.Client{Transport: rc}, Auth: func(r *http.Request) { r.Header.Set("apikey", auth.APIKey) }}
	r := pdk.NewCMMS(pdk.Info{Name: pluginName, Version: pluginVersion}, &maximo{})
	conf := map[string]any{"base_url": ts.URL, "page_size": 100, "retry_base_ms": 1, "asset_type_map": testTypeMap}
	if err := pdktest.Init(context.Background(), h, r, conf); err != nil {
		t.Fatal(err)
	}
	rc.bodies = nil
	var la abi.ListAssetsResponse
	if err := pdktest.Invoke(context.Background(), h, r, "list_assets", abi.ListAssetsRequest{}, &la); err != nil {
		t.Fatal(err)
	}
	os.WriteFile("zz_page.json", rc.bodies[len(rc.bodies)-1], 0o644)
	rc.bodies = nil
	var wo abi.WorkOrderResponse
	if err := pdktest.Invoke(context.Background(), h, r, "get_work_order", abi.GetWorkOrderRequest{WorkOrderID: "WO1003"}, &wo); err != nil {
		t.Fatal(err)
	}
	os.WriteFile("zz_wo.json", rc.bodies[len(rc.bodies)-1], 0o644)
	t.Logf("page %d bytes, wo %d bytes, %d requests", len(rc.bodies[0]), len(rc.bodies[len(rc.bodies)-1]), len(rc.bodies))
}
