// Package sensor is what Machina's native live-data connectors (OPC-UA and
// MQTT) share: the threshold state machine (high/low limits with deadband
// and hysteresis), the alarm store that raises and clears abi.Alarm values
// and fans alarm events out to subscribers (the alarm_to_workorder
// workflow), and the reading types behind machina_get_sensor_reading.
//
// A connector resolves each configured point into a Point and feeds it
// numeric values with Point.Observe; the Point runs its Threshold and
// records raised and cleared alarms in the AlarmStore that every connector
// of the process shares, so machina_get_alarms and the workflow see one
// set of alarms whatever the protocol.
//
// What it owns: ThresholdConfig and its validation, Threshold, AlarmStore,
// AlarmEvent, alarm ids (ALM-<8 hex>), Reading, AssetReadings and their
// merge.
//
// What it must not do: speak any protocol, hold secrets, log values other
// than the measured ones, or keep package-level mutable state.
package sensor
