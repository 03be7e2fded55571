package main

import (
	"testing"

	"github.com/machina-go/machina/internal/plugintest"
)

// TestConformanceWasm builds the plugin as wasm and runs the messaging
// conformance kit on it (`machina plugin test`): the module is loaded
// through the real policy host and exercised against the telegram simulator
// (round trips, allow-list, restart, rate limits, wrong credentials,
// sandbox, secrecy).
func TestConformanceWasm(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the wasm module")
	}
	plugintest.Conforms(t, "plugins/telegram", "telegram")
}
