package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
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

// assetDiff compares the values a plugin passes through (see Facts: no
// mapped code is compared here).
func assetDiff(got, want abi.Asset) diff {
	var d diff
	d.cmp("id", got.ID, want.ID)
	d.cmp("name", got.Name, want.Name)
	d.cmp("location", got.Location, want.Location)
	d.cmp("manufacturer", got.Manufacturer, want.Manufacturer)
	d.cmp("model", got.Model, want.Model)
	d.cmp("serial_number", got.SerialNumber, want.SerialNumber)
	d.cmp("parent", got.Parent, want.Parent)
	return d
}

// workOrderDiff compares the values a plugin passes through (see Facts).
func workOrderDiff(got, want abi.WorkOrder) diff {
	var d diff
	d.cmp("id", got.ID, want.ID)
	d.cmp("asset_id", got.AssetID, want.AssetID)
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

func compactAsset(a abi.Asset) string {
	return fmt.Sprintf("{name:%q parent:%s location:%s manufacturer:%s}", a.Name, a.Parent, a.Location, a.Manufacturer)
}

func compactWO(w abi.WorkOrder) string {
	return fmt.Sprintf("{asset:%s assigned_to:%s description:%q}", w.AssetID, w.AssignedTo, w.Description)
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
		_, bad, err := r.load(ctx, name, prof, wrong, nil)
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
	create := abi.CreateWorkOrderRequest{ID: "WO-AUTO-C0FFEE00", AssetID: f.Asset.ID, Description: "Conformance: bearing noise", Type: ctype, Priority: cprio}
	r.check("create_work_order", fmt.Sprintf("creating a %s, %s-priority work order on %s returns it in status created", ctype, cprio, f.Asset.ID), ops(abi.OpCreateWorkOrder), func() (string, bool) {
		before := r.sim.Writes()
		var resp abi.WorkOrderResponse
		if err := r.call(l, abi.OpCreateWorkOrder, create, &resp); err != nil {
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
	r.check("create_work_order/idempotent", "creating it again with the same deterministic id returns the same work order and writes nothing upstream, or says metadata.idempotent_create = false", ops(abi.OpCreateWorkOrder), func() (string, bool) {
		if created.ID == "" {
			return "no work order was created", false
		}
		before := r.sim.Writes()
		var resp abi.WorkOrderResponse
		if err := r.call(l, abi.OpCreateWorkOrder, create, &resp); err != nil {
			return errText(err), false
		}
		if resp.WorkOrder.Metadata["idempotent_create"] == false {
			return "the plugin says create is not idempotent upstream (metadata.idempotent_create = false)", true
		}
		n := r.sim.Writes() - before
		return fmt.Sprintf("retry returned %s (first %s); %d writes received upstream", resp.WorkOrder.ID, created.ID, n), resp.WorkOrder.ID == created.ID && n == 0
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
