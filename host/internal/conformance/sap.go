package conformance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/internal/sim/sap"
	"github.com/machina-go/machina/internal/wire"
)

// sapSim adapts sim/sap to the kit.
type sapSim struct {
	srv *sap.Server
	listener
	auth  sap.Auth
	shape sapShape
}

// sapClient is the SAP client the simulator requires and the config names.
const sapClient = "100"

// sapPageSize is small so that every list spans several pages.
const sapPageSize = 10

// sapShape is one way a real SAP gateway serves the same data, as a set of
// simulator switches and the site configuration that goes with it.
type sapShape struct {
	name   string
	desc   string
	opts   sap.Options
	config map[string]any // plugin config added for this shape
}

// sapShapes are the shapes the kit runs a SAP plugin against, the default
// first.
var sapShapes = []sapShape{
	{name: "v2", desc: "OData v2: d.results, /Date(ms)/, __next, SystemStatusText", opts: sap.Options{ODataVersion: sap.V2}},
	{name: "v4-relative-next", desc: "OData v4: value, ISO dates, a relative @odata.nextLink, server-driven paging", opts: sap.Options{ODataVersion: sap.V4, RelativeNextLink: true, ServerPageSize: 7}},
	{name: "legacy-status-field", desc: "the reference's MaintenanceOrderSystemStatus instead of SystemStatusText", opts: sap.Options{ODataVersion: sap.V2, StatusField: sap.StatusLegacy}},
	{name: "proxied-next", desc: "next links naming an internal host (s4h-app01.corp.internal:8000)", opts: sap.Options{ODataVersion: sap.V2, ServerPageSize: 7, ProxyOrigin: "http://s4h-app01.corp.internal:8000"}},
	{name: "customer-codes", desc: "customer order types and equipment categories through the site's maps", opts: sap.Options{ODataVersion: sap.V4, CustomerCodes: true}, config: map[string]any{
		"order_type_map":         map[string]any{"YBA1": "corrective", "YBA2": "preventive", "YBA3": "predictive", "YBA4": "improvement"},
		"equipment_category_map": map[string]any{"X": "static_equipment", "P": "structural", "S": "rotating_equipment", "F": "safety"},
	}},
}

// StartSAP starts the SAP PM OData simulator on a free loopback port with
// generated credentials (auth: oauth2 (default) or basic) in one of
// sapShapes (opts.Shape, default the first).
func StartSAP(_ context.Context, opts SimOptions) (Simulator, error) {
	if opts.Auth == "" {
		opts.Auth = string(sap.AuthOAuth2)
	}
	mode, err := sap.ParseAuthMode(opts.Auth)
	if err != nil {
		return nil, err
	}
	if mode == sap.AuthNone {
		return nil, errors.New("the conformance kit needs an authenticated simulator (oauth2 or basic)")
	}
	shape := sapShapes[0]
	if opts.Shape != "" {
		found := false
		for _, sh := range sapShapes {
			if sh.name == opts.Shape {
				shape, found = sh, true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown sap shape %q", opts.Shape)
		}
	}
	auth, err := sap.GenerateAuth(mode)
	if err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	so := shape.opts
	so.Auth, so.SAPClient, so.RequireIfMatch, so.Seed, so.Logger = auth, sapClient, true, 1, opts.Logger
	srv, err := sap.NewServer(so)
	if err != nil {
		return nil, err
	}
	l, err := serve("sap", srv)
	if err != nil {
		return nil, err
	}
	return &sapSim{srv: srv, listener: l, auth: auth, shape: shape}, nil
}

var _ Shaped = (*sapSim)(nil)

// Shapes implements Shaped (each shape's site configuration comes with
// PluginConfig).
func (s *sapSim) Shapes() []Shape {
	out := make([]Shape, len(sapShapes))
	for i, sh := range sapShapes {
		out[i] = Shape{Name: sh.name, Description: sh.desc}
	}
	return out
}

func (s *sapSim) Name() string    { return "sap" }
func (s *sapSim) BaseURL() string { return s.base }

func (s *sapSim) PluginConfig() map[string]any {
	cfg := map[string]any{
		"base_url":            s.base + sap.BasePath,
		"odata_version":       "auto",
		"sap_client":          sapClient,
		"page_size":           sapPageSize,
		"retry_base_ms":       50,
		"bom_equipment_field": "Equipment",
	}
	for k, v := range s.shape.config {
		cfg[k] = v
	}
	return cfg
}

func (s *sapSim) Auth() (config.Auth, map[string]string, map[string]string) {
	wrong := "wrong-" + strings.Repeat("x", 20)
	if s.auth.Mode == sap.AuthBasic {
		return config.Auth{Profile: wire.AuthBasic, Username: s.auth.Username, PasswordSecret: "sap_password"},
			map[string]string{"sap_password": s.auth.Password}, map[string]string{"sap_password": wrong}
	}
	return config.Auth{Profile: wire.AuthOAuth2, TokenURL: s.base + sap.TokenPath, ClientID: s.auth.ClientID, ClientSecretSecret: "sap_client_secret"},
		map[string]string{"sap_client_secret": s.auth.ClientSecret}, map[string]string{"sap_client_secret": wrong}
}

func (s *sapSim) SetFault(f Fault) {
	s.srv.SetFaults(faultFor(f, sap.Faults{Unavailable: -1}, sap.Faults{RateLimit: 1, RetryAfter: 1}))
}

func (s *sapSim) Writes() int64   { return s.srv.Stats().Writes }
func (s *sapSim) Requests() int64 { return s.srv.Stats().Requests }

// Facts come from the vendor corpus (plugins/cmms-sap/testdata/corpus,
// SOURCES.md), whose records the simulator serves: the expected mappings
// of equipment 210100094 and order 4000001, and which corpus orders are
// completed and closed. Counts are counted in the simulator's records, by
// key only: the kit holds no SAP code table.
func (s *sapSim) Facts() Facts {
	f := Facts{
		PageSize:           sapPageSize,
		AssetCount:         len(s.srv.Records(sap.SetEquipment)),
		MissingAssetID:     "99999999",
		MissingWorkOrderID: "4999999",
		HostileIDs: []string{
			`10000001' or Equipment ne '`,
			`x') or (Equipment ne '`,
			`10000001'' or ''1'' eq ''1`,
			`10000001' and substringof('1',Equipment) or Equipment ne '`,
		},
		PlanCount:      len(s.srv.Records(sap.SetPlan)),
		WorkOrderCount: len(s.srv.Records(sap.SetOrder)),
		// SOURCES.md, v2-equipment-collection-categories.json: 210100094
		Asset: abi.Asset{ID: "210100094", Name: "Cooling Water Circulation Pump", Type: abi.AssetRotating, Criticality: abi.CriticalityA,
			Location: "1010-CWS-WCS-CWCP1", Manufacturer: "KSB", Model: "Etanorm 100-250", SerialNumber: "KSB-4711"},
		// SOURCES.md, v2-maintenanceorder-page1-next.json: 4000001
		WorkOrder: abi.WorkOrder{ID: "4000001", AssetID: "210100094", Description: "Pump shaft breakage - repair",
			Status: abi.StatusInProgress, Priority: abi.PriorityEmergency, Type: abi.TypeCorrective,
			CreatedAt: time.Date(2017, 7, 26, 0, 0, 0, 0, time.UTC), UpdatedAt: time.Date(2018, 11, 21, 11, 50, 49, 0, time.UTC)},
		// 4000003 (TECO) and 4000005 (CLSD) are closed, 4000000 (CNF)
		// completed; 4000001 is in progress, 4000002 created, 4000004
		// cancelled
		HistoryCount:         2,
		CompletedWorkOrderID: "4000000",
		ClosedWorkOrderID:    "4000003",
	}
	count := func(set, id string) int {
		n := 0
		for _, r := range s.srv.Records(set) {
			if str(r, "Equipment") == id {
				n++
			}
		}
		return n
	}
	f.AssetPlanCount = count(sap.SetPlan, f.Asset.ID)
	skus := map[string]bool{}
	for _, b := range s.srv.Records(sap.SetBOMItem) {
		m := str(b, "BillOfMaterialComponent")
		if !skus[m] {
			skus[m] = true
			if f.SKU == "" && len(skus) == 3 {
				f.SKU = m
			}
		}
		if str(b, "Equipment") == f.Asset.ID && !slices.Contains(f.AssetSpareParts, m) {
			f.AssetSpareParts = append(f.AssetSpareParts, m)
		}
	}
	f.SparePartCount = len(skus)
	return f
}
