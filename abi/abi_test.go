package abi

import (
	"errors"
	"strings"
	"testing"
)

func TestTransitions(t *testing.T) {
	allowed := map[[2]Status]bool{
		{StatusCreated, StatusAssigned}: true, {StatusCreated, StatusCancelled}: true,
		{StatusAssigned, StatusInProgress}: true, {StatusAssigned, StatusCancelled}: true,
		{StatusInProgress, StatusCompleted}: true, {StatusInProgress, StatusCancelled}: true,
		{StatusCompleted, StatusClosed}: true,
	}
	for _, from := range Statuses() {
		for _, to := range Statuses() {
			want := allowed[[2]Status{from, to}]
			if got := CanTransition(from, to); got != want {
				t.Errorf("%s→%s = %v, want %v", from, to, got, want)
			}
		}
	}
	err := CheckTransition(StatusClosed, StatusInProgress)
	if err == nil || err.Error() != "invalid_argument: Cannot transition from 'closed' to 'in_progress'" {
		t.Fatalf("got %v", err)
	}
}

func TestParseEnums(t *testing.T) {
	if p, err := ParsePriority(" High "); err != nil || p != PriorityHigh {
		t.Fatalf("ParsePriority = %v %v", p, err)
	}
	_, err := ParseStatus("done")
	if err == nil || !strings.Contains(err.Error(), "created, assigned, in_progress, completed, closed, cancelled") {
		t.Fatalf("status error should list valid values: %v", err)
	}
	if c, err := ParseCriticality("a"); err != nil || c != CriticalityA {
		t.Fatalf("ParseCriticality = %v %v", c, err)
	}
}

func TestAutoWorkOrderID(t *testing.T) {
	id := AutoWorkOrderID("P-101", TypeCorrective, PriorityHigh, "seal leak", "")
	if !strings.HasPrefix(id, "WO-AUTO-") || len(id) != 16 || strings.ToUpper(id) != id {
		t.Fatalf("id = %q", id)
	}
	if id != AutoWorkOrderID("P-101", TypeCorrective, PriorityHigh, "seal leak", "") {
		t.Fatal("not deterministic")
	}
	if id == AutoWorkOrderID("P-101", TypeCorrective, PriorityHigh, "seal leak", "chat-1") {
		t.Fatal("session must change the id")
	}
}

func TestOperationTable(t *testing.T) {
	writes := map[OpName]bool{OpCreateWorkOrder: true, OpUpdateWorkOrder: true, OpCloseWorkOrder: true, OpCancelWorkOrder: true, OpSend: true,
		OpVendorCreateNotification: true, OpVendorUpdateAttributes: true}
	for _, op := range Operations() {
		if IsWrite(op.Name) != writes[op.Name] {
			t.Errorf("%s: IsWrite = %v", op.Name, IsWrite(op.Name))
		}
		if op.Capability != "" && !op.Capability.Valid() {
			t.Errorf("%s: capability %q is not a wire string", op.Name, op.Capability)
		}
	}
	if !IsWrite("delete_everything") {
		t.Error("unknown operations must count as writes (fail closed)")
	}
	caps := CapabilitiesOf([]OpName{OpGetAsset, OpListAssets, OpHealth, OpCreateWorkOrder})
	if len(caps) != 2 || caps[0] != CapCreateWorkOrder || caps[1] != CapReadAssets {
		t.Fatalf("caps = %v", caps)
	}
	if len(Capabilities()) != 26 {
		t.Fatalf("%d capabilities, want the reference's 26", len(Capabilities()))
	}
}

func TestErrorEnvelope(t *testing.T) {
	e := AsError(errors.New("boom"))
	if e.Code != CodeInternal {
		t.Fatalf("code = %s", e.Code)
	}
	wrapped := AsError(errorsJoin(NotFound("asset %q", "X")))
	if wrapped.Code != CodeNotFound {
		t.Fatalf("wrapped code = %s", wrapped.Code)
	}
	if AsError(&Error{Code: "weird", Message: "x"}).Code != CodeInternal {
		t.Fatal("unknown codes must become internal")
	}
}

func errorsJoin(err error) error { return errors.Join(errors.New("ctx"), err) }

func TestCreateWorkOrderRequestNormalize(t *testing.T) {
	r := CreateWorkOrderRequest{AssetID: "P-101", Description: "seal"}
	if err := r.Normalize(); err != nil || r.Type != TypeCorrective || r.Priority != PriorityMedium {
		t.Fatalf("defaults: %+v %v", r, err)
	}
	for _, bad := range []CreateWorkOrderRequest{
		{Description: "x"}, {AssetID: "P-1", Description: " "},
		{AssetID: "P-1", Description: "x", Type: "urgent"}, {AssetID: "P-1", Description: "x", Priority: "asap"},
	} {
		if err := bad.Normalize(); err == nil || AsError(err).Code != CodeInvalidArgument {
			t.Errorf("%+v: want invalid_argument, got %v", bad, err)
		}
	}
}
