package mcp

import (
	"context"
	"strings"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/router"
	"github.com/machina-go/machina/host/internal/sandbox"
)

// Work order tools: list, get, create, update, close, cancel.

// woCore is what every work order result starts with: the fields of a
// created work order, real or synthesised by the sandbox.
type woCore = sandbox.WorkOrder

func woCoreOf(w abi.WorkOrder) woCore {
	return woCore{ID: w.ID, Type: w.Type, Priority: w.Priority, Status: w.Status, AssetID: w.AssetID, Description: w.Description}
}

type woSummary struct {
	woCore
	AssignedTo *string `json:"assigned_to"`
}

type woDetail struct {
	woSummary
	FailureMode *string `json:"failure_mode"`
	CreatedAt   string  `json:"created_at"`
}

type woStatus struct {
	ID      string     `json:"id"`
	Status  abi.Status `json:"status"`
	AssetID string     `json:"asset_id"`
}

func woSum(w abi.WorkOrder) woSummary {
	return woSummary{woCoreOf(w), opt(w.AssignedTo)}
}

// statusList is the valid status values, for descriptions and messages.
func statusList() string { return strings.Join(enumStrings(abi.Statuses()), ", ") }

func workOrderIDParam() param {
	return param{Name: "work_order_id", Type: "string", Required: true, Description: "Work order identifier"}
}

func listWorkOrdersTool() tool {
	return tool{Name: "machina_list_work_orders", Capability: abi.CapReadWorkOrders, Op: abi.OpListWorkOrders,
		Output:      listOutput[woSummary]("work_orders"),
		Description: "List work orders, optionally filtered by asset and status (empty means no filter).",
		Params: []param{
			assetFilterParam("Only work orders of this asset"),
			{Name: "status", Type: "string", Default: "", Description: "Only work orders in this status: " + statusList()},
		},
		Run: func(ctx context.Context, r *router.Router, a *args) (any, error) {
			asset := a.str("asset_id")
			status := enum(a, "status", abi.ParseStatus, true)
			if a.Err() != nil {
				return nil, a.Err()
			}
			wos, err := r.ListWorkOrders(ctx, asset, status)
			return mapAll(wos, woSum), err
		}}
}

func getWorkOrderTool() tool {
	return tool{Name: "machina_get_work_order", Capability: abi.CapGetWorkOrder, Op: abi.OpGetWorkOrder,
		Output:      objectOutput[woDetail](),
		Description: "Get one work order by id, with failure mode and creation time.",
		Params:      []param{workOrderIDParam()},
		Run: withStr("work_order_id", func(ctx context.Context, r *router.Router, id string) (woDetail, error) {
			w, err := r.GetWorkOrder(ctx, id)
			return woDetail{woSum(w), opt(w.FailureMode), isoTime(w.CreatedAt)}, err
		})}
}

func createWorkOrderTool() tool {
	return tool{Name: "machina_create_work_order", Capability: abi.CapCreateWorkOrder, Op: abi.OpCreateWorkOrder,
		Output:      writeOutput[woCore, sandbox.Created](),
		Description: "Create a work order in the CMMS for an existing asset. The id is deterministic (WO-AUTO-…), so a retried request does not create a duplicate. In sandbox mode nothing is written.",
		Params: []param{
			assetIDParam("Asset the work is for (must exist)"),
			{Name: "description", Type: "string", Required: true, Description: "What must be done and why"},
			{Name: "priority", Type: "string", Default: "medium", Enum: enumStrings(abi.Priorities()), Description: "Priority"},
			{Name: "work_order_type", Type: "string", Default: "corrective", Enum: enumStrings(abi.WorkOrderTypes()), Description: "Work order type"},
			{Name: "failure_mode", Type: "string", Default: "", Description: "Failure mode code, e.g. BEAR-WEAR-01"},
		},
		Run: func(ctx context.Context, r *router.Router, a *args) (any, error) {
			in := router.CreateRequest{
				AssetID:     a.str("asset_id"),
				Description: a.str("description"),
				Priority:    enum(a, "priority", abi.ParsePriority, false),
				Type:        enum(a, "work_order_type", abi.ParseWorkOrderType, false),
				FailureMode: a.str("failure_mode"),
			}
			if a.Err() != nil {
				return nil, a.Err()
			}
			res, err := r.CreateWorkOrder(ctx, in)
			return sandboxedOr(res, err, func(res router.WriteResult) woCore { return woCoreOf(res.WorkOrder) })
		}}
}

func updateWorkOrderTool() tool {
	return tool{Name: "machina_update_work_order", Capability: abi.CapUpdateWorkOrder, Op: abi.OpUpdateWorkOrder,
		Output:      writeOutput[woSummary, sandbox.Logged](),
		Description: "Update a work order's status, assignee or description (empty fields are left unchanged; set at least one).",
		Params: []param{
			workOrderIDParam(),
			{Name: "status", Type: "string", Default: "", Description: "New status: " + statusList()},
			{Name: "assigned_to", Type: "string", Default: "", Description: "New assignee"},
			{Name: "description", Type: "string", Default: "", Description: "New description"},
		},
		Run: func(ctx context.Context, r *router.Router, a *args) (any, error) {
			req := abi.UpdateWorkOrderRequest{
				WorkOrderID: a.str("work_order_id"),
				Status: enum(a, "status", func(s string) (abi.Status, error) {
					st, err := abi.ParseStatus(s)
					if err != nil {
						return "", abi.InvalidArgument("Invalid status '%s'. Valid values: %s", s, statusList())
					}
					return st, nil
				}, true),
				AssignedTo:  a.str("assigned_to"),
				Description: a.str("description"),
			}
			if a.Err() != nil {
				return nil, a.Err()
			}
			res, err := r.UpdateWorkOrder(ctx, req)
			return sandboxedOr(res, err, func(res router.WriteResult) woSummary { return woSum(res.WorkOrder) })
		}}
}

func closeWorkOrderTool() tool {
	return tool{Name: "machina_close_work_order", Capability: abi.CapCloseWorkOrder, Op: abi.OpCloseWorkOrder,
		Output:      writeOutput[woStatus, sandbox.Logged](),
		Description: "Close a completed work order.",
		Params:      []param{workOrderIDParam()},
		Run: withStr("work_order_id", func(ctx context.Context, r *router.Router, id string) (any, error) {
			res, err := r.CloseWorkOrder(ctx, id)
			return sandboxedOr(res, err, woStatusOf)
		})}
}

func cancelWorkOrderTool() tool {
	return tool{Name: "machina_cancel_work_order", Capability: abi.CapCancelWorkOrder, Op: abi.OpCancelWorkOrder,
		Output:      writeOutput[woStatus, sandbox.Logged](),
		Description: "Cancel a work order, with an optional reason.",
		Params: []param{
			workOrderIDParam(),
			{Name: "reason", Type: "string", Default: "", Description: "Why it is cancelled"},
		},
		Run: func(ctx context.Context, r *router.Router, a *args) (any, error) {
			id, reason := a.str("work_order_id"), a.str("reason")
			if a.Err() != nil {
				return nil, a.Err()
			}
			res, err := r.CancelWorkOrder(ctx, id, reason)
			return sandboxedOr(res, err, woStatusOf)
		}}
}

func woStatusOf(res router.WriteResult) woStatus {
	w := res.WorkOrder
	return woStatus{w.ID, w.Status, w.AssetID}
}
