package sensor

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

// TestAlarmsSurviveRestart: an alarm raised and acknowledged before a
// restart is active after it with the same id, since (timestamp), value
// and acknowledgement; the point, still above its threshold, raises
// nothing new, and clears that same alarm when the value returns.
func TestAlarmsSurviveRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "alarms.json")
	cfg := ThresholdConfig{High: f(80), Hysteresis: 2}
	point := Point{Source: "opcua://plc:4840/ns=2;s=P-101.Temperature", AssetID: "P-101", Parameter: "temperature", Unit: "°C"}
	log := hclog.NewNullLogger()
	since := time.Date(2026, 12, 5, 11, 0, 0, 0, time.UTC)

	before := NewAlarmStore(10, nil)
	if n, err := before.Persist(path); err != nil || n != 0 {
		t.Fatalf("persist on a fresh data dir: %d, %v", n, err)
	}
	evs := NewPoint(point, cfg).Observe(before, log, 91.5, since)
	if len(evs) != 1 || evs[0].Kind != AlarmRaised {
		t.Fatalf("raise: %+v", evs)
	}
	id := evs[0].Alarm.ID
	if !before.Acknowledge(id) {
		t.Fatal("acknowledge")
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("state file: %v %v", st, err)
	}

	// The restart: a new store and a new point (threshold state lost).
	after := NewAlarmStore(10, nil)
	if n, err := after.Persist(path); err != nil || n != 1 {
		t.Fatalf("restored %d alarms, %v; want 1", n, err)
	}
	active := after.Active("")
	if len(active) != 1 {
		t.Fatalf("active after restart: %+v", active)
	}
	a := active[0]
	if a.ID != id || !a.Timestamp.Equal(since) || a.Value != 91.5 || !a.Acknowledged || a.Threshold != 80 || a.Cleared {
		t.Fatalf("restored alarm = %+v; want %s since %v, value 91.5, acknowledged", a, id, since)
	}
	p := NewPoint(point, cfg)
	if evs := p.Observe(after, log, 92, since.Add(time.Minute)); len(evs) != 0 {
		t.Fatalf("a still-high value after the restart raised %+v", evs)
	}
	evs = p.Observe(after, log, 70, since.Add(2*time.Minute))
	if len(evs) != 1 || evs[0].Kind != AlarmCleared || evs[0].Alarm.ID != id || !evs[0].Alarm.Acknowledged {
		t.Fatalf("clear after the restart: %+v", evs)
	}
	if h := after.History("", 0); len(h) != 2 || h[0].ID != id || !h[0].Cleared || h[1].Cleared {
		t.Fatalf("history across the restart: %+v", h)
	}

	// And the clear is durable too.
	again := NewAlarmStore(10, nil)
	if n, err := again.Persist(path); err != nil || n != 0 {
		t.Fatalf("after the clear: %d active, %v", n, err)
	}
}

func TestAlarmStateFileErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alarms.json")
	_ = os.WriteFile(path, []byte(`{"version":1,"active":[`), 0o600)
	if _, err := NewAlarmStore(10, nil).Persist(path); err == nil {
		t.Fatal("a corrupt state file was accepted")
	}
	st := NewAlarmStore(10, nil)
	st.Raise("k", AlarmEvent{})
	if _, err := st.Persist(filepath.Join(t.TempDir(), "a.json")); err == nil {
		t.Fatal("Persist after alarms were recorded succeeded")
	}
}
