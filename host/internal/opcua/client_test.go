package opcua_test

import (
	"context"
	"testing"

	hostopcua "github.com/machina-go/machina/host/internal/opcua"
	simopcua "github.com/machina-go/machina/internal/sim/opcua"
)

func TestInsecureReadBrowseHealth(t *testing.T) {
	sim := startSim(t, simopcua.Options{})
	log, logs := testLogger(t)
	m := startManager(t, hostopcua.Config{Endpoints: []hostopcua.EndpointConfig{fastEndpoint(sim.URL())}}, hostopcua.Options{Logger: log})
	waitConnected(t, m)
	ctx := context.Background()

	if !contains(logs.String(), "insecure_connection") {
		t.Errorf("no insecure_connection warning for security None; logs:\n%s", logs)
	}
	if err := sim.SetValue("P-101.Temperature", 71.5); err != nil {
		t.Fatal(err)
	}
	rs, err := m.Read(ctx, "pump-101.temperature", "P-101.VIBRATION", "m-301.current")
	if err == nil || !contains(err.Error(), "pump-101.temperature") {
		t.Fatalf("unknown alias: err = %v", err)
	}
	rs, err = m.Read(ctx, "p-101.temperature", "P-101.VIBRATION", "m-301.current")
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Value != 71.5 || rs[0].Quality != "good" || rs[0].Unit != "degC" || rs[0].AssetID != "P-101" {
		t.Errorf("reading 0 = %+v", rs[0])
	}
	if rs[1].Value != 3.5 || rs[2].Value != 42.0 {
		t.Errorf("readings = %+v", rs)
	}
	if rs[0].Source != "opcua://"+sim.Addr()+"/ns=2;s=P-101.Temperature" {
		t.Errorf("source = %q", rs[0].Source)
	}

	ar, err := m.LatestReadings(ctx, "p-101")
	if err != nil {
		t.Fatal(err)
	}
	if len(ar.Values) != 3 || ar.Values["temperature"] != 71.5 || ar.Values["pressure"] != 6.0 || ar.AssetID != "P-101" {
		t.Errorf("latest readings = %+v", ar)
	}
	if _, err := m.LatestReadings(ctx, "NOPE-1"); err == nil {
		t.Error("unknown asset must fail")
	}

	c, _ := m.Client("plant")
	raw, err := c.ReadNodes(ctx, "ns=2;s=C-201.Pressure", "ns=2;s=Does.Not.Exist")
	if err != nil {
		t.Fatal(err)
	}
	if raw[0].Value != 8.0 || raw[1].Quality == "good" || raw[1].Value != nil {
		t.Errorf("raw reads = %+v", raw)
	}

	top, err := c.Browse(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range top {
		found = found || e.NodeID == "ns=2;s=Plant"
	}
	if !found {
		t.Errorf("Objects folder has no Plant: %+v", top)
	}
	pump, err := c.Browse(ctx, "ns=2;s=P-101")
	if err != nil {
		t.Fatal(err)
	}
	if len(pump) != 3 || pump[0].NodeClass != "Variable" {
		t.Errorf("browse P-101 = %+v", pump)
	}

	h := m.Health(ctx)
	if len(h) != 1 || h[0].Status != hostopcua.HealthOK || h[0].ServerState != "Running" || h[0].State != hostopcua.StateConnected {
		t.Errorf("health = %+v", h)
	}
}
