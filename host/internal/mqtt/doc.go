// Package mqtt is Machina's native MQTT sensor connector: one supervised
// client per configured broker (TLS with a CA file or the system roots,
// client certificates, username with the password from a SecretSource read
// at every connect), subscriptions to configured topic filters, payload
// decoding (a JSON value at a dotted path, or a plain numeric payload),
// topic → asset alias with parameter and unit, the same threshold alarms as
// OPC-UA (package sensor: deadband, hysteresis, one shared AlarmStore), and
// reconnection with capped exponential backoff that re-subscribes every
// topic.
//
// Wiring (serve):
//
//	var cfg mqtt.Config
//	_ = conf.Decode(conf.MQTT, &cfg) // the [mqtt] table, [[mqtt.broker]]
//	cfg.ResolvePaths(conf.Dir())
//	m, err := mqtt.NewManager(cfg, mqtt.Options{Logger: log, Secrets: secrets, Store: alarms})
//	_ = m.Start(ctx) // returns at once; sessions come up in the background
//	defer m.Close()
//
// machina_get_sensor_reading(asset_id) → m.LatestReadings(ctx, asset_id):
// the last value received on each topic of the asset. MQTT is push-only, so
// a reading is the last message, with its receive time; a broker that is
// down reports quality "unavailable", and a topic not heard from within
// stale_after_ms reports "stale".
//
// What it owns: the [[mqtt.broker]] configuration types and their
// validation, MQTT sessions (github.com/eclipse/paho.mqtt.golang, MQTT
// 3.1.1), payload decoding and the last-value cache.
//
// What it must not do: publish (Machina never writes to the plant's
// broker), log or return secret values or payloads of unconfigured topics,
// talk to MCP clients or plugins directly, or hold package-level mutable
// state.
package mqtt
