package conformance

import (
	"fmt"
	"slices"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/pluginload"
)

// cmmsChecks covers every read operation against the live simulator. It
// judges behaviour (paging, limits, filters, escaping, not found) and the
// values a plugin passes through; code mappings are judged by the corpus
// scenarios (corpus.go).
func (r *run) cmmsChecks() {
	r.check("health", "health reports healthy against the simulator", ops(abi.OpHealth), func() (string, bool) {
		var h abi.HealthResponse
		if err := r.call(r.main, abi.OpHealth, abi.HealthRequest{}, &h); err != nil {
			return errText(err), false
		}
		return fmt.Sprintf("status %s (%s)", h.Status, h.Message), h.Status == abi.HealthHealthy
	})
	r.assetChecks()
	r.escapingChecks()
	r.workOrderChecks()
	r.partChecks()
	r.planChecks()
}

func (r *run) assetChecks() {
	f, l := r.facts, r.main
	expected := fmt.Sprintf("all %d assets, valid, read across pages of %d (more than one request)", f.AssetCount, f.PageSize)
	if f.UnidentifiedAssets > 0 {
		expected += fmt.Sprintf("; the %d records without an identifier skipped and counted", f.UnidentifiedAssets)
	}
	r.check("list_assets/pagination", expected, ops(abi.OpListAssets), func() (string, bool) {
		before := r.sim.Requests()
		var resp abi.ListAssetsResponse
		if err := r.call(l, abi.OpListAssets, abi.ListAssetsRequest{}, &resp); err != nil {
			return errText(err), false
		}
		reqs := r.sim.Requests() - before
		got := fmt.Sprintf("%d assets in %d upstream requests, truncated=%v, skipped=%d", len(resp.Assets), reqs, resp.Truncated, resp.Skipped)
		for _, a := range resp.Assets {
			if err := a.Validate(); err != nil {
				return got + "; invalid asset: " + err.Error(), false
			}
		}
		return got, len(resp.Assets) == f.AssetCount && !resp.Truncated && reqs > 1 && resp.Skipped == f.UnidentifiedAssets
	})
	r.check("list_assets/limit", "limit 5 returns at most 5 assets and sets truncated", ops(abi.OpListAssets), func() (string, bool) {
		var resp abi.ListAssetsResponse
		if err := r.call(l, abi.OpListAssets, abi.ListAssetsRequest{Limit: 5}, &resp); err != nil {
			return errText(err), false
		}
		return fmt.Sprintf("%d assets, truncated=%v", len(resp.Assets), resp.Truncated), len(resp.Assets) <= 5 && len(resp.Assets) > 0 && resp.Truncated
	})
	r.check("get_asset/mapping", fmt.Sprintf("asset %s read with %+v", f.Asset.ID, compactAsset(f.Asset)), ops(abi.OpGetAsset), func() (string, bool) {
		var resp abi.GetAssetResponse
		if err := r.call(l, abi.OpGetAsset, abi.GetAssetRequest{AssetID: f.Asset.ID}, &resp); err != nil {
			return errText(err), false
		}
		if d := assetDiff(resp.Asset, f.Asset); len(d) > 0 {
			return "wrong mapping: " + d.String(), false
		}
		if err := resp.Asset.Validate(); err != nil {
			return err.Error(), false
		}
		return "all compared fields match", true
	})
	r.notFoundCheck(l, abi.OpGetAsset, f.MissingAssetID, abi.GetAssetRequest{AssetID: f.MissingAssetID}, &abi.GetAssetResponse{})
}

func (r *run) escapingChecks() {
	f, l := r.facts, r.main
	r.check("escaping/get_asset", "ids with quotes and query operators come back as not_found (or invalid_argument), never as another asset", ops(abi.OpGetAsset), func() (string, bool) {
		for _, id := range f.HostileIDs {
			var resp abi.GetAssetResponse
			err := r.call(l, abi.OpGetAsset, abi.GetAssetRequest{AssetID: id}, &resp)
			if c := codeOf(err); c != abi.CodeNotFound && c != abi.CodeInvalidArgument {
				if err == nil {
					return fmt.Sprintf("id %q returned asset %q: the value widened the upstream query", id, resp.Asset.ID), false
				}
				return fmt.Sprintf("id %q: %s", id, errText(err)), false
			}
		}
		return fmt.Sprintf("%d hostile ids refused or not found", len(f.HostileIDs)), true
	})
	r.check("escaping/list_work_orders", "filtering work orders by a hostile asset id returns no rows", ops(abi.OpListWorkOrders), func() (string, bool) {
		for _, id := range f.HostileIDs {
			var resp abi.ListWorkOrdersResponse
			err := r.call(l, abi.OpListWorkOrders, abi.ListWorkOrdersRequest{AssetID: id}, &resp)
			if err != nil && codeOf(err) != abi.CodeInvalidArgument && codeOf(err) != abi.CodeNotFound {
				return fmt.Sprintf("asset id %q: %s", id, errText(err)), false
			}
			if len(resp.WorkOrders) > 0 {
				return fmt.Sprintf("asset id %q returned %d work orders (first for asset %q): the value widened the upstream query", id, len(resp.WorkOrders), resp.WorkOrders[0].AssetID), false
			}
		}
		return "no rows for any hostile id", true
	})
}

func (r *run) workOrderChecks() {
	f, l := r.facts, r.main
	r.check("list_work_orders/pagination", fmt.Sprintf("all %d work orders, valid, across pages of %d", f.WorkOrderCount, f.PageSize), ops(abi.OpListWorkOrders), func() (string, bool) {
		var resp abi.ListWorkOrdersResponse
		if err := r.call(l, abi.OpListWorkOrders, abi.ListWorkOrdersRequest{}, &resp); err != nil {
			return errText(err), false
		}
		got := fmt.Sprintf("%d work orders, truncated=%v", len(resp.WorkOrders), resp.Truncated)
		for _, w := range resp.WorkOrders {
			if err := w.Validate(); err != nil {
				return got + "; invalid work order: " + err.Error(), false
			}
		}
		return got, len(resp.WorkOrders) == f.WorkOrderCount
	})
	r.check("list_work_orders/filter", fmt.Sprintf("filter by asset %s and the status the plugin reports for %s returns only matching work orders, %s included", f.WorkOrder.AssetID, f.WorkOrder.ID, f.WorkOrder.ID), ops(abi.OpListWorkOrders, abi.OpGetWorkOrder), func() (string, bool) {
		var one abi.WorkOrderResponse
		if err := r.call(l, abi.OpGetWorkOrder, abi.GetWorkOrderRequest{WorkOrderID: f.WorkOrder.ID}, &one); err != nil {
			return errText(err), false
		}
		st := one.WorkOrder.Status
		var resp abi.ListWorkOrdersResponse
		if err := r.call(l, abi.OpListWorkOrders, abi.ListWorkOrdersRequest{AssetID: f.WorkOrder.AssetID, Status: st}, &resp); err != nil {
			return errText(err), false
		}
		found := false
		for _, w := range resp.WorkOrders {
			if w.AssetID != f.WorkOrder.AssetID || w.Status != st {
				return fmt.Sprintf("work order %s has asset %q status %q", w.ID, w.AssetID, w.Status), false
			}
			found = found || w.ID == f.WorkOrder.ID
		}
		return fmt.Sprintf("status %s: %d work orders, %s included: %v", st, len(resp.WorkOrders), f.WorkOrder.ID, found), found
	})
	r.check("get_work_order/mapping", fmt.Sprintf("work order %s read with %+v", f.WorkOrder.ID, compactWO(f.WorkOrder)), ops(abi.OpGetWorkOrder), func() (string, bool) {
		var resp abi.WorkOrderResponse
		if err := r.call(l, abi.OpGetWorkOrder, abi.GetWorkOrderRequest{WorkOrderID: f.WorkOrder.ID}, &resp); err != nil {
			return errText(err), false
		}
		if d := workOrderDiff(resp.WorkOrder, f.WorkOrder); len(d) > 0 {
			return "wrong mapping: " + d.String(), false
		}
		if resp.WorkOrder.CreatedAt.IsZero() {
			return "created_at is empty", false
		}
		if err := resp.WorkOrder.Validate(); err != nil {
			return err.Error(), false
		}
		return "all compared fields match", true
	})
	r.notFoundCheck(l, abi.OpGetWorkOrder, f.MissingWorkOrderID, abi.GetWorkOrderRequest{WorkOrderID: f.MissingWorkOrderID}, &abi.WorkOrderResponse{})
	r.check("maintenance_history", fmt.Sprintf("the %d completed or closed work orders of %s", f.HistoryCount, f.Asset.ID), ops(abi.OpMaintenanceHistory), func() (string, bool) {
		var resp abi.ListWorkOrdersResponse
		if err := r.call(l, abi.OpMaintenanceHistory, abi.MaintenanceHistoryRequest{AssetID: f.Asset.ID}, &resp); err != nil {
			return errText(err), false
		}
		for _, w := range resp.WorkOrders {
			if w.AssetID != f.Asset.ID || (w.Status != abi.StatusCompleted && w.Status != abi.StatusClosed) {
				return fmt.Sprintf("work order %s (asset %q, status %q) is not history of %s", w.ID, w.AssetID, w.Status, f.Asset.ID), false
			}
		}
		return fmt.Sprintf("%d work orders", len(resp.WorkOrders)), len(resp.WorkOrders) == f.HistoryCount
	})
}

func (r *run) partChecks() {
	f, l := r.facts, r.main
	expected := fmt.Sprintf("all %d spare parts, with names", f.SparePartCount)
	if len(f.UnknownStockSKUs) > 0 {
		expected += fmt.Sprintf("; stock null (unknown, not 0) for %v and known for the others", f.UnknownStockSKUs)
	}
	r.check("list_spare_parts/all", expected, ops(abi.OpListSpareParts), func() (string, bool) {
		var resp abi.ListSparePartsResponse
		if err := r.call(l, abi.OpListSpareParts, abi.ListSparePartsRequest{}, &resp); err != nil {
			return errText(err), false
		}
		for _, p := range resp.SpareParts {
			if p.SKU == "" || p.Name == "" {
				return fmt.Sprintf("part without sku or name: %+v", p), false
			}
			if unknown := slices.Contains(f.UnknownStockSKUs, p.SKU); unknown != (p.StockQuantity == nil) {
				return fmt.Sprintf("part %s: stock %v, want unknown=%v", p.SKU, quantity(p.StockQuantity), unknown), false
			}
		}
		return fmt.Sprintf("%d parts", len(resp.SpareParts)), len(resp.SpareParts) == f.SparePartCount
	})
	r.check("list_spare_parts/sku", fmt.Sprintf("filter by sku %s returns exactly that part", f.SKU), ops(abi.OpListSpareParts), func() (string, bool) {
		var resp abi.ListSparePartsResponse
		if err := r.call(l, abi.OpListSpareParts, abi.ListSparePartsRequest{SKU: f.SKU}, &resp); err != nil {
			return errText(err), false
		}
		var skus []string
		for _, p := range resp.SpareParts {
			skus = append(skus, p.SKU)
		}
		return fmt.Sprintf("skus %v", skus), len(skus) == 1 && skus[0] == f.SKU
	})
	expectParts := fmt.Sprintf("filter by asset %s returns its parts %v", f.Asset.ID, f.AssetSpareParts)
	if f.PartsByAssetUnsupported {
		expectParts = fmt.Sprintf("filter by asset %s fails with invalid_argument: the upstream does not relate parts to assets", f.Asset.ID)
	}
	r.check("list_spare_parts/asset", expectParts, ops(abi.OpListSpareParts), func() (string, bool) {
		var resp abi.ListSparePartsResponse
		err := r.call(l, abi.OpListSpareParts, abi.ListSparePartsRequest{AssetID: f.Asset.ID}, &resp)
		if f.PartsByAssetUnsupported {
			return fmt.Sprintf("%s; %d parts", errText(err), len(resp.SpareParts)), codeOf(err) == abi.CodeInvalidArgument
		}
		if err != nil {
			return errText(err), false
		}
		var skus []string
		for _, p := range resp.SpareParts {
			skus = append(skus, p.SKU)
		}
		slices.Sort(skus)
		want := slices.Clone(f.AssetSpareParts)
		slices.Sort(want)
		return fmt.Sprintf("skus %v", skus), slices.Equal(skus, want)
	})
}

func quantity(q *float64) string {
	if q == nil {
		return "null"
	}
	return fmt.Sprint(*q)
}

func (r *run) planChecks() {
	f, l := r.facts, r.main
	r.check("get_maintenance_plan/all", fmt.Sprintf("all %d maintenance plans with an interval", f.PlanCount), ops(abi.OpGetMaintenancePlan), func() (string, bool) {
		var resp abi.GetMaintenancePlanResponse
		if err := r.call(l, abi.OpGetMaintenancePlan, abi.GetMaintenancePlanRequest{}, &resp); err != nil {
			return errText(err), false
		}
		for _, p := range resp.Plans {
			if p.ID == "" || p.Interval.TotalDays() <= 0 {
				return fmt.Sprintf("plan %q has no id or interval (%+v)", p.ID, p.Interval), false
			}
		}
		return fmt.Sprintf("%d plans", len(resp.Plans)), len(resp.Plans) == f.PlanCount
	})
	r.check("get_maintenance_plan/asset", fmt.Sprintf("the %d plans of %s", f.AssetPlanCount, f.Asset.ID), ops(abi.OpGetMaintenancePlan), func() (string, bool) {
		var resp abi.GetMaintenancePlanResponse
		if err := r.call(l, abi.OpGetMaintenancePlan, abi.GetMaintenancePlanRequest{AssetID: f.Asset.ID}, &resp); err != nil {
			return errText(err), false
		}
		for _, p := range resp.Plans {
			if p.AssetID != f.Asset.ID {
				return fmt.Sprintf("plan %s is for asset %q", p.ID, p.AssetID), false
			}
		}
		return fmt.Sprintf("%d plans", len(resp.Plans)), len(resp.Plans) == f.AssetPlanCount
	})
}

// notFoundCheck is the "<op>/not_found" check: op with req, which names the
// missing record id, fails with not_found (resp receives any answer).
func (r *run) notFoundCheck(l *pluginload.Loaded, op abi.OpName, id string, req, resp any) {
	r.check(string(op)+"/not_found", fmt.Sprintf("%s %q fails with not_found", op, id), ops(op), func() (string, bool) {
		err := r.call(l, op, req, resp)
		return errText(err), codeOf(err) == abi.CodeNotFound
	})
}
