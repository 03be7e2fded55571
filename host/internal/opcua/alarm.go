package opcua

import "github.com/machina-go/machina/host/internal/sensor"

// The alarm types are shared with the other native sensor connectors
// (package sensor): one store holds the alarms of every protocol.
type (
	// AlarmStore keeps active alarms and fans events out; see sensor.AlarmStore.
	AlarmStore = sensor.AlarmStore
	// AlarmEvent is an alarm raised or cleared; see sensor.AlarmEvent.
	AlarmEvent = sensor.AlarmEvent
	// AlarmEventKind says whether an alarm was raised or cleared.
	AlarmEventKind = sensor.AlarmEventKind
	// ThresholdConfig is the alarm threshold of an alias; see
	// sensor.ThresholdConfig.
	ThresholdConfig = sensor.ThresholdConfig
)

// Alarm event kinds.
const (
	AlarmRaised  = sensor.AlarmRaised
	AlarmCleared = sensor.AlarmCleared
)

// NewAlarmStore returns a store keeping up to historySize past events; see
// sensor.NewAlarmStore.
func NewAlarmStore(historySize int, onEvent func(AlarmEvent)) *AlarmStore {
	return sensor.NewAlarmStore(historySize, onEvent)
}
