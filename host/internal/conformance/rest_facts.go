package conformance

import (
	"fmt"
	"slices"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/internal/sim/rest"
)

// Facts states, for a few records of the simulator, what each vendor's
// documentation says they mean, in domain terms. The vendor codes and their
// meaning are written here from the documentation (see
// plugins/cmms-rest/testdata/SOURCES.md), not taken from any preset.
func (s *restSim) Facts() Facts {
	assets, wos, parts := s.srv.Records(rest.Assets), s.srv.Records(rest.WorkOrders), s.srv.Records(rest.Parts)
	f := Facts{
		PageSize: restPageSize, AssetCount: len(assets), WorkOrderCount: len(wos), SparePartCount: len(parts),
		MissingAssetID: "NO-SUCH-ASSET-42", MissingWorkOrderID: "999999",
		// A REST path has no query language; these try to leave the
		// record's path segment instead.
		HostileIDs:     []string{"../users", "x/../../users", "..", "%2e%2e", "1?limit=1", `1" or "1"="1`},
		CreateType:     abi.TypeCorrective,
		CreatePriority: abi.PriorityHigh,
	}
	a := assets[0]
	f.Asset = abi.Asset{ID: text(a["id"]), Name: text(a["name"]), Type: abi.AssetRotating, Criticality: abi.CriticalityC, SerialNumber: text(a["serial"])}
	if s.dialect == rest.MaintainX {
		f.Asset.SerialNumber, f.Asset.Location, f.Asset.Model = text(a["serialNumber"]), text(a["locationId"]), text(a["model"])
	} else {
		f.Asset.Location, f.Asset.Model = text(a["location"]), text(a["model"])
	}
	s.workOrderFacts(&f, wos)
	if len(parts) > 0 {
		f.SKU = s.sku(parts[len(parts)/2])
	}
	for _, p := range parts {
		if list, ok := p["assets"].([]string); ok && slices.Contains(list, f.Asset.ID) {
			f.AssetSpareParts = append(f.AssetSpareParts, s.sku(p))
		}
	}
	// MaintainX parts carry no asset relation (OpenAPI: /parts items have
	// no asset field); listing them by asset must be refused, not widened.
	f.PartsByAssetUnsupported = s.dialect == rest.MaintainX
	return f
}

func (s *restSim) sku(p map[string]any) string {
	if s.dialect == rest.UpKeep {
		return text(p["partNumber"])
	}
	return text(p["id"])
}

// The documented meaning of the codes the facts use.
var (
	// UpKeep: "inProgress" is work under way, "complete" is done; priority
	// 0-3 with 0 the lowest ("0,1,2,3. 0 being lowest"): 1 is low;
	// category "Preventive" is preventive work.
	upkeepInProgress, upkeepDone = "inProgress", "complete"
	// MaintainX: IN_PROGRESS, DONE ("last marked as DONE" = completed),
	// CANCELED; priority LOW; type PREVENTIVE.
	maintainxInProgress, maintainxDone, maintainxCanceled = "IN_PROGRESS", "DONE", "CANCELED"
)

// workOrderFacts picks the work orders the checks use.
func (s *restSim) workOrderFacts(f *Facts, wos []map[string]any) {
	inProgress, done, asset := upkeepInProgress, upkeepDone, "asset"
	if s.dialect == rest.MaintainX {
		inProgress, done, asset = maintainxInProgress, maintainxDone, ""
	}
	assetOf := func(w map[string]any) string {
		if asset != "" {
			return text(w[asset])
		}
		if m, ok := w["asset"].(map[string]any); ok {
			return text(m["id"])
		}
		return ""
	}
	for _, w := range wos {
		st := text(w["status"])
		switch {
		case st == done && assetOf(w) == f.Asset.ID:
			f.HistoryCount++
		}
		if st == done && f.CompletedWorkOrderID == "" {
			f.CompletedWorkOrderID = text(w["id"])
		}
		if st == maintainxCanceled && f.RefusedWorkOrderID == "" {
			f.RefusedWorkOrderID, f.RefusedFrom = text(w["id"]), abi.StatusCancelled
		}
		// an in-progress, preventive, low-priority work order without an
		// assignee: UpKeep priority 1 ("0,1,2,3. 0 being lowest"), category
		// Preventive; MaintainX LOW, PREVENTIVE.
		p, k := text(w["priority"]), text(w["category"])+text(w["type"])
		if st == inProgress && f.WorkOrder.ID == "" && assignee(w) == "" && (p == "1" || p == "LOW") && (k == "Preventive" || k == "PREVENTIVE") {
			created, _ := time.Parse(time.RFC3339, text(w["createdAt"]))
			f.WorkOrder = abi.WorkOrder{ID: text(w["id"]), AssetID: assetOf(w), Description: text(w["description"]),
				Status: abi.StatusInProgress, Priority: abi.PriorityLow, Type: abi.TypePreventive, CreatedAt: created}
		}
	}
	if f.RefusedWorkOrderID == "" {
		// UpKeep has no closed or cancelled status: a completed work order
		// may only be closed, so moving it back to in_progress is refused.
		f.RefusedWorkOrderID, f.RefusedFrom = f.CompletedWorkOrderID, abi.StatusCompleted
	}
}

func assignee(w map[string]any) string {
	if v := text(w["assignedToUser"]); v != "" {
		return v
	}
	if list, ok := w["assignees"].([]map[string]any); ok && len(list) > 0 {
		return text(list[0]["id"])
	}
	return ""
}

// text renders a scalar of a rendered record.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return fmt.Sprint(x)
	}
	return fmt.Sprint(v)
}
