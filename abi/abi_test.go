package abi

import (
	"encoding/json"
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
	for _, from := range Statuses {
		for _, to := range Statuses {
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
	writes := map[OpName]bool{OpCreateWorkOrder: true, OpUpdateWorkOrder: true, OpCloseWorkOrder: true, OpCancelWorkOrder: true, OpSend: true}
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
	if len(Capabilities) != 26 {
		t.Fatalf("%d capabilities, want the reference's 26", len(Capabilities))
	}
}

func TestOriginPattern(t *testing.T) {
	cases := []struct {
		pattern, scheme, host, port string
		want                        bool
	}{
		{"https://api.telegram.org", "https", "api.telegram.org", "443", true},
		{"https://api.telegram.org", "http", "api.telegram.org", "80", false},
		{"https://api.telegram.org", "https", "api.telegram.org", "8443", false},
		{"https://*.example.com", "https", "maximo.example.com", "443", true},
		{"https://*.example.com", "https", "example.com", "443", false},
		{"https://*.example.com", "https", "evilexample.com", "443", false},
		{"http://127.0.0.1:*", "http", "127.0.0.1", "51234", true},
		{"http://[::1]:8080", "http", "::1", "8080", true},
	}
	for _, c := range cases {
		p, err := ParseOriginPattern(c.pattern)
		if err != nil {
			t.Fatalf("%s: %v", c.pattern, err)
		}
		if got := p.Match(c.scheme, c.host, c.port); got != c.want {
			t.Errorf("%s ~ %s://%s:%s = %v", c.pattern, c.scheme, c.host, c.port, got)
		}
	}
	for _, bad := range []string{"ftp://x", "https://x/path", "https://u@x", "https://a.*.com", "https://*x.com", "https://"} {
		if _, err := ParseOriginPattern(bad); err == nil {
			t.Errorf("%q: want error", bad)
		}
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
	b, _ := json.Marshal(Envelope{Error: Unauthorized("no")})
	if string(b) != `{"error":{"code":"unauthorized","message":"no"}}` {
		t.Fatalf("envelope = %s", b)
	}
	if AsError(&Error{Code: "weird", Message: "x"}).Code != CodeInternal {
		t.Fatal("unknown codes must become internal")
	}
}

func errorsJoin(err error) error { return errors.Join(errors.New("ctx"), err) }

func TestDescriptorValidate(t *testing.T) {
	d := Descriptor{ABI: Version, Name: "x", Version: "1", Kind: KindCMMS, Operations: []OpName{OpHealth, OpSend}}
	if err := d.Validate(); err == nil || !strings.Contains(err.Error(), "not defined for cmms") {
		t.Fatalf("got %v", err)
	}
	d.Operations = []OpName{OpListAssets}
	if err := d.Validate(); err == nil || !strings.Contains(err.Error(), "mandatory") {
		t.Fatalf("got %v", err)
	}
	d.ABI = "2.0"
	if err := d.Validate(); err == nil || !strings.Contains(err.Error(), "2.0") {
		t.Fatalf("got %v", err)
	}
}

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
