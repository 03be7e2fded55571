package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
	"github.com/machina-go/machina/pdk/pdktest"
)

// The connector logic runs natively against a real HTTP server on loopback:
// the same JSON round trip as in wasm, without building a module.
func TestHelloNative(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer test-token" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/assets":
			json.NewEncoder(w).Encode([]abi.Asset{{ID: "P-101", Name: "Feed pump", Type: abi.AssetRotating, Criticality: abi.CriticalityA}})
		case "/assets/P-101":
			json.NewEncoder(w).Encode(abi.Asset{ID: "P-101", Name: "Feed pump", Type: abi.AssetRotating, Criticality: abi.CriticalityA})
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	host := &pdktest.Host{Manifest: manifest, Auth: func(r *http.Request) { r.Header.Set("Authorization", "Bearer test-token") }}
	r := pdk.NewCMMS(info(), &hello{})
	ctx := context.Background()
	if err := pdktest.Init(ctx, host, r, map[string]any{"base_url": srv.URL}); err != nil {
		t.Fatal(err)
	}
	var list abi.ListAssetsResponse
	if err := pdktest.Invoke(ctx, host, r, "list_assets", abi.ListAssetsRequest{}, &list); err != nil || len(list.Assets) != 1 {
		t.Fatalf("list: %v %+v", err, list)
	}
	var got abi.GetAssetResponse
	if err := pdktest.Invoke(ctx, host, r, "get_asset", abi.GetAssetRequest{AssetID: "P-101"}, &got); err != nil || got.Asset.Name != "Feed pump" {
		t.Fatalf("get: %v %+v", err, got)
	}
	err := pdktest.Invoke(ctx, host, r, "get_asset", abi.GetAssetRequest{AssetID: "nope"}, &got)
	var ae *abi.Error
	if !errors.As(err, &ae) || ae.Code != abi.CodeNotFound {
		t.Fatalf("want not_found, got %v", err)
	}
	if len(host.Logs()) == 0 {
		t.Fatal("expected the plugin to log through the host")
	}
}
