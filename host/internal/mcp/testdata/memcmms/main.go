// Command memcmms is a test-only CMMS plugin with an in-memory seeded plant.
// It needs no HTTP. Every write operation increments the KV counter "writes"
// (reported by health in details.writes) before doing anything else, so a
// test can prove that a sandboxed write never reached the plugin. Created
// and updated work orders are kept in KV ("wo:<id>") so every pooled
// instance sees them. get_asset logs one line per call. With vendor_ops =
// "off" it serves no vendor operation (ABI 1.2 operation selection).
package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

//go:embed plugin.toml
var manifest string

func init() { pdk.RegisterCMMS(pdk.MustParseInfo(manifest), &mem{}) }

func main() {}

var (
	_ pdk.CompleteCMMS      = (*mem)(nil)
	_ pdk.OperationSelector = (*mem)(nil)
)

type mem struct {
	quiet bool
	// noVendor leaves the vendor operations out at init (config
	// vendor_ops = "off"), as a CMMS whose configuration has none.
	noVendor bool
}

var seeded = time.Date(2026, 1, 15, 8, 0, 0, 0, time.UTC)

func assets() []abi.Asset {
	return []abi.Asset{
		{ID: "P-101", Name: "Feed pump P-101", Type: abi.AssetRotating, Location: "Building A / Line 1", Criticality: abi.CriticalityA,
			Manufacturer: "Grundfos", Model: "CR 32-4", FailureModes: []string{"BEAR-WEAR-01", "SEAL-LEAK-01"}, EquipmentClassCode: "PU"},
		{ID: "M-201", Name: "Drive motor M-201", Type: abi.AssetElectrical, Location: "Building A / Line 1", Criticality: abi.CriticalityB,
			Manufacturer: "ABB", Model: "M3BP 160", Parent: "P-101", FailureModes: []string{"MOTO-INSU-01"}, EquipmentClassCode: "EM"},
		{ID: "C-301", Name: "Air compressor C-301", Type: abi.AssetRotating, Location: "Utilities", Criticality: abi.CriticalityC,
			Manufacturer: "Atlas Copco", Model: "GA 37", EquipmentClassCode: "CO"},
	}
}

func workOrders() []abi.WorkOrder {
	return []abi.WorkOrder{
		{ID: "WO-1001", Type: abi.TypeCorrective, Priority: abi.PriorityHigh, Status: abi.StatusCompleted, AssetID: "P-101",
			Description: "Replace drive-end bearing", FailureMode: "BEAR-WEAR-01", AssignedTo: "mrossi", CreatedAt: seeded, UpdatedAt: seeded},
		{ID: "WO-1002", Type: abi.TypePreventive, Priority: abi.PriorityMedium, Status: abi.StatusCreated, AssetID: "P-101",
			Description: "Quarterly vibration check", CreatedAt: seeded.Add(24 * time.Hour), UpdatedAt: seeded.Add(24 * time.Hour)},
		{ID: "WO-1003", Type: abi.TypeCorrective, Priority: abi.PriorityLow, Status: abi.StatusAssigned, AssetID: "M-201",
			Description: "Clean motor cooling fins", AssignedTo: "lbianchi", CreatedAt: seeded.Add(48 * time.Hour), UpdatedAt: seeded.Add(48 * time.Hour)},
	}
}

func parts() []abi.SparePart {
	return []abi.SparePart{
		{SKU: "BRG-6310", Name: "Bearing 6310-2RS", CompatibleAssets: []string{"P-101"}, StockQuantity: abi.Quantity(4), ReorderPoint: 2, UnitCost: abi.Quantity(42.5)},
		{SKU: "SEAL-M32", Name: "Mechanical seal 32 mm", CompatibleAssets: []string{"P-101"}, StockQuantity: abi.Quantity(1), ReorderPoint: 2, UnitCost: abi.Quantity(180)},
		{SKU: "FLT-GA37", Name: "Compressor air filter", CompatibleAssets: []string{"C-301"}, StockQuantity: abi.Quantity(6), ReorderPoint: 3, UnitCost: abi.Quantity(25)},
	}
}

func plans() []abi.MaintenancePlan {
	return []abi.MaintenancePlan{
		{ID: "PM-01", AssetID: "P-101", Name: "Pump quarterly inspection", Interval: abi.Interval{Months: 3}, Tasks: []string{"Check vibration", "Inspect seal"}, Active: true},
		{ID: "PM-02", AssetID: "C-301", Name: "Compressor filter change", Interval: abi.Interval{Weeks: 2, Days: 1}, Tasks: []string{"Replace air filter"}, Active: true},
	}
}

func (m *mem) Init(_ context.Context, cfg pdk.Config) error {
	m.quiet = cfg.String("quiet", "") == "true"
	m.noVendor = cfg.String("vendor_ops", "") == "off"
	return nil
}

func (m *mem) Health(ctx context.Context) (abi.HealthResponse, error) {
	return abi.HealthResponse{Status: abi.HealthHealthy, Message: "in-memory", Details: map[string]any{"writes": writes(ctx)}}, nil
}

func writes(ctx context.Context) int {
	b, _, _ := pdk.KVGet(ctx, "writes")
	n, _ := strconv.Atoi(string(b))
	return n
}

// recordWrite counts a write before it does anything else.
func recordWrite(ctx context.Context) error {
	return pdk.KVSet(ctx, "writes", []byte(strconv.Itoa(writes(ctx)+1)))
}

func (m *mem) ListAssets(context.Context, abi.ListAssetsRequest) (abi.ListAssetsResponse, error) {
	return abi.ListAssetsResponse{Assets: assets()}, nil
}

func (m *mem) GetAsset(ctx context.Context, req abi.GetAssetRequest) (abi.GetAssetResponse, error) {
	if !m.quiet {
		pdk.Logf(ctx, abi.LogInfo, "get_asset %s", req.AssetID)
	}
	if req.AssetID == "boom" {
		return abi.GetAssetResponse{}, abi.Upstream("query failed at /home/operator/maximo/conf/db.properties line 3")
	}
	if req.AssetID == "spin" { // a read that never ends (until the host stops it)
		for {
			spins++
		}
	}
	for _, a := range assets() {
		if a.ID == req.AssetID {
			return abi.GetAssetResponse{Asset: a}, nil
		}
	}
	return abi.GetAssetResponse{}, abi.NotFound("asset %s not found", req.AssetID)
}

// all returns the seeded work orders overlaid with those stored in KV.
func all(ctx context.Context) []abi.WorkOrder {
	out := workOrders()
	b, _, _ := pdk.KVGet(ctx, "wo-index")
	for _, id := range strings.Fields(string(b)) {
		if wo, ok := stored(ctx, id); ok {
			replaced := false
			for i := range out {
				if out[i].ID == id {
					out[i], replaced = wo, true
				}
			}
			if !replaced {
				out = append(out, wo)
			}
		}
	}
	return out
}

func stored(ctx context.Context, id string) (abi.WorkOrder, bool) {
	b, ok, _ := pdk.KVGet(ctx, "wo:"+id)
	if !ok {
		return abi.WorkOrder{}, false
	}
	var wo abi.WorkOrder
	if json.Unmarshal(b, &wo) != nil {
		return abi.WorkOrder{}, false
	}
	return wo, true
}

func store(ctx context.Context, wo abi.WorkOrder) error {
	b, _ := json.Marshal(wo)
	if err := pdk.KVSet(ctx, "wo:"+wo.ID, b); err != nil {
		return err
	}
	idx, _, _ := pdk.KVGet(ctx, "wo-index")
	if !strings.Contains(" "+string(idx)+" ", " "+wo.ID+" ") {
		return pdk.KVSet(ctx, "wo-index", []byte(strings.TrimSpace(string(idx)+" "+wo.ID)))
	}
	return nil
}

func find(ctx context.Context, id string) (abi.WorkOrder, error) {
	for _, wo := range all(ctx) {
		if wo.ID == id {
			return wo, nil
		}
	}
	return abi.WorkOrder{}, abi.NotFound("work order %s not found", id)
}

func (m *mem) ListWorkOrders(ctx context.Context, req abi.ListWorkOrdersRequest) (abi.ListWorkOrdersResponse, error) {
	var out []abi.WorkOrder
	for _, wo := range all(ctx) {
		if (req.AssetID == "" || wo.AssetID == req.AssetID) && (req.Status == "" || wo.Status == req.Status) {
			out = append(out, wo)
		}
	}
	return abi.ListWorkOrdersResponse{WorkOrders: out}, nil
}

func (m *mem) GetWorkOrder(ctx context.Context, req abi.GetWorkOrderRequest) (abi.WorkOrderResponse, error) {
	wo, err := find(ctx, req.WorkOrderID)
	return abi.WorkOrderResponse{WorkOrder: wo}, err
}

func (m *mem) CreateWorkOrder(ctx context.Context, req abi.CreateWorkOrderRequest) (abi.WorkOrderResponse, error) {
	if err := recordWrite(ctx); err != nil {
		return abi.WorkOrderResponse{}, err
	}
	now := time.Now().UTC()
	wo := abi.WorkOrder{ID: req.ID, Type: req.Type, Priority: req.Priority, Status: abi.StatusCreated, AssetID: req.AssetID,
		Description: req.Description, FailureMode: req.FailureMode, AssignedTo: req.AssignedTo, CreatedAt: now, UpdatedAt: now}
	if wo.ID == "" {
		wo.ID = "WO-MEM-" + strconv.FormatInt(now.UnixNano(), 36)
	}
	return abi.WorkOrderResponse{WorkOrder: wo}, store(ctx, wo)
}

func (m *mem) UpdateWorkOrder(ctx context.Context, req abi.UpdateWorkOrderRequest) (abi.WorkOrderResponse, error) {
	if err := recordWrite(ctx); err != nil {
		return abi.WorkOrderResponse{}, err
	}
	wo, err := find(ctx, req.WorkOrderID)
	if err != nil {
		return abi.WorkOrderResponse{}, err
	}
	if req.Status != "" {
		if err := abi.CheckTransition(wo.Status, req.Status); err != nil {
			return abi.WorkOrderResponse{}, err
		}
		wo.Status = req.Status
	}
	if req.AssignedTo != "" {
		wo.AssignedTo = req.AssignedTo
	}
	if req.Description != "" {
		wo.Description = req.Description
	}
	wo.UpdatedAt = time.Now().UTC()
	return abi.WorkOrderResponse{WorkOrder: wo}, store(ctx, wo)
}

func (m *mem) setStatus(ctx context.Context, id string, s abi.Status) (abi.WorkOrderResponse, error) {
	if err := recordWrite(ctx); err != nil {
		return abi.WorkOrderResponse{}, err
	}
	wo, err := find(ctx, id)
	if err != nil {
		return abi.WorkOrderResponse{}, err
	}
	wo.Status = s
	wo.UpdatedAt = time.Now().UTC()
	return abi.WorkOrderResponse{WorkOrder: wo}, store(ctx, wo)
}

func (m *mem) CloseWorkOrder(ctx context.Context, req abi.CloseWorkOrderRequest) (abi.WorkOrderResponse, error) {
	return m.setStatus(ctx, req.WorkOrderID, abi.StatusClosed)
}

func (m *mem) CancelWorkOrder(ctx context.Context, req abi.CancelWorkOrderRequest) (abi.WorkOrderResponse, error) {
	if req.Reason == "slow" { // a write that takes a while upstream
		for start := time.Now(); time.Since(start) < 1500*time.Millisecond; {
			spins++
		}
	}
	return m.setStatus(ctx, req.WorkOrderID, abi.StatusCancelled)
}

// spins keeps the busy loops from being optimised away.
var spins int

func (m *mem) MaintenanceHistory(ctx context.Context, req abi.MaintenanceHistoryRequest) (abi.ListWorkOrdersResponse, error) {
	var out []abi.WorkOrder
	for _, wo := range all(ctx) {
		if wo.AssetID == req.AssetID && (wo.Status == abi.StatusCompleted || wo.Status == abi.StatusClosed) {
			out = append(out, wo)
		}
	}
	return abi.ListWorkOrdersResponse{WorkOrders: out}, nil
}

func (m *mem) ListSpareParts(_ context.Context, req abi.ListSparePartsRequest) (abi.ListSparePartsResponse, error) {
	var out []abi.SparePart
	for _, p := range parts() {
		if req.SKU != "" && p.SKU != req.SKU {
			continue
		}
		if req.AssetID != "" {
			ok := false
			for _, a := range p.CompatibleAssets {
				ok = ok || a == req.AssetID
			}
			if !ok {
				continue
			}
		}
		out = append(out, p)
	}
	return abi.ListSparePartsResponse{SpareParts: out}, nil
}

func (m *mem) GetMaintenancePlan(_ context.Context, req abi.GetMaintenancePlanRequest) (abi.GetMaintenancePlanResponse, error) {
	var out []abi.MaintenancePlan
	for _, p := range plans() {
		if req.AssetID == "" || p.AssetID == req.AssetID {
			out = append(out, p)
		}
	}
	return abi.GetMaintenancePlanResponse{Plans: out}, nil
}
