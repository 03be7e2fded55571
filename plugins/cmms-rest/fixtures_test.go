package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
	"github.com/machina-go/machina/pdk/pdktest"
)

// replay serves fixture files by request path: the vendor's documented
// response shapes (testdata/SOURCES.md), over a real socket.
func replay(t *testing.T, routes map[string]string) string {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		file, ok := routes[r.URL.Path]
		status := http.StatusOK
		if !ok {
			file, status = routes["404"], http.StatusNotFound
		}
		b, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			status = http.StatusNotFound
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(b)
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

func runner(t *testing.T, cfg map[string]any) (*pdk.Runner, *pdktest.Host) {
	t.Helper()
	h := &pdktest.Host{Manifest: manifest}
	r := pdk.NewCMMS(info(), &plugin{})
	if err := pdktest.Init(context.Background(), h, r, cfg); err != nil {
		t.Fatal(err)
	}
	return r, h
}

func unmapped(m map[string]any, field string) string {
	u, _ := m["unmapped"].(map[string]any)
	s, _ := u[field].(string)
	return s
}

// The expected values are the last column of testdata/SOURCES.md.
func TestMaintainXFixtures(t *testing.T) {
	base := replay(t, map[string]string{"/v1/workorders": "maintainx/workorders-page.json",
		"/v1/assets": "maintainx/assets-page.json", "/v1/parts": "maintainx/parts-page.json"})
	r, _ := runner(t, map[string]any{"preset": "maintainx", "base_url": base + "/v1"})
	ctx := context.Background()
	var wos abi.ListWorkOrdersResponse
	if err := pdktest.Invoke(ctx, &pdktest.Host{}, r, "list_work_orders", abi.ListWorkOrdersRequest{}, &wos); err != nil {
		t.Fatal(err)
	}
	want := []abi.WorkOrder{
		{ID: "159", Status: abi.StatusInProgress, Priority: abi.PriorityHigh, Type: abi.TypeCorrective, AssignedTo: "23494", AssetID: "963", Description: "Belt slipping on the forklift drive"},
		{ID: "160", Status: abi.StatusInProgress, Priority: abi.PriorityLow, Type: abi.TypeCorrective, Description: "Quarterly stock count"},
		{ID: "161", Status: abi.StatusCancelled, Priority: abi.PriorityLow, Type: abi.TypePreventive, AssignedTo: "7", AssetID: "963", Description: "Grease points A-F"},
	}
	if len(wos.WorkOrders) != len(want) {
		t.Fatalf("%d work orders", len(wos.WorkOrders))
	}
	for i, w := range want {
		g := wos.WorkOrders[i]
		if g.ID != w.ID || g.Status != w.Status || g.Priority != w.Priority || g.Type != w.Type || g.AssignedTo != w.AssignedTo || g.AssetID != w.AssetID || g.Description != w.Description {
			t.Errorf("work order %d = %+v, want %+v", i, g, w)
		}
	}
	if !wos.WorkOrders[0].CreatedAt.Equal(time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("created_at = %s", wos.WorkOrders[0].CreatedAt)
	}
	if got := unmapped(wos.WorkOrders[1].Metadata, "type"); got != "CYCLE_COUNT" {
		t.Errorf("160 metadata.unmapped.type = %q", got)
	}
	var as abi.ListAssetsResponse
	if err := pdktest.Invoke(ctx, &pdktest.Host{}, r, "list_assets", abi.ListAssetsRequest{}, &as); err != nil {
		t.Fatal(err)
	}
	a := as.Assets[0]
	if a.ID != "963" || a.Name != "Forklift" || a.SerialNumber != "000123ABC" || a.Location != "852" || a.Parent != "852" || a.Model != "8FGU25" ||
		a.Manufacturer != "Toyota" || a.Type != abi.AssetStatic || a.Criticality != abi.CriticalityC ||
		unmapped(a.Metadata, "assetTypes[0]") != "manual" || unmapped(a.Metadata, "criticalityId") != "150" {
		t.Errorf("asset = %+v", a)
	}
	var ps abi.ListSparePartsResponse
	if err := pdktest.Invoke(ctx, &pdktest.Host{}, r, "list_spare_parts", abi.ListSparePartsRequest{}, &ps); err != nil {
		t.Fatal(err)
	}
	p := ps.SpareParts[0]
	if p.SKU != "14677" || *p.StockQuantity != 4 || p.ReorderPoint != 2 || *p.UnitCost != 1.2 || p.WarehouseLocation != "Shelf 3" {
		t.Errorf("part = %+v (stock %v, cost %v)", p, *p.StockQuantity, *p.UnitCost)
	}
}

func TestUpKeepFixtures(t *testing.T) {
	base := replay(t, map[string]string{"/api/v2/work-orders": "upkeep/work-orders.json",
		"/api/v2/assets/gHhn43LMh3": "upkeep/asset.json", "404": "upkeep/error-not-found.json"})
	r, _ := runner(t, map[string]any{"preset": "upkeep", "base_url": base})
	ctx := context.Background()
	var wos abi.ListWorkOrdersResponse
	if err := pdktest.Invoke(ctx, &pdktest.Host{}, r, "list_work_orders", abi.ListWorkOrdersRequest{}, &wos); err != nil {
		t.Fatal(err)
	}
	w0, w1 := wos.WorkOrders[0], wos.WorkOrders[1]
	if w0.ID != "wfhn43LMh3" || w0.Status != abi.StatusAssigned || w0.Priority != abi.PriorityMedium || w0.Type != abi.TypeCorrective ||
		w0.AssignedTo != "Lhhn43LMh3" || w0.AssetID != "gHhn43LMh3" || !w0.CreatedAt.Equal(time.Date(2016, 10, 20, 10, 17, 13, 712e6, time.UTC)) {
		t.Errorf("wfhn43LMh3 = %+v", w0)
	}
	if w1.Status != abi.StatusInProgress || w1.Priority != abi.PriorityLow || w1.Type != abi.TypeCorrective || unmapped(w1.Metadata, "category") != "Calibration" {
		t.Errorf("Zn9KeS0Fhd = %+v", w1)
	}
	var a abi.GetAssetResponse
	if err := pdktest.Invoke(ctx, &pdktest.Host{}, r, "get_asset", abi.GetAssetRequest{AssetID: "gHhn43LMh3"}, &a); err != nil {
		t.Fatal(err)
	}
	if a.Asset.Name != "printer" || a.Asset.Model != "LaserJet 4200" || a.Asset.SerialNumber != "CNB1234567" || a.Asset.Type != abi.AssetElectrical || a.Asset.Location != "Kfhn03LMh3" {
		t.Errorf("asset = %+v", a.Asset)
	}
	err := pdktest.Invoke(ctx, &pdktest.Host{}, r, "get_asset", abi.GetAssetRequest{AssetID: "nope"}, &a)
	if abi.AsError(err).Code != abi.CodeNotFound {
		t.Errorf("missing asset: %v", err)
	}
}
