package sensor

import (
	"errors"
	"fmt"
	"math"

	"github.com/machina-go/machina/abi"
)

// ThresholdConfig turns a point into a monitored one that raises alarms.
// A high alarm is raised when the value rises above High and cleared only
// when it falls below High−Hysteresis; a low alarm is raised below Low and
// cleared above Low+Hysteresis. Deadband ignores changes smaller than it
// relative to the last evaluated value (an absolute deadband, as in
// OPC-UA's DataChangeFilter, applied on the client).
type ThresholdConfig struct {
	High       *float64 `toml:"high,omitempty" json:"high,omitempty"`
	Low        *float64 `toml:"low,omitempty" json:"low,omitempty"`
	Deadband   float64  `toml:"deadband,omitempty" json:"deadband,omitempty"`
	Hysteresis float64  `toml:"hysteresis,omitempty" json:"hysteresis,omitempty"`
	// Severity of the raised alarm: critical, warning (default) or info.
	Severity string `toml:"severity,omitempty" json:"severity,omitempty"`
}

// Validate reports every problem of the threshold at once.
func (t *ThresholdConfig) Validate() error {
	var errs []error
	add := func(f string, v ...any) { errs = append(errs, fmt.Errorf(f, v...)) }
	if t.High == nil && t.Low == nil {
		add("threshold needs high, low or both")
	}
	if t.High != nil && t.Low != nil && *t.Low >= *t.High {
		add("threshold low (%g) must be below high (%g)", *t.Low, *t.High)
	}
	for _, f := range []struct {
		n string
		v float64
	}{{"deadband", t.Deadband}, {"hysteresis", t.Hysteresis}} {
		if f.v < 0 || math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			add("threshold %s must be a finite number ≥ 0", f.n)
		}
	}
	if t.Severity != "" {
		if _, err := abi.ParseSeverity(t.Severity); err != nil {
			add("threshold severity: %v", err)
		}
	}
	return errors.Join(errs...)
}

// severity is the configured severity, warning when unset.
func (t *ThresholdConfig) severity() abi.Severity {
	if s, err := abi.ParseSeverity(t.Severity); err == nil && t.Severity != "" {
		return s
	}
	return abi.SeverityWarning
}

// Directions of a threshold crossing.
const (
	DirHigh = "high"
	DirLow  = "low"
)

// Transition is the outcome of one evaluation: an alarm raised or cleared
// in one direction.
type Transition struct {
	// Direction is DirHigh or DirLow.
	Direction string
	// Raised is false for a clear.
	Raised bool
	// Threshold is the limit that was crossed.
	Threshold float64
}

// Threshold is the alarm state machine of one monitored point. It is not
// safe for concurrent use: each point is evaluated by one goroutine.
type Threshold struct {
	cfg      ThresholdConfig
	haveLast bool
	last     float64
	highOn   bool
	lowOn    bool
}

// NewThreshold returns the state machine of cfg, with no alarm active.
func NewThreshold(cfg ThresholdConfig) *Threshold { return &Threshold{cfg: cfg} }

// Restore puts the state machine in alarm in direction (DirHigh or DirLow)
// without a transition: a point whose alarm survived a restart clears it
// when the value returns, and does not raise it again.
func (s *Threshold) Restore(direction string) {
	switch direction {
	case DirHigh:
		s.highOn = s.cfg.High != nil
	case DirLow:
		s.lowOn = s.cfg.Low != nil
	}
}

// Config is the threshold's configuration.
func (s *Threshold) Config() ThresholdConfig { return s.cfg }

// Evaluate feeds one value and returns the transitions it causes: at most
// one raise per crossing, and a clear only once the value is back past the
// threshold by the hysteresis. A value within the deadband of the last
// evaluated one is ignored.
func (s *Threshold) Evaluate(v float64) []Transition {
	if s.haveLast && s.cfg.Deadband > 0 && math.Abs(v-s.last) < s.cfg.Deadband {
		return nil // jitter inside the deadband
	}
	s.haveLast, s.last = true, v
	var out []Transition
	if h := s.cfg.High; h != nil {
		switch {
		case !s.highOn && v > *h:
			s.highOn = true
			out = append(out, Transition{Direction: DirHigh, Raised: true, Threshold: *h})
		case s.highOn && v < *h-s.cfg.Hysteresis:
			s.highOn = false
			out = append(out, Transition{Direction: DirHigh, Raised: false, Threshold: *h})
		}
	}
	if l := s.cfg.Low; l != nil {
		switch {
		case !s.lowOn && v < *l:
			s.lowOn = true
			out = append(out, Transition{Direction: DirLow, Raised: true, Threshold: *l})
		case s.lowOn && v > *l+s.cfg.Hysteresis:
			s.lowOn = false
			out = append(out, Transition{Direction: DirLow, Raised: false, Threshold: *l})
		}
	}
	return out
}
