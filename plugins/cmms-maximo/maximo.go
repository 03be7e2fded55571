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

// settings is the plugin's non-secret configuration ([plugin.config]).
type settings struct {
	// BaseURL is the Maximo server, e.g. https://plant.maximo.com (required).
	BaseURL string `json:"base_url"`
	// SiteID restricts every query to one site (optional).
	SiteID string `json:"site_id"`
	// PageSize is oslc.pageSize (default 100).
	PageSize int `json:"page_size"`
	// MaxRows caps the rows one operation reads (default 5000).
	MaxRows int `json:"max_rows"`
	// Lean sends lean=1 (default true).
	Lean *bool `json:"lean"`
	// AssetTypeMap maps classstructureid or assettype to a Machina asset type.
	AssetTypeMap map[string]string `json:"asset_type_map"`
	// TimeoutMS is the per-request timeout asked of the host (default 30000).
	TimeoutMS int `json:"timeout_ms"`
	// RetryBaseMS is the first retry's backoff (default 500).
	RetryBaseMS int `json:"retry_base_ms"`
}

// maximo implements every CMMS operation of the ABI.
type maximo struct {
	cfg       settings
	base      string
	lean      bool
	typeMap   map[string]abi.AssetType
	retryBase time.Duration
}

var (
	_ pdk.CMMS               = (*maximo)(nil)
	_ pdk.AssetReader        = (*maximo)(nil)
	_ pdk.WorkOrderLister    = (*maximo)(nil)
	_ pdk.WorkOrderGetter    = (*maximo)(nil)
	_ pdk.WorkOrderCreator   = (*maximo)(nil)
	_ pdk.WorkOrderUpdater   = (*maximo)(nil)
	_ pdk.WorkOrderCloser    = (*maximo)(nil)
	_ pdk.WorkOrderCanceller = (*maximo)(nil)
	_ pdk.HistoryReader      = (*maximo)(nil)
	_ pdk.SparePartsReader   = (*maximo)(nil)
	_ pdk.PlanReader         = (*maximo)(nil)
)

// Init validates and stores the configuration.
func (m *maximo) Init(_ context.Context, c pdk.Config) error {
	var s settings
	if err := c.Decode(&s); err != nil {
		return abi.InvalidArgument("%v", err)
	}
	s.BaseURL = strings.TrimRight(strings.TrimSpace(s.BaseURL), "/")
	u, err := url.Parse(s.BaseURL)
	if s.BaseURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.User != nil {
		return abi.InvalidArgument("config base_url must be an http(s) URL such as https://plant.maximo.com (got %q)", s.BaseURL)
	}
	if s.PageSize == 0 {
		s.PageSize = 100
	}
	if s.MaxRows == 0 {
		s.MaxRows = 5000
	}
	if s.PageSize < 1 || s.PageSize > 1000 {
		return abi.InvalidArgument("config page_size must be between 1 and 1000")
	}
	if s.MaxRows < 1 {
		return abi.InvalidArgument("config max_rows must be positive")
	}
	if s.TimeoutMS == 0 {
		s.TimeoutMS = 30000
	}
	if s.RetryBaseMS <= 0 {
		s.RetryBaseMS = 500
	}
	tm := make(map[string]abi.AssetType, len(s.AssetTypeMap))
	for k, v := range s.AssetTypeMap {
		t, err := abi.ParseAssetType(v)
		if err != nil {
			return abi.InvalidArgument("config asset_type_map[%q]: %v", k, err)
		}
		tm[strings.ToUpper(strings.TrimSpace(k))] = t
	}
	m.cfg, m.base, m.typeMap = s, s.BaseURL, tm
	m.lean = s.Lean == nil || *s.Lean
	m.retryBase = time.Duration(s.RetryBaseMS) * time.Millisecond
	return nil
}

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

// ListAssets reads mxasset.
func (m *maximo) ListAssets(ctx context.Context, req abi.ListAssetsRequest) (abi.ListAssetsResponse, error) {
	rows, truncated, err := m.collect(ctx, query{os: "mxasset", limit: req.Limit})
	if err != nil {
		return abi.ListAssetsResponse{}, err
	}
	out := abi.ListAssetsResponse{Assets: make([]abi.Asset, 0, len(rows)), Truncated: truncated}
	for _, r := range rows {
		out.Assets = append(out.Assets, mapAsset(r, m.typeMap))
	}
	return out, nil
}

// GetAsset reads one asset by assetnum.
func (m *maximo) GetAsset(ctx context.Context, req abi.GetAssetRequest) (abi.GetAssetResponse, error) {
	r, err := m.one(ctx, "mxasset", "assetnum", "asset_id", req.AssetID)
	if err != nil {
		return abi.GetAssetResponse{}, err
	}
	return abi.GetAssetResponse{Asset: mapAsset(r, m.typeMap)}, nil
}

// ListWorkOrders reads mxwo, optionally by asset and status.
func (m *maximo) ListWorkOrders(ctx context.Context, req abi.ListWorkOrdersRequest) (abi.ListWorkOrdersResponse, error) {
	w := new(where)
	if req.AssetID != "" {
		w.eq("assetnum", "asset_id", req.AssetID)
	}
	if req.Status != "" {
		s, err := abi.ParseStatus(string(req.Status))
		if err != nil {
			return abi.ListWorkOrdersResponse{}, err
		}
		w.raw(`status="` + statusCode(s) + `"`)
	}
	return m.workOrders(ctx, w, req.Limit)
}

func (m *maximo) workOrders(ctx context.Context, w *where, limit int) (abi.ListWorkOrdersResponse, error) {
	q := query{os: "mxwo", limit: limit}
	if len(w.parts) > 0 || w.err != nil {
		q.where = w
	}
	rows, truncated, err := m.collect(ctx, q)
	if err != nil {
		return abi.ListWorkOrdersResponse{}, err
	}
	out := abi.ListWorkOrdersResponse{WorkOrders: make([]abi.WorkOrder, 0, len(rows)), Truncated: truncated}
	for _, r := range rows {
		out.WorkOrders = append(out.WorkOrders, mapWorkOrder(r))
	}
	return out, nil
}

// GetWorkOrder reads one work order by wonum.
func (m *maximo) GetWorkOrder(ctx context.Context, req abi.GetWorkOrderRequest) (abi.WorkOrderResponse, error) {
	r, err := m.one(ctx, "mxwo", "wonum", "work_order_id", req.WorkOrderID)
	if err != nil {
		return abi.WorkOrderResponse{}, err
	}
	return abi.WorkOrderResponse{WorkOrder: mapWorkOrder(r)}, nil
}

// writeHeaders are what Maximo wants on a write: JSON, and the record back.
func writeHeaders(patch bool) map[string]string {
	h := map[string]string{"Content-Type": "application/json", "properties": "*"}
	if patch {
		h["x-method-override"] = "PATCH"
		h["patchtype"] = "MERGE"
	}
	return h
}

// CreateWorkOrder posts a new work order to mxwo (Maximo assigns wonum).
func (m *maximo) CreateWorkOrder(ctx context.Context, req abi.CreateWorkOrderRequest) (abi.WorkOrderResponse, error) {
	if err := req.Normalize(); err != nil {
		return abi.WorkOrderResponse{}, err
	}
	body := map[string]any{
		"description": req.Description, "assetnum": req.AssetID,
		"worktype": worktypeCode(req.Type), "wopriority": priorityCode(req.Priority),
	}
	if req.AssignedTo != "" {
		body["lead"] = req.AssignedTo
	}
	if req.FailureMode != "" {
		body["failurecode"] = req.FailureMode
	}
	if req.ID != "" {
		body["externalrefid"] = req.ID
	}
	if m.cfg.SiteID != "" {
		body["siteid"] = m.cfg.SiteID
	}
	b, _ := json.Marshal(body)
	u := m.base + "/maximo/oslc/os/mxwo" + m.leanQuery()
	resp, err := m.send(ctx, request{method: "POST", url: u, headers: writeHeaders(false), body: b})
	if err != nil {
		return abi.WorkOrderResponse{}, err
	}
	return m.writeResult(ctx, resp)
}

func (m *maximo) leanQuery() string {
	if m.lean {
		return "?lean=1"
	}
	return ""
}

// writeResult maps the record a write returned, or re-reads it from the
// Location header when Maximo sent no body.
func (m *maximo) writeResult(ctx context.Context, resp abi.HTTPResponse) (abi.WorkOrderResponse, error) {
	if len(strings.TrimSpace(string(resp.Body))) > 0 {
		v, err := decodeJSON(resp.Body)
		rec, ok := v.(map[string]any)
		if err != nil || !ok {
			return abi.WorkOrderResponse{}, abi.Upstream("Maximo returned malformed JSON for the written work order: %v", err)
		}
		if !m.lean {
			unprefix(rec)
		}
		return abi.WorkOrderResponse{WorkOrder: mapWorkOrder(rec)}, nil
	}
	loc := ""
	for k, v := range resp.Headers {
		if strings.EqualFold(k, "Location") {
			loc = v
		}
	}
	if loc == "" || !strings.HasPrefix(loc, m.base+"/") {
		return abi.WorkOrderResponse{}, abi.Upstream("Maximo accepted the write but returned neither the record nor its location")
	}
	r, err := m.send(ctx, request{method: "GET", url: loc + m.leanQuery(), idempotent: true})
	if err != nil {
		return abi.WorkOrderResponse{}, err
	}
	return m.writeResult(ctx, r)
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
	cur, err := m.one(ctx, "mxwo", "wonum", "work_order_id", req.WorkOrderID)
	if err != nil {
		return abi.WorkOrderResponse{}, err
	}
	wo := mapWorkOrder(cur)
	href, _ := wo.Metadata["href"].(string)
	body := map[string]any{}
	if req.Status != "" {
		to, err := abi.ParseStatus(string(req.Status))
		if err != nil {
			return abi.WorkOrderResponse{}, err
		}
		if to != wo.Status {
			if err := abi.CheckTransition(wo.Status, to); err != nil {
				return abi.WorkOrderResponse{}, err
			}
			body["status"] = statusCode(to)
			if memo != "" {
				body["memo"] = memo
			}
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
	if href == "" || !strings.HasPrefix(href, m.base+"/") {
		return abi.WorkOrderResponse{}, abi.Upstream("Maximo returned no usable href for work order %q", req.WorkOrderID)
	}
	b, _ := json.Marshal(body)
	resp, err := m.send(ctx, request{method: "POST", url: href + m.leanQuery(), headers: writeHeaders(true), body: b})
	if err != nil {
		return abi.WorkOrderResponse{}, err
	}
	if resp.Status == 204 || len(resp.Body) == 0 {
		return m.GetWorkOrder(ctx, abi.GetWorkOrderRequest{WorkOrderID: req.WorkOrderID})
	}
	return m.writeResult(ctx, resp)
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
	w := new(where).eq("assetnum", "asset_id", req.AssetID).raw(`(status="COMP" or status="CLOSE")`)
	return m.workOrders(ctx, w, req.Limit)
}

// ListSpareParts reads mxinventory. With asset_id, it reads the asset's
// spare part list (mxasset sparepart) and returns the inventory of those
// items, with compatible_assets set to the asset.
func (m *maximo) ListSpareParts(ctx context.Context, req abi.ListSparePartsRequest) (abi.ListSparePartsResponse, error) {
	w := new(where)
	if req.SKU != "" {
		w.eq("itemnum", "sku", req.SKU)
	}
	if req.AssetID != "" {
		rows, _, err := m.collect(ctx, query{os: "mxasset", where: new(where).eq("assetnum", "asset_id", req.AssetID), sel: "assetnum,sparepart{itemnum,quantity}", limit: 2})
		if err != nil {
			return abi.ListSparePartsResponse{}, err
		}
		if len(rows) == 0 {
			return abi.ListSparePartsResponse{}, abi.NotFound("asset_id %q not found in Maximo", req.AssetID)
		}
		var items []string
		seen := map[string]bool{}
		sp, _ := rows[0]["sparepart"].([]any)
		for _, e := range sp {
			em, _ := e.(map[string]any)
			if it, _ := em["itemnum"].(string); it != "" && !seen[it] {
				seen[it] = true
				items = append(items, it)
			}
		}
		if len(items) == 0 {
			return abi.ListSparePartsResponse{SpareParts: []abi.SparePart{}}, nil
		}
		w.in("itemnum", "sku", items)
	}
	q := query{os: "mxinventory", limit: req.Limit}
	if len(w.parts) > 0 {
		q.where = w
	}
	rows, truncated, err := m.collect(ctx, q)
	if err != nil {
		return abi.ListSparePartsResponse{}, err
	}
	out := abi.ListSparePartsResponse{SpareParts: make([]abi.SparePart, 0, len(rows)), Truncated: truncated}
	for _, r := range rows {
		p := mapSparePart(r)
		if req.AssetID != "" {
			p.CompatibleAssets = []string{req.AssetID}
		}
		out.SpareParts = append(out.SpareParts, p)
	}
	return out, nil
}

// GetMaintenancePlan reads mxpm, optionally for one asset.
func (m *maximo) GetMaintenancePlan(ctx context.Context, req abi.GetMaintenancePlanRequest) (abi.GetMaintenancePlanResponse, error) {
	q := query{os: "mxpm", sel: "*,jobplan{jpnum,jobtask{jptask,description}}"}
	if req.AssetID != "" {
		q.where = new(where).eq("assetnum", "asset_id", req.AssetID)
	}
	rows, _, err := m.collect(ctx, q)
	if err != nil {
		return abi.GetMaintenancePlanResponse{}, err
	}
	out := abi.GetMaintenancePlanResponse{Plans: make([]abi.MaintenancePlan, 0, len(rows))}
	for _, r := range rows {
		out.Plans = append(out.Plans, mapPlan(r))
	}
	return out, nil
}
