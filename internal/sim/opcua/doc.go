// Package opcua is a demo plant OPC-UA server built on gopcua's server
// package, for tests, "machina sim opcua" and "make demo".
//
// It exposes pump P-101 (temperature, vibration, pressure), motor M-301
// (current, temperature) and compressor C-201 (pressure) as Double
// variables under ns=2 with string node ids such as
// "ns=2;s=P-101.Temperature", updated by a deterministic, seedable
// simulation loop that crosses the demo thresholds now and then. Tests set
// values directly with SetValue and can Stop and Restart the server on the
// same address. The demo derives the matching host configuration (aliases
// and thresholds) from PlantAssets; this package imports nothing of the host.
//
// Security: secure endpoints (Basic256Sha256, Aes128_Sha256_RsaOaep,
// Aes256_Sha256_RsaPss; Sign or SignAndEncrypt) need gopcua ≥ v0.9.0 (the
// v0.8.0 server could not open secure channels, gopcua #815/#817). gopcua's
// server has no client certificate trust list and accepts any user token, so
// the simulator adds both: a small TCP proxy in front of gopcua reads the
// client certificate from the first OpenSecureChannel request and refuses
// certificates outside Options.TrustedClients with Bad_CertificateUntrusted,
// and a replacement ActivateSession handler checks user names and passwords
// against Options.Users (it cannot re-verify the session signature, see
// activateSession). The proxy also makes Stop drop every connection at
// once, like a real server restart.
//
// Sampling: gopcua's server ignores the sampling interval a monitored item
// asks for and reports every change at the next publish. With
// Options.Sampling the simulator behaves like a real server instead: it
// grants each item a sampling interval (the requested one, or a slow
// default for an item that asks for none), makes a value set with SetValue
// visible at the node's next sampling tick, and lists what it granted
// (MonitoredItems), so tests can bound alarm latency by one sampling plus
// one publishing interval (sampling.go).
//
// What it must not do: listen anywhere but the address it is given (the
// command defaults to 127.0.0.1), or serve as a security boundary: it is a
// test and demo server.
package opcua
