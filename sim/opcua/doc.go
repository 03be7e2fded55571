// Package opcua is a demo plant OPC-UA server built on gopcua's server
// package, for tests, "machina sim opcua" and "make demo".
//
// It exposes pump P-101 (temperature, vibration, pressure), motor M-301
// (current, temperature) and compressor C-201 (pressure) as Double
// variables under ns=2 with string node ids such as
// "ns=2;s=P-101.Temperature", updated by a deterministic, seedable
// simulation loop that crosses the demo thresholds now and then. Tests set
// values directly with SetValue and can Stop and Restart the server on the
// same address. DemoEndpoint returns the matching host/opcua configuration
// (aliases and thresholds).
//
// What it must not do: listen anywhere but the address it is given (the
// command defaults to 127.0.0.1), or pretend to security it does not have:
// gopcua v0.9.0's server does not validate client certificates against a
// trust list (any client certificate is accepted on secure endpoints), so
// this simulator is never a security boundary.
package opcua
