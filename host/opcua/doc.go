// Package opcua is Machina's native OPC-UA client side: one supervised client
// per configured endpoint (security policy and mode, client certificate,
// server-certificate trust list, username with the password from a
// SecretSource), batched reads, browse, health from ServerStatus, node
// aliases (alias → node id, asset, parameter, unit), threshold
// subscriptions that raise and clear abi.Alarm values into an AlarmStore,
// and automatic reconnect with capped exponential backoff that re-creates
// subscriptions and reloads certificates.
//
// What it owns: the [[opcua.endpoint]] configuration types and their
// validation, OPC-UA sessions, the alarm state machine and the in-memory
// alarm store, and self-signed application certificate generation
// (GenerateCertificate, used by "machina opcua gen-cert").
//
// What it must not do: it never writes to OPC-UA servers, never logs or
// returns secret values (passwords are fetched from a SecretSource at
// connect time and handed only to the OPC-UA stack), never talks to MCP
// clients or plugins directly (the MCP layer calls Manager.LatestReadings
// and Manager.Alarms), and holds no package-level mutable state.
package opcua
