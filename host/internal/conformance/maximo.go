package conformance

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/internal/sim/maximo"
	"github.com/machina-go/machina/internal/sim/maximo/corpus"
	"github.com/machina-go/machina/internal/sim/simcorpus"
	"github.com/machina-go/machina/internal/wire"
)

// maximoSim adapts sim/maximo to the kit.
type maximoSim struct {
	srv *maximo.Server
	listener
	auth maximo.Auth
}

// StartMaximo starts the Maximo OSLC simulator on a free loopback port with
// generated credentials (auth: apikey (default), basic or bearer).
func StartMaximo(_ context.Context, opts SimOptions) (Simulator, error) {
	if opts.Auth == "" {
		opts.Auth = string(maximo.AuthAPIKey)
	}
	mode, err := maximo.ParseAuthMode(opts.Auth)
	if err != nil {
		return nil, err
	}
	if mode == maximo.AuthNone {
		return nil, errors.New("the conformance kit needs an authenticated simulator (apikey, basic or bearer)")
	}
	auth, err := maximo.GenerateAuth(mode)
	if err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	shape := maximo.Shapes()[0]
	if opts.Shape != "" {
		var ok bool
		if shape, ok = maximo.LookupShape(opts.Shape); !ok {
			return nil, fmt.Errorf("the maximo simulator has no shape %q", opts.Shape)
		}
	}
	srv, err := maximo.NewServer(maximo.Options{Auth: auth, Seed: 1, Logger: opts.Logger, Shape: shape.Shape})
	if err != nil {
		return nil, err
	}
	l, err := serve("maximo", srv)
	if err != nil {
		return nil, err
	}
	return &maximoSim{srv: srv, listener: l, auth: auth}, nil
}

func (m *maximoSim) Name() string    { return "maximo" }
func (m *maximoSim) BaseURL() string { return m.base }

// maximoPageSize is small so that every list spans several pages.
const maximoPageSize = 10

// PluginConfig is a site's configuration for the simulated plant: its
// asset types, its own predictive work type (IBM ships none), and the
// failure list read with each asset.
func (m *maximoSim) PluginConfig() map[string]any {
	return map[string]any{
		"base_url":      m.base,
		"page_size":     maximoPageSize,
		"retry_base_ms": 50,
		"asset_type_map": map[string]any{
			"PUMP": "rotating_equipment", "MOTOR": "electrical", "COMPRESSOR": "rotating_equipment",
			"HEATEXCH": "static_equipment", "VALVE": "piping", "TANK": "static_equipment",
			"INSTRUMENT": "instrument", "ELECTRICAL": "electrical", "FACILITY": "structural",
		},
		"worktype_map": map[string]any{"PDM": "predictive"},
		"select":       map[string]any{"asset": "*,failurelist{*}"},
	}
}

var (
	_ Shaped       = (*maximoSim)(nil)
	_ CorpusServer = (*maximoSim)(nil)
)

// Shapes are the simulator's response shapes (package sim/maximo).
func (m *maximoSim) Shapes() []Shape {
	var out []Shape
	for _, s := range maximo.Shapes() {
		out = append(out, Shape{Name: s.Name, Description: s.Description, Config: s.Config})
	}
	return out
}

// Scenarios are the Maximo corpus scenarios.
func (m *maximoSim) Scenarios() ([]simcorpus.Scenario, error) { return corpus.Scenarios() }

// ServeScenario serves a scenario's payloads (nil: the seeded plant).
func (m *maximoSim) ServeScenario(sc *simcorpus.Scenario) error {
	if sc == nil {
		m.srv.ServeFixtures(nil)
		return nil
	}
	fx, err := sc.Fixtures(corpus.FS())
	if err != nil {
		return err
	}
	m.srv.ServeFixtures(fx)
	return nil
}

func (m *maximoSim) Auth() (config.Auth, map[string]string, map[string]string) {
	wrong := "wrong-" + strings.Repeat("x", 20)
	switch m.auth.Mode {
	case maximo.AuthBasic:
		return config.Auth{Profile: wire.AuthBasic, Username: m.auth.Username, PasswordSecret: "maximo_password"},
			map[string]string{"maximo_password": m.auth.Password}, map[string]string{"maximo_password": wrong}
	case maximo.AuthBearer:
		return config.Auth{Profile: wire.AuthBearer, TokenSecret: "maximo_token"},
			map[string]string{"maximo_token": m.auth.Token}, map[string]string{"maximo_token": wrong}
	}
	return config.Auth{Profile: wire.AuthHeader, Header: "apikey", TokenSecret: "maximo_apikey"},
		map[string]string{"maximo_apikey": m.auth.APIKey}, map[string]string{"maximo_apikey": wrong}
}

func (m *maximoSim) SetFault(f Fault) {
	m.srv.SetFaults(faultFor(f, maximo.Faults{Unavailable: -1}, maximo.Faults{RateLimit: 1, RetryAfter: 1}))
}

func (m *maximoSim) Writes() int64   { return m.srv.Stats().Writes }
func (m *maximoSim) Requests() int64 { return m.srv.Stats().Requests }

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

// Facts describe the seeded plant: counts, ids and pass-through values.
// Completed and closed work orders are found by Maximo's internal status
// values (COMP, CLOSE), which IBM documents; no mapping is stated here.
func (m *maximoSim) Facts() Facts {
	const assetID = "P-101"
	f := Facts{
		PageSize:           maximoPageSize,
		AssetCount:         len(m.srv.Records(maximo.OSAsset)),
		MissingAssetID:     "NO-SUCH-ASSET-42",
		MissingWorkOrderID: "WO999999",
		HostileIDs: []string{
			`P-1" or assetnum="*`,
			`P-101" or assetnum!="x`,
			`x") or (assetnum!="`,
			`P-101\" or assetnum!=\"x`,
		},
		SparePartCount: len(m.srv.Records(maximo.OSInventory)),
		PlanCount:      len(m.srv.Records(maximo.OSPM)),
	}
	if m.srv.Shape().OperatingLocations {
		f.UnidentifiedAssets = m.srv.OperatingLocationCount()
	}
	a, _ := m.srv.Record(maximo.OSAsset, assetID)
	f.Asset = abi.Asset{ID: assetID, Name: str(a, "description"), Location: str(a, "location"), Manufacturer: str(a, "manufacturer"),
		Model: str(a, "modelnum"), SerialNumber: str(a, "serialnum"), Parent: str(a, "parent")}
	if sp, ok := a["sparepart"].([]any); ok {
		for _, e := range sp {
			em, _ := e.(map[string]any)
			f.AssetSpareParts = append(f.AssetSpareParts, str(em, "itemnum"))
		}
	}
	inv := m.srv.Records(maximo.OSInventory)
	if len(inv) > 0 {
		f.SKU = str(inv[len(inv)/4], "itemnum")
	}
	for _, it := range inv {
		if _, known := it["curbal"]; !known {
			f.UnknownStockSKUs = append(f.UnknownStockSKUs, str(it, "itemnum"))
		}
	}
	for _, p := range m.srv.Records(maximo.OSPM) {
		if str(p, "assetnum") == assetID {
			f.AssetPlanCount++
		}
	}
	m.workOrderFacts(&f, assetID)
	return f
}

func (m *maximoSim) workOrderFacts(f *Facts, assetID string) {
	wos := m.srv.Records(maximo.OSWorkOrder)
	f.WorkOrderCount = len(wos)
	for _, w := range wos {
		st := str(w, "status")
		if str(w, "assetnum") == assetID && (st == "COMP" || st == "CLOSE") {
			f.HistoryCount++
		}
		switch {
		case st == "COMP" && f.CompletedWorkOrderID == "":
			f.CompletedWorkOrderID = str(w, "wonum")
		case st == "CLOSE" && f.ClosedWorkOrderID == "":
			f.ClosedWorkOrderID = str(w, "wonum")
		case st == "INPRG" && f.WorkOrder.ID == "" && str(w, "lead") != "":
			// the lead is also the one labor assignment of a started work order.
			f.WorkOrder = abi.WorkOrder{ID: str(w, "wonum"), AssetID: str(w, "assetnum"), Description: str(w, "description"), AssignedTo: str(w, "lead")}
			// dates are ISO 8601 with an offset; the domain holds them in UTC.
			f.WorkOrder.CreatedAt, _ = time.Parse(time.RFC3339, str(w, "reportdate"))
			f.WorkOrder.UpdatedAt, _ = time.Parse(time.RFC3339, str(w, "changedate"))
		}
	}
}
