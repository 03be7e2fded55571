package opcua_test

import (
	"context"
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"github.com/machina-go/machina/abi"
	hostopcua "github.com/machina-go/machina/host/internal/opcua"
	simopcua "github.com/machina-go/machina/internal/sim/opcua"
)

var alarmID = regexp.MustCompile(`^ALM-[0-9a-f]{8}$`)

func TestThresholdCrossingRaisesOneAlarmAndClears(t *testing.T) {
	sim := startSim(t, simopcua.Options{})
	var callbacks []hostopcua.AlarmEvent
	cbCh := make(chan hostopcua.AlarmEvent, 16)
	m := startManager(t, hostopcua.Config{Endpoints: []hostopcua.EndpointConfig{fastEndpoint(sim.URL())}},
		hostopcua.Options{OnAlarm: func(ev hostopcua.AlarmEvent) { cbCh <- ev }})
	events, cancel := m.Subscribe(16)
	defer cancel()
	waitConnected(t, m)

	// P-101 temperature: high 80, hysteresis 4, deadband 0.65
	if err := sim.SetValue("ns=2;s=P-101.Temperature", 88.25); err != nil {
		t.Fatal(err)
	}
	ev := nextEvent(t, events, 10*time.Second)
	a := ev.Alarm
	if ev.Kind != hostopcua.AlarmRaised || !alarmID.MatchString(a.ID) || a.AssetID != "P-101" || a.Parameter != "temperature" ||
		a.Value != 88.25 || a.Threshold != 80 || a.Severity != abi.SeverityWarning || a.Unit != "degC" || a.Cleared ||
		a.Source != "opcua://"+sim.Addr()+"/ns=2;s=P-101.Temperature" || ev.Direction != "high" || ev.Alias != "p-101.temperature" {
		t.Fatalf("raised event = %+v", ev)
	}
	callbacks = append(callbacks, <-cbCh)
	if callbacks[0].Alarm.ID != a.ID {
		t.Errorf("callback got %+v", callbacks[0])
	}

	// the MCP shape
	active := m.Alarms("p-101")
	if len(active) != 1 || active[0].ID != a.ID {
		t.Fatalf("active = %+v", active)
	}
	if len(m.Alarms("")) != 1 || len(m.Alarms("M-301")) != 0 {
		t.Errorf("asset filter broken: %+v", m.Alarms(""))
	}
	b, _ := json.Marshal(active[0])
	var shape map[string]any
	_ = json.Unmarshal(b, &shape)
	for _, k := range []string{"id", "asset_id", "severity", "parameter", "value", "threshold"} {
		if _, ok := shape[k]; !ok {
			t.Errorf("alarm JSON lacks %q: %s", k, b)
		}
	}

	// still above, then inside the hysteresis band: no new alarm, no clear
	for _, v := range []float64{91, 85, 78} {
		if err := sim.SetValue("P-101.Temperature", v); err != nil {
			t.Fatal(err)
		}
		waitValue(t, m, "p-101.temperature", v)
	}
	// below threshold − hysteresis: cleared
	if err := sim.SetValue("P-101.Temperature", 70); err != nil {
		t.Fatal(err)
	}
	ev = nextEvent(t, events, 10*time.Second)
	if ev.Kind != hostopcua.AlarmCleared || ev.Alarm.ID != a.ID || !ev.Alarm.Cleared || ev.Alarm.Value != 70 {
		t.Fatalf("expected the clear of %s, got %+v", a.ID, ev)
	}
	if len(m.Alarms("P-101")) != 0 {
		t.Errorf("alarm still active after clear")
	}
	h := m.AlarmHistory("P-101", 0)
	if len(h) != 2 || !h[0].Cleared || h[1].Cleared || h[0].ID != a.ID {
		t.Errorf("history = %+v", h)
	}

	// a second crossing is a new alarm
	if err := sim.SetValue("P-101.Temperature", 95); err != nil {
		t.Fatal(err)
	}
	ev2 := nextEvent(t, events, 10*time.Second)
	if ev2.Kind != hostopcua.AlarmRaised || ev2.Alarm.ID == a.ID {
		t.Fatalf("second crossing = %+v", ev2)
	}
	// low threshold on pressure (low 4): a low alarm
	if err := sim.SetValue("P-101.Pressure", 3.1); err != nil {
		t.Fatal(err)
	}
	ev3 := nextEvent(t, events, 10*time.Second)
	if ev3.Direction != "low" || ev3.Alarm.Threshold != 4 || ev3.Alarm.Parameter != "pressure" {
		t.Fatalf("low alarm = %+v", ev3)
	}
	if got := len(m.Alarms("P-101")); got != 2 {
		t.Errorf("active alarms = %d, want 2", got)
	}
	ar, err := m.LatestReadings(context.Background(), "P-101")
	if err != nil || ar.ActiveAlarms != 2 {
		t.Errorf("latest readings = %+v, %v", ar, err)
	}
	select {
	case ev := <-events:
		t.Errorf("unexpected extra event %+v", ev)
	default:
	}
}

// waitValue polls a read until the client sees v, so the subscription has
// had the chance to deliver it too.
func waitValue(t *testing.T, m *hostopcua.Manager, alias string, v float64) {
	t.Helper()
	eventually(t, 5*time.Second, alias+" to read back", func() bool {
		rs, err := m.Read(context.Background(), alias)
		return err == nil && rs[0].Value == v
	})
}

func TestReconnectRecreatesSubscription(t *testing.T) {
	sim := startSim(t, simopcua.Options{})
	log, logs := testLogger(t)
	m := startManager(t, hostopcua.Config{Endpoints: []hostopcua.EndpointConfig{fastEndpoint(sim.URL())}}, hostopcua.Options{Logger: log})
	events, cancel := m.Subscribe(16)
	defer cancel()
	waitConnected(t, m)
	c, _ := m.Client("plant")
	ctx := context.Background()

	// an alarm before the outage
	if err := sim.SetValue("M-301.Current", 60); err != nil {
		t.Fatal(err)
	}
	first := nextEvent(t, events, 10*time.Second)
	if first.Kind != hostopcua.AlarmRaised || first.Alarm.AssetID != "M-301" {
		t.Fatalf("first = %+v", first)
	}
	if err := sim.SetValue("M-301.Current", 40); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, events, 10*time.Second); ev.Kind != hostopcua.AlarmCleared {
		t.Fatalf("clear = %+v", ev)
	}

	if err := sim.Stop(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "degraded health while the server is down", func() bool {
		h := c.Health(ctx)
		return h.Status == hostopcua.HealthDegraded && h.State == hostopcua.StateReconnecting && h.LastError != ""
	})
	if _, err := m.Read(ctx, "m-301.current"); err == nil {
		t.Error("read during outage must fail")
	}
	rctx, rcancel := context.WithTimeout(ctx, 10*time.Second)
	defer rcancel()
	if err := sim.Restart(rctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the session to come back", func() bool {
		h := c.Health(ctx)
		return h.State == hostopcua.StateConnected && h.Reconnects >= 1 && h.Status == hostopcua.HealthOK
	})
	if err := sim.SetValue("M-301.Current", 63.5); err != nil {
		t.Fatal(err)
	}
	ev := nextEvent(t, events, 10*time.Second)
	if ev.Kind != hostopcua.AlarmRaised || ev.Alarm.Value != 63.5 || ev.Alarm.ID == first.Alarm.ID {
		t.Fatalf("after restart = %+v", ev)
	}
	if !contains(logs.String(), "reconnecting") {
		t.Error("no reconnect warning logged")
	}
}
