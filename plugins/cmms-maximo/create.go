package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/machina-go/machina/abi"
)

// CreateWorkOrder creates a work order; Maximo assigns the wonum.
//
// It is idempotent for the host's deterministic id (WO-AUTO-…): the id's
// key is stored in EXTERNALREFID and looked up before anything is posted,
// so a retried create returns the work order the first attempt made. The
// POST also carries the id as Maximo's transactionid header, which makes
// Maximo refuse a replay within its window (HTTP 409) if two creates race
// past the lookup; the plugin then returns the work order the other made.
func (m *maximo) CreateWorkOrder(ctx context.Context, req abi.CreateWorkOrderRequest) (abi.WorkOrderResponse, error) {
	if err := req.Normalize(); err != nil {
		return abi.WorkOrderResponse{}, err
	}
	worktype := m.codes.workTypeCode(req.Type)
	if worktype == "" {
		return abi.WorkOrderResponse{}, abi.InvalidArgument("no Maximo work type is configured for %q: map one in the plugin's worktype_map (e.g. PDM = %q)", req.Type, req.Type)
	}
	prio := m.codes.priorityCode(req.Priority)
	if prio == 0 {
		return abi.WorkOrderResponse{}, abi.InvalidArgument("no Maximo wopriority is configured for %q: map one in the plugin's priority_map", req.Priority)
	}
	key := idempotencyKey(req.ID, *m.cfg.ExternalRefMaxLength)
	if key != "" {
		if w, found, err := m.byExternalRef(ctx, key); err != nil || found {
			return abi.WorkOrderResponse{WorkOrder: w}, err
		}
	}
	body := map[string]any{"description": req.Description, "assetnum": req.AssetID, "worktype": worktype, "wopriority": prio}
	if req.AssignedTo != "" {
		body["lead"] = req.AssignedTo
	}
	if req.FailureMode != "" {
		body["problemcode"] = req.FailureMode
	}
	if key != "" {
		body["externalrefid"] = key
	}
	if m.cfg.SiteID != "" {
		body["siteid"] = m.cfg.SiteID
	}
	headers := writeHeaders(false)
	if req.ID != "" {
		headers["transactionid"] = req.ID
	}
	b, _ := json.Marshal(body)
	u := m.base + "/maximo/oslc/os/" + m.os["work_order"] + m.leanQuery()
	resp, err := m.send(ctx, request{method: "POST", url: u, headers: headers, body: b})
	if err != nil {
		if resp.Status == 409 && key != "" {
			if w, found, ferr := m.byExternalRef(ctx, key); ferr == nil && found {
				return abi.WorkOrderResponse{WorkOrder: w}, nil
			}
		}
		return abi.WorkOrderResponse{}, err
	}
	w, err := m.writeResult(ctx, resp)
	return abi.WorkOrderResponse{WorkOrder: w}, err
}

// byExternalRef finds the work order created with key, if any. The result
// says so in metadata.idempotent_replay.
func (m *maximo) byExternalRef(ctx context.Context, key string) (abi.WorkOrder, bool, error) {
	rows, _, err := m.collect(ctx, query{os: "work_order", where: new(where).eq("externalrefid", "id", key), sel: m.sel["work_order"], limit: 1})
	if err != nil {
		return abi.WorkOrder{}, false, err
	}
	wos, _ := mapRows(ctx, rows, "wonum", m.mapper(ctx).workOrder)
	if len(wos) == 0 {
		return abi.WorkOrder{}, false, nil
	}
	w := wos[0]
	w.Metadata = setMeta(w.Metadata, "idempotent_replay", true)
	return w, true, nil
}

// idempotencyKey fits id into EXTERNALREFID (max characters; 0 disables
// idempotency): the id itself when it fits; the host's WO-AUTO-XXXXXXXX
// as WAXXXXXXXX (10 characters: IBM's schema gives EXTERNALREFID 10); any
// other id as the first max hex digits of its SHA-256, upper case. Every
// form is deterministic, so a retry finds the first attempt.
func idempotencyKey(id string, max int) string {
	id = strings.TrimSpace(id)
	switch {
	case id == "" || max <= 0:
		return ""
	case len(id) <= max:
		return id
	}
	if hexPart, ok := strings.CutPrefix(id, "WO-AUTO-"); ok && len(hexPart)+2 <= max {
		return "WA" + hexPart
	}
	sum := sha256.Sum256([]byte(id))
	return strings.ToUpper(hex.EncodeToString(sum[:]))[:min(max, 64)]
}
