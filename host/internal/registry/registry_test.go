package registry

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/internal/wire"
)

// desc is a descriptor-only connector for the selection logic (pure unit
// tests; the real plugins are exercised in host/mcp's end-to-end tests).
type desc struct {
	d      wire.Descriptor
	health abi.HealthResponse
	err    error
}

func (f desc) CallOp(_ context.Context, op abi.OpName, _, resp any) error {
	if f.err != nil {
		return f.err
	}
	if op == abi.OpHealth {
		*resp.(*abi.HealthResponse) = f.health
	}
	return nil
}
func (f desc) Descriptor() wire.Descriptor { return f.d }
func (f desc) SHA256() string              { return "abc" }

func cmms(name string, ops ...abi.OpName) desc {
	return desc{d: wire.Descriptor{Name: name, Kind: abi.KindCMMS, Operations: append([]abi.OpName{abi.OpHealth}, ops...)},
		health: abi.HealthResponse{Status: abi.HealthHealthy}}
}

func TestPrimarySelection(t *testing.T) {
	var logs strings.Builder
	r := New(hclog.New(&hclog.LoggerOptions{Output: &logs}))
	if _, err := r.PrimaryCMMS(); !errors.Is(err, ErrNoConnector) || !strings.Contains(err.Error(), "No CMMS connector configured") {
		t.Fatalf("empty: %v", err)
	}
	if _, err := r.AddPlugin("plans", cmms("plans", abi.OpGetMaintenancePlan), false); err != nil {
		t.Fatal(err)
	}
	if _, err := r.AddPlugin("a", cmms("a", abi.OpListAssets, abi.OpGetAsset, abi.OpCreateWorkOrder), false); err != nil {
		t.Fatal(err)
	}
	if _, err := r.AddPlugin("b", cmms("b", abi.OpListAssets, abi.OpGetAsset), false); err != nil {
		t.Fatal(err)
	}
	p, err := r.PrimaryCMMS()
	if err != nil || p.Name != "a" {
		t.Fatalf("fallback primary = %v %v", p, err)
	}
	if !strings.Contains(logs.String(), "no_primary_cmms_configured") {
		t.Errorf("no warning: %s", logs.String())
	}
	r.PrimaryCMMS()
	if strings.Count(logs.String(), "no_primary_cmms_configured") != 1 {
		t.Errorf("warned more than once")
	}
	if c, _ := r.For(abi.CapReadMaintenancePlans); c.Name != "plans" {
		t.Errorf("plans served by %s", c.Name)
	}
	if _, err := r.For(abi.CapSendMessage); !errors.Is(err, ErrNoConnector) {
		t.Errorf("send_message: %v", err)
	}

	r2 := New(nil)
	r2.AddPlugin("a", cmms("a", abi.OpListAssets, abi.OpGetAsset), false)
	if _, err := r2.AddPlugin("b", cmms("b", abi.OpListAssets, abi.OpGetAsset), true); err != nil {
		t.Fatal(err)
	}
	if _, err := r2.AddPlugin("c", cmms("c", abi.OpListAssets), true); err == nil || !strings.Contains(err.Error(), "multiple connectors marked primary") {
		t.Fatalf("second primary: %v", err)
	}
	if _, err := r2.AddPlugin("a", cmms("a"), false); err == nil {
		t.Fatal("duplicate name accepted")
	}
	if c, _ := r2.For(abi.CapReadAssets); c.Name != "b" {
		t.Errorf("primary not preferred: %s", c.Name)
	}
}

func TestCapabilitiesFromTableNotClaims(t *testing.T) {
	r := New(nil)
	d := cmms("x", abi.OpGetAsset, abi.OpCloseWorkOrder)
	d.d.Capabilities = []abi.Capability{abi.CapSendMessage, abi.CapCreateWorkOrder} // lies
	c, _ := r.AddPlugin("x", d, false)
	r.AddDocuments("docs", nil, nil)
	got := r.Capabilities()
	want := []abi.Capability{abi.CapReadAssets, abi.CapCloseWorkOrder, abi.CapSearchDocuments}
	if len(got) != len(want) {
		t.Fatalf("capabilities = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("capabilities = %v, want %v", got, want)
		}
	}
	if !c.Has(abi.OpCloseWorkOrder) || c.Has(abi.OpCreateWorkOrder) {
		t.Error("Has")
	}
}

func TestHealthIncludesFailures(t *testing.T) {
	r := New(nil)
	r.AddPlugin("ok", cmms("ok", abi.OpListAssets, abi.OpGetAsset), false)
	bad := cmms("sick")
	bad.err = errors.New("trap at /home/x/secret")
	r.AddPlugin("sick", bad, false)
	r.AddSensors("opcua", nil, func(context.Context) abi.HealthResponse {
		return abi.HealthResponse{Status: abi.HealthDegraded, Message: "endpoint down"}
	})
	r.Fail("broken", KindCMMS, errors.New("open /etc/machina/broken.wasm: no such file"))
	hs := r.Health(context.Background(), 0)
	if len(hs) != 4 {
		t.Fatalf("health = %+v", hs)
	}
	want := map[string]abi.HealthStatus{"ok": abi.HealthHealthy, "sick": abi.HealthUnhealthy, "opcua": abi.HealthDegraded, "broken": abi.HealthUnhealthy}
	for _, h := range hs {
		if h.Status != want[h.Name] {
			t.Errorf("%s: %s", h.Name, h.Status)
		}
		if strings.Contains(h.Message, "/") {
			t.Errorf("%s: message leaks a path: %q", h.Name, h.Message)
		}
	}
	if !hs[0].Primary {
		t.Error("primary not flagged")
	}
	if len(r.Failures()) != 1 {
		t.Error("failures")
	}
}
