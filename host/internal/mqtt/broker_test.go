package mqtt

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/sensor"
	simmqtt "github.com/machina-go/machina/internal/sim/mqtt"
	"github.com/machina-go/machina/internal/syncbuf"
)

// value reads the current value of parameter of asset, or its quality.
func value(m *Manager, asset, parameter string) (any, string) {
	r, err := m.LatestReadings(nil, asset) //nolint:staticcheck // ctx unused
	if err != nil {
		return nil, err.Error()
	}
	for _, x := range r.Readings {
		if x.Parameter == parameter {
			return x.Value, fmt.Sprintf("%s %v", x.Quality, x.Value)
		}
	}
	return nil, "no reading"
}

func next(t *testing.T, ch <-chan sensor.AlarmEvent) sensor.AlarmEvent {
	t.Helper()
	select {
	case ev := <-ch:
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no alarm event within 10s")
	}
	return sensor.AlarmEvent{}
}

// TestThresholdHysteresisAndBrokerRestart is the acceptance path: a value
// published across the threshold is readable and raises one alarm, a value
// inside the hysteresis band does not clear it, one below does; the broker
// is killed and restarted and the client reconnects, re-subscribes and
// readings resume.
func TestThresholdHysteresisAndBrokerRestart(t *testing.T) {
	b := startBroker(t, simmqtt.Options{})
	cfg := Config{Brokers: []BrokerConfig{{Name: "plant", URL: b.URL(), ReconnectMinMS: 50, ReconnectMaxMS: 200,
		Topics: []TopicConfig{{Name: "pump-101.temperature", Topic: "plant/p101/temperature", AssetID: "P-101",
			Parameter: "temperature", Unit: "degC", ValuePath: "value",
			Threshold: &sensor.ThresholdConfig{High: f(80), Hysteresis: 2, Deadband: 0.5, Severity: "critical"}}}}}}
	var logs syncbuf.Buffer
	m, err := NewManager(cfg, Options{Logger: hclog.New(&hclog.LoggerOptions{Output: &logs, Level: hclog.Debug})})
	if err != nil {
		t.Fatal(err)
	}
	events, cancel := m.Store().Subscribe(16)
	defer cancel()
	if err := m.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.WaitConnected(waitCtx(t)); err != nil {
		t.Fatal(err)
	}
	pub := newPublisher(t, b, "", "")
	pub.send("plant/p101/temperature", `{"value": 70.5, "unit": "degC"}`)
	eventually(t, "reading 70.5", func() (bool, string) { v, s := value(m, "p-101", "temperature"); return v == 70.5, s })

	pub.send("plant/p101/temperature", `{"value": 81}`)
	ev := next(t, events)
	if ev.Kind != sensor.AlarmRaised || ev.Alarm.Value != 81 || ev.Alarm.Threshold != 80 || ev.Alarm.AssetID != "P-101" ||
		ev.Alarm.Severity != abi.SeverityCritical || ev.Alarm.Unit != "degC" || ev.Alarm.Source != "mqtt://"+b.Addr()+"/plant/p101/temperature" {
		t.Fatalf("raised event = %+v", ev)
	}
	if got := m.Alarms("P-101"); len(got) != 1 || got[0].ID != ev.Alarm.ID {
		t.Fatalf("active alarms = %+v", got)
	}
	pub.send("plant/p101/temperature", `{"value": 79}`)   // below 80 but within the 2.0 hysteresis
	pub.send("plant/p101/temperature", `{"value": 77.5}`) // below 78: clears
	ev = next(t, events)
	if ev.Kind != sensor.AlarmCleared || ev.Alarm.Value != 77.5 {
		t.Fatalf("want the clear at 77.5 (79 is inside the hysteresis), got %+v", ev)
	}
	if got := m.Alarms(""); len(got) != 0 {
		t.Fatalf("alarms after clear: %+v", got)
	}

	// The broker dies: readings report it, the client reconnects when it
	// is back and re-subscribes (clean session: nothing survives on the
	// broker), and new values arrive.
	b.Stop()
	eventually(t, "unavailable while the broker is down", func() (bool, string) {
		r, _ := m.LatestReadings(nil, "P-101")
		return r.Readings[0].Quality == sensor.QualityUnavailable, r.Readings[0].Quality
	})
	if err := b.Restart(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := m.WaitConnected(waitCtx(t)); err != nil {
		t.Fatal(err)
	}
	pub = newPublisher(t, b, "", "")
	pub.send("plant/p101/temperature", `{"value": 85}`)
	eventually(t, "reading 85 after the restart", func() (bool, string) { v, s := value(m, "P-101", "temperature"); return v == 85.0, s })
	if ev := next(t, events); ev.Kind != sensor.AlarmRaised || ev.Alarm.Value != 85 {
		t.Fatalf("after restart: %+v", ev)
	}
	if h := m.Health()[0]; h.Status != sensor.HealthOK || h.Reconnects < 1 {
		t.Errorf("health = %+v", h)
	}
	if !strings.Contains(logs.String(), "reconnecting") {
		t.Errorf("no reconnect logged:\n%s", logs.String())
	}
}

// TestPayloadsAndWildcards reads plain numbers, nested JSON paths and
// wildcard filters (one value per concrete topic), and ignores payloads
// without a number.
func TestPayloadsAndWildcards(t *testing.T) {
	b := startBroker(t, simmqtt.Options{})
	cfg := Config{Brokers: []BrokerConfig{{Name: "plant", URL: b.URL(), Topics: []TopicConfig{
		{Topic: "plant/p101/pressure", AssetID: "P-101", Parameter: "pressure", Unit: "bar"},
		{Name: "vib", Topic: "plant/+/vibration", AssetID: "M-201", Parameter: "vibration", ValuePath: "metrics[1].v"},
	}}}}
	m := startManager(t, cfg, Options{})
	if v, s := value(m, "P-101", "pressure"); v != nil || !strings.HasPrefix(s, sensor.QualityNoData) {
		t.Fatalf("before any message: %v %s", v, s)
	}
	pub := newPublisher(t, b, "", "")
	pub.send("plant/p101/pressure", " 4.25\n")
	pub.send("plant/m201/vibration", `{"metrics":[{"v":1},{"v":"2.5"}]}`)
	pub.send("plant/m202/vibration", `{"metrics":[{"v":1},{"v":3}]}`)
	eventually(t, "three readings", func() (bool, string) {
		p, s1 := value(m, "P-101", "pressure")
		r, _ := m.LatestReadings(nil, "M-201")
		got := fmt.Sprintf("%s; %d vibration readings", s1, len(r.Readings))
		return p == 4.25 && len(r.Readings) == 2 && r.Readings[0].Value == 2.5 && r.Readings[1].Value == 3.0 &&
			r.Readings[1].Topic == "plant/m202/vibration", got
	})
	pub.send("plant/p101/pressure", "not a number")
	pub.send("plant/p101/pressure", "5")
	eventually(t, "the bad payload ignored, the next one read", func() (bool, string) {
		v, s := value(m, "P-101", "pressure")
		return v == 5.0 && m.Health()[0].Rejected == 1, s
	})
	if _, err := m.LatestReadings(nil, "NOPE"); err == nil {
		t.Error("unknown asset read without error")
	}
}
