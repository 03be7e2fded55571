package main

import (
	"context"
	"slices"
	"strings"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

// ListSpareParts lists spare parts, by SKU and/or compatible asset. Listing
// by asset needs the vendor to relate parts to assets: a {asset_id}
// placeholder in the list request, or a compatible_assets field; without
// either it is refused rather than answered with every part.
func (p *plugin) ListSpareParts(ctx context.Context, req abi.ListSparePartsRequest) (abi.ListSparePartsResponse, error) {
	e := p.cfg.SpareParts
	if e == nil || e.List == nil {
		return abi.ListSparePartsResponse{}, notConfigured("spare_parts.list")
	}
	asset, sku := strings.TrimSpace(req.AssetID), strings.TrimSpace(req.SKU)
	upstreamAsset := slices.Contains(placeholders([]any{e.List.Path, e.List.Query}), "asset_id")
	if asset != "" && !upstreamAsset && !p.parts.has("compatible_assets") {
		return abi.ListSparePartsResponse{}, abi.InvalidArgument("%s does not relate spare parts to assets in this configuration (no {asset_id} in spare_parts.list, no compatible_assets field)", p.cfg.Vendor)
	}
	keep := func(row any) bool {
		part, ok := p.sparePart(ctx, row)
		if !ok || (sku != "" && !strings.EqualFold(part.SKU, sku)) {
			return false
		}
		return asset == "" || upstreamAsset && !p.parts.has("compatible_assets") || slices.Contains(part.CompatibleAssets, asset)
	}
	rows, truncated, err := p.fetchAll(ctx, e.List, p.vals(p.parts, map[string]string{"asset_id": asset, "sku": sku}, false), req.Limit, keep)
	if err != nil {
		return abi.ListSparePartsResponse{}, err
	}
	resp := abi.ListSparePartsResponse{SpareParts: []abi.SparePart{}, Truncated: truncated}
	for _, row := range rows {
		part, _ := p.sparePart(ctx, row)
		resp.SpareParts = append(resp.SpareParts, part)
	}
	return resp, nil
}

// sparePart maps one record; ok is false without a SKU.
func (p *plugin) sparePart(_ context.Context, rec any) (abi.SparePart, bool) {
	f := p.parts
	sku := f.str(rec, "sku")
	if sku == "" {
		return abi.SparePart{}, false
	}
	part := abi.SparePart{SKU: sku, Name: f.str(rec, "name"), Manufacturer: f.str(rec, "manufacturer"),
		WarehouseLocation: f.str(rec, "warehouse_location"), CompatibleAssets: f.list(rec, "compatible_assets"),
		StockQuantity: f.num(rec, "stock_quantity"), UnitCost: f.num(rec, "unit_cost")}
	if n := f.num(rec, "reorder_point"); n != nil {
		part.ReorderPoint = *n
	}
	if n := f.num(rec, "lead_time_days"); n != nil {
		part.LeadTimeDays = *n
	}
	if part.Name == "" {
		part.Name = sku
	}
	return part, true
}

// GetMaintenancePlan lists preventive maintenance plans, optionally of one
// asset.
func (p *plugin) GetMaintenancePlan(ctx context.Context, req abi.GetMaintenancePlanRequest) (abi.GetMaintenancePlanResponse, error) {
	e := p.cfg.Plans
	if e == nil || e.List == nil {
		return abi.GetMaintenancePlanResponse{}, notConfigured("maintenance_plans.list")
	}
	asset := strings.TrimSpace(req.AssetID)
	resp := abi.GetMaintenancePlanResponse{Plans: []abi.MaintenancePlan{}}
	skippedRows := 0
	keep := func(row any) bool {
		if p.plans.str(row, "id") == "" {
			skippedRows++
			return false
		}
		return asset == "" || p.plans.str(row, "asset_id") == asset
	}
	rows, _, err := p.fetchAll(ctx, e.List, p.vals(p.plans, map[string]string{"asset_id": asset}, false), 0, keep)
	if err != nil {
		return abi.GetMaintenancePlanResponse{}, err
	}
	f := p.plans
	for _, row := range rows {
		plan := abi.MaintenancePlan{ID: f.str(row, "id"), AssetID: f.str(row, "asset_id"), Name: f.str(row, "name"),
			Tasks: f.list(row, "tasks"), Active: true}
		if n := f.num(row, "interval_days"); n != nil {
			plan.Interval.Days = *n
		}
		if n := f.num(row, "estimated_duration_hours"); n != nil {
			plan.EstimatedDurationHours = *n
		}
		resp.Plans = append(resp.Plans, plan)
	}
	if skippedRows > 0 {
		pdk.Notify(ctx, abi.Notice{Kind: abi.NoticeSkipped, Field: "id", Code: "empty", Count: skippedRows})
	}
	return resp, nil
}
