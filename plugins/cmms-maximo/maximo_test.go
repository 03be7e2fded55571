package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/internal/plugintest"
	maxsim "github.com/machina-go/machina/internal/sim/maximo"
	"github.com/machina-go/machina/pdk"
	"github.com/machina-go/machina/pdk/pdktest"
)

// fixture is the connector running natively against the simulator over
// loopback, with the host's role (attaching the API key) played by pdktest.
type fixture struct {
	t    testing.TB
	sim  *maxsim.Server
	url  string
	host *pdktest.Host
	r    *pdk.Runner
}

// testWorkTypeMap is the simulated site's own predictive work type (IBM
// ships none).
var testWorkTypeMap = map[string]any{"PDM": "predictive"}

var testTypeMap = map[string]any{"PUMP": "rotating_equipment", "TA": "static_equipment", "INSTRUMENT": "instrument", "ELECTRICAL": "electrical", "FACILITY": "structural"}

func newFixture(t *testing.T, cfg map[string]any) *fixture {
	t.Helper()
	return newFixtureWith(t, maxsim.Options{Seed: 1}, cfg)
}

func newFixtureWith(t testing.TB, simOpts maxsim.Options, cfg map[string]any) *fixture {
	t.Helper()
	auth, err := maxsim.GenerateAuth(maxsim.AuthAPIKey)
	if err != nil {
		t.Fatal(err)
	}
	simOpts.Auth = auth
	sim, err := maxsim.NewServer(simOpts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	f := &fixture{t: t, sim: sim, url: ts.URL,
		host: &pdktest.Host{Manifest: manifest, Auth: func(r *http.Request) { r.Header.Set("apikey", auth.APIKey) }},
		r:    pdk.NewCMMS(info(), &maximo{})}
	conf := map[string]any{"base_url": ts.URL, "page_size": 10, "retry_base_ms": 1, "asset_type_map": testTypeMap, "worktype_map": testWorkTypeMap}
	for k, v := range cfg {
		conf[k] = v
	}
	if err := pdktest.Init(context.Background(), f.host, f.r, conf); err != nil {
		t.Fatalf("init: %v", err)
	}
	return f
}

func (f *fixture) call(op abi.OpName, req, resp any) error {
	f.t.Helper()
	return pdktest.Invoke(context.Background(), f.host, f.r, string(op), req, resp)
}

func TestDescriptorServesEveryCMMSOperation(t *testing.T) {
	plugintest.ServesKind(t, pdk.NewCMMS(info(), &maximo{}).Operations(), abi.KindCMMS, abi.OpVendorCreateNotification) // the SAP vendor tool
}

func TestInitRejectsBadConfig(t *testing.T) {
	r := pdk.NewCMMS(info(), &maximo{})
	h := &pdktest.Host{Manifest: manifest}
	plugintest.RejectsConfigs(t, func(cfg map[string]any) error { return pdktest.Init(context.Background(), h, r, cfg) }, []map[string]any{
		{},
		{"base_url": "ftp://x"},
		{"base_url": "http://u:p@x"},
		{"base_url": "http://x", "page_size": 5000},
		{"base_url": "http://x", "asset_type_map": map[string]any{"PUMP": "spaceship"}},
	})
}

func TestHealth(t *testing.T) {
	f := newFixture(t, nil)
	var h abi.HealthResponse
	if err := f.call(abi.OpHealth, abi.HealthRequest{}, &h); err != nil || h.Status != abi.HealthHealthy {
		t.Fatalf("health: %v %+v", err, h)
	}
	f.host.Auth = func(r *http.Request) { r.Header.Set("apikey", "wrong") }
	if err := f.call(abi.OpHealth, abi.HealthRequest{}, &h); err != nil || h.Status != abi.HealthUnhealthy || !strings.Contains(h.Message, "authentication") {
		t.Fatalf("health with a wrong key: %v %+v", err, h)
	}
	var l abi.ListAssetsResponse
	plugintest.WantCode(t, f.call(abi.OpListAssets, abi.ListAssetsRequest{}, &l), abi.CodeUnauthorized)
}

func TestListAssetsPaginates(t *testing.T) {
	f := newFixture(t, nil)
	before := f.sim.Stats().Reads
	var l abi.ListAssetsResponse
	if err := f.call(abi.OpListAssets, abi.ListAssetsRequest{}, &l); err != nil {
		t.Fatal(err)
	}
	want := len(f.sim.Records(maxsim.OSAsset))
	if len(l.Assets) != want || l.Truncated {
		t.Fatalf("got %d assets (truncated %v), want %d", len(l.Assets), l.Truncated, want)
	}
	if pages := f.sim.Stats().Reads - before; pages != int64((want+9)/10) {
		t.Fatalf("read %d pages, want %d", pages, (want+9)/10)
	}
	for _, a := range l.Assets {
		if err := a.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.call(abi.OpListAssets, abi.ListAssetsRequest{Limit: 15}, &l); err != nil || len(l.Assets) != 15 || !l.Truncated {
		t.Fatalf("limit 15: %v %d %v", err, len(l.Assets), l.Truncated)
	}
}

func TestMaxRowsTruncates(t *testing.T) {
	f := newFixture(t, map[string]any{"max_rows": 12})
	var l abi.ListAssetsResponse
	if err := f.call(abi.OpListAssets, abi.ListAssetsRequest{}, &l); err != nil || len(l.Assets) != 12 || !l.Truncated {
		t.Fatalf("max_rows: %v %d %v", err, len(l.Assets), l.Truncated)
	}
	// an oversized page (the server ignores oslc.pageSize) is capped too.
	f.sim.SetFaults(maxsim.Faults{Oversized: 1})
	if err := f.call(abi.OpListAssets, abi.ListAssetsRequest{}, &l); err != nil || len(l.Assets) != 12 || !l.Truncated {
		t.Fatalf("oversized page: %v %d %v", err, len(l.Assets), l.Truncated)
	}
}

func TestGetAssetMapping(t *testing.T) {
	f := newFixture(t, nil)
	var g abi.GetAssetResponse
	if err := f.call(abi.OpGetAsset, abi.GetAssetRequest{AssetID: "P-101"}, &g); err != nil {
		t.Fatal(err)
	}
	rec, _ := f.sim.Record(maxsim.OSAsset, "P-101")
	a := g.Asset
	if a.ID != "P-101" || a.Name != rec["description"] || a.Criticality != abi.CriticalityA || a.Type != abi.AssetRotating ||
		a.Parent != "LINE-11" || a.Location != rec["location"] || a.Manufacturer != "Grundfos" || a.Model != rec["modelnum"] ||
		a.SerialNumber != rec["serialnum"] || len(a.InstallDate) != 10 {
		t.Fatalf("mapping: %+v", a)
	}
	if a.Metadata["assettype"] != "PUMP" || a.Metadata["siteid"] != maxsim.SiteID || a.Metadata["href"] == nil {
		t.Fatalf("leftovers not in metadata: %v", a.Metadata)
	}
	for _, consumed := range []string{"assetnum", "description", "priority", "modelnum"} {
		if _, ok := a.Metadata[consumed]; ok {
			t.Errorf("%s duplicated in metadata", consumed)
		}
	}
	if err := f.call(abi.OpGetAsset, abi.GetAssetRequest{AssetID: "TK-116"}, &g); err != nil || g.Asset.Type != abi.AssetStatic {
		t.Fatalf("asset_type_map by classstructureid: %v %+v", err, g.Asset.Type)
	}
	if err := f.call(abi.OpGetAsset, abi.GetAssetRequest{AssetID: "AREA-UTIL"}, &g); err != nil || g.Asset.Criticality != abi.CriticalityB || g.Asset.Type != abi.AssetStructural {
		t.Fatalf("area: %v %+v", err, g.Asset)
	}
	plugintest.WantCode(t, f.call(abi.OpGetAsset, abi.GetAssetRequest{AssetID: "NOPE-1"}, &g), abi.CodeNotFound)
	plugintest.WantCode(t, f.call(abi.OpGetAsset, abi.GetAssetRequest{AssetID: " "}, &g), abi.CodeInvalidArgument)
}

// Values interpolated into oslc.where are escaped: quotes and operators in an
// id stay inside one literal and never widen the query.
func TestHostileIDsDoNotWidenQueries(t *testing.T) {
	f := newFixture(t, nil)
	for _, id := range []string{
		`P-1" or assetnum="*`,
		`P-101" or assetnum!="x`,
		`x") or (assetnum!="`,
		`P-101"`,
		`" or "1"="1`,
		`P-101\" or assetnum!=\"x`,
	} {
		var g abi.GetAssetResponse
		plugintest.WantCode(t, f.call(abi.OpGetAsset, abi.GetAssetRequest{AssetID: id}, &g), abi.CodeNotFound)
		var l abi.ListWorkOrdersResponse
		if err := f.call(abi.OpListWorkOrders, abi.ListWorkOrdersRequest{AssetID: id}, &l); err != nil || len(l.WorkOrders) != 0 {
			t.Fatalf("work orders for %q: %v, %d rows", id, err, len(l.WorkOrders))
		}
		var w abi.WorkOrderResponse
		plugintest.WantCode(t, f.call(abi.OpGetWorkOrder, abi.GetWorkOrderRequest{WorkOrderID: id}, &w), abi.CodeNotFound)
		var sp abi.ListSparePartsResponse
		if err := f.call(abi.OpListSpareParts, abi.ListSparePartsRequest{SKU: id}, &sp); err != nil || len(sp.SpareParts) != 0 {
			t.Fatalf("parts for %q: %v %d", id, err, len(sp.SpareParts))
		}
	}
	for _, id := range []string{"P-101\n", "P-\x00101", "%", "P-10%"} {
		var g abi.GetAssetResponse
		plugintest.WantCode(t, f.call(abi.OpGetAsset, abi.GetAssetRequest{AssetID: id}, &g), abi.CodeInvalidArgument)
	}
	if f.sim.Stats().Writes != 0 {
		t.Fatal("a read caused a write")
	}
}

func TestWorkOrders(t *testing.T) {
	f := newFixture(t, nil)
	var all abi.ListWorkOrdersResponse
	if err := f.call(abi.OpListWorkOrders, abi.ListWorkOrdersRequest{}, &all); err != nil || len(all.WorkOrders) != len(f.sim.Records(maxsim.OSWorkOrder)) {
		t.Fatalf("all: %v %d", err, len(all.WorkOrders))
	}
	seen := map[abi.Status]bool{}
	for _, w := range all.WorkOrders {
		if err := w.Validate(); err != nil {
			t.Fatal(err)
		}
		seen[w.Status] = true
	}
	if len(seen) != len(abi.Statuses()) {
		t.Fatalf("statuses seen: %v", seen)
	}
	var l abi.ListWorkOrdersResponse
	if err := f.call(abi.OpListWorkOrders, abi.ListWorkOrdersRequest{AssetID: "P-101", Status: abi.StatusInProgress}, &l); err != nil || len(l.WorkOrders) == 0 {
		t.Fatalf("filtered: %v %d", err, len(l.WorkOrders))
	}
	for _, w := range l.WorkOrders {
		if w.AssetID != "P-101" || w.Status != abi.StatusInProgress {
			t.Fatalf("filter leaked %+v", w)
		}
	}
	plugintest.WantCode(t, f.call(abi.OpListWorkOrders, abi.ListWorkOrdersRequest{Status: "bogus"}, &l), abi.CodeInvalidArgument)

	rec := f.sim.Records(maxsim.OSWorkOrder)[0]
	var g abi.WorkOrderResponse
	if err := f.call(abi.OpGetWorkOrder, abi.GetWorkOrderRequest{WorkOrderID: rec["wonum"].(string)}, &g); err != nil {
		t.Fatal(err)
	}
	w := g.WorkOrder
	prio := map[float64]abi.Priority{1: abi.PriorityEmergency, 2: abi.PriorityHigh, 3: abi.PriorityMedium, 4: abi.PriorityLow}[rec["wopriority"].(float64)]
	if w.Priority != prio || w.AssetID != rec["assetnum"] || w.Description != rec["description"] || w.CreatedAt.IsZero() || w.UpdatedAt.Location().String() != "UTC" {
		t.Fatalf("mapping: %+v vs %v", w, rec)
	}
	if want := parseTime(rec["changedate"].(string)); !w.UpdatedAt.Equal(want) || w.CreatedAt.Equal(want) || !w.CreatedAt.Equal(parseTime(rec["reportdate"].(string))) {
		t.Fatalf("dates: created %v updated %v (reportdate %v, changedate %v)", w.CreatedAt, w.UpdatedAt, rec["reportdate"], rec["changedate"])
	}
	if w.AssignedTo == "" {
		t.Fatalf("assigned_to from lead/assignedownergroup: %+v", w)
	}
	plugintest.WantCode(t, f.call(abi.OpGetWorkOrder, abi.GetWorkOrderRequest{WorkOrderID: "WO9999999"}, &g), abi.CodeNotFound)

	var h abi.ListWorkOrdersResponse
	if err := f.call(abi.OpMaintenanceHistory, abi.MaintenanceHistoryRequest{AssetID: "P-101"}, &h); err != nil || len(h.WorkOrders) < 2 {
		t.Fatalf("history: %v %d", err, len(h.WorkOrders))
	}
	for _, w := range h.WorkOrders {
		if w.AssetID != "P-101" || (w.Status != abi.StatusCompleted && w.Status != abi.StatusClosed) {
			t.Fatalf("history leaked %+v", w)
		}
	}
}

func TestWorkOrderWrites(t *testing.T) {
	f := newFixture(t, nil)
	var c abi.WorkOrderResponse
	err := f.call(abi.OpCreateWorkOrder, abi.CreateWorkOrderRequest{ID: "WO-AUTO-1234ABCD", AssetID: "P-101", Description: "Bearing noise", Type: abi.TypePredictive, Priority: abi.PriorityHigh, AssignedTo: "JSMITH"}, &c)
	if err != nil {
		t.Fatal(err)
	}
	w := c.WorkOrder
	if w.ID == "" || w.Status != abi.StatusCreated || w.Type != abi.TypePredictive || w.Priority != abi.PriorityHigh || w.AssignedTo != "JSMITH" || w.AssetID != "P-101" {
		t.Fatalf("created %+v", w)
	}
	rec, _ := f.sim.Record(maxsim.OSWorkOrder, w.ID)
	if rec["worktype"] != "PDM" || rec["wopriority"].(float64) != 2 || rec["externalrefid"] != "WA1234ABCD" {
		t.Fatalf("stored %v", rec)
	}
	var e abi.WorkOrderResponse
	plugintest.WantCode(t, f.call(abi.OpCreateWorkOrder, abi.CreateWorkOrderRequest{AssetID: "NOPE", Description: "x", Type: abi.TypeCorrective, Priority: abi.PriorityLow}, &e), abi.CodeInvalidArgument)

	writes := f.sim.Stats().Writes
	plugintest.WantCode(t, f.call(abi.OpUpdateWorkOrder, abi.UpdateWorkOrderRequest{WorkOrderID: w.ID, Status: abi.StatusClosed}, &e), abi.CodeInvalidArgument)
	plugintest.WantCode(t, f.call(abi.OpCloseWorkOrder, abi.CloseWorkOrderRequest{WorkOrderID: w.ID}, &e), abi.CodeInvalidArgument)
	plugintest.WantCode(t, f.call(abi.OpUpdateWorkOrder, abi.UpdateWorkOrderRequest{WorkOrderID: w.ID}, &e), abi.CodeInvalidArgument)
	if f.sim.Stats().Writes != writes {
		t.Fatal("a refused transition reached Maximo")
	}
	var u abi.WorkOrderResponse
	if err := f.call(abi.OpUpdateWorkOrder, abi.UpdateWorkOrderRequest{WorkOrderID: w.ID, Status: abi.StatusAssigned, AssignedTo: "LCHEN", Description: "Bearing noise, DE side"}, &u); err != nil {
		t.Fatal(err)
	}
	if u.WorkOrder.Status != abi.StatusAssigned || u.WorkOrder.AssignedTo != "LCHEN" || u.WorkOrder.Description != "Bearing noise, DE side" {
		t.Fatalf("updated %+v", u.WorkOrder)
	}
	if err := f.call(abi.OpCancelWorkOrder, abi.CancelWorkOrderRequest{WorkOrderID: w.ID, Reason: "duplicate"}, &u); err != nil || u.WorkOrder.Status != abi.StatusCancelled {
		t.Fatalf("cancel: %v %+v", err, u.WorkOrder)
	}
	if rec, _ := f.sim.Record(maxsim.OSWorkOrder, w.ID); rec["memo"] != "duplicate" {
		t.Fatalf("memo: %v", rec["memo"])
	}
	// close a completed work order; then closed → in_progress is refused.
	var done string
	for _, r := range f.sim.Records(maxsim.OSWorkOrder) {
		if r["status"] == "COMP" {
			done = r["wonum"].(string)
			break
		}
	}
	if err := f.call(abi.OpCloseWorkOrder, abi.CloseWorkOrderRequest{WorkOrderID: done}, &u); err != nil || u.WorkOrder.Status != abi.StatusClosed {
		t.Fatalf("close: %v %+v", err, u.WorkOrder)
	}
	writes = f.sim.Stats().Writes
	plugintest.WantCode(t, f.call(abi.OpUpdateWorkOrder, abi.UpdateWorkOrderRequest{WorkOrderID: done, Status: abi.StatusInProgress}, &e), abi.CodeInvalidArgument)
	if f.sim.Stats().Writes != writes {
		t.Fatal("closed → in_progress reached Maximo")
	}
	plugintest.WantCode(t, f.call(abi.OpUpdateWorkOrder, abi.UpdateWorkOrderRequest{WorkOrderID: "WO0", Status: abi.StatusAssigned}, &e), abi.CodeNotFound)
}

func TestSparePartsAndPlans(t *testing.T) {
	f := newFixture(t, nil)
	var all abi.ListSparePartsResponse
	if err := f.call(abi.OpListSpareParts, abi.ListSparePartsRequest{}, &all); err != nil || len(all.SpareParts) != len(f.sim.Records(maxsim.OSInventory)) {
		t.Fatalf("all parts: %v %d", err, len(all.SpareParts))
	}
	reorder := 0
	for _, p := range all.SpareParts {
		if p.NeedsReorder() {
			reorder++
		}
		if p.UnitCost == nil || *p.UnitCost <= 0 || p.WarehouseLocation == "" || p.LeadTimeDays <= 0 {
			t.Fatalf("part mapping %+v", p)
		}
	}
	if reorder == 0 {
		t.Fatal("no part at its reorder point")
	}
	var bySKU abi.ListSparePartsResponse
	if err := f.call(abi.OpListSpareParts, abi.ListSparePartsRequest{SKU: "SEAL-M32"}, &bySKU); err != nil || len(bySKU.SpareParts) != 1 || bySKU.SpareParts[0].SKU != "SEAL-M32" {
		t.Fatalf("by sku: %v %+v", err, bySKU)
	}
	var byAsset abi.ListSparePartsResponse
	if err := f.call(abi.OpListSpareParts, abi.ListSparePartsRequest{AssetID: "P-101"}, &byAsset); err != nil {
		t.Fatal(err)
	}
	var skus []string
	for _, p := range byAsset.SpareParts {
		skus = append(skus, p.SKU)
		if !slices.Contains(p.CompatibleAssets, "P-101") {
			t.Fatalf("compatible_assets: %+v", p)
		}
	}
	slices.Sort(skus)
	if strings.Join(skus, ",") != "BRG-6205,CPL-L100,IMP-CR32,SEAL-M32" {
		t.Fatalf("parts of P-101: %v", skus)
	}
	var none abi.ListSparePartsResponse
	if err := f.call(abi.OpListSpareParts, abi.ListSparePartsRequest{AssetID: "P-101", SKU: "CB-16A"}, &none); err != nil || len(none.SpareParts) != 0 {
		t.Fatalf("asset ∩ sku: %v %+v", err, none)
	}
	plugintest.WantCode(t, f.call(abi.OpListSpareParts, abi.ListSparePartsRequest{AssetID: "NOPE"}, &none), abi.CodeNotFound)

	var plans abi.GetMaintenancePlanResponse
	if err := f.call(abi.OpGetMaintenancePlan, abi.GetMaintenancePlanRequest{AssetID: "P-101"}, &plans); err != nil || len(plans.Plans) == 0 {
		t.Fatalf("plans: %v %+v", err, plans)
	}
	p := plans.Plans[0]
	if p.AssetID != "P-101" || p.Interval.TotalDays() <= 0 || len(p.Tasks) == 0 || p.ID == "" {
		t.Fatalf("plan mapping %+v", p)
	}
	if err := f.call(abi.OpGetMaintenancePlan, abi.GetMaintenancePlanRequest{}, &plans); err != nil || len(plans.Plans) != len(f.sim.Records(maxsim.OSPM)) {
		t.Fatalf("all plans: %v %d", err, len(plans.Plans))
	}
}

func TestRetries(t *testing.T) {
	f := newFixture(t, nil)
	var g abi.GetAssetResponse
	f.sim.SetFaults(maxsim.Faults{RateLimit: 2, RetryAfter: 0})
	if err := f.call(abi.OpGetAsset, abi.GetAssetRequest{AssetID: "P-101"}, &g); err != nil {
		t.Fatalf("429 then success: %v", err)
	}
	f.sim.SetFaults(maxsim.Faults{Unavailable: 3})
	if err := f.call(abi.OpGetAsset, abi.GetAssetRequest{AssetID: "P-101"}, &g); err != nil {
		t.Fatalf("503×3 then success: %v", err)
	}
	before := f.sim.Stats().Requests
	f.sim.SetFaults(maxsim.Faults{Unavailable: -1})
	plugintest.WantCode(t, f.call(abi.OpGetAsset, abi.GetAssetRequest{AssetID: "P-101"}, &g), abi.CodeUnavailable)
	if n := f.sim.Stats().Requests - before; n != 1+maxRetries {
		t.Fatalf("%d attempts, want %d", n, 1+maxRetries)
	}
	// a POST is never retried on 503.
	before = f.sim.Stats().Writes
	var c abi.WorkOrderResponse
	plugintest.WantCode(t, f.call(abi.OpCreateWorkOrder, abi.CreateWorkOrderRequest{AssetID: "P-101", Description: "x", Type: abi.TypeCorrective, Priority: abi.PriorityLow}, &c), abi.CodeUnavailable)
	if n := f.sim.Stats().Writes - before; n != 1 {
		t.Fatalf("POST sent %d times", n)
	}
	// a Retry-After longer than the cap is not waited for.
	f.sim.SetFaults(maxsim.Faults{RateLimit: -1, RetryAfter: 120})
	plugintest.WantCode(t, f.call(abi.OpGetAsset, abi.GetAssetRequest{AssetID: "P-101"}, &g), abi.CodeUnavailable)
	f.sim.SetFaults(maxsim.Faults{Malformed: 1})
	plugintest.WantCode(t, f.call(abi.OpGetAsset, abi.GetAssetRequest{AssetID: "P-101"}, &g), abi.CodeUpstream)
}

func TestNotLean(t *testing.T) {
	f := newFixture(t, map[string]any{"lean": false})
	var l abi.ListAssetsResponse
	if err := f.call(abi.OpListAssets, abi.ListAssetsRequest{}, &l); err != nil || len(l.Assets) != len(f.sim.Records(maxsim.OSAsset)) || l.Assets[0].Name == "" {
		t.Fatalf("non-lean: %v %d", err, len(l.Assets))
	}
	var c abi.WorkOrderResponse
	if err := f.call(abi.OpCreateWorkOrder, abi.CreateWorkOrderRequest{AssetID: "P-101", Description: "x", Type: abi.TypeCorrective, Priority: abi.PriorityLow}, &c); err != nil || c.WorkOrder.ID == "" {
		t.Fatalf("non-lean create: %v %+v", err, c)
	}
}

func TestSiteFilter(t *testing.T) {
	f := newFixture(t, map[string]any{"site_id": "OTHER"})
	var l abi.ListAssetsResponse
	if err := f.call(abi.OpListAssets, abi.ListAssetsRequest{}, &l); err != nil || len(l.Assets) != 0 {
		t.Fatalf("other site: %v %d", err, len(l.Assets))
	}
	f = newFixture(t, map[string]any{"site_id": maxsim.SiteID})
	if err := f.call(abi.OpListAssets, abi.ListAssetsRequest{}, &l); err != nil || len(l.Assets) != len(f.sim.Records(maxsim.OSAsset)) {
		t.Fatalf("site: %v %d", err, len(l.Assets))
	}
}

func TestParseTime(t *testing.T) {
	for in, want := range map[string]string{
		"2024-03-01T10:00:00+01:00":     "2024-03-01T09:00:00Z",
		"2024-03-01T10:00:00-00:00":     "2024-03-01T10:00:00Z",
		"2024-03-01T10:00:00Z":          "2024-03-01T10:00:00Z",
		"2024-03-01T10:00:00.123-05:00": "2024-03-01T15:00:00.123Z",
		"2024-03-01T10:00:00":           "2024-03-01T10:00:00Z",
		"2024-03-01":                    "2024-03-01T00:00:00Z",
	} {
		if got := parseTime(in).Format(time.RFC3339Nano); got != want {
			t.Errorf("parseTime(%q) = %s, want %s", in, got, want)
		}
	}
	if !parseTime("yesterday").IsZero() || !parseTime("").IsZero() {
		t.Error("garbage parsed")
	}
}
