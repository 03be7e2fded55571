package main

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/machina-go/machina/abi"
	maxsim "github.com/machina-go/machina/internal/sim/maximo"
)

// view is what a client reads of the seeded plant.
type view struct {
	assets   []string
	skipped  int
	wos      []string
	parts    map[string]abi.SparePart
	p101     []string
	assigned []string
	history  []string
}

func assetLine(a abi.Asset) string {
	return fmt.Sprintf("%s|%s|%s|%s|%s|%s|%v", a.ID, a.Name, a.Type, a.Criticality, a.Location, a.Parent, a.FailureModes)
}

func woLine(w abi.WorkOrder) string {
	return fmt.Sprintf("%s|%s|%s|%s|%s|%s|%s|%s|%v", w.ID, w.AssetID, w.Status, w.Type, w.Priority, w.AssignedTo, w.FailureMode, w.FailureCause, w.CreatedAt)
}

func readView(t *testing.T, f *fixture) view {
	t.Helper()
	v := view{parts: map[string]abi.SparePart{}}
	var la abi.ListAssetsResponse
	if err := f.call(abi.OpListAssets, abi.ListAssetsRequest{}, &la); err != nil {
		t.Fatal(err)
	}
	for _, a := range la.Assets {
		v.assets = append(v.assets, assetLine(a))
	}
	v.skipped = la.Skipped
	var lw abi.ListWorkOrdersResponse
	if err := f.call(abi.OpListWorkOrders, abi.ListWorkOrdersRequest{}, &lw); err != nil {
		t.Fatal(err)
	}
	for _, w := range lw.WorkOrders {
		v.wos = append(v.wos, woLine(w))
	}
	var ls abi.ListSparePartsResponse
	if err := f.call(abi.OpListSpareParts, abi.ListSparePartsRequest{}, &ls); err != nil {
		t.Fatal(err)
	}
	for _, p := range ls.SpareParts {
		v.parts[p.SKU] = p
	}
	if err := f.call(abi.OpListSpareParts, abi.ListSparePartsRequest{AssetID: "P-101"}, &ls); err != nil {
		t.Fatal(err)
	}
	for _, p := range ls.SpareParts {
		v.p101 = append(v.p101, fmt.Sprintf("%s|%s|%v", p.SKU, p.Name, p.Metadata["bom_quantity"]))
	}
	if err := f.call(abi.OpListWorkOrders, abi.ListWorkOrdersRequest{Status: abi.StatusAssigned}, &lw); err != nil {
		t.Fatal(err)
	}
	for _, w := range lw.WorkOrders {
		v.assigned = append(v.assigned, w.ID)
	}
	if err := f.call(abi.OpMaintenanceHistory, abi.MaintenanceHistoryRequest{AssetID: "P-101"}, &lw); err != nil {
		t.Fatal(err)
	}
	for _, w := range lw.WorkOrders {
		v.history = append(v.history, w.ID)
	}
	return v
}

// shapeFixture runs the plugin natively against the simulator in shape ns,
// with requests off the configured origin refused and recorded.
func shapeFixture(t *testing.T, ns maxsim.NamedShape) (*fixture, *originGuard) {
	t.Helper()
	f := newFixtureWith(t, maxsim.Options{Seed: 1, Shape: ns.Shape}, ns.Config)
	g := &originGuard{origin: f.url}
	f.host.Client = &http.Client{Transport: g}
	return f, g
}

// Every response shape of the simulator reads the same as the default
// one: the shape is the vendor's business, the data is not. Extra rows a
// shape adds are skipped (operating locations) or read with unknown stock
// (tools without curbal); writes work on the shape's hrefs; no request
// leaves the configured origin.
func TestLiveShapes(t *testing.T) {
	shapes := maxsim.Shapes()
	baseF, _ := shapeFixture(t, shapes[0])
	base := readView(t, baseF)
	if len(base.assigned) == 0 || len(base.history) == 0 || len(base.p101) != 4 {
		t.Fatalf("default shape: %d assigned, %d history, parts of P-101 %v", len(base.assigned), len(base.history), base.p101)
	}
	for _, ns := range shapes[1:] {
		t.Run(ns.Name, func(t *testing.T) {
			f, guard := shapeFixture(t, ns)
			v := readView(t, f)
			for name, pair := range map[string][2][]string{"assets": {base.assets, v.assets}, "work orders": {base.wos, v.wos},
				"parts of P-101": {base.p101, v.p101}, "assigned": {base.assigned, v.assigned}, "history": {base.history, v.history}} {
				if !slices.Equal(pair[0], pair[1]) {
					t.Errorf("%s differ from the default shape:\n%s", name, firstDiff(pair[0], pair[1]))
				}
			}
			wantSkipped := 0
			if ns.Shape.OperatingLocations {
				wantSkipped = 9 // 3 areas and 6 lines
			}
			if v.skipped != wantSkipped {
				t.Errorf("skipped %d records, want %d", v.skipped, wantSkipped)
			}
			for sku, p := range v.parts {
				if bp, ok := base.parts[sku]; ok {
					if fmt.Sprint(*p.StockQuantity, *p.UnitCost, p.Name) != fmt.Sprint(*bp.StockQuantity, *bp.UnitCost, bp.Name) {
						t.Errorf("part %s differs: %+v vs %+v", sku, p, bp)
					}
				} else if !ns.Shape.SparseInventory || p.StockQuantity != nil || p.UnitCost != nil {
					t.Errorf("extra part %+v", p)
				}
			}
			writeCycle(t, f)
			if off := guard.offOrigin(); len(off) > 0 {
				t.Errorf("requests left the configured origin: %v", off)
			}
		})
	}
}

func firstDiff(a, b []string) string {
	for i := 0; i < min(len(a), len(b)); i++ {
		if a[i] != b[i] {
			return "  default: " + a[i] + "\n  shape:   " + b[i]
		}
	}
	return fmt.Sprintf("  %d vs %d entries", len(a), len(b))
}

// writeCycle creates (twice, idempotently), assigns and cancels a work
// order through the shape's hrefs.
func writeCycle(t *testing.T, f *fixture) {
	t.Helper()
	req := abi.CreateWorkOrderRequest{ID: "WO-AUTO-5A4E0001", AssetID: "P-101", Description: "Shape write", Type: abi.TypePredictive, Priority: abi.PriorityHigh}
	var c, again abi.WorkOrderResponse
	if err := f.call(abi.OpCreateWorkOrder, req, &c); err != nil {
		t.Fatal(err)
	}
	if err := f.call(abi.OpCreateWorkOrder, req, &again); err != nil || again.WorkOrder.ID != c.WorkOrder.ID || again.WorkOrder.Metadata["idempotent_replay"] != true {
		t.Fatalf("retried create: %v %s vs %s", err, again.WorkOrder.ID, c.WorkOrder.ID)
	}
	if c.WorkOrder.Type != abi.TypePredictive || c.WorkOrder.Status != abi.StatusCreated {
		t.Fatalf("created %+v", c.WorkOrder)
	}
	var u abi.WorkOrderResponse
	if err := f.call(abi.OpUpdateWorkOrder, abi.UpdateWorkOrderRequest{WorkOrderID: c.WorkOrder.ID, Status: abi.StatusAssigned, AssignedTo: "LCHEN"}, &u); err != nil {
		t.Fatalf("update by the shape's href: %v", err)
	}
	if u.WorkOrder.Status != abi.StatusAssigned || u.WorkOrder.AssignedTo != "LCHEN" {
		t.Fatalf("updated %+v", u.WorkOrder)
	}
	if err := f.call(abi.OpCancelWorkOrder, abi.CancelWorkOrderRequest{WorkOrderID: c.WorkOrder.ID, Reason: "shape test"}, &u); err != nil || u.WorkOrder.Status != abi.StatusCancelled {
		t.Fatalf("cancel: %v %+v", err, u.WorkOrder)
	}
}

// A retried create with the same deterministic id returns the work order
// the first attempt made — also when the attempts race past the lookup
// (Maximo's transactionid refuses the replay with 409).
func TestIdempotentCreate(t *testing.T) {
	f := newFixture(t, nil)
	req := abi.CreateWorkOrderRequest{ID: "WO-AUTO-0DDBA11A", AssetID: "P-101", Description: "Seal leak", Type: abi.TypeCorrective, Priority: abi.PriorityHigh}
	before := len(f.sim.Records(maxsim.OSWorkOrder))
	var wg sync.WaitGroup
	ids := make([]string, 4)
	errs := make([]error, 4)
	for i := range ids {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var r abi.WorkOrderResponse
			errs[i] = f.call(abi.OpCreateWorkOrder, req, &r)
			ids[i] = r.WorkOrder.ID
		}(i)
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil || ids[i] == "" || ids[i] != ids[0] {
			t.Fatalf("create %d: %v %q (first %q)", i, errs[i], ids[i], ids[0])
		}
	}
	if n := len(f.sim.Records(maxsim.OSWorkOrder)) - before; n != 1 {
		t.Fatalf("%d work orders made by 4 identical creates", n)
	}
	// a different request gets a different work order; ids longer than
	// EXTERNALREFID are hashed into it deterministically.
	var other abi.WorkOrderResponse
	req.ID, req.Description = "a-caller-supplied-id-longer-than-ten", "Other"
	if err := f.call(abi.OpCreateWorkOrder, req, &other); err != nil || other.WorkOrder.ID == ids[0] {
		t.Fatalf("other create: %v %+v", err, other.WorkOrder)
	}
	rec, _ := f.sim.Record(maxsim.OSWorkOrder, other.WorkOrder.ID)
	if ref, _ := rec["externalrefid"].(string); len(ref) != 10 || strings.ToUpper(ref) != ref {
		t.Fatalf("externalrefid %q", rec["externalrefid"])
	}
}

func TestIdempotencyKey(t *testing.T) {
	for _, c := range []struct {
		id   string
		max  int
		want string
	}{
		{"WO-AUTO-1234ABCD", 10, "WA1234ABCD"},
		{"WO-AUTO-1234ABCD", 16, "WO-AUTO-1234ABCD"},
		{"SHORT", 10, "SHORT"},
		{"", 10, ""},
		{"WO-AUTO-1234ABCD", 0, ""},
	} {
		if got := idempotencyKey(c.id, c.max); got != c.want {
			t.Errorf("idempotencyKey(%q, %d) = %q, want %q", c.id, c.max, got, c.want)
		}
	}
	if a, b := idempotencyKey("x-very-long-identifier", 8), idempotencyKey("x-very-long-identifier", 8); a != b || len(a) != 8 {
		t.Errorf("hashed key %q %q", a, b)
	}
}
