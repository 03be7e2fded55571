// Package mqtttest starts the mosquitto simulator broker for tests of the
// packages that read MQTT, with one rule for a missing binary: the test is
// skipped, except in CI (CI set), where .ci/run installs mosquitto and a
// missing broker is a failure.
//
// Test support only: it must not be imported by production code.
package mqtttest

import (
	"context"
	"errors"
	"os"
	"testing"

	simmqtt "github.com/machina-go/machina/internal/sim/mqtt"
)

// StartBroker starts mosquitto with o (its Dir set to a test directory when
// empty) and stops it when the test ends.
func StartBroker(t *testing.T, o simmqtt.Options) *simmqtt.Broker {
	t.Helper()
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	b, err := simmqtt.Start(context.Background(), o)
	if errors.Is(err, simmqtt.ErrNoMosquitto) {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must install mosquitto (.ci/run does): %v", err)
		}
		t.Skipf("skipping the MQTT broker test: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}
