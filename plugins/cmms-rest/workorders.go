package main

import (
	"context"
	"strings"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

// ListWorkOrders lists work orders, filtered upstream where the list
// request has {asset_id} and {status} placeholders and always checked here:
// a filter value never widens the result.
func (p *plugin) ListWorkOrders(ctx context.Context, req abi.ListWorkOrdersRequest) (abi.ListWorkOrdersResponse, error) {
	return p.listWorkOrders(ctx, req.AssetID, req.Limit, func(s abi.Status) bool { return req.Status == "" || s == req.Status }, string(req.Status))
}

// MaintenanceHistory lists the completed and closed work orders of an asset.
func (p *plugin) MaintenanceHistory(ctx context.Context, req abi.MaintenanceHistoryRequest) (abi.ListWorkOrdersResponse, error) {
	if w := p.cfg.WorkOrders; w == nil || !w.History {
		return abi.ListWorkOrdersResponse{}, notConfigured("work_orders.history")
	}
	if strings.TrimSpace(req.AssetID) == "" {
		return abi.ListWorkOrdersResponse{}, abi.InvalidArgument("asset_id is required")
	}
	done := func(s abi.Status) bool { return s == abi.StatusCompleted || s == abi.StatusClosed }
	return p.listWorkOrders(ctx, req.AssetID, req.Limit, done, "")
}

func (p *plugin) listWorkOrders(ctx context.Context, assetID string, limit int, status func(abi.Status) bool, statusFilter string) (abi.ListWorkOrdersResponse, error) {
	w := p.cfg.WorkOrders
	if w == nil || w.List == nil {
		return abi.ListWorkOrdersResponse{}, notConfigured("work_orders.list")
	}
	assetID = strings.TrimSpace(assetID)
	vs := p.vals(p.workOrders, map[string]string{"asset_id": assetID, "status": statusFilter}, false)
	resp := abi.ListWorkOrdersResponse{WorkOrders: []abi.WorkOrder{}}
	keep := func(row any) bool {
		wo, ok := p.workOrder(ctx, row)
		if !ok {
			resp.Skipped++
			return false
		}
		return (assetID == "" || wo.AssetID == assetID) && status(wo.Status)
	}
	rows, truncated, err := p.fetchAll(ctx, w.List, vs, limit, keep)
	if err != nil {
		return abi.ListWorkOrdersResponse{}, err
	}
	resp.Truncated = truncated
	for _, row := range rows {
		wo, _ := p.workOrder(ctx, row)
		resp.WorkOrders = append(resp.WorkOrders, wo)
	}
	skipped(ctx, resp.Skipped, "id")
	return resp, nil
}

// GetWorkOrder reads one work order.
func (p *plugin) GetWorkOrder(ctx context.Context, req abi.GetWorkOrderRequest) (abi.WorkOrderResponse, error) {
	wo, err := p.getWorkOrder(ctx, req.WorkOrderID)
	return abi.WorkOrderResponse{WorkOrder: wo}, err
}

func (p *plugin) getWorkOrder(ctx context.Context, id string) (abi.WorkOrder, error) {
	w := p.cfg.WorkOrders
	if w == nil || w.Get == nil {
		return abi.WorkOrder{}, notConfigured("work_orders.get")
	}
	id = strings.TrimSpace(id)
	if id == "" {
		return abi.WorkOrder{}, abi.InvalidArgument("work_order_id is required")
	}
	rep, err := p.call(ctx, w.Get, p.vals(p.workOrders, map[string]string{"id": id}, true), nil)
	if err != nil {
		return abi.WorkOrder{}, notFoundAs(err, "Work order '%s' not found", id)
	}
	rec, err := item(w.Get, rep)
	if err != nil {
		return abi.WorkOrder{}, err
	}
	wo, ok := p.workOrder(ctx, rec)
	if !ok {
		return abi.WorkOrder{}, abi.NotFound("Work order '%s' not found", id)
	}
	return wo, nil
}

// workOrder maps one record; ok is false when it has no id.
func (p *plugin) workOrder(ctx context.Context, rec any) (abi.WorkOrder, bool) {
	f := p.workOrders
	id := f.str(rec, "id")
	if id == "" {
		return abi.WorkOrder{}, false
	}
	u := pdk.Unmapped{}
	wo := abi.WorkOrder{
		ID: id, AssetID: f.str(rec, "asset_id"), Description: f.str(rec, "description"), AssignedTo: f.str(rec, "assigned_to"),
		FailureMode: f.str(rec, "failure_mode"), CreatedAt: f.when(rec, "created_at"), UpdatedAt: f.when(rec, "updated_at"),
		Status: abi.StatusCreated, Priority: abi.PriorityMedium, Type: abi.TypeCorrective,
	}
	if wo.Description == "" {
		wo.Description = f.str(rec, "title")
	}
	if f.has("status") {
		wo.Status = abi.Status(f.code(ctx, rec, "status", u))
	}
	if f.has("priority") {
		wo.Priority = abi.Priority(f.code(ctx, rec, "priority", u))
	}
	if f.has("type") {
		wo.Type = abi.WorkOrderType(f.code(ctx, rec, "type", u))
	}
	if wo.Status == abi.StatusCreated && wo.AssignedTo != "" && p.cfg.WorkOrders.AssignedWhenAssignee {
		wo.Status = abi.StatusAssigned
	}
	wo.Metadata = u.Attach(nil)
	return wo, true
}

// CreateWorkOrder sends the create request and returns the new work order
// (from the response's item, or read back by its id). The host never
// retries it (create_work_order is not idempotent).
func (p *plugin) CreateWorkOrder(ctx context.Context, req abi.CreateWorkOrderRequest) (abi.WorkOrderResponse, error) {
	w := p.cfg.WorkOrders
	if w == nil || w.Create == nil {
		return abi.WorkOrderResponse{}, notConfigured("work_orders.create")
	}
	if strings.TrimSpace(req.AssetID) == "" || strings.TrimSpace(req.Description) == "" {
		return abi.WorkOrderResponse{}, abi.InvalidArgument("asset_id and description are required")
	}
	v := map[string]string{"asset_id": req.AssetID, "title": title(req.Description), "description": req.Description,
		"priority": string(req.Priority), "type": string(req.Type), "failure_mode": req.FailureMode,
		"assigned_to": req.AssignedTo, "external_id": req.ID}
	rep, err := p.call(ctx, w.Create, p.vals(p.workOrders, v, true), nil)
	if err != nil {
		return abi.WorkOrderResponse{}, err
	}
	resp, err := p.written(ctx, w.Create, rep, "")
	if err == nil {
		// A configured endpoint offers no lookup by the host's id: say
		// that a retried create makes another work order (abi README §4).
		if resp.WorkOrder.Metadata == nil {
			resp.WorkOrder.Metadata = map[string]any{}
		}
		resp.WorkOrder.Metadata["idempotent_create"] = false
	}
	return resp, err
}

// written returns the work order a write answered with (its item), else
// reads it back by id (the request's, or the response's id path).
func (p *plugin) written(ctx context.Context, r *Request, rep reply, id string) (abi.WorkOrderResponse, error) {
	if r.Item != "" {
		if rec, err := item(r, rep); err == nil {
			if wo, ok := p.workOrder(ctx, rec); ok {
				return abi.WorkOrderResponse{WorkOrder: wo}, nil
			}
		}
	}
	if r.ID != "" {
		v, ok := mustPath(r.ID).get(rep.body)
		if !ok || text(v) == "" {
			return abi.WorkOrderResponse{}, abi.Upstream("%s: no %s in the response", redact(rep.url), r.ID)
		}
		id = text(v)
	}
	wo, err := p.getWorkOrder(ctx, id)
	return abi.WorkOrderResponse{WorkOrder: wo}, err
}

// title is the first line of a description, at most 100 characters: what
// vendors with a required title get.
func title(desc string) string {
	t, _, _ := strings.Cut(strings.TrimSpace(desc), "\n")
	if r := []rune(t); len(r) > 100 {
		t = string(r[:99]) + "…"
	}
	return t
}
