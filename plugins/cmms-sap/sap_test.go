package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/internal/plugintest"
	sapsim "github.com/machina-go/machina/internal/sim/sap"
	"github.com/machina-go/machina/pdk"
	"github.com/machina-go/machina/pdk/pdktest"
)

// fixture is the connector running natively against the simulator over
// loopback. pdktest plays the host: an http.Client with a cookie jar (the
// host's per-plugin jar keeps SAP's session cookies) and an Auth callback
// attaching basic credentials or an OAuth2 bearer it fetched itself.
type fixture struct {
	t    *testing.T
	sim  *sapsim.Server
	url  string // simulator origin
	auth sapsim.Auth
	host *pdktest.Host
	r    *pdk.Runner

	mu     sync.Mutex
	bearer string
}

func newFixture(t *testing.T, opts sapsim.Options, cfg map[string]any) *fixture {
	t.Helper()
	defaultAuth(t, &opts, sapsim.AuthBasic)
	if opts.SAPClient == "" {
		opts.SAPClient = "100"
	}
	opts.RequireIfMatch = true // every PATCH must carry the order's ETag
	sim, err := sapsim.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, sim: sim, url: ts.URL, auth: opts.Auth,
		r: pdk.NewCMMS(info(), &sapPM{})}
	f.host = &pdktest.Host{Manifest: manifest, Client: &http.Client{Jar: jar, Timeout: 30 * time.Second}, Auth: f.attach}
	conf := map[string]any{"base_url": ts.URL + sapsim.BasePath, "sap_client": "100", "retry_base_ms": 1, "bom_equipment_field": "Equipment"}
	for k, v := range cfg {
		if v == nil {
			delete(conf, k)
			continue
		}
		conf[k] = v
	}
	if p, ok := conf["base_url"].(string); ok && strings.HasPrefix(p, "/") {
		conf["base_url"] = ts.URL + p // a gateway base path on the simulator
	}
	if err := pdktest.Init(context.Background(), f.host, f.r, conf); err != nil {
		t.Fatalf("init: %v", err)
	}
	return f
}

// attach plays the host's auth profile.
func (f *fixture) attach(r *http.Request) {
	switch f.auth.Mode {
	case sapsim.AuthBasic:
		r.SetBasicAuth(f.auth.Username, f.auth.Password)
	case sapsim.AuthOAuth2:
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.bearer == "" {
			f.bearer = fetchToken(f.t, f.url, f.auth)
		}
		r.Header.Set("Authorization", "Bearer "+f.bearer)
	}
}

func fetchToken(t *testing.T, base string, a sapsim.Auth) string {
	req, _ := http.NewRequest("POST", base+sapsim.TokenPath, strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(a.ClientID), url.QueryEscape(a.ClientSecret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return ""
	}
	defer resp.Body.Close()
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil || resp.StatusCode != 200 {
		t.Errorf("token: %d %v", resp.StatusCode, err)
	}
	return tr.AccessToken
}

func (f *fixture) call(op abi.OpName, req, resp any) error {
	f.t.Helper()
	return pdktest.Invoke(context.Background(), f.host, f.r, string(op), req, resp)
}

func TestDescriptorServesEveryCMMSOperation(t *testing.T) {
	plugintest.ServesKind(t, pdk.NewCMMS(info(), &sapPM{}).Operations(), abi.KindCMMS, abi.OpVendorUpdateAttributes) // the Maximo vendor tool
}

func TestInitRejectsBadConfig(t *testing.T) {
	r := pdk.NewCMMS(info(), &sapPM{})
	h := &pdktest.Host{Manifest: manifest}
	plugintest.RejectsConfigs(t, func(cfg map[string]any) error { return pdktest.Init(context.Background(), h, r, cfg) }, []map[string]any{
		{},
		{"base_url": "ftp://x"},
		{"base_url": "http://u:p@x/sap"},
		{"base_url": "http://x", "odata_version": "v3"},
		{"base_url": "http://x", "sap_client": "1x0"},
		{"base_url": "http://x", "page_size": 100000},
		{"base_url": "http://x", "bom_entity_set": "Item') or ('"},
		{"base_url": "http://x", "bom_equipment_field": "Equipment eq 1"},
		{"base_url": "http://x", "bom_service": "../admin"},
	})
}

func TestHealthAndSAPClient(t *testing.T) {
	f := newFixture(t, sapsim.Options{}, nil)
	var h abi.HealthResponse
	if err := f.call(abi.OpHealth, abi.HealthRequest{}, &h); err != nil || h.Status != abi.HealthHealthy || h.Details["notifications"] != "available" {
		t.Fatalf("health: %v %+v", err, h)
	}
	// a wrong sap-client is a failed logon (401), a missing one a 400
	for _, client := range []any{"200", nil} {
		g := newFixture(t, sapsim.Options{}, map[string]any{"sap_client": client})
		if err := g.call(abi.OpHealth, abi.HealthRequest{}, &h); err != nil || h.Status != abi.HealthUnhealthy {
			t.Fatalf("health with client %v: %v %+v", client, err, h)
		}
		var l abi.ListAssetsResponse
		code := abi.CodeUnauthorized
		if client == nil {
			code = abi.CodeUpstream
		}
		plugintest.WantCode(t, g.call(abi.OpListAssets, abi.ListAssetsRequest{}, &l), code)
	}
	f.auth.Password = "wrong"
	if err := f.call(abi.OpHealth, abi.HealthRequest{}, &h); err != nil || h.Status != abi.HealthUnhealthy || !strings.Contains(h.Message, "authentication") {
		t.Fatalf("health with a wrong password: %v %+v", err, h)
	}
}

// Both protocol versions, with the version configured and detected.
func TestBothODataVersions(t *testing.T) {
	for _, v := range []string{sapsim.V2, sapsim.V4} {
		for _, mode := range []string{v, odataAuto} {
			t.Run(v+"/"+mode, func(t *testing.T) {
				f := newFixture(t, sapsim.Options{ODataVersion: v}, map[string]any{"odata_version": mode, "page_size": 25})
				var l abi.ListAssetsResponse
				if err := f.call(abi.OpListAssets, abi.ListAssetsRequest{}, &l); err != nil {
					t.Fatal(err)
				}
				if len(l.Assets) != len(f.sim.Records(sapsim.SetEquipment)) || len(l.Assets) < 50 || l.Truncated {
					t.Fatalf("got %d assets, truncated %v", len(l.Assets), l.Truncated)
				}
				for _, a := range l.Assets {
					if err := a.Validate(); err != nil {
						t.Fatal(err)
					}
				}
				checkAssetMapping(t, f)
				var w abi.WorkOrderResponse
				if err := f.call(abi.OpGetWorkOrder, abi.GetWorkOrderRequest{WorkOrderID: "4000001"}, &w); err != nil {
					t.Fatal(err)
				}
				// corpus order 4000001 (SOURCES.md): basic start 2017-07-26,
				// last change 2018-11-21T11:50:49Z
				if w.WorkOrder.CreatedAt.Format("2006-01-02") != "2017-07-26" || w.WorkOrder.UpdatedAt.Format(time.RFC3339) != "2018-11-21T11:50:49Z" || w.WorkOrder.Type != abi.TypeCorrective {
					t.Fatalf("dates/type: %+v", w.WorkOrder)
				}
				// a status filter returns exactly the orders that read with
				// that status, and each corpus order under its expected one
				var all abi.ListWorkOrdersResponse
				if err := f.call(abi.OpListWorkOrders, abi.ListWorkOrdersRequest{}, &all); err != nil {
					t.Fatal(err)
				}
				for _, st := range abi.Statuses() {
					var lw abi.ListWorkOrdersResponse
					if err := f.call(abi.OpListWorkOrders, abi.ListWorkOrdersRequest{Status: st}, &lw); err != nil {
						t.Fatal(err)
					}
					want := map[string]bool{}
					for _, wo := range all.WorkOrders {
						if wo.Status == st {
							want[wo.ID] = true
						}
					}
					got := map[string]bool{}
					for _, wo := range lw.WorkOrders {
						got[wo.ID] = true
					}
					for _, c := range corpusOrders {
						if (c.status == st) != got[c.id] {
							t.Fatalf("status %s: corpus order %s (expected %s) filtered %v", st, c.id, c.status, got[c.id])
						}
					}
					if len(got) != len(want) || len(want) == 0 {
						t.Fatalf("status %s: got %d, want %d", st, len(got), len(want))
					}
				}
			})
		}
	}
}

func checkAssetMapping(t *testing.T, f *fixture) {
	t.Helper()
	var g abi.GetAssetResponse
	if err := f.call(abi.OpGetAsset, abi.GetAssetRequest{AssetID: "10000002"}, &g); err != nil {
		t.Fatal(err)
	}
	rec, _ := f.sim.Record(sapsim.SetEquipment, "10000002")
	a := g.Asset
	if a.ID != "10000002" || a.Name != rec["EquipmentName"] || a.Type != abi.AssetElectrical || a.Parent != "10000001" ||
		a.Location != rec["FunctionalLocation"] || a.Manufacturer != "Siemens" || a.Model != rec["ManufacturerPartTypeName"] ||
		a.SerialNumber != rec["ManufacturerSerialNumber"] || len(a.InstallDate) != 10 || string(a.Criticality) != rec["ABCIndicator"] {
		t.Fatalf("mapping: %+v", a)
	}
	if a.InstallDate != rec["OperationStartDate"].(time.Time).Format("2006-01-02") {
		t.Fatalf("install date %s", a.InstallDate)
	}
	if a.Metadata["ZZ_AreaCode"] == nil || a.Metadata["EquipmentName"] != nil || a.Metadata["__metadata"] != nil {
		t.Fatalf("metadata: %v", a.Metadata)
	}
	plugintest.WantCode(t, f.call(abi.OpGetAsset, abi.GetAssetRequest{AssetID: "99999999"}, &g), abi.CodeNotFound)
}

func TestPaging(t *testing.T) {
	f := newFixture(t, sapsim.Options{}, map[string]any{"page_size": 7})
	total := len(f.sim.Records(sapsim.SetEquipment))
	before := f.sim.Stats().Reads
	var l abi.ListAssetsResponse
	if err := f.call(abi.OpListAssets, abi.ListAssetsRequest{}, &l); err != nil || len(l.Assets) != total {
		t.Fatalf("client paging: %v %d", err, len(l.Assets))
	}
	if pages := f.sim.Stats().Reads - before; pages != int64(total/7+1) {
		t.Fatalf("read %d pages, want %d", pages, total/7+1)
	}
	seen := map[string]bool{}
	for _, a := range l.Assets {
		if seen[a.ID] {
			t.Fatalf("duplicate %s", a.ID)
		}
		seen[a.ID] = true
	}
	if err := f.call(abi.OpListAssets, abi.ListAssetsRequest{Limit: 15}, &l); err != nil || len(l.Assets) != 15 || !l.Truncated {
		t.Fatalf("limit: %v %d %v", err, len(l.Assets), l.Truncated)
	}
	// server-driven paging (__next / @odata.nextLink) inside a client window
	for _, v := range []string{sapsim.V2, sapsim.V4} {
		g := newFixture(t, sapsim.Options{ODataVersion: v, ServerPageSize: 4}, map[string]any{"page_size": 10})
		if err := g.call(abi.OpListAssets, abi.ListAssetsRequest{}, &l); err != nil || len(l.Assets) != total {
			t.Fatalf("%s server paging: %v %d", v, err, len(l.Assets))
		}
	}
}

func TestMaxRowsCap(t *testing.T) {
	f := newFixture(t, sapsim.Options{}, map[string]any{"max_rows": 12, "page_size": 5})
	var l abi.ListAssetsResponse
	e := plugintest.WantCode(t, f.call(abi.OpListAssets, abi.ListAssetsRequest{}, &l), abi.CodeInvalidArgument)
	if !strings.Contains(e.Message, "narrow the query with a $filter") {
		t.Fatalf("message: %s", e.Message)
	}
	// a limit under the cap truncates instead
	if err := f.call(abi.OpListAssets, abi.ListAssetsRequest{Limit: 10}, &l); err != nil || len(l.Assets) != 10 || !l.Truncated {
		t.Fatalf("limit under cap: %v %d %v", err, len(l.Assets), l.Truncated)
	}
	// an oversized page (the server ignores $top) is capped too
	f.sim.SetFaults(sapsim.Faults{Oversized: 1, OversizedBytes: 200000})
	plugintest.WantCode(t, f.call(abi.OpListAssets, abi.ListAssetsRequest{}, &l), abi.CodeInvalidArgument)
	f.sim.SetFaults(sapsim.Faults{Oversized: 1})
	if err := f.call(abi.OpListAssets, abi.ListAssetsRequest{Limit: 3}, &l); err != nil || len(l.Assets) != 3 || !l.Truncated {
		t.Fatalf("oversized with limit: %v %d", err, len(l.Assets))
	}
}

// Values interpolated into $filter and key predicates are escaped: quotes
// and operators in an id stay inside one literal and never widen a query.
func TestHostileIDsDoNotWidenQueries(t *testing.T) {
	for _, v := range []string{sapsim.V2, sapsim.V4} {
		f := newFixture(t, sapsim.Options{ODataVersion: v}, nil)
		for _, id := range []string{
			`10000001' or Equipment ne '`,
			`10000001') or (Equipment ne '`,
			`'`, `''`, `x' or '1' eq '1`,
			`10000001' and substringof('1',Equipment) or Equipment ne '`,
		} {
			var g abi.GetAssetResponse
			plugintest.WantCode(t, f.call(abi.OpGetAsset, abi.GetAssetRequest{AssetID: id}, &g), abi.CodeNotFound)
			var l abi.ListWorkOrdersResponse
			if err := f.call(abi.OpListWorkOrders, abi.ListWorkOrdersRequest{AssetID: id}, &l); err != nil || len(l.WorkOrders) != 0 {
				t.Fatalf("orders for %q: %v, %d rows", id, err, len(l.WorkOrders))
			}
			var w abi.WorkOrderResponse
			plugintest.WantCode(t, f.call(abi.OpGetWorkOrder, abi.GetWorkOrderRequest{WorkOrderID: id}, &w), abi.CodeNotFound)
			var sp abi.ListSparePartsResponse
			if err := f.call(abi.OpListSpareParts, abi.ListSparePartsRequest{SKU: id}, &sp); err != nil || len(sp.SpareParts) != 0 {
				t.Fatalf("parts for %q: %v %d", id, err, len(sp.SpareParts))
			}
			var p abi.GetMaintenancePlanResponse
			if err := f.call(abi.OpGetMaintenancePlan, abi.GetMaintenancePlanRequest{AssetID: id}, &p); err != nil || len(p.Plans) != 0 {
				t.Fatalf("plans for %q: %v %d", id, err, len(p.Plans))
			}
			plugintest.WantCode(t, f.call(abi.OpUpdateWorkOrder, abi.UpdateWorkOrderRequest{WorkOrderID: id, Description: "x"}, &w), abi.CodeNotFound)
		}
		writes := f.sim.Stats().Writes
		for _, id := range []string{"1000\n0001", "1000\x000001", "a\x7fb", " ", "\u0085x", strings.Repeat("1", 300)} {
			var g abi.GetAssetResponse
			plugintest.WantCode(t, f.call(abi.OpGetAsset, abi.GetAssetRequest{AssetID: id}, &g), abi.CodeInvalidArgument)
			var w abi.WorkOrderResponse
			plugintest.WantCode(t, f.call(abi.OpCancelWorkOrder, abi.CancelWorkOrderRequest{WorkOrderID: id}, &w), abi.CodeInvalidArgument)
		}
		if f.sim.Stats().Writes != writes {
			t.Fatal("a hostile id reached a write")
		}
	}
}

func TestODataLiteral(t *testing.T) {
	got, err := odataLiteral("id", `10000001' or Equipment ne '`)
	if err != nil || got != `'10000001'' or Equipment ne '''` {
		t.Fatalf("%q %v", got, err)
	}
}

// The reference precedence DLFL > CLSD > TECO > CNF > PCNF > REL > CRTD
// (machina-spec §6.2; SAP Help documents the life cycle it orders) on
// SystemStatusText as SAP pads it; codes that are not life-cycle states
// do not count, and a status without any life-cycle code is not found.
func TestSystemStatusPrecedence(t *testing.T) {
	for in, want := range map[string]abi.Status{
		"CRTD": abi.StatusCreated, "CRTD MANC": abi.StatusCreated, "CRTD REL MANC": abi.StatusAssigned,
		"REL  PCNF": abi.StatusInProgress, "REL  PCNF CNF": abi.StatusCompleted, "REL  CNF  TECO": abi.StatusClosed,
		"TECO CLSD": abi.StatusClosed, "REL  CNF  DLFL": abi.StatusCancelled, "CLSD DLFL": abi.StatusCancelled,
		"rel  pcnf": abi.StatusInProgress, "REL  CNF  GMPS JBFI MANC PRC  SETC TTJL": abi.StatusCompleted,
	} {
		if got := parseSystemStatus(in, nil); got.status != want || !got.found {
			t.Errorf("%q: got %+v, want %s", in, got, want)
		}
	}
	for _, in := range []string{"", "NMAT", "MANC PRC  SETC"} {
		if got := parseSystemStatus(in, nil); got.found {
			t.Errorf("%q: found %s", in, got.status)
		}
	}
	// a German logon's short texts, through site aliases
	if got := parseSystemStatus("FREI TABG", map[string]string{"FREI": "REL", "TABG": "TECO"}); got.status != abi.StatusClosed {
		t.Errorf("aliases: %+v", got)
	}
}

// The process phase is read when an order has no life-cycle code, through
// the site's process_phase_map (SAP has not published the code values);
// an unmapped phase or status is flagged.
func TestProcessPhase(t *testing.T) {
	m, err := newMapper(settings{ProcessPhaseMap: map[string]string{"04": "in_progress"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	w := m.mapWorkOrder(ctx, map[string]any{"MaintenanceOrder": "1", "MaintOrdProcessPhaseCode": "04"}, time.Now())
	if w.Status != abi.StatusInProgress || w.Metadata["unmapped"] != nil || w.Metadata["status_source"] != "MaintOrdProcessPhaseCode" {
		t.Errorf("mapped phase: %s %v", w.Status, w.Metadata)
	}
	w = m.mapWorkOrder(ctx, map[string]any{"MaintenanceOrder": "1", "MaintOrdProcessPhaseCode": "09"}, time.Now())
	if u, _ := w.Metadata["unmapped"].(map[string]any); w.Status != abi.StatusCreated || u[kindProcessPhase] != "09" {
		t.Errorf("unmapped phase: %s %v", w.Status, w.Metadata)
	}
	w = m.mapWorkOrder(ctx, map[string]any{"MaintenanceOrder": "1", "SystemStatusText": "REL", "MaintOrdProcessPhaseCode": "04"}, time.Now())
	if w.Status != abi.StatusAssigned {
		t.Errorf("the system status must win over the phase: %s", w.Status)
	}
	w = m.mapWorkOrder(ctx, map[string]any{"MaintenanceOrder": "1"}, time.Now())
	if u, _ := w.Metadata["unmapped"].(map[string]any); w.Status != abi.StatusCreated || w.Metadata["status_source"] != "none" || len(u) != 1 {
		t.Errorf("no status at all: %s %v", w.Status, w.Metadata)
	}
}

func TestDates(t *testing.T) {
	want := time.Date(2024, 3, 1, 12, 30, 0, 0, time.UTC)
	for _, in := range []string{"/Date(1709296200000)/", "/Date(1709296200000+0060)/", "2024-03-01T12:30:00Z", "2024-03-01T13:30:00+01:00", "2024-03-01T12:30:00"} {
		got, ok := parseDate(in)
		if !ok || !got.Equal(want) {
			t.Errorf("%s: %v %v", in, got, ok)
		}
	}
	for _, in := range []string{"2024-03-01", "20240301"} {
		if got, ok := parseDate(in); !ok || got.Format("2006-01-02") != "2024-03-01" {
			t.Errorf("%s: %v", in, got)
		}
	}
	for _, in := range []string{"", "soon", "/Date(x)/", "00000000"} {
		if _, ok := parseDate(in); ok {
			t.Errorf("%q parsed", in)
		}
	}
	now := time.Now().UTC()
	m, _ := newMapper(settings{})
	w := m.mapWorkOrder(context.Background(), map[string]any{"MaintenanceOrder": "1", "CreationDate": "garbage"}, now)
	if !w.CreatedAt.Equal(now) || !w.UpdatedAt.Equal(now) {
		t.Fatal("unparseable dates must map to now")
	}
}

// The reference's tables (machina-spec §6.2) where SAP does not
// contradict them; P and S are SAP's production resources/tools and
// customer equipment (SAP Help, EQCAT), so they are unmapped by default.
func TestMappings(t *testing.T) {
	m, _ := newMapper(settings{})
	ctx := context.Background()
	w := m.mapWorkOrder(ctx, map[string]any{"MaintenanceOrder": "7", "MaintenanceOrderType": "PM03", "MaintPriority": "1", "Equipment": "E1",
		"MaintenanceActivityType": "002", "ZZ_X": "1"}, time.Now())
	if w.Type != abi.TypePredictive || w.Priority != abi.PriorityEmergency || w.FailureMode != "" || w.Metadata["activity_type"] != "002" || w.Metadata["ZZ_X"] != "1" {
		t.Fatalf("%+v", w)
	}
	for code, want := range map[string]abi.WorkOrderType{"PM01": abi.TypeCorrective, "PM02": abi.TypePreventive, "PM04": abi.TypeImprovement, "ZZ": abi.TypeCorrective} {
		if got := m.mapWorkOrder(ctx, map[string]any{"MaintenanceOrderType": code}, time.Now()); got.Type != want {
			t.Errorf("%s: %s", code, got.Type)
		}
	}
	for cat, want := range map[string]abi.AssetType{"M": abi.AssetRotating, "E": abi.AssetElectrical, "I": abi.AssetInstrument, "H": abi.AssetHVAC} {
		if got := m.mapAsset(ctx, map[string]any{"Equipment": "1", "EquipmentCategory": cat}); got.Type != want || got.Metadata["unmapped"] != nil {
			t.Errorf("%s: %s %v", cat, got.Type, got.Metadata)
		}
	}
	for _, cat := range []string{"P", "S", "X"} {
		if got := m.mapAsset(ctx, map[string]any{"Equipment": "1", "EquipmentCategory": cat}); got.Type != abi.AssetRotating || got.Metadata["unmapped"].(map[string]any)[kindEquipmentCategory] != cat {
			t.Errorf("%s: %s %v", cat, got.Type, got.Metadata)
		}
	}
	p := mapPlan(map[string]any{"MaintenancePlan": "1", "MaintPlanCycleValue": "2", "MaintPlanCycleUnit": "WK", "MaintenancePlanStatus": "INAC"})
	if p.Interval.Weeks != 2 || p.Active {
		t.Fatalf("%+v", p)
	}
	sp := mapSparePart(map[string]any{"Material": "M1", "Quantity": "4", "Price": 3.5, "Plant": "1010"}, "BillOfMaterialComponent", "")
	if sp.SKU != "M1" || *sp.StockQuantity != 4 || *sp.UnitCost != 3.5 || sp.WarehouseLocation != "1010" {
		t.Fatalf("%+v", sp)
	}
}

// The whole life cycle through SAP: create (CRTD), release (REL), partial
// confirmation (PCNF), confirmation (CNF), close (TECO), and cancellation
// (DLFL), with the transition checked before any write.
func TestWriteLifeCycle(t *testing.T) {
	for _, v := range []string{sapsim.V2, sapsim.V4} {
		f := newFixture(t, sapsim.Options{ODataVersion: v}, map[string]any{"odata_version": v})
		var w abi.WorkOrderResponse
		if err := f.call(abi.OpCreateWorkOrder, abi.CreateWorkOrderRequest{AssetID: "10000001", Description: "Replace seal", Type: abi.TypePreventive, Priority: abi.PriorityHigh, AssignedTo: "JSMITH"}, &w); err != nil {
			t.Fatal(err)
		}
		id := w.WorkOrder.ID
		if id == "" || w.WorkOrder.Status != abi.StatusCreated || w.WorkOrder.Type != abi.TypePreventive || w.WorkOrder.Priority != abi.PriorityHigh || w.WorkOrder.AssignedTo != "JSMITH" {
			t.Fatalf("created: %+v", w.WorkOrder)
		}
		writes := f.sim.Stats().Writes
		plugintest.WantCode(t, f.call(abi.OpCloseWorkOrder, abi.CloseWorkOrderRequest{WorkOrderID: id}, &w), abi.CodeInvalidArgument)
		if f.sim.Stats().Writes != writes {
			t.Fatal("an invalid transition reached SAP")
		}
		for _, st := range []abi.Status{abi.StatusAssigned, abi.StatusInProgress, abi.StatusCompleted} {
			if err := f.call(abi.OpUpdateWorkOrder, abi.UpdateWorkOrderRequest{WorkOrderID: id, Status: st}, &w); err != nil || w.WorkOrder.Status != st {
				t.Fatalf("to %s: %v %+v", st, err, w.WorkOrder)
			}
		}
		if err := f.call(abi.OpCloseWorkOrder, abi.CloseWorkOrderRequest{WorkOrderID: id}, &w); err != nil || w.WorkOrder.Status != abi.StatusClosed {
			t.Fatalf("close: %v %+v", err, w.WorkOrder)
		}
		rec, _ := f.sim.Record(sapsim.SetOrder, id)
		if rec["SystemStatusText"] != "REL  CNF  TECO" {
			t.Fatalf("system status %q", rec["SystemStatusText"])
		}
		if err := f.call(abi.OpCreateWorkOrder, abi.CreateWorkOrderRequest{AssetID: "10000003", Description: "Check"}, &w); err != nil {
			t.Fatal(err)
		}
		if err := f.call(abi.OpCancelWorkOrder, abi.CancelWorkOrderRequest{WorkOrderID: w.WorkOrder.ID, Reason: "duplicate"}, &w); err != nil || w.WorkOrder.Status != abi.StatusCancelled {
			t.Fatalf("cancel: %v %+v", err, w.WorkOrder)
		}
		if err := f.call(abi.OpUpdateWorkOrder, abi.UpdateWorkOrderRequest{WorkOrderID: "4000001", Description: "New text", AssignedTo: "MKOWALSKI"}, &w); err != nil ||
			w.WorkOrder.Description != "New text" || w.WorkOrder.AssignedTo != "MKOWALSKI" {
			t.Fatalf("update fields: %v %+v", err, w.WorkOrder)
		}
		plugintest.WantCode(t, f.call(abi.OpCreateWorkOrder, abi.CreateWorkOrderRequest{AssetID: "NOPE", Description: "x"}, &w), abi.CodeInvalidArgument)
		plugintest.WantCode(t, f.call(abi.OpUpdateWorkOrder, abi.UpdateWorkOrderRequest{WorkOrderID: "4000001"}, &w), abi.CodeInvalidArgument)
		if s := f.sim.Stats(); s.CSRFFetches != 1 {
			t.Fatalf("the CSRF token should be fetched once per session and reused: %+v", s)
		}
	}
}

// The token expires mid-session: the next write gets 403 Required, the
// plugin fetches a new token and retries exactly once, and succeeds.
func TestCSRFExpiryMidSession(t *testing.T) {
	now := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	f := newFixture(t, sapsim.Options{CSRFTTL: 10 * time.Minute, Now: clock}, nil)
	var w abi.WorkOrderResponse
	if err := f.call(abi.OpUpdateWorkOrder, abi.UpdateWorkOrderRequest{WorkOrderID: "4000001", Description: "first"}, &w); err != nil {
		t.Fatal(err)
	}
	for i, expire := range []func(){
		func() { mu.Lock(); now = now.Add(11 * time.Minute); mu.Unlock() }, // TTL
		f.sim.ExpireCSRF, // on demand
	} {
		expire()
		before := f.sim.Stats()
		if err := f.call(abi.OpUpdateWorkOrder, abi.UpdateWorkOrderRequest{WorkOrderID: "4000001", Description: "again"}, &w); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		after := f.sim.Stats()
		if after.CSRFRejected-before.CSRFRejected != 1 || after.CSRFFetches-before.CSRFFetches != 1 ||
			after.Writes-before.Writes != 2 || after.WritesDone-before.WritesDone != 1 {
			t.Fatalf("case %d: want one rejection, one refetch, two write attempts: %+v → %+v", i, before, after)
		}
	}
}

// A second 403 after the refetch is a clear error, never a loop.
func TestCSRFSecondRejectionIsAnError(t *testing.T) {
	f := newFixture(t, sapsim.Options{}, nil)
	f.sim.SetFaults(sapsim.Faults{CSRFReject: -1})
	before := f.sim.Stats()
	var w abi.WorkOrderResponse
	e := plugintest.WantCode(t, f.call(abi.OpCreateWorkOrder, abi.CreateWorkOrderRequest{AssetID: "10000001", Description: "x"}, &w), abi.CodeUnauthorized)
	if !strings.Contains(e.Message, "again after fetching a new one") {
		t.Fatalf("message: %s", e.Message)
	}
	after := f.sim.Stats()
	if after.Writes-before.Writes != 2 || after.WritesDone != before.WritesDone || after.CSRFFetches-before.CSRFFetches != 2 {
		t.Fatalf("want exactly two write attempts: %+v → %+v", before, after)
	}
}

// Without a cookie jar the token is not bound to any session: against a
// strict gateway (SAP's behaviour: the token is bound to the session and
// anti-XSRF cookies of the fetch) each write attempt is refused with 403
// Required, the plugin re-fetches once and gives up with an error naming
// the cookies, never a loop. A lenient gateway accepts the same client,
// which is why the host keeps a per-plugin cookie jar.
func TestCSRFWithoutCookieJar(t *testing.T) {
	f := newFixture(t, sapsim.Options{}, nil)
	f.host.Client = &http.Client{Timeout: 30 * time.Second}
	before := f.sim.Stats()
	var w abi.WorkOrderResponse
	e := plugintest.WantCode(t, f.call(abi.OpCreateWorkOrder, abi.CreateWorkOrderRequest{AssetID: "10000001", Description: "x"}, &w), abi.CodeUnauthorized)
	if !strings.Contains(e.Message, "session cookies") {
		t.Fatalf("message: %s", e.Message)
	}
	after := f.sim.Stats()
	if after.CSRFFetches-before.CSRFFetches != 2 || after.Writes-before.Writes != 2 || after.CSRFRejected-before.CSRFRejected != 2 || after.WritesDone != before.WritesDone {
		t.Fatalf("want two fetches, two refused writes: %+v → %+v", before, after)
	}
	g := newFixture(t, sapsim.Options{LenientCSRF: true}, nil)
	g.host.Client = &http.Client{Timeout: 30 * time.Second}
	if err := g.call(abi.OpCreateWorkOrder, abi.CreateWorkOrderRequest{AssetID: "10000001", Description: "x"}, &w); err != nil {
		t.Fatalf("lenient gateway: %v", err)
	}
}

func TestFaults(t *testing.T) {
	f := newFixture(t, sapsim.Options{}, nil)
	var l abi.ListAssetsResponse
	f.sim.SetFaults(sapsim.Faults{Unavailable: 2})
	if err := f.call(abi.OpListAssets, abi.ListAssetsRequest{Limit: 5}, &l); err != nil || len(l.Assets) != 5 {
		t.Fatalf("503 retried: %v", err)
	}
	f.sim.SetFaults(sapsim.Faults{RateLimit: 1, RetryAfter: 0})
	if err := f.call(abi.OpListAssets, abi.ListAssetsRequest{Limit: 5}, &l); err != nil {
		t.Fatalf("429 retried: %v", err)
	}
	f.sim.SetFaults(sapsim.Faults{Unavailable: -1})
	plugintest.WantCode(t, f.call(abi.OpListAssets, abi.ListAssetsRequest{}, &l), abi.CodeUnavailable)
	f.sim.SetFaults(sapsim.Faults{Malformed: 1})
	plugintest.WantCode(t, f.call(abi.OpListAssets, abi.ListAssetsRequest{}, &l), abi.CodeUpstream)
	// a POST is not retried on 503 (not idempotent)
	var w abi.WorkOrderResponse
	if err := f.call(abi.OpGetWorkOrder, abi.GetWorkOrderRequest{WorkOrderID: "4000001"}, &w); err != nil {
		t.Fatal(err)
	}
	f.sim.SetFaults(sapsim.Faults{})
	if err := f.call(abi.OpUpdateWorkOrder, abi.UpdateWorkOrderRequest{WorkOrderID: "4000001", Description: "warm"}, &w); err != nil {
		t.Fatal(err)
	}
	before := f.sim.Stats()
	f.sim.SetFaults(sapsim.Faults{Unavailable: 1})
	plugintest.WantCode(t, f.call(abi.OpCreateWorkOrder, abi.CreateWorkOrderRequest{AssetID: "10000001", Description: "x"}, &w), abi.CodeUnavailable)
	if d := f.sim.Stats().Writes - before.Writes; d != 1 {
		t.Fatalf("POST sent %d times", d)
	}
}

func TestOAuth2(t *testing.T) {
	a, err := sapsim.GenerateAuth(sapsim.AuthOAuth2)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, sapsim.Options{Auth: a, ODataVersion: sapsim.V4}, nil)
	var l abi.ListAssetsResponse
	if err := f.call(abi.OpListAssets, abi.ListAssetsRequest{Limit: 3}, &l); err != nil || len(l.Assets) != 3 {
		t.Fatal(err)
	}
	var w abi.WorkOrderResponse
	if err := f.call(abi.OpCreateWorkOrder, abi.CreateWorkOrderRequest{AssetID: "10000001", Description: "x"}, &w); err != nil {
		t.Fatal(err)
	}
	f.sim.ExpireAccessTokens()
	plugintest.WantCode(t, f.call(abi.OpListAssets, abi.ListAssetsRequest{}, &l), abi.CodeUnauthorized)
}

func TestSpareParts(t *testing.T) {
	f := newFixture(t, sapsim.Options{}, nil)
	var sp abi.ListSparePartsResponse
	if err := f.call(abi.OpListSpareParts, abi.ListSparePartsRequest{AssetID: "10000001"}, &sp); err != nil || len(sp.SpareParts) == 0 {
		t.Fatalf("by asset: %v %d", err, len(sp.SpareParts))
	}
	for _, p := range sp.SpareParts {
		if len(p.CompatibleAssets) != 1 || p.CompatibleAssets[0] != "10000001" || p.Name == "" || p.UnitCost == nil || *p.UnitCost <= 0 || p.WarehouseLocation != "0001" {
			t.Fatalf("part %+v", p)
		}
	}
	if err := f.call(abi.OpListSpareParts, abi.ListSparePartsRequest{SKU: "MAT-BRG-6205"}, &sp); err != nil || len(sp.SpareParts) != 1 || len(sp.SpareParts[0].CompatibleAssets) < 2 {
		t.Fatalf("by sku (merged): %v %+v", err, sp.SpareParts)
	}
	// without bom_equipment_field an asset-scoped read is refused: empty
	// list and a warning, no request
	g := newFixture(t, sapsim.Options{}, map[string]any{"bom_equipment_field": nil})
	reads := g.sim.Stats().Reads
	if err := g.call(abi.OpListSpareParts, abi.ListSparePartsRequest{AssetID: "10000001"}, &sp); err != nil || len(sp.SpareParts) != 0 || sp.SpareParts == nil {
		t.Fatalf("unconfigured: %v %+v", err, sp)
	}
	if g.sim.Stats().Reads != reads {
		t.Fatal("the unbounded BOM read was sent")
	}
	logs := g.host.Logs()
	if len(logs) == 0 || logs[len(logs)-1].Level != abi.LogWarn || !strings.Contains(logs[len(logs)-1].Message, "bom_asset_filter_unsupported") {
		t.Fatalf("logs: %+v", logs)
	}
}

func TestPlansAndHistory(t *testing.T) {
	f := newFixture(t, sapsim.Options{}, nil)
	var p abi.GetMaintenancePlanResponse
	if err := f.call(abi.OpGetMaintenancePlan, abi.GetMaintenancePlanRequest{}, &p); err != nil || len(p.Plans) != len(f.sim.Records(sapsim.SetPlan)) {
		t.Fatalf("plans: %v %d", err, len(p.Plans))
	}
	inactive := 0
	for _, pl := range p.Plans {
		if !pl.Active {
			inactive++
		}
		if pl.Interval.TotalDays() == 0 && pl.Interval.Hours == 0 {
			t.Fatalf("plan without interval %+v", pl)
		}
	}
	if inactive == 0 {
		t.Fatal("no inactive plan mapped")
	}
	asset := f.sim.Records(sapsim.SetOrder)[14]["Equipment"].(string)
	var h, all abi.ListWorkOrdersResponse
	if err := f.call(abi.OpMaintenanceHistory, abi.MaintenanceHistoryRequest{AssetID: asset}, &h); err != nil {
		t.Fatal(err)
	}
	if err := f.call(abi.OpListWorkOrders, abi.ListWorkOrdersRequest{AssetID: asset}, &all); err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, w := range all.WorkOrders {
		if w.Status == abi.StatusCompleted || w.Status == abi.StatusClosed {
			want++
		}
	}
	if len(h.WorkOrders) != want || want == 0 {
		t.Fatalf("history of %s: got %d, want %d", asset, len(h.WorkOrders), want)
	}
	plugintest.WantCode(t, f.call(abi.OpMaintenanceHistory, abi.MaintenanceHistoryRequest{}, &h), abi.CodeInvalidArgument)
}

// Neither credentials nor the CSRF token reach what the plugin returns or
// logs, even when a leaky gateway echoes them in an error body.
func TestNoTokensInPluginOutput(t *testing.T) {
	a, err := sapsim.GenerateAuth(sapsim.AuthOAuth2)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, sapsim.Options{Auth: a}, nil)
	var out outputs
	var w abi.WorkOrderResponse
	out.record(w, f.call(abi.OpCreateWorkOrder, abi.CreateWorkOrderRequest{AssetID: "10000001", Description: "x"}, &w))
	f.sim.SetFaults(sapsim.Faults{ReflectHeaders: 1})
	err = f.call(abi.OpUpdateWorkOrder, abi.UpdateWorkOrderRequest{WorkOrderID: w.WorkOrder.ID, Description: "y"}, &w)
	if err == nil {
		t.Fatal("reflect fault: want an error")
	}
	out.record(w, err)
	var l abi.ListAssetsResponse
	f.sim.SetFaults(sapsim.Faults{ReflectHeaders: 1})
	out.record(l, f.call(abi.OpListAssets, abi.ListAssetsRequest{}, &l))
	var h abi.HealthResponse
	out.record(h, f.call(abi.OpHealth, abi.HealthRequest{}, &h))
	logs, _ := json.Marshal(f.host.Logs())
	out = append(out, string(logs))
	out.checkNoSecrets(t, append(f.sim.IssuedSecrets(), a.ClientSecret))
}

// Service paths are configurable, e.g. for S/4HANA's OData v4 layout: the
// multi-segment service roots under the v4 gateway base /sap/opu/odata4/sap
// (testdata/corpus/SOURCES.md, V4-PATH), which plugin.toml declares.
func TestServicePaths(t *testing.T) {
	v4 := map[string]string{
		"api_equipment/srvd_a2x/sap/equipment/0001":               "API_EQUIPMENT",
		"api_maintenanceorder/srvd_a2x/sap/maintenanceorder/0001": "API_MAINTENANCEORDER",
		"api_maintenanceplan/srvd_a2x/sap/maintenanceplan/0001":   "API_MAINTENANCEPLAN",
	}
	f := newFixture(t, sapsim.Options{ODataVersion: sapsim.V4, ServiceAliases: v4}, map[string]any{
		"odata_version": "v4", "base_url": sapsim.V4BasePath, "notification_service": "API_MAINTNOTIFICATION",
		"equipment_service": "api_equipment/srvd_a2x/sap/equipment/0001/", "order_service": "api_maintenanceorder/srvd_a2x/sap/maintenanceorder/0001",
		"plan_service": "api_maintenanceplan/srvd_a2x/sap/maintenanceplan/0001"})
	var h abi.HealthResponse
	if err := f.call(abi.OpHealth, abi.HealthRequest{}, &h); err != nil || h.Status != abi.HealthHealthy {
		t.Fatalf("health: %v %+v", err, h)
	}
	var w abi.WorkOrderResponse
	if err := f.call(abi.OpCreateWorkOrder, abi.CreateWorkOrderRequest{AssetID: "10000001", Description: "v4 layout"}, &w); err != nil {
		t.Fatal(err)
	}
	if err := f.call(abi.OpUpdateWorkOrder, abi.UpdateWorkOrderRequest{WorkOrderID: w.WorkOrder.ID, Status: abi.StatusAssigned}, &w); err != nil || w.WorkOrder.Status != abi.StatusAssigned {
		t.Fatalf("update: %v %+v", err, w.WorkOrder)
	}
	var p abi.GetMaintenancePlanResponse
	if err := f.call(abi.OpGetMaintenancePlan, abi.GetMaintenancePlanRequest{}, &p); err != nil || len(p.Plans) == 0 {
		t.Fatalf("plans: %v", err)
	}
	r := pdk.NewCMMS(info(), &sapPM{})
	for _, bad := range []string{"../x", "a//b", "a/../b", "a b", "a?x=1"} {
		if err := pdktest.Init(context.Background(), &pdktest.Host{}, r, map[string]any{"base_url": "http://x", "order_service": bad}); err == nil {
			t.Errorf("order_service %q accepted", bad)
		}
	}
}

// Next links are followed only on the configured origin: a link naming
// another host (the gateway's internal name behind a proxy, or anything
// else) has its path and query re-based onto base_url's origin, and a
// path outside base_url is refused.
func TestNextLinksStayOnTheGrantedOrigin(t *testing.T) {
	s := &sapPM{base: "http://sap.example/sap/opu/odata/sap"}
	cur := s.base + "/API_EQUIPMENT/Equipment?$top=10"
	ctx := pdk.WithNativeHost(context.Background(), &pdktest.Host{})
	for next, want := range map[string]string{
		"Equipment?$top=10&$skiptoken=4": s.base + "/API_EQUIPMENT/Equipment?$top=10&$skiptoken=4",
		"http://s4h-app01.corp.internal:8000/sap/opu/odata/sap/API_EQUIPMENT/Equipment?$skiptoken=4": s.base + "/API_EQUIPMENT/Equipment?$skiptoken=4",
		"https://sap.example/sap/opu/odata/sap/API_EQUIPMENT/Equipment?$skiptoken=4":                 s.base + "/API_EQUIPMENT/Equipment?$skiptoken=4",
	} {
		if got, err := s.resolveNext(ctx, cur, "API_EQUIPMENT", next); err != nil || got != want {
			t.Errorf("%q: %q %v", next, got, err)
		}
	}
	for _, bad := range []string{"//evil.example/x", "/other/path", "http://evil.example/admin", "http://u:p@evil.example/sap/opu/odata/sap/API_EQUIPMENT/Equipment", "ftp://sap.example/sap/opu/odata/sap/x"} {
		if got, err := s.resolveNext(ctx, cur, "API_EQUIPMENT", bad); err == nil {
			t.Errorf("%q followed as %q", bad, got)
		}
	}
}

// A configured protocol version that the server does not speak is a clear
// error, not a silent empty result.
func TestVersionMismatch(t *testing.T) {
	f := newFixture(t, sapsim.Options{ODataVersion: sapsim.V4}, map[string]any{"odata_version": "v2"})
	var l abi.ListAssetsResponse
	e := plugintest.WantCode(t, f.call(abi.OpListAssets, abi.ListAssetsRequest{}, &l), abi.CodeUpstream)
	if !strings.Contains(e.Message, "odata_version") {
		t.Fatalf("message: %s", e.Message)
	}
	g := newFixture(t, sapsim.Options{ODataVersion: sapsim.V2}, map[string]any{"odata_version": "v4"})
	plugintest.WantCode(t, g.call(abi.OpListAssets, abi.ListAssetsRequest{}, &l), abi.CodeUpstream)
}
