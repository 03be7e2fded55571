package mqtt

import (
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/host/internal/sensor"
)

// BenchmarkObserve is the per-message cost on the broker's delivery
// goroutine: decoding a JSON payload at a path, updating the last value and
// running the threshold (no alarm transition: the steady state).
func BenchmarkObserve(b *testing.B) {
	cfg := BrokerConfig{Name: "plant", URL: "mqtt://127.0.0.1:1883", Topics: []TopicConfig{{Topic: "plant/+/temperature", AssetID: "P-101",
		ValuePath: "data.value", Threshold: &sensor.ThresholdConfig{High: f(80), Hysteresis: 2}}}}
	br, err := newBroker(cfg, hclog.NewNullLogger(), nil, sensor.NewAlarmStore(10, nil))
	if err != nil {
		b.Fatal(err)
	}
	payload := []byte(`{"ts": "2026-01-01T00:00:00Z", "data": {"value": 71.25, "unit": "degC"}}`)
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		br.observe(br.subs[0], "plant/p101/temperature", payload, now)
	}
}
