package conformance

import (
	"fmt"
	"strings"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/internal/sim/sap"
)

// The SAP checks hold a plugin to SAP's documented behaviour. Every
// expected value is transcribed from the vendor corpus,
// plugins/cmms-sap/testdata/corpus/SOURCES.md (and csrf-gateway-exchange.md
// for CSRF), never from a plugin's tables.

// sapOrderExpect is one corpus order's expected reading.
type sapOrderExpect struct {
	id       string
	status   abi.Status
	typ      abi.WorkOrderType // with no site map
	unmapped string            // metadata.unmapped.order_type with no site map
	siteTyp  abi.WorkOrderType // with the customer-codes shape's site map
	why      string
}

// sapOrders: SOURCES.md, v2-maintenanceorder-sandbox-4000000.json and the
// table under v2-maintenanceorder-page1-next.json. The status is the most
// advanced life-cycle code of SystemStatusText (DLFL > CLSD > TECO > CNF >
// PCNF > REL > CRTD); other codes (MANC, PRC, SETC, GMPS, …) do not count.
var sapOrders = []sapOrderExpect{
	{"4000000", abi.StatusCompleted, abi.TypeCorrective, "YBA2", abi.TypePreventive, "REL  CNF  GMPS JBFI MANC PRC  SETC TTJL"},
	{"4000001", abi.StatusInProgress, abi.TypeCorrective, "YBA1", abi.TypeCorrective, "REL  PCNF MACM SETC"},
	{"4000002", abi.StatusCreated, abi.TypeCorrective, "", abi.TypeCorrective, "CRTD MANC NMAT NTUP"},
	{"4000003", abi.StatusClosed, abi.TypePreventive, "", abi.TypePreventive, "TECO PRC  SETC"},
	{"4000004", abi.StatusCancelled, abi.TypeCorrective, "", abi.TypeCorrective, "TECO DLFL PRC  SETC"},
	{"4000005", abi.StatusClosed, abi.TypeCorrective, "YBA2", abi.TypePreventive, "CLSD GMPS PRC  SETC"},
}

// sapCategories: SOURCES.md, v2-equipment-collection-categories.json.
// SAP's reference categories are M Machines, P Production resources/tools
// and S Customer equipment; X is a customer category. Without a site map P,
// S and X are unmapped (never piping or safety).
var sapCategories = []struct{ id, code string }{{"10000000", "X"}, {"210100095", "P"}, {"210100096", "S"}}

func (s *sapSim) vendorChecks(r *run) {
	custom := s.shape.opts.CustomerCodes
	r.check("sap/status", "each corpus order reads with the status of its most advanced life-cycle code (SOURCES.md): "+sapStatusList(), ops(abi.OpGetWorkOrder), func() (string, bool) {
		var bad []string
		for _, o := range sapOrders {
			w, err := r.sapOrder(o.id)
			switch {
			case err != nil:
				bad = append(bad, o.id+": "+errText(err))
			case w.Status != o.status:
				bad = append(bad, fmt.Sprintf("%s (%q) reads %s, want %s", o.id, o.why, w.Status, o.status))
			}
		}
		return orAll(bad, fmt.Sprintf("%d orders as expected", len(sapOrders)))
	})
	if s.shape.opts.StatusField != sap.StatusLegacy {
		r.check("sap/user_status", "order 4000001's user status INWK (UserStatusText) is kept in metadata.user_status", ops(abi.OpGetWorkOrder), func() (string, bool) {
			w, err := r.sapOrder("4000001")
			if err != nil {
				return errText(err), false
			}
			return fmt.Sprintf("metadata.user_status = %v", w.Metadata["user_status"]), w.Metadata["user_status"] == "INWK"
		})
	}
	r.check("sap/order_type", sapTypeExpectation(custom), ops(abi.OpGetWorkOrder), func() (string, bool) {
		var bad []string
		for _, o := range sapOrders {
			w, err := r.sapOrder(o.id)
			if err != nil {
				return o.id + ": " + errText(err), false
			}
			want, wantUnmapped := o.typ, o.unmapped
			if custom {
				want, wantUnmapped = o.siteTyp, ""
			}
			um, _ := w.Metadata["unmapped"].(map[string]any)
			if got := fmt.Sprint(um["order_type"]); w.Type != want || (wantUnmapped != "" && got != wantUnmapped) || (wantUnmapped == "" && um["order_type"] != nil) {
				bad = append(bad, fmt.Sprintf("%s: type %s, metadata.unmapped.order_type %v; want %s, %q", o.id, w.Type, um["order_type"], want, wantUnmapped))
			}
		}
		return orAll(bad, "order types as expected")
	})
	r.check("sap/equipment_category", sapCategoryExpectation(custom), ops(abi.OpGetAsset), func() (string, bool) {
		var bad []string
		for _, c := range sapCategories {
			var resp abi.GetAssetResponse
			if err := r.call(r.main, abi.OpGetAsset, abi.GetAssetRequest{AssetID: c.id}, &resp); err != nil {
				return c.id + ": " + errText(err), false
			}
			um, _ := resp.Asset.Metadata["unmapped"].(map[string]any)
			switch {
			case custom && um["equipment_category"] != nil:
				bad = append(bad, fmt.Sprintf("%s (%s): unmapped although the site maps it", c.id, c.code))
			case !custom && (resp.Asset.Type == abi.AssetPiping || resp.Asset.Type == abi.AssetSafety):
				bad = append(bad, fmt.Sprintf("%s (%s) reads %s", c.id, c.code, resp.Asset.Type))
			case !custom && um["equipment_category"] != c.code:
				bad = append(bad, fmt.Sprintf("%s: metadata.unmapped.equipment_category = %v, want %q", c.id, um["equipment_category"], c.code))
			}
		}
		return orAll(bad, "categories as expected")
	})
	r.check("sap/failure_data", "order 4000001's failure data comes from its notification 10000020: failure_mode ME00 (damage \"Breakage\"), failure_cause ME03; its activity type YB4 is not a failure mode", ops(abi.OpGetWorkOrder), func() (string, bool) {
		w, err := r.sapOrder("4000001")
		if err != nil {
			return errText(err), false
		}
		return fmt.Sprintf("failure_mode %q, failure_cause %q", w.FailureMode, w.FailureCause), w.FailureMode == "ME00" && w.FailureCause == "ME03"
	})
	r.sapCSRFChecks(s.srv)
	r.check("sap/create_idempotency", "SAP's order API has no external reference: a created order's metadata says idempotent_create = false", ops(abi.OpCreateWorkOrder), func() (string, bool) {
		var resp abi.WorkOrderResponse
		if err := r.call(r.main, abi.OpCreateWorkOrder, abi.CreateWorkOrderRequest{ID: "WO-AUTO-5A9C0DE5", AssetID: "210100094", Description: "Conformance: idempotency", Type: abi.TypeCorrective, Priority: abi.PriorityLow}, &resp); err != nil {
			return errText(err), false
		}
		v, ok := resp.WorkOrder.Metadata["idempotent_create"]
		return fmt.Sprintf("metadata.idempotent_create = %v", v), ok && v == false
	})
}

// sapCSRFChecks: csrf-gateway-exchange.md. The simulator binds tokens to
// the session cookies of the fetch (the host's cookie jar keeps them).
func (r *run) sapCSRFChecks(srv *sap.Server) {
	r.check("sap/csrf/refetch_once", "after the token expires, a write gets 403 x-csrf-token: Required, fetches one new token and succeeds on the one retry", ops(abi.OpUpdateWorkOrder), func() (string, bool) {
		var resp abi.WorkOrderResponse
		if err := r.call(r.main, abi.OpUpdateWorkOrder, abi.UpdateWorkOrderRequest{WorkOrderID: "4000002", Description: "Conformance: warm session"}, &resp); err != nil {
			return errText(err), false
		}
		srv.ExpireCSRF()
		before := srv.Stats()
		err := r.call(r.main, abi.OpUpdateWorkOrder, abi.UpdateWorkOrderRequest{WorkOrderID: "4000002", Description: "Conformance: after expiry"}, &resp)
		d := srv.Stats()
		got := fmt.Sprintf("%s; %d rejections, %d token fetches, %d write attempts, %d applied", errText(err),
			d.CSRFRejected-before.CSRFRejected, d.CSRFFetches-before.CSRFFetches, d.Writes-before.Writes, d.WritesDone-before.WritesDone)
		return got, err == nil && d.CSRFRejected-before.CSRFRejected == 1 && d.CSRFFetches-before.CSRFFetches == 1 && d.WritesDone-before.WritesDone == 1
	})
	r.check("sap/csrf/no_loop", "when every write is refused with 403 Required, the write fails with unauthorized after exactly two attempts", ops(abi.OpUpdateWorkOrder), func() (string, bool) {
		srv.SetFaults(sap.Faults{CSRFReject: -1})
		defer srv.SetFaults(sap.Faults{})
		before := srv.Stats()
		var resp abi.WorkOrderResponse
		err := r.call(r.main, abi.OpUpdateWorkOrder, abi.UpdateWorkOrderRequest{WorkOrderID: "4000002", Description: "Conformance: refused"}, &resp)
		n := srv.Stats().Writes - before.Writes
		return fmt.Sprintf("%s; %d write attempts", errText(err), n), codeOf(err) == abi.CodeUnauthorized && n == 2
	})
}

func (r *run) sapOrder(id string) (abi.WorkOrder, error) {
	var resp abi.WorkOrderResponse
	err := r.call(r.main, abi.OpGetWorkOrder, abi.GetWorkOrderRequest{WorkOrderID: id}, &resp)
	return resp.WorkOrder, err
}

func sapStatusList() string {
	var parts []string
	for _, o := range sapOrders {
		parts = append(parts, o.id+" "+string(o.status))
	}
	return strings.Join(parts, ", ")
}

func sapTypeExpectation(custom bool) string {
	if custom {
		return "with the site's order_type_map, YBA1 and YBA2 read as mapped (4000000 preventive) and nothing is unmapped"
	}
	return "customer order types (YBA1, YBA2) read as the documented fallback corrective with the raw code in metadata.unmapped.order_type; PM01/PM02 as corrective/preventive"
}

func sapCategoryExpectation(custom bool) string {
	if custom {
		return "with the site's equipment_category_map, categories X, P and S are mapped (nothing unmapped)"
	}
	return "equipment categories X, P (production resources/tools) and S (customer equipment) are unmapped: fallback type, raw code in metadata.unmapped.equipment_category, never piping or safety"
}

// orAll reports the problems, or ok when there are none.
func orAll(bad []string, ok string) (string, bool) {
	if len(bad) > 0 {
		return strings.Join(bad, "; "), false
	}
	return ok, true
}
