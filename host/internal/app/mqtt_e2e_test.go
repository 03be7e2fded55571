package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/machina-go/machina/host/internal/mqtt/mqtttest"
	simmqtt "github.com/machina-go/machina/internal/sim/mqtt"
)

const (
	mqttUser     = "machina"
	mqttPassword = "e2e-Broker-pw-5519"
)

// startMosquitto starts a real broker that takes only TLS clients with a
// certificate of its CA and a password; without the binary the test is
// skipped, except in CI (.ci/run installs mosquitto), where it fails.
func startMosquitto(t *testing.T) *simmqtt.Broker {
	t.Helper()
	return mqtttest.StartBroker(t, simmqtt.Options{TLS: true, RequireClientCert: true,
		Users: map[string]string{mqttUser: mqttPassword, "sensor": "sensor-pw"}})
}

func publish(t *testing.T, b *simmqtt.Broker, topic, payload string) {
	t.Helper()
	p, err := b.NewPublisher("e2e-pub", "sensor", "sensor-pw")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.Publish(topic, payload); err != nil {
		t.Fatal(err)
	}
}

// tool calls an MCP tool through the host's own MCP server (the agent's
// in-process client) and decodes its JSON result.
func tool[T any](t *testing.T, s *stack, name string, args map[string]any) T {
	t.Helper()
	text, isErr, err := s.app.Toolbox.Call(context.Background(), name, args)
	if err != nil || isErr {
		t.Fatalf("%s: %v %s", name, err, text)
	}
	var v T
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		t.Fatalf("%s: %v: %s", name, err, text)
	}
	return v
}

type readingResult struct {
	AssetID  string         `json:"asset_id"`
	Values   map[string]any `json:"values"`
	Readings []struct {
		Parameter string `json:"parameter"`
		Quality   string `json:"quality"`
		Broker    string `json:"broker"`
		Endpoint  string `json:"endpoint"`
	} `json:"readings"`
}

// TestMQTTSensorThroughTheHost is the MQTT acceptance path through the
// whole host: a value published across the threshold is returned by
// machina_get_sensor_reading (merged with the asset's OPC-UA points), raises
// an alarm that machina_get_alarms lists and the alarm_to_workorder
// workflow turns into a drafted work order with a Telegram notification; a
// value inside the hysteresis band keeps it, one below clears it; after a
// broker restart readings resume. The broker takes only TLS with a client
// certificate and a password, which the host reads from a [secrets] file
// source.
func TestMQTTSensorThroughTheHost(t *testing.T) {
	b := startMosquitto(t)
	pki := b.PKI()
	pwFile := filepath.Join(t.TempDir(), "mqtt-password")
	if err := os.WriteFile(pwFile, []byte(mqttPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := newStackWith(t, false, fmt.Sprintf(`
[[mqtt.broker]]
name = "line-1"
url = %q
ca_file = %q
cert_file = %q
key_file = %q
username = %q
password_secret = "mqtt_password"
reconnect_min_ms = 50
reconnect_max_ms = 200

[[mqtt.broker.topic]]
name = "pump-101.bearing"
topic = "plant/line1/p101/bearing"
asset_id = "P-101"
parameter = "bearing_temperature"
unit = "degC"
value_path = "temp"
threshold = { high = 90.0, hysteresis = 3.0, severity = "critical" }
`, b.URL(), pki.CAFile, pki.ClientCert, pki.ClientKey, mqttUser), map[string]string{"secrets": fmt.Sprintf("mqtt_password = %q", "file:"+pwFile)})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.app.MQTT.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	publish(t, b, "plant/line1/p101/bearing", `{"temp": 71}`)
	waitFor(t, "the MQTT reading", func() bool {
		r := tool[readingResult](t, s, "machina_get_sensor_reading", map[string]any{"asset_id": "P-101"})
		return r.Values["bearing_temperature"] == 71.0 && r.Values["temperature"] != nil // OPC-UA points of P-101 too
	})

	// The alias is readable on its own (read_node_value), as OPC-UA aliases are.
	nodes := tool[[]map[string]any](t, s, "machina_read_sensor_nodes", map[string]any{"aliases": []any{"pump-101.bearing", "p-101.temperature"}})
	if len(nodes) != 2 || nodes[0]["value"] != 71.0 || nodes[0]["broker"] != "line-1" || nodes[1]["endpoint"] == nil {
		t.Fatalf("read_sensor_nodes = %v", nodes)
	}

	publish(t, b, "plant/line1/p101/bearing", `{"temp": 93.5}`)
	sent, err := s.env.Telegram.WaitSent(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sent[0].Text, "WO-AUTO-") || !strings.Contains(sent[0].Text, "P-101") {
		t.Fatalf("notification = %q", sent[0].Text)
	}
	alarms := tool[[]map[string]any](t, s, "machina_get_alarms", map[string]any{"asset_id": "P-101"})
	if len(alarms) != 1 || alarms[0]["parameter"] != "bearing_temperature" || alarms[0]["value"] != 93.5 || alarms[0]["threshold"] != 90.0 {
		t.Fatalf("alarms = %v", alarms)
	}
	publish(t, b, "plant/line1/p101/bearing", `{"temp": 88}`) // inside the 3.0 hysteresis: still active
	waitFor(t, "88 read", func() bool {
		return tool[readingResult](t, s, "machina_get_sensor_reading", map[string]any{"asset_id": "P-101"}).Values["bearing_temperature"] == 88.0
	})
	if a := tool[[]map[string]any](t, s, "machina_get_alarms", map[string]any{"asset_id": "P-101"}); len(a) != 1 {
		t.Fatalf("the alarm cleared inside the hysteresis band: %v", a)
	}
	publish(t, b, "plant/line1/p101/bearing", `{"temp": 86.5}`)
	waitFor(t, "the alarm cleared", func() bool {
		return len(tool[[]map[string]any](t, s, "machina_get_alarms", map[string]any{"asset_id": "P-101"})) == 0
	})

	b.Stop()
	if err := b.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.app.MQTT.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a reading after the broker restart", func() bool {
		publish(t, b, "plant/line1/p101/bearing", `{"temp": 72.25}`)
		return tool[readingResult](t, s, "machina_get_sensor_reading", map[string]any{"asset_id": "P-101"}).Values["bearing_temperature"] == 72.25
	})

	// The broker password is in no file the host wrote (traces, data).
	_ = filepath.WalkDir(s.dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || path == pwFile {
			return err
		}
		if b, err := os.ReadFile(path); err == nil && strings.Contains(string(b), mqttPassword) {
			t.Errorf("the broker password appears in %s", path)
		}
		return nil
	})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
