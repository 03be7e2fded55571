package sensor

import (
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
)

// Point is one monitored value of a connector: where it comes from, what it
// measures, and its threshold state. Observe is not safe for concurrent use
// on one Point (each point is fed by one goroutine); different points may
// share a store.
type Point struct {
	// Source is the point's URI, e.g. opcua://host:4840/ns=2;s=P.T or
	// mqtt://broker:8883/plant/p101/temp; alarms carry it.
	Source    string
	AssetID   string
	Parameter string
	Unit      string
	// Alias and Endpoint name the configured point and its connection.
	Alias    string
	Endpoint string

	th *Threshold
	// restored is set once the threshold took over the alarms the store
	// kept across a restart.
	restored bool
}

// NewPoint returns a point monitored with cfg.
func NewPoint(p Point, cfg ThresholdConfig) *Point {
	p.th = NewThreshold(cfg)
	return &p
}

// Observe feeds one value measured at `at` to the point's threshold and
// records every transition in store: a raise creates a new alarm (ALM-…),
// a clear closes the active one. It returns the events recorded.
func (p *Point) Observe(store *AlarmStore, log hclog.Logger, v float64, at time.Time) []AlarmEvent {
	var out []AlarmEvent
	if !p.restored {
		p.restored = true
		for _, dir := range []string{DirHigh, DirLow} {
			if store.ActiveKey(p.Source + "#" + dir) {
				p.th.Restore(dir)
			}
		}
	}
	cfg := p.th.Config()
	for _, tr := range p.th.Evaluate(v) {
		key := p.Source + "#" + tr.Direction
		if !tr.Raised {
			if ev, ok := store.Clear(key, v, at); ok {
				out = append(out, ev)
				log.Info("alarm cleared", "id", ev.Alarm.ID, "asset_id", p.AssetID, "parameter", p.Parameter, "value", v)
			}
			continue
		}
		ev := AlarmEvent{
			Alarm: abi.Alarm{
				ID: NewAlarmID(), AssetID: p.AssetID, Severity: cfg.severity(), Parameter: p.Parameter,
				Value: v, Threshold: tr.Threshold, Unit: p.Unit, Timestamp: at, Source: p.Source,
			},
			Direction: tr.Direction, Alias: p.Alias, Endpoint: p.Endpoint,
		}
		if ev, ok := store.Raise(key, ev); ok {
			out = append(out, ev)
			log.Warn("alarm raised", "id", ev.Alarm.ID, "asset_id", p.AssetID, "parameter", p.Parameter, "value", v, "threshold", tr.Threshold, "direction", tr.Direction)
		}
	}
	return out
}
