// Package mqtt runs a real MQTT broker for tests and the demo: Eclipse
// Mosquitto from the distribution's packages (Debian: apt-get install
// mosquitto), started as a child process on a loopback port with a
// generated configuration — plain TCP, or TLS with a generated CA, server
// and client certificates, with or without password authentication — and
// restartable on the same port to exercise reconnects.
//
// It is not an MQTT implementation. Its only client is Publisher, a test
// device that publishes over the broker's transport (TLS with the generated
// client certificate, a password when required). When the mosquitto binary is missing, Start fails
// with ErrNoMosquitto; callers skip (or, in CI, fail) on it.
package mqtt
