package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/router"
)

// diff compares named fields and describes the differences.
type diff []string

func (d *diff) cmp(field string, got, want any) {
	if want == nil || fmt.Sprint(want) == "" {
		return
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		*d = append(*d, fmt.Sprintf("%s = %q, want %q", field, fmt.Sprint(got), fmt.Sprint(want)))
	}
}

func (d diff) String() string { return strings.Join(d, "; ") }

func assetDiff(got, want abi.Asset) diff {
	var d diff
	d.cmp("id", got.ID, want.ID)
	d.cmp("name", got.Name, want.Name)
	d.cmp("type", got.Type, want.Type)
	d.cmp("criticality", got.Criticality, want.Criticality)
	d.cmp("location", got.Location, want.Location)
	d.cmp("manufacturer", got.Manufacturer, want.Manufacturer)
	d.cmp("model", got.Model, want.Model)
	d.cmp("serial_number", got.SerialNumber, want.SerialNumber)
	d.cmp("parent", got.Parent, want.Parent)
	return d
}

func workOrderDiff(got, want abi.WorkOrder) diff {
	var d diff
	d.cmp("id", got.ID, want.ID)
	d.cmp("asset_id", got.AssetID, want.AssetID)
	d.cmp("status", got.Status, want.Status)
	d.cmp("priority", got.Priority, want.Priority)
	d.cmp("type", got.Type, want.Type)
	d.cmp("description", got.Description, want.Description)
	d.cmp("assigned_to", got.AssignedTo, want.AssignedTo)
	if !want.CreatedAt.IsZero() && !got.CreatedAt.Equal(want.CreatedAt) {
		d = append(d, fmt.Sprintf("created_at = %s, want %s", got.CreatedAt.UTC().Format(time.RFC3339), want.CreatedAt.UTC().Format(time.RFC3339)))
	}
	if !want.UpdatedAt.IsZero() && !got.UpdatedAt.Equal(want.UpdatedAt) {
		d = append(d, fmt.Sprintf("updated_at = %s, want %s", got.UpdatedAt.UTC().Format(time.RFC3339), want.UpdatedAt.UTC().Format(time.RFC3339)))
	}
	return d
}

// cmmsChecks covers every read operation.
func (r *run) cmmsChecks() {
	f := r.facts
	l := r.main
	r.check("health", "health reports healthy against the simulator", ops(abi.OpHealth), func() (string, bool) {
		var h abi.HealthResponse
		if err := r.call(l, abi.OpHealth, abi.HealthRequest{}, &h); err != nil {
			return errText(err), false
		}
		return fmt.Sprintf("status %s (%s)", h.Status, h.Message), h.Status == abi.HealthHealthy
	})

	r.check("list_assets/pagination", fmt.Sprintf("all %d assets, valid, read across pages of %d (more than one request)", f.AssetCount, f.PageSize), ops(abi.OpListAssets), func() (string, bool) {
		before := r.sim.Requests()
		var resp abi.ListAssetsResponse
		if err := r.call(l, abi.OpListAssets, abi.ListAssetsRequest{}, &resp); err != nil {
			return errText(err), false
		}
		reqs := r.sim.Requests() - before
		got := fmt.Sprintf("%d assets in %d upstream requests, truncated=%v", len(resp.Assets), reqs, resp.Truncated)
		for _, a := range resp.Assets {
			if err := a.Validate(); err != nil {
				return got + "; invalid asset: " + err.Error(), false
			}
		}
		return got, len(resp.Assets) == f.AssetCount && !resp.Truncated && reqs > 1
	})
	r.check("list_assets/limit", "limit 5 returns at most 5 assets and sets truncated", ops(abi.OpListAssets), func() (string, bool) {
		var resp abi.ListAssetsResponse
		if err := r.call(l, abi.OpListAssets, abi.ListAssetsRequest{Limit: 5}, &resp); err != nil {
			return errText(err), false
		}
		return fmt.Sprintf("%d assets, truncated=%v", len(resp.Assets), resp.Truncated), len(resp.Assets) <= 5 && len(resp.Assets) > 0 && resp.Truncated
	})
	r.check("get_asset/mapping", fmt.Sprintf("asset %s mapped as %+v", f.Asset.ID, compactAsset(f.Asset)), ops(abi.OpGetAsset), func() (string, bool) {
		var resp abi.GetAssetResponse
		if err := r.call(l, abi.OpGetAsset, abi.GetAssetRequest{AssetID: f.Asset.ID}, &resp); err != nil {
			return errText(err), false
		}
		if d := assetDiff(resp.Asset, f.Asset); len(d) > 0 {
			return "wrong mapping: " + d.String(), false
		}
		return "all compared fields match", true
	})
	r.check("get_asset/not_found", fmt.Sprintf("get_asset %q fails with not_found", f.MissingAssetID), ops(abi.OpGetAsset), func() (string, bool) {
		var resp abi.GetAssetResponse
		err := r.call(l, abi.OpGetAsset, abi.GetAssetRequest{AssetID: f.MissingAssetID}, &resp)
		return errText(err), codeOf(err) == abi.CodeNotFound
	})
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
	r.check("list_work_orders/filter", fmt.Sprintf("filter by asset %s and status %s returns only matching work orders (at least %s)", f.WorkOrder.AssetID, f.WorkOrder.Status, f.WorkOrder.ID), ops(abi.OpListWorkOrders), func() (string, bool) {
		var resp abi.ListWorkOrdersResponse
		if err := r.call(l, abi.OpListWorkOrders, abi.ListWorkOrdersRequest{AssetID: f.WorkOrder.AssetID, Status: f.WorkOrder.Status}, &resp); err != nil {
			return errText(err), false
		}
		found := false
		for _, w := range resp.WorkOrders {
			if w.AssetID != f.WorkOrder.AssetID || w.Status != f.WorkOrder.Status {
				return fmt.Sprintf("work order %s has asset %q status %q", w.ID, w.AssetID, w.Status), false
			}
			found = found || w.ID == f.WorkOrder.ID
		}
		return fmt.Sprintf("%d work orders, %s included: %v", len(resp.WorkOrders), f.WorkOrder.ID, found), found
	})
	r.check("get_work_order/mapping", fmt.Sprintf("work order %s mapped as %+v", f.WorkOrder.ID, compactWO(f.WorkOrder)), ops(abi.OpGetWorkOrder), func() (string, bool) {
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
		return "all compared fields match", true
	})
	r.check("get_work_order/not_found", fmt.Sprintf("get_work_order %q fails with not_found", f.MissingWorkOrderID), ops(abi.OpGetWorkOrder), func() (string, bool) {
		var resp abi.WorkOrderResponse
		err := r.call(l, abi.OpGetWorkOrder, abi.GetWorkOrderRequest{WorkOrderID: f.MissingWorkOrderID}, &resp)
		return errText(err), codeOf(err) == abi.CodeNotFound
	})
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
	r.check("list_spare_parts/all", fmt.Sprintf("all %d spare parts, with names and stock", f.SparePartCount), ops(abi.OpListSpareParts), func() (string, bool) {
		var resp abi.ListSparePartsResponse
		if err := r.call(l, abi.OpListSpareParts, abi.ListSparePartsRequest{}, &resp); err != nil {
			return errText(err), false
		}
		for _, p := range resp.SpareParts {
			if p.SKU == "" || p.Name == "" {
				return fmt.Sprintf("part without sku or name: %+v", p), false
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

func compactAsset(a abi.Asset) string {
	return fmt.Sprintf("{name:%q type:%s criticality:%s parent:%s location:%s}", a.Name, a.Type, a.Criticality, a.Parent, a.Location)
}

func compactWO(w abi.WorkOrder) string {
	return fmt.Sprintf("{asset:%s status:%s priority:%s type:%s assigned_to:%s}", w.AssetID, w.Status, w.Priority, w.Type, w.AssignedTo)
}

// pickRead is a read the plugin declares, used by the error checks.
func (r *run) pickRead() (abi.OpName, any, func() any) {
	f := r.facts
	switch {
	case r.desc.Has(abi.OpGetAsset):
		return abi.OpGetAsset, abi.GetAssetRequest{AssetID: f.Asset.ID}, func() any { return &abi.GetAssetResponse{} }
	case r.desc.Has(abi.OpListAssets):
		return abi.OpListAssets, abi.ListAssetsRequest{Limit: 1}, func() any { return &abi.ListAssetsResponse{} }
	case r.desc.Has(abi.OpGetWorkOrder):
		return abi.OpGetWorkOrder, abi.GetWorkOrderRequest{WorkOrderID: f.WorkOrder.ID}, func() any { return &abi.WorkOrderResponse{} }
	}
	return "", nil, nil
}

// errorChecks covers credentials and upstream failures.
func (r *run) errorChecks(ctx context.Context, name string, prof config.Auth, wrong map[string]string) {
	op, req, newResp := r.pickRead()
	if op == "" {
		r.record(Check{Name: "errors", Status: Skip, Got: "not run: the plugin declares no asset or work order read"})
		return
	}
	r.check("errors/unauthorized", fmt.Sprintf("with wrong credentials, %s fails with unauthorized", op), nil, func() (string, bool) {
		_, bad, err := r.load(ctx, name, prof, wrong)
		if err != nil {
			return "could not load the plugin with the wrong credentials: " + err.Error(), false
		}
		defer bad.Close(context.Background())
		err = r.call(bad, op, req, newResp())
		return errText(err), codeOf(err) == abi.CodeUnauthorized
	})
	r.check("errors/unavailable", fmt.Sprintf("when the upstream keeps answering 503, %s fails with unavailable after its retries", op), nil, func() (string, bool) {
		r.sim.SetFault(FaultUnavailable)
		defer r.sim.SetFault(FaultNone)
		before := r.sim.Requests()
		err := r.call(r.main, op, req, newResp())
		n := r.sim.Requests() - before
		return fmt.Sprintf("%s after %d upstream requests", errText(err), n), codeOf(err) == abi.CodeUnavailable
	})
	r.check("errors/rate_limited", fmt.Sprintf("after one 429 with Retry-After: 1, %s retries and succeeds", op), nil, func() (string, bool) {
		r.sim.SetFault(FaultRateLimitOnce)
		defer r.sim.SetFault(FaultNone)
		before := r.sim.Requests()
		err := r.call(r.main, op, req, newResp())
		n := r.sim.Requests() - before
		return fmt.Sprintf("%s after %d upstream requests", errText(err), n), err == nil && n >= 2
	})
}

// writeChecks covers create/update/close/cancel and refused transitions.
func (r *run) writeChecks() {
	f := r.facts
	l := r.main
	var created abi.WorkOrder
	ctype, cprio := f.CreateType, f.CreatePriority
	if ctype == "" {
		ctype = abi.TypePredictive
	}
	if cprio == "" {
		cprio = abi.PriorityHigh
	}
	r.check("create_work_order", fmt.Sprintf("creating a %s, %s-priority work order on %s returns it in status created", ctype, cprio, f.Asset.ID), ops(abi.OpCreateWorkOrder), func() (string, bool) {
		before := r.sim.Writes()
		var resp abi.WorkOrderResponse
		err := r.call(l, abi.OpCreateWorkOrder, abi.CreateWorkOrderRequest{ID: "WO-AUTO-C0FFEE00", AssetID: f.Asset.ID,
			Description: "Conformance: bearing noise", Type: ctype, Priority: cprio}, &resp)
		if err != nil {
			return errText(err), false
		}
		created = resp.WorkOrder
		var d diff
		d.cmp("asset_id", created.AssetID, f.Asset.ID)
		d.cmp("status", created.Status, abi.StatusCreated)
		d.cmp("type", created.Type, ctype)
		d.cmp("priority", created.Priority, cprio)
		if created.ID == "" {
			d = append(d, "id is empty")
		}
		if n := r.sim.Writes() - before; n < 1 {
			d = append(d, "the upstream received no write")
		}
		if len(d) > 0 {
			return d.String(), false
		}
		return "created " + created.ID, true
	})
	r.check("update_work_order", "moving the new work order to assigned with an assignee is written and returned", ops(abi.OpCreateWorkOrder, abi.OpUpdateWorkOrder), func() (string, bool) {
		if created.ID == "" {
			return "no work order was created", false
		}
		var resp abi.WorkOrderResponse
		if err := r.call(l, abi.OpUpdateWorkOrder, abi.UpdateWorkOrderRequest{WorkOrderID: created.ID, Status: abi.StatusAssigned, AssignedTo: "CONFORMANCE"}, &resp); err != nil {
			return errText(err), false
		}
		var d diff
		d.cmp("status", resp.WorkOrder.Status, abi.StatusAssigned)
		d.cmp("assigned_to", resp.WorkOrder.AssignedTo, "CONFORMANCE")
		if len(d) > 0 {
			return d.String(), false
		}
		return "status assigned, assigned_to CONFORMANCE", true
	})
	refused, from := f.RefusedWorkOrderID, f.RefusedFrom
	if refused == "" {
		refused, from = f.ClosedWorkOrderID, abi.StatusClosed
	}
	r.check("transitions/refused", fmt.Sprintf("%s → in_progress on %s fails with invalid_argument and writes nothing upstream", from, refused), ops(abi.OpUpdateWorkOrder), func() (string, bool) {
		before := r.sim.Writes()
		var resp abi.WorkOrderResponse
		err := r.call(l, abi.OpUpdateWorkOrder, abi.UpdateWorkOrderRequest{WorkOrderID: refused, Status: abi.StatusInProgress}, &resp)
		n := r.sim.Writes() - before
		return fmt.Sprintf("%s; %d writes received upstream", errText(err), n), codeOf(err) == abi.CodeInvalidArgument && n == 0
	})
	r.check("close_work_order", fmt.Sprintf("closing completed work order %s returns it closed", f.CompletedWorkOrderID), ops(abi.OpCloseWorkOrder), func() (string, bool) {
		var resp abi.WorkOrderResponse
		if err := r.call(l, abi.OpCloseWorkOrder, abi.CloseWorkOrderRequest{WorkOrderID: f.CompletedWorkOrderID}, &resp); err != nil {
			return errText(err), false
		}
		return "status " + string(resp.WorkOrder.Status), resp.WorkOrder.Status == abi.StatusClosed
	})
	r.check("cancel_work_order", "cancelling the new work order returns it cancelled", ops(abi.OpCreateWorkOrder, abi.OpCancelWorkOrder), func() (string, bool) {
		if created.ID == "" {
			return "no work order was created", false
		}
		var resp abi.WorkOrderResponse
		if err := r.call(l, abi.OpCancelWorkOrder, abi.CancelWorkOrderRequest{WorkOrderID: created.ID, Reason: "conformance test"}, &resp); err != nil {
			return errText(err), false
		}
		return "status " + string(resp.WorkOrder.Status), resp.WorkOrder.Status == abi.StatusCancelled
	})
}

// sandboxChecks prove that, in sandbox mode, no write reaches the upstream:
// the host's router and sandbox gate (packages router and sandbox, which
// classify operations with abi's table, never the plugin's word) keep
// write operations from the plugin and answer with the reference's
// synthesised response; and, as defence in depth, the plugin HTTP gate
// refuses every non-GET request a plugin makes even when called directly.
func (r *run) sandboxChecks() {
	f := r.facts
	var write abi.OpName
	var req, resp any
	switch {
	case r.desc.Has(abi.OpCreateWorkOrder):
		write, req, resp = abi.OpCreateWorkOrder, abi.CreateWorkOrderRequest{AssetID: f.Asset.ID, Description: "sandbox", Type: abi.TypeCorrective, Priority: abi.PriorityLow}, &abi.WorkOrderResponse{}
	case r.desc.Has(abi.OpCloseWorkOrder):
		write, req, resp = abi.OpCloseWorkOrder, abi.CloseWorkOrderRequest{WorkOrderID: f.CompletedWorkOrderID}, &abi.WorkOrderResponse{}
	default:
		r.record(Check{Name: "sandbox", Status: Skip, Got: "not run: the plugin declares no write operation"})
		return
	}
	r.sandbox.Store(true)
	defer r.sandbox.Store(false)
	r.check("sandbox/gate", fmt.Sprintf("in sandbox mode, %s through the host's router returns the synthesised sandbox response and the upstream receives no write", write), nil, func() (string, bool) {
		if err := r.host.Failure(r.main.Name); err != nil {
			return "registering the plugin: " + err.Error(), false
		}
		rt := r.host.Router
		var err error
		before := r.sim.Writes()
		var res router.WriteResult
		if write == abi.OpCreateWorkOrder {
			res, err = rt.CreateWorkOrder(r.ctx, router.CreateRequest{AssetID: f.Asset.ID, Description: "sandbox", Type: abi.TypeCorrective, Priority: abi.PriorityLow})
		} else {
			res, err = rt.CloseWorkOrder(r.ctx, f.CompletedWorkOrderID)
		}
		n := r.sim.Writes() - before
		if err != nil {
			return fmt.Sprintf("%s; upstream writes %d", errText(err), n), false
		}
		b, _ := json.Marshal(res.Sandboxed)
		r.outputs.Write(b)
		return fmt.Sprintf("sandboxed response %s; upstream writes %d", b, n), res.Sandboxed != nil && n == 0
	})
	r.check("sandbox/http_gate", fmt.Sprintf("in sandbox mode, even a direct %s call cannot write: the host's HTTP gate refuses non-GET requests and the upstream receives no write", write), nil, func() (string, bool) {
		before := r.sim.Writes()
		err := r.callDirect(r.main, write, req, resp)
		n := r.sim.Writes() - before
		return fmt.Sprintf("%s; upstream writes %d", errText(err), n), err != nil && n == 0
	})
}

// secretCheck looks for the generated secret in everything the plugin
// produced: results, errors, host logs (including plugin logs) and traces.
func (r *run) secretCheck(traceDir string) {
	r.check("secrets/not_visible", "the generated credential never appears in plugin results, errors, logs or traces", nil, func() (string, bool) {
		haystacks := map[string]string{"plugin results and errors": r.outputs.String(), "host and plugin logs": r.logs.String()}
		files, _ := filepath.Glob(filepath.Join(traceDir, "*"))
		var tr strings.Builder
		for _, fn := range files {
			b, _ := os.ReadFile(fn)
			tr.Write(b)
		}
		haystacks["traces"] = tr.String()
		for name, v := range r.secrets {
			for _, variant := range secretVariants(v) {
				for where, h := range haystacks {
					if strings.Contains(h, variant) {
						return fmt.Sprintf("secret %s found in %s", name, where), false
					}
				}
			}
		}
		return fmt.Sprintf("searched %d bytes of results, %d of logs, %d of traces", len(haystacks["plugin results and errors"]), len(haystacks["host and plugin logs"]), tr.Len()), true
	})
}
