package sensor

import (
	"testing"
	"time"

	"github.com/machina-go/machina/abi"
)

func f(v float64) *float64 { return &v }

func TestThresholdStateMachine(t *testing.T) {
	s := NewThreshold(ThresholdConfig{High: f(80), Low: f(10), Hysteresis: 2, Deadband: 0.5})
	type step struct {
		v    float64
		want string // "", "+high", "-high", "+low", "-low"
	}
	steps := []step{
		{70, ""},
		{80, ""},        // at the threshold is not above it
		{80.4, ""},      // inside the deadband of 80
		{81, "+high"},   // crossing: one alarm
		{85, ""},        // still high: nothing
		{79, ""},        // below the threshold but within hysteresis
		{79.2, ""},      // jitter inside the deadband
		{78.5, ""},      // not yet below threshold−hysteresis (78)
		{77.9, "-high"}, // cleared
		{77.95, ""},
		{82, "+high"}, // a new crossing is a new alarm
		{5, "-high"},  // straight through: clear high...
		{4, ""},       // (low raised on the step before? no: see below)
	}
	// the jump from 82 to 5 clears high and raises low in the same step
	steps[11].want = "-high+low"
	steps[12].want = ""
	steps = append(steps, step{11, ""}, step{12.5, "-low"})
	for i, st := range steps {
		got := ""
		for _, tr := range s.Evaluate(st.v) {
			sign := "-"
			if tr.Raised {
				sign = "+"
			}
			got += sign + tr.Direction
		}
		if got != st.want {
			t.Fatalf("step %d value %g: got %q, want %q", i, st.v, got, st.want)
		}
	}
}

func TestAlarmStoreDedupAndSubscribers(t *testing.T) {
	var called int
	st := NewAlarmStore(3, func(AlarmEvent) { called++; panic("callbacks are isolated") })
	ch, cancel := st.Subscribe(1)
	ev := AlarmEvent{Alarm: abi.Alarm{ID: "ALM-00000001", AssetID: "P-1", Severity: abi.SeverityWarning, Timestamp: time.Unix(1, 0)}}
	if _, ok := st.Raise("k", ev); !ok {
		t.Fatal("first raise refused")
	}
	if _, ok := st.Raise("k", ev); ok {
		t.Fatal("second raise for the same key accepted")
	}
	if got := <-ch; got.Kind != AlarmRaised {
		t.Fatalf("event = %+v", got)
	}
	if !st.Acknowledge("ALM-00000001") || st.Acknowledge("ALM-nope") {
		t.Error("acknowledge")
	}
	if _, ok := st.Clear("k", 1, time.Unix(2, 0)); !ok {
		t.Fatal("clear refused")
	}
	if _, ok := st.Clear("k", 1, time.Unix(2, 0)); ok {
		t.Fatal("double clear accepted")
	}
	got := <-ch
	if !got.Alarm.Cleared || !got.Alarm.Acknowledged {
		t.Errorf("cleared event = %+v", got)
	}
	for i := 0; i < 5; i++ { // subscriber buffer is 1: extra events are dropped, not blocking
		st.Raise("x"+string(rune('a'+i)), ev)
	}
	if st.Dropped() == 0 {
		t.Error("no drops counted for a full subscriber")
	}
	if len(st.History("", 0)) != 3 {
		t.Errorf("history not capped: %d", len(st.History("", 0)))
	}
	if called != 7 {
		t.Errorf("callback called %d times", called)
	}
	cancel()
	cancel()
	if _, open := <-ch; open {
		// drain the buffered one, then it must be closed
		if _, open := <-ch; open {
			t.Error("channel not closed after cancel")
		}
	}
	if id := NewAlarmID(); len(id) != 12 || id[:4] != "ALM-" {
		t.Errorf("id %q", id)
	}
}
