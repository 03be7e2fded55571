package main

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

// Health reads the equipment service's $metadata (and reports whether
// the notification service answers too).
func (s *sapPM) Health(ctx context.Context) (abi.HealthResponse, error) {
	meta := map[string]string{"Accept": "application/xml"}
	_, err := s.send(ctx, request{method: "GET", url: s.base + "/" + s.path(s.cfg.EquipmentService, "$metadata"), headers: meta, idempotent: true})
	if err != nil {
		e := abi.AsError(err)
		msg := e.Message
		if e.Code == abi.CodeUnauthorized {
			msg = "SAP authentication failed: " + msg
		}
		return abi.HealthResponse{Status: abi.HealthUnhealthy, Message: msg}, nil
	}
	details := map[string]any{"base_url": s.base, "odata_version": s.cfg.ODataVersion}
	if s.cfg.SAPClient != "" {
		details["sap_client"] = s.cfg.SAPClient
	}
	if _, err := s.send(ctx, request{method: "GET", url: s.base + "/" + s.path(s.cfg.NotificationService, "$metadata"), headers: meta, idempotent: true}); err != nil {
		details["notifications"] = "unavailable: " + abi.AsError(err).Message
	} else {
		details["notifications"] = "available"
	}
	if s.cfg.BOMEquipmentField == "" {
		details["warning"] = "bom_equipment_field_unconfigured"
		pdk.Log(ctx, abi.LogWarn, "bom_equipment_field_unconfigured: spare parts cannot be filtered by asset", nil)
	}
	return abi.HealthResponse{Status: abi.HealthHealthy, Message: "SAP OData services reachable", Details: details}, nil
}

// ListAssets reads API_EQUIPMENT/Equipment.
func (s *sapPM) ListAssets(ctx context.Context, req abi.ListAssetsRequest) (abi.ListAssetsResponse, error) {
	rows, truncated, err := s.collect(ctx, query{path: s.equipmentPath(), limit: req.Limit})
	if err != nil {
		return abi.ListAssetsResponse{}, err
	}
	out := abi.ListAssetsResponse{Assets: make([]abi.Asset, 0, len(rows)), Truncated: truncated}
	for _, r := range rows {
		out.Assets = append(out.Assets, s.asset(ctx, r))
	}
	return out, nil
}

// GetAsset reads one equipment by number.
func (s *sapPM) GetAsset(ctx context.Context, req abi.GetAssetRequest) (abi.GetAssetResponse, error) {
	r, err := s.one(ctx, s.equipmentPath(), "Equipment", "asset_id", req.AssetID)
	if err != nil {
		return abi.GetAssetResponse{}, err
	}
	return abi.GetAssetResponse{Asset: s.asset(ctx, r)}, nil
}

// asset maps an equipment.
func (s *sapPM) asset(ctx context.Context, r map[string]any) abi.Asset {
	return s.mapper.mapAsset(ctx, r)
}

// statusQuery narrows an order query to the given statuses. The check is
// client-side, on the compound status: SAP's published order API has no
// filterable status field (the reference's MaintenanceOrderSystemStatus
// does not exist there, and a "REL" substring does not make an order
// assigned when it also carries CNF).
func (s *sapPM) statusQuery(q *query, want ...abi.Status) {
	q.keep = func(r map[string]any) bool {
		got := s.mapper.statusOf(r)
		for _, st := range want {
			if got == st {
				return true
			}
		}
		return false
	}
}

// ListWorkOrders reads maintenance orders, optionally by equipment and
// status.
func (s *sapPM) ListWorkOrders(ctx context.Context, req abi.ListWorkOrdersRequest) (abi.ListWorkOrdersResponse, error) {
	q := query{path: s.orderPath(), filter: new(filter), limit: req.Limit}
	if req.AssetID != "" {
		q.filter.eq("Equipment", "asset_id", req.AssetID)
	}
	if req.Status != "" {
		st, err := abi.ParseStatus(string(req.Status))
		if err != nil {
			return abi.ListWorkOrdersResponse{}, err
		}
		s.statusQuery(&q, st)
	}
	return s.workOrders(ctx, q)
}

func (s *sapPM) workOrders(ctx context.Context, q query) (abi.ListWorkOrdersResponse, error) {
	if q.filter != nil && len(q.filter.parts) == 0 && q.filter.err == nil {
		q.filter = nil
	}
	rows, truncated, err := s.collect(ctx, q)
	if err != nil {
		return abi.ListWorkOrdersResponse{}, err
	}
	return abi.ListWorkOrdersResponse{WorkOrders: s.orders(ctx, rows), Truncated: truncated}, nil
}

// orders maps order entities and adds the failure data of their linked
// notifications.
func (s *sapPM) orders(ctx context.Context, rows []map[string]any) []abi.WorkOrder {
	now := time.Now().UTC()
	out := make([]abi.WorkOrder, 0, len(rows))
	for _, r := range rows {
		out = append(out, s.mapper.mapWorkOrder(ctx, r, now))
	}
	s.attachFailureData(ctx, out)
	return out
}

// GetWorkOrder reads one maintenance order.
func (s *sapPM) GetWorkOrder(ctx context.Context, req abi.GetWorkOrderRequest) (abi.WorkOrderResponse, error) {
	r, err := s.one(ctx, s.orderPath(), "MaintenanceOrder", "work_order_id", req.WorkOrderID)
	if err != nil {
		return abi.WorkOrderResponse{}, err
	}
	return abi.WorkOrderResponse{WorkOrder: s.orders(ctx, []map[string]any{r})[0]}, nil
}

// idempotencyNote is what a created order's metadata says about retries.
const idempotencyNote = "not offered: SAP's MaintenanceOrder API has no external reference field, so a retried create_work_order creates a second order; check list_work_orders for the asset before retrying"

// CreateWorkOrder posts a maintenance order (SAP assigns the number). It
// is not idempotent: the published order API has no external reference to
// store the host's deterministic id in and look it up by; the result's
// metadata says so (metadata.idempotent_create = false).
func (s *sapPM) CreateWorkOrder(ctx context.Context, req abi.CreateWorkOrderRequest) (abi.WorkOrderResponse, error) {
	if _, err := odataLiteral("asset_id", req.AssetID); err != nil {
		return abi.WorkOrderResponse{}, err
	}
	if err := req.Normalize(); err != nil {
		return abi.WorkOrderResponse{}, err
	}
	body := map[string]any{
		"MaintenanceOrderDesc": req.Description, "Equipment": req.AssetID,
		"MaintenanceOrderType": writeCode(s.mapper.orderTypes, s.mapper.siteOrderTypes, req.Type, "PM01"),
		"MaintPriority":        writeCode(s.mapper.priorities, s.mapper.sitePriorities, req.Priority, "3"),
	}
	if req.AssignedTo != "" {
		body["MaintOrdPersonResponsible"] = req.AssignedTo
	}
	b, _ := json.Marshal(body)
	resp, err := s.write(ctx, "POST", s.base+"/"+s.orderPath(), b, nil)
	if err != nil {
		return abi.WorkOrderResponse{}, err
	}
	if len(strings.TrimSpace(string(resp.Body))) == 0 {
		return abi.WorkOrderResponse{}, abi.Upstream("SAP accepted the order (HTTP %d) but returned no entity", resp.Status)
	}
	rows, _, err := s.parseBody(resp.Body, s.orderPath())
	if err != nil {
		return abi.WorkOrderResponse{}, err
	}
	if len(rows) != 1 {
		return abi.WorkOrderResponse{}, abi.Upstream("SAP returned %d entities for the created order", len(rows))
	}
	w := s.orders(ctx, rows)[0]
	w.Metadata["idempotent_create"] = false
	w.Metadata["idempotency"] = idempotencyNote
	if req.ID != "" {
		w.Metadata["request_id"] = req.ID
	}
	if req.FailureMode != "" {
		// an order has no failure field (MaintenanceActivityType is an
		// activity type): failure data belongs on a notification
		w.Metadata["failure_mode_not_written"] = req.FailureMode
	}
	return abi.WorkOrderResponse{WorkOrder: w}, nil
}

// UpdateWorkOrder changes status, responsible person or description with
// PATCH MaintenanceOrder('<id>'). A status change is checked against the
// life cycle (abi.CheckTransition) on the current order before anything is
// written.
func (s *sapPM) UpdateWorkOrder(ctx context.Context, req abi.UpdateWorkOrderRequest) (abi.WorkOrderResponse, error) {
	if req.Status == "" && req.AssignedTo == "" && req.Description == "" {
		return abi.WorkOrderResponse{}, abi.InvalidArgument("nothing to update: set status, assigned_to or description")
	}
	lit, err := odataLiteral("work_order_id", req.WorkOrderID)
	if err != nil {
		return abi.WorkOrderResponse{}, err
	}
	cur, err := s.GetWorkOrder(ctx, abi.GetWorkOrderRequest{WorkOrderID: req.WorkOrderID})
	if err != nil {
		return abi.WorkOrderResponse{}, err
	}
	wo := cur.WorkOrder
	body := map[string]any{}
	to, change, err := pdk.StatusChange(wo.Status, req.Status)
	if err != nil {
		return abi.WorkOrderResponse{}, err
	}
	if change {
		body["MaintenanceOrderSystemStatus"] = statusCode(to)
	}
	if req.AssignedTo != "" {
		body["MaintOrdPersonResponsible"] = req.AssignedTo
	}
	if req.Description != "" {
		body["MaintenanceOrderDesc"] = req.Description
	}
	if len(body) == 0 {
		return cur, nil
	}
	b, _ := json.Marshal(body)
	u := s.base + "/" + s.orderPath() + "(" + url.PathEscape(lit) + ")"
	// optimistic concurrency: the ETag of the order the transition was
	// checked on, so a concurrent change fails (412) instead of being
	// overwritten
	var extra map[string]string
	if tag, _ := wo.Metadata[etagKey].(string); tag != "" {
		extra = map[string]string{"If-Match": tag}
	}
	if _, err := s.write(ctx, "PATCH", u, b, extra); err != nil {
		return abi.WorkOrderResponse{}, err
	}
	return s.GetWorkOrder(ctx, abi.GetWorkOrderRequest{WorkOrderID: req.WorkOrderID})
}

// CloseWorkOrder moves a completed order to closed (TECO).
func (s *sapPM) CloseWorkOrder(ctx context.Context, req abi.CloseWorkOrderRequest) (abi.WorkOrderResponse, error) {
	return s.UpdateWorkOrder(ctx, abi.UpdateWorkOrderRequest{WorkOrderID: req.WorkOrderID, Status: abi.StatusClosed})
}

// CancelWorkOrder cancels an order (DLFL, deletion flag). SAP has no
// reason field on the order; the reason is not sent.
func (s *sapPM) CancelWorkOrder(ctx context.Context, req abi.CancelWorkOrderRequest) (abi.WorkOrderResponse, error) {
	return s.UpdateWorkOrder(ctx, abi.UpdateWorkOrderRequest{WorkOrderID: req.WorkOrderID, Status: abi.StatusCancelled})
}

// MaintenanceHistory lists the completed and closed orders of an
// equipment (CNF, TECO, CLSD).
func (s *sapPM) MaintenanceHistory(ctx context.Context, req abi.MaintenanceHistoryRequest) (abi.ListWorkOrdersResponse, error) {
	q := query{path: s.orderPath(), filter: new(filter).eq("Equipment", "asset_id", req.AssetID), limit: req.Limit}
	s.statusQuery(&q, abi.StatusCompleted, abi.StatusClosed)
	return s.workOrders(ctx, q)
}

// ListSpareParts reads the configured BOM entity set. An asset filter
// needs bom_equipment_field: without it (and without a sku) the unbounded
// read is refused and an empty list returned, with a warning, as the
// reference does. Items of the same material are merged.
func (s *sapPM) ListSpareParts(ctx context.Context, req abi.ListSparePartsRequest) (abi.ListSparePartsResponse, error) {
	c := s.cfg
	f := new(filter)
	if req.SKU != "" {
		f.eq(c.BOMMaterialField, "sku", req.SKU)
	}
	if req.AssetID != "" {
		if c.BOMEquipmentField == "" {
			if req.SKU == "" {
				pdk.Log(ctx, abi.LogWarn, "bom_asset_filter_unsupported: set bom_equipment_field to list spare parts by asset; returning no parts", nil)
				return abi.ListSparePartsResponse{SpareParts: []abi.SparePart{}}, nil
			}
		} else {
			f.eq(c.BOMEquipmentField, "asset_id", req.AssetID)
		}
	}
	q := query{path: c.BOMService + "/" + c.BOMEntitySet, limit: req.Limit}
	if len(f.parts) > 0 || f.err != nil {
		q.filter = f
	}
	rows, truncated, err := s.collect(ctx, q)
	if err != nil {
		return abi.ListSparePartsResponse{}, err
	}
	out := abi.ListSparePartsResponse{SpareParts: make([]abi.SparePart, 0, len(rows)), Truncated: truncated}
	index := map[string]int{}
	for _, r := range rows {
		p := mapSparePart(r, c.BOMMaterialField, c.BOMEquipmentField)
		if p.SKU == "" {
			continue
		}
		if i, ok := index[p.SKU]; ok {
			for _, a := range p.CompatibleAssets {
				if !contains(out.SpareParts[i].CompatibleAssets, a) {
					out.SpareParts[i].CompatibleAssets = append(out.SpareParts[i].CompatibleAssets, a)
				}
			}
			continue
		}
		index[p.SKU] = len(out.SpareParts)
		out.SpareParts = append(out.SpareParts, p)
	}
	return out, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// GetMaintenancePlan reads maintenance plans, optionally for one equipment.
func (s *sapPM) GetMaintenancePlan(ctx context.Context, req abi.GetMaintenancePlanRequest) (abi.GetMaintenancePlanResponse, error) {
	q := query{path: s.planPath()}
	if req.AssetID != "" {
		q.filter = new(filter).eq("Equipment", "asset_id", req.AssetID)
	}
	rows, _, err := s.collect(ctx, q)
	if err != nil {
		return abi.GetMaintenancePlanResponse{}, err
	}
	out := abi.GetMaintenancePlanResponse{Plans: make([]abi.MaintenancePlan, 0, len(rows))}
	for _, r := range rows {
		out.Plans = append(out.Plans, mapPlan(r))
	}
	return out, nil
}
