// Package opcua is Machina's native OPC-UA client side: one supervised client
// per configured endpoint (security policy and mode, client certificate,
// server-certificate trust list, username with the password from a
// SecretSource), batched reads, browse, health from ServerStatus, node
// aliases (alias → node id, asset, parameter, unit), threshold
// subscriptions that raise and clear abi.Alarm values into an AlarmStore,
// and automatic reconnect with capped exponential backoff that re-creates
// the subscription and monitored items and re-reads certificate, key and
// trust files (a change to those files triggers a reconnect by itself;
// Manager.ReloadCertificates forces one).
//
// Wiring (serve):
//
//	var cfg opcua.Config
//	_ = conf.Decode(conf.OPCUA, &cfg) // the [opcua] table, [[opcua.endpoint]]
//	cfg.ResolvePaths(conf.Dir())
//	m, err := opcua.NewManager(cfg, opcua.Options{Logger: log, Secrets: opcua.SecretFunc(
//		func(ctx context.Context, name string) (string, error) {
//			v, err := registry.Get(ctx, name)
//			return v.Reveal(), err
//		})})
//	_ = m.Start(ctx) // returns at once; sessions come up in the background
//	defer m.Close()
//
// MCP tools: machina_get_sensor_reading(asset_id) → m.LatestReadings(ctx,
// assetID) (*AssetReadings: {asset_id, timestamp, values{parameter: value},
// units, readings[], active_alarms}); machina_get_alarms(asset_id="") →
// m.Alarms(assetID) ([]abi.Alarm: {id, asset_id, severity, parameter, value,
// threshold, unit, timestamp, source, acknowledged}). Workflows consume
// alarm events with m.Subscribe(buffer) or Options.OnAlarm. Health:
// m.Health(ctx).
//
// Alarm semantics: a high alarm is raised once when the value rises above
// High and cleared once it falls below High−Hysteresis (low alarms mirror
// this); values within Deadband of the last evaluated value are ignored;
// alarm ids are ALM-<8 hex>, sources opcua://<host:port>/<node id>. The
// evaluation sees the values the server publishes: a server may coalesce
// several changes within one publishing interval into the last one.
//
// What it owns: the [[opcua.endpoint]] configuration types and their
// validation, OPC-UA sessions, the alarm state machine and the in-memory
// alarm store, and self-signed application certificate generation
// (GenerateCertificate, used by "machina opcua gen-cert").
//
// What it must not do: it never writes to OPC-UA servers, never logs or
// returns secret values (passwords are fetched from a SecretSource at each
// connect and handed only to the OPC-UA stack; secret source errors are
// reduced to their class), never talks to MCP clients or plugins directly,
// and holds no package-level mutable state.
package opcua
