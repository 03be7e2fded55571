package conformance

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/internal/sim/maximo"
	"github.com/machina-go/machina/internal/wire"
)

// maximoSim adapts sim/maximo to the kit.
type maximoSim struct {
	srv  *maximo.Server
	hs   *http.Server
	base string
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
	srv, err := maximo.NewServer(maximo.Options{Auth: auth, Seed: 1, Logger: opts.Logger})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("maximo simulator: %w", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	return &maximoSim{srv: srv, hs: hs, base: "http://" + ln.Addr().String(), auth: auth}, nil
}

func (m *maximoSim) Name() string    { return "maximo" }
func (m *maximoSim) BaseURL() string { return m.base }

// maximoPageSize is small so that every list spans several pages.
const maximoPageSize = 10

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
	}
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
	switch f {
	case FaultUnavailable:
		m.srv.SetFaults(maximo.Faults{Unavailable: -1})
	case FaultRateLimitOnce:
		m.srv.SetFaults(maximo.Faults{RateLimit: 1, RetryAfter: 1})
	default:
		m.srv.SetFaults(maximo.Faults{})
	}
}

func (m *maximoSim) Writes() int64   { return m.srv.Stats().Writes }
func (m *maximoSim) Requests() int64 { return m.srv.Stats().Requests }

func (m *maximoSim) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return m.hs.Shutdown(ctx)
}

// The kit's own statement of the reference mapping (Maximo → domain), kept
// independent of any plugin so that it can judge one.
var (
	mxStatus   = map[string]abi.Status{"WAPPR": abi.StatusCreated, "APPR": abi.StatusAssigned, "INPRG": abi.StatusInProgress, "COMP": abi.StatusCompleted, "CLOSE": abi.StatusClosed, "CAN": abi.StatusCancelled}
	mxPriority = map[float64]abi.Priority{1: abi.PriorityEmergency, 2: abi.PriorityHigh, 3: abi.PriorityMedium, 4: abi.PriorityLow}
	mxWorktype = map[string]abi.WorkOrderType{"CM": abi.TypeCorrective, "PM": abi.TypePreventive, "CP": abi.TypePredictive, "EV": abi.TypeImprovement}
)

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

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
	a, _ := m.srv.Record(maximo.OSAsset, assetID)
	prio, _ := a["priority"].(float64)
	crit := abi.CriticalityC
	switch {
	case prio <= 1:
		crit = abi.CriticalityA
	case prio == 2:
		crit = abi.CriticalityB
	}
	f.Asset = abi.Asset{ID: assetID, Name: str(a, "description"), Type: abi.AssetRotating, Criticality: crit,
		Location: str(a, "location"), Manufacturer: str(a, "manufacturer"), Model: str(a, "modelnum"),
		SerialNumber: str(a, "serialnum"), Parent: str(a, "parent")}
	if sp, ok := a["sparepart"].([]any); ok {
		for _, e := range sp {
			em, _ := e.(map[string]any)
			f.AssetSpareParts = append(f.AssetSpareParts, str(em, "itemnum"))
		}
	}
	if inv := m.srv.Records(maximo.OSInventory); len(inv) > 0 {
		f.SKU = str(inv[len(inv)/2], "itemnum")
	}
	for _, p := range m.srv.Records(maximo.OSPM) {
		if str(p, "assetnum") == assetID {
			f.AssetPlanCount++
		}
	}
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
		case st == "INPRG" && f.WorkOrder.ID == "":
			lead := str(w, "lead")
			if lead == "" {
				lead = str(w, "assignedownergroup")
			}
			prio, _ := w["wopriority"].(float64)
			f.WorkOrder = abi.WorkOrder{ID: str(w, "wonum"), AssetID: str(w, "assetnum"), Description: str(w, "description"),
				Status: mxStatus[st], Priority: mxPriority[prio], Type: mxWorktype[str(w, "worktype")], AssignedTo: lead}
			// dates are ISO 8601 with an offset; the domain holds them in UTC.
			f.WorkOrder.CreatedAt, _ = time.Parse(time.RFC3339, str(w, "reportdate"))
			f.WorkOrder.UpdatedAt, _ = time.Parse(time.RFC3339, str(w, "changedate"))
		}
	}
	return f
}
