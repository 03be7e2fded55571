package mcp

import (
	"context"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/router"
)

// Maintenance tools: spare parts, preventive plans, an asset's history.

type partSummary struct {
	SKU           string   `json:"sku"`
	Name          string   `json:"name"`
	StockQuantity *float64 `json:"stock_quantity"` // null: unknown
	ReorderPoint  float64  `json:"reorder_point"`
	UnitCost      *float64 `json:"unit_cost"` // null: unknown
}

type planSummary struct {
	ID           string   `json:"id"`
	AssetID      string   `json:"asset_id"`
	Name         string   `json:"name"`
	IntervalDays float64  `json:"interval_days"`
	Tasks        []string `json:"tasks"`
}

type woHistory struct {
	woCore
	FailureMode *string `json:"failure_mode"`
	CreatedAt   string  `json:"created_at"`
}

func listSparePartsTool() tool {
	return tool{Name: "machina_list_spare_parts", Capability: abi.CapReadSpareParts, Op: abi.OpListSpareParts,
		Output:      listOutput[partSummary]("spare_parts"),
		Description: "List spare parts with stock and reorder point, optionally only those compatible with an asset.",
		Params:      []param{assetFilterParam("Only parts compatible with this asset")},
		Run: assetList(func(r *router.Router, ctx context.Context, asset string) ([]abi.SparePart, error) {
			return r.ListSpareParts(ctx, asset, "")
		}, func(p abi.SparePart) partSummary {
			return partSummary{p.SKU, p.Name, p.StockQuantity, p.ReorderPoint, p.UnitCost}
		})}
}

func maintenancePlanTool() tool {
	return tool{Name: "machina_get_maintenance_plan", Capability: abi.CapReadMaintenancePlans, Op: abi.OpGetMaintenancePlan,
		Output:      listOutput[planSummary]("plans"),
		Description: "List the preventive maintenance plans (asset, name, interval in days, tasks), optionally only those of one asset.",
		Params:      []param{assetFilterParam("Only the plans of this asset")},
		Run: assetList((*router.Router).MaintenancePlans, func(p abi.MaintenancePlan) planSummary {
			return planSummary{p.ID, p.AssetID, p.Name, p.Interval.TotalDays(), orEmpty(p.Tasks)}
		})}
}

func maintenanceHistoryTool() tool {
	return tool{Name: "machina_get_maintenance_history", Capability: abi.CapReadMaintenanceHistory, Op: abi.OpMaintenanceHistory,
		Output:      listOutput[woHistory]("work_orders"),
		Description: "Get an asset's maintenance history: past work orders with type, status, failure mode and date.",
		Params:      []param{assetIDParam("Asset identifier")},
		Run: assetList((*router.Router).MaintenanceHistory, func(w abi.WorkOrder) woHistory {
			return woHistory{woCoreOf(w), opt(w.FailureMode), isoTime(w.CreatedAt)}
		})}
}
