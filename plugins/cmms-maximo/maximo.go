package main

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

// maximo implements every CMMS operation of the ABI.
type maximo struct {
	cfg       settings
	base      string
	lean      bool
	codes     codes
	os        map[string]string // object structure by key (asset, work_order, inventory, pm)
	sel       map[string]string // oslc.select by key
	retryBase time.Duration
}

func (m *maximo) mapper(ctx context.Context) mapper { return mapper{ctx: ctx, codes: m.codes} }

// Health calls whoami.
func (m *maximo) Health(ctx context.Context) (abi.HealthResponse, error) {
	resp, err := m.send(ctx, request{method: "GET", url: m.base + "/maximo/oslc/whoami", idempotent: true})
	if err != nil {
		msg := abi.AsError(err).Message
		if abi.AsError(err).Code == abi.CodeUnauthorized {
			msg = "Maximo authentication failed: " + msg
		}
		return abi.HealthResponse{Status: abi.HealthUnhealthy, Message: msg}, nil
	}
	var who map[string]any
	if err := json.Unmarshal(resp.Body, &who); err != nil {
		return abi.HealthResponse{Status: abi.HealthDegraded, Message: "whoami returned malformed JSON"}, nil
	}
	details := map[string]any{"base_url": m.base}
	for _, k := range []string{"userid", "defsite", "defaultOrg", "langcode"} {
		if v, ok := who[k]; ok {
			details[k] = v
		}
	}
	return abi.HealthResponse{Status: abi.HealthHealthy, Message: "Maximo OSLC API reachable", Details: details}, nil
}

// ListAssets reads the asset object structure. Records without assetnum
// (operating locations in an asset lookup) are skipped and counted.
func (m *maximo) ListAssets(ctx context.Context, req abi.ListAssetsRequest) (abi.ListAssetsResponse, error) {
	rows, truncated, err := m.collect(ctx, query{os: "asset", sel: m.sel["asset"], limit: req.Limit})
	if err != nil {
		return abi.ListAssetsResponse{}, err
	}
	assets, skipped := mapRows(ctx, rows, "assetnum", m.mapper(ctx).asset)
	return abi.ListAssetsResponse{Assets: assets, Truncated: truncated, Skipped: skipped}, nil
}

// GetAsset reads one asset by assetnum.
func (m *maximo) GetAsset(ctx context.Context, req abi.GetAssetRequest) (abi.GetAssetResponse, error) {
	a, err := one(ctx, m, query{os: "asset", sel: m.sel["asset"]}, "assetnum", "asset_id", req.AssetID, m.mapper(ctx).asset)
	return abi.GetAssetResponse{Asset: a}, err
}

// ListWorkOrders reads work orders, optionally by asset and status. The
// status filter is on internal values (domaininternalwhere), so that a
// site's synonyms (APPR S1) match too.
func (m *maximo) ListWorkOrders(ctx context.Context, req abi.ListWorkOrdersRequest) (abi.ListWorkOrdersResponse, error) {
	q := query{os: "work_order", limit: req.Limit}
	if req.AssetID != "" {
		q.where = new(where).eq("assetnum", "asset_id", req.AssetID)
	}
	if req.Status != "" {
		s, err := abi.ParseStatus(string(req.Status))
		if err != nil {
			return abi.ListWorkOrdersResponse{}, err
		}
		q.status = "status=" + strings.Join(m.codes.statusCodes(s), ",")
	}
	return m.workOrders(ctx, q)
}

func (m *maximo) workOrders(ctx context.Context, q query) (abi.ListWorkOrdersResponse, error) {
	q.sel = m.sel["work_order"]
	rows, truncated, err := m.collect(ctx, q)
	if err != nil {
		return abi.ListWorkOrdersResponse{}, err
	}
	wos, skipped := mapRows(ctx, rows, "wonum", m.mapper(ctx).workOrder)
	return abi.ListWorkOrdersResponse{WorkOrders: wos, Truncated: truncated, Skipped: skipped}, nil
}

// GetWorkOrder reads one work order by wonum.
func (m *maximo) GetWorkOrder(ctx context.Context, req abi.GetWorkOrderRequest) (abi.WorkOrderResponse, error) {
	w, err := m.workOrder(ctx, req.WorkOrderID)
	return abi.WorkOrderResponse{WorkOrder: w}, err
}

func (m *maximo) workOrder(ctx context.Context, wonum string) (abi.WorkOrder, error) {
	return one(ctx, m, query{os: "work_order", sel: m.sel["work_order"]}, "wonum", "work_order_id", wonum, m.mapper(ctx).workOrder)
}

// writeHeaders are what Maximo wants on a write: JSON, and the record back.
// An update is a POST to the record with x-method-override: PATCH and
// patchtype: MERGE (a plain PATCH replaces child objects, deleting those
// the body does not name).
func writeHeaders(patch bool) map[string]string {
	h := map[string]string{"Content-Type": "application/json", "properties": "*"}
	if patch {
		h["x-method-override"] = "PATCH"
		h["patchtype"] = "MERGE"
	}
	return h
}

func (m *maximo) leanQuery() string {
	if m.lean {
		return "?lean=1&internalvalues=1"
	}
	return "?internalvalues=1"
}

// writeResult maps the record a write returned, or re-reads it from the
// Location header when Maximo sent no body.
func (m *maximo) writeResult(ctx context.Context, resp abi.HTTPResponse) (abi.WorkOrder, error) {
	if len(strings.TrimSpace(string(resp.Body))) > 0 {
		p, err := parsePage(resp.Body)
		if err != nil || len(p.members) != 1 {
			return abi.WorkOrder{}, abi.Upstream("Maximo returned malformed JSON for the written work order: %v", err)
		}
		w, ok := m.mapper(ctx).workOrder(p.members[0])
		if !ok {
			return abi.WorkOrder{}, abi.Upstream("Maximo returned the written work order without its wonum")
		}
		return w, nil
	}
	loc := ""
	for k, v := range resp.Headers {
		if strings.EqualFold(k, "Location") {
			loc = v
		}
	}
	if loc == "" {
		return abi.WorkOrder{}, abi.Upstream("Maximo accepted the write but returned neither the record nor its location")
	}
	u, err := m.link(ctx, "Location", loc)
	if err != nil {
		return abi.WorkOrder{}, err
	}
	r, err := m.send(ctx, request{method: "GET", url: withQuery(u, m.leanQuery()), idempotent: true})
	if err != nil {
		return abi.WorkOrder{}, err
	}
	return m.writeResult(ctx, r)
}

// withQuery appends q ("?a=b") to u, which may already have a query.
func withQuery(u, q string) string {
	if strings.Contains(u, "?") {
		return u + "&" + strings.TrimPrefix(q, "?")
	}
	return u + q
}

// UpdateWorkOrder changes status, lead or description. A status change is
// checked against the life cycle (abi.CheckTransition) on the current
// record before anything is written.
func (m *maximo) UpdateWorkOrder(ctx context.Context, req abi.UpdateWorkOrderRequest) (abi.WorkOrderResponse, error) {
	return m.update(ctx, req, "")
}

func (m *maximo) update(ctx context.Context, req abi.UpdateWorkOrderRequest, memo string) (abi.WorkOrderResponse, error) {
	if req.Status == "" && req.AssignedTo == "" && req.Description == "" {
		return abi.WorkOrderResponse{}, abi.InvalidArgument("nothing to update: set status, assigned_to or description")
	}
	wo, err := m.workOrder(ctx, req.WorkOrderID)
	if err != nil {
		return abi.WorkOrderResponse{}, err
	}
	body := map[string]any{}
	to, change, err := pdk.StatusChange(wo.Status, req.Status)
	if err != nil {
		return abi.WorkOrderResponse{}, err
	}
	if change {
		body["status"] = m.codes.statusCode(to)
		if memo != "" {
			body["memo"] = memo
		}
	}
	if req.AssignedTo != "" {
		body["lead"] = req.AssignedTo
	}
	if req.Description != "" {
		body["description"] = req.Description
	}
	if len(body) == 0 {
		return abi.WorkOrderResponse{WorkOrder: wo}, nil
	}
	href, _ := wo.Metadata["href"].(string)
	if href == "" {
		return abi.WorkOrderResponse{}, abi.Upstream("Maximo returned work order %q without its href", req.WorkOrderID)
	}
	u, err := m.link(ctx, "href", href)
	if err != nil {
		return abi.WorkOrderResponse{}, err
	}
	b, _ := json.Marshal(body)
	resp, err := m.send(ctx, request{method: "POST", url: withQuery(u, m.leanQuery()), headers: writeHeaders(true), body: b})
	if err != nil {
		return abi.WorkOrderResponse{}, err
	}
	if resp.Status == 204 || len(resp.Body) == 0 {
		return m.GetWorkOrder(ctx, abi.GetWorkOrderRequest{WorkOrderID: req.WorkOrderID})
	}
	w, err := m.writeResult(ctx, resp)
	return abi.WorkOrderResponse{WorkOrder: w}, err
}

// CloseWorkOrder moves a completed work order to closed.
func (m *maximo) CloseWorkOrder(ctx context.Context, req abi.CloseWorkOrderRequest) (abi.WorkOrderResponse, error) {
	return m.update(ctx, abi.UpdateWorkOrderRequest{WorkOrderID: req.WorkOrderID, Status: abi.StatusClosed}, "")
}

// CancelWorkOrder cancels a work order, recording the reason as the status
// memo.
func (m *maximo) CancelWorkOrder(ctx context.Context, req abi.CancelWorkOrderRequest) (abi.WorkOrderResponse, error) {
	return m.update(ctx, abi.UpdateWorkOrderRequest{WorkOrderID: req.WorkOrderID, Status: abi.StatusCancelled}, req.Reason)
}

// MaintenanceHistory lists the completed and closed work orders of an asset.
func (m *maximo) MaintenanceHistory(ctx context.Context, req abi.MaintenanceHistoryRequest) (abi.ListWorkOrdersResponse, error) {
	if strings.TrimSpace(req.AssetID) == "" {
		return abi.ListWorkOrdersResponse{}, abi.InvalidArgument("asset_id is required")
	}
	done := append(m.codes.statusCodes(abi.StatusCompleted), m.codes.statusCodes(abi.StatusClosed)...)
	return m.workOrders(ctx, query{os: "work_order", where: new(where).eq("assetnum", "asset_id", req.AssetID),
		status: "status=" + strings.Join(done, ","), limit: req.Limit})
}

// GetMaintenancePlan reads PM plans, optionally for one asset.
func (m *maximo) GetMaintenancePlan(ctx context.Context, req abi.GetMaintenancePlanRequest) (abi.GetMaintenancePlanResponse, error) {
	q := query{os: "pm", sel: m.sel["pm"]}
	if req.AssetID != "" {
		q.where = new(where).eq("assetnum", "asset_id", req.AssetID)
	}
	rows, _, err := m.collect(ctx, q)
	if err != nil {
		return abi.GetMaintenancePlanResponse{}, err
	}
	plans, _ := mapRows(ctx, rows, "pmnum", m.mapper(ctx).plan)
	return abi.GetMaintenancePlanResponse{Plans: plans}, nil
}
