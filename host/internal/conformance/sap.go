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
	"github.com/machina-go/machina/internal/sim/sap"
	"github.com/machina-go/machina/internal/wire"
)

// sapSim adapts sim/sap to the kit.
type sapSim struct {
	srv  *sap.Server
	hs   *http.Server
	base string
	auth sap.Auth
}

// sapClient is the SAP client the simulator requires and the config names.
const sapClient = "100"

// sapPageSize is small so that every list spans several pages.
const sapPageSize = 10

// StartSAP starts the SAP PM OData simulator (OData v2) on a free loopback
// port with generated credentials (auth: oauth2 (default) or basic).
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
	auth, err := sap.GenerateAuth(mode)
	if err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	srv, err := sap.NewServer(sap.Options{Auth: auth, SAPClient: sapClient, RequireIfMatch: true, Seed: 1, Logger: opts.Logger})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("sap simulator: %w", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	return &sapSim{srv: srv, hs: hs, base: "http://" + ln.Addr().String(), auth: auth}, nil
}

func (s *sapSim) Name() string    { return "sap" }
func (s *sapSim) BaseURL() string { return s.base }

func (s *sapSim) PluginConfig() map[string]any {
	return map[string]any{
		"base_url":            s.base + sap.BasePath,
		"odata_version":       "auto",
		"sap_client":          sapClient,
		"page_size":           sapPageSize,
		"retry_base_ms":       50,
		"bom_equipment_field": "Equipment",
	}
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
	switch f {
	case FaultUnavailable:
		s.srv.SetFaults(sap.Faults{Unavailable: -1})
	case FaultRateLimitOnce:
		s.srv.SetFaults(sap.Faults{RateLimit: 1, RetryAfter: 1})
	default:
		s.srv.SetFaults(sap.Faults{})
	}
}

func (s *sapSim) Writes() int64   { return s.srv.Stats().Writes }
func (s *sapSim) Requests() int64 { return s.srv.Stats().Requests }

func (s *sapSim) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.hs.Shutdown(ctx)
}

// The kit's own statement of the reference mapping (SAP PM → domain), kept
// independent of the plugin so that it can judge one.
var (
	sapCategory = map[string]abi.AssetType{"M": abi.AssetRotating, "E": abi.AssetElectrical, "I": abi.AssetInstrument, "P": abi.AssetPiping, "H": abi.AssetHVAC, "S": abi.AssetSafety}
	sapPriority = map[string]abi.Priority{"1": abi.PriorityEmergency, "2": abi.PriorityHigh, "3": abi.PriorityMedium, "4": abi.PriorityLow}
	sapType     = map[string]abi.WorkOrderType{"PM01": abi.TypeCorrective, "PM02": abi.TypePreventive, "PM03": abi.TypePredictive, "PM04": abi.TypeImprovement}
	// sapPrecedence: in a compound system status the most progressed wins.
	sapPrecedence = []struct {
		code   string
		status abi.Status
	}{{"DLFL", abi.StatusCancelled}, {"CLSD", abi.StatusClosed}, {"TECO", abi.StatusClosed}, {"CNF", abi.StatusCompleted},
		{"PCNF", abi.StatusInProgress}, {"REL", abi.StatusAssigned}, {"CRTD", abi.StatusCreated}}
)

func sapStatus(compound string) abi.Status {
	toks := strings.Fields(compound)
	for _, p := range sapPrecedence {
		for _, t := range toks {
			if t == p.code {
				return p.status
			}
		}
	}
	return abi.StatusCreated
}

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
		PlanCount: len(s.srv.Records(sap.SetPlan)),
	}
	orders := s.srv.Records(sap.SetOrder)
	plans := s.srv.Records(sap.SetPlan)
	bom := s.srv.Records(sap.SetBOMItem)
	// the asset: the first equipment with history, plans and BOM items
	count := func(rows []map[string]any, id string, keep func(map[string]any) bool) int {
		n := 0
		for _, r := range rows {
			if str(r, "Equipment") == id && (keep == nil || keep(r)) {
				n++
			}
		}
		return n
	}
	history := func(r map[string]any) bool {
		st := sapStatus(str(r, "MaintenanceOrderSystemStatus"))
		return st == abi.StatusCompleted || st == abi.StatusClosed
	}
	equipment := s.srv.Records(sap.SetEquipment)
	a := equipment[0]
	for _, e := range equipment {
		id := str(e, "Equipment")
		if count(orders, id, history) > 0 && count(plans, id, nil) > 0 && count(bom, id, nil) > 0 {
			a = e
			break
		}
	}
	assetID := str(a, "Equipment")
	crit := abi.CriticalityC
	switch str(a, "ABCIndicator") {
	case "A":
		crit = abi.CriticalityA
	case "B":
		crit = abi.CriticalityB
	}
	f.Asset = abi.Asset{ID: assetID, Name: str(a, "EquipmentName"), Type: sapCategory[str(a, "EquipmentCategory")], Criticality: crit,
		Location: str(a, "FunctionalLocation"), Manufacturer: str(a, "Manufacturer"), Model: str(a, "ModelNumber"),
		SerialNumber: str(a, "SerialNumber"), Parent: str(a, "SuperordinateEquipment")}
	f.HistoryCount = count(orders, assetID, history)
	f.AssetPlanCount = count(plans, assetID, nil)
	skus := map[string]bool{}
	for _, b := range bom {
		m := str(b, "BillOfMaterialComponent")
		if !skus[m] {
			skus[m] = true
			if f.SKU == "" && len(skus) == 3 {
				f.SKU = m
			}
		}
		if str(b, "Equipment") == assetID {
			f.AssetSpareParts = append(f.AssetSpareParts, m)
		}
	}
	f.SparePartCount = len(skus)
	f.WorkOrderCount = len(orders)
	for _, w := range orders {
		st := sapStatus(str(w, "MaintenanceOrderSystemStatus"))
		switch {
		case st == abi.StatusCompleted && f.CompletedWorkOrderID == "":
			f.CompletedWorkOrderID = str(w, "MaintenanceOrder")
		case st == abi.StatusClosed && f.ClosedWorkOrderID == "":
			f.ClosedWorkOrderID = str(w, "MaintenanceOrder")
		case st == abi.StatusInProgress && f.WorkOrder.ID == "" && str(w, "MaintOrdPersonResponsible") != "":
			f.WorkOrder = abi.WorkOrder{ID: str(w, "MaintenanceOrder"), AssetID: str(w, "Equipment"), Description: str(w, "MaintenanceOrderDesc"),
				Status: st, Priority: sapPriority[str(w, "MaintPriority")], Type: sapType[str(w, "MaintenanceOrderType")],
				AssignedTo: str(w, "MaintOrdPersonResponsible")}
			// dates are time.Time in the simulator's records (rendered as
			// /Date(ms)/ in v2, ISO 8601 in v4); the domain holds them in UTC.
			f.WorkOrder.CreatedAt, _ = w["CreationDate"].(time.Time)
			f.WorkOrder.UpdatedAt, _ = w["LastChangeDateTime"].(time.Time)
		}
	}
	return f
}
