package main

import (
	"context"
	"strings"

	"github.com/machina-go/machina/abi"
)

// UpdateWorkOrder changes status, assignee or description. The current
// work order is read first: a status change must follow the ABI's state
// machine, and an invalid one is refused before anything is written.
func (p *plugin) UpdateWorkOrder(ctx context.Context, req abi.UpdateWorkOrderRequest) (abi.WorkOrderResponse, error) {
	if req.Status == "" && strings.TrimSpace(req.AssignedTo) == "" && strings.TrimSpace(req.Description) == "" {
		return abi.WorkOrderResponse{}, abi.InvalidArgument("set at least one of status, assigned_to and description")
	}
	return p.change(ctx, req.WorkOrderID, req.Status, map[string]string{
		"assigned_to": strings.TrimSpace(req.AssignedTo), "description": strings.TrimSpace(req.Description),
		"title": title(req.Description)}, "")
}

// CloseWorkOrder moves a completed work order to closed.
func (p *plugin) CloseWorkOrder(ctx context.Context, req abi.CloseWorkOrderRequest) (abi.WorkOrderResponse, error) {
	if w := p.cfg.WorkOrders; w == nil || !w.Close {
		return abi.WorkOrderResponse{}, notConfigured("work_orders.close")
	}
	return p.change(ctx, req.WorkOrderID, abi.StatusClosed, nil, "")
}

// CancelWorkOrder moves a work order to cancelled; the reason is available
// to the status request as {reason}.
func (p *plugin) CancelWorkOrder(ctx context.Context, req abi.CancelWorkOrderRequest) (abi.WorkOrderResponse, error) {
	if w := p.cfg.WorkOrders; w == nil || !w.Cancel {
		return abi.WorkOrderResponse{}, notConfigured("work_orders.cancel")
	}
	return p.change(ctx, req.WorkOrderID, abi.StatusCancelled, nil, req.Reason)
}

// change applies a status change (through the status request when there
// is one) and field changes (through the update request), then returns the
// work order as the CMMS now has it.
func (p *plugin) change(ctx context.Context, id string, status abi.Status, set map[string]string, reason string) (abi.WorkOrderResponse, error) {
	w := p.cfg.WorkOrders
	if w == nil || (w.Update == nil && w.Status == nil) {
		return abi.WorkOrderResponse{}, notConfigured("work_orders.update")
	}
	cur, err := p.getWorkOrder(ctx, id)
	if err != nil {
		return abi.WorkOrderResponse{}, err
	}
	if status != "" && status != cur.Status {
		if err := abi.CheckTransition(cur.Status, status); err != nil {
			return abi.WorkOrderResponse{}, err
		}
		if status == abi.StatusAssigned && w.AssignedWhenAssignee && cur.AssignedTo == "" && set["assigned_to"] == "" {
			return abi.WorkOrderResponse{}, abi.InvalidArgument("%s has no assigned status: set assigned_to to assign the work order", p.cfg.Vendor)
		}
	}
	fieldsSet := false
	for _, v := range set {
		fieldsSet = fieldsSet || v != ""
	}
	v := map[string]string{"id": cur.ID, "reason": reason}
	for k, x := range set {
		v[k] = x
	}
	if status != "" && status != cur.Status {
		v["status"] = string(status)
		if w.Status != nil {
			if _, err := p.call(ctx, w.Status, p.vals(p.workOrders, map[string]string{"id": cur.ID, "status": string(status), "reason": reason}, true), nil); err != nil {
				return abi.WorkOrderResponse{}, err
			}
			delete(v, "status")
		} else {
			fieldsSet = true
		}
	}
	if fieldsSet {
		if w.Update == nil {
			return abi.WorkOrderResponse{}, abi.InvalidArgument("only status changes are configured for %s (work_orders.update is missing)", p.cfg.Vendor)
		}
		rep, err := p.call(ctx, w.Update, p.vals(p.workOrders, v, true), nil)
		if err != nil {
			return abi.WorkOrderResponse{}, err
		}
		return p.written(ctx, &Request{Item: w.Update.Item}, rep, cur.ID)
	}
	return p.written(ctx, &Request{}, reply{}, cur.ID)
}
