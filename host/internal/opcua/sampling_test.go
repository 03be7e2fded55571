package opcua_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	hostopcua "github.com/machina-go/machina/host/internal/opcua"
	simopcua "github.com/machina-go/machina/internal/sim/opcua"
)

// slowDefaultMS is the sampling interval the simulator grants an item that
// does not ask for one, as the foreign server did whose alarms lagged a
// crossing by up to 1.2 s.
const slowDefaultMS = 1000

// Every monitored item asks for an explicit sampling interval (the
// publishing interval by default, the endpoint's sampling_interval_ms, or
// the alias's); the server grants it, the client logs what was granted,
// and an alarm is raised and cleared within one sampling plus one
// publishing interval of the crossing. The latency assertion leaves a
// generous margin for a loaded machine; what keeps the bound is the
// request itself, asserted structurally on what the server received.
func TestSamplingIntervalRequestedGrantedAndBounded(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		endpointMS, overrideMS int
		wantMS                 float64
	}{
		{"default: the publishing interval", 0, 0, 100},
		{"endpoint sampling_interval_ms", 150, 0, 150},
		{"alias sampling_interval_ms", 150, 50, 50},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim := startSim(t, simopcua.Options{Sampling: &simopcua.Sampling{DefaultMS: slowDefaultMS}})
			ec := fastEndpoint(sim.URL())
			ec.PublishingIntervalMS = 100
			ec.SamplingIntervalMS = tc.endpointMS
			var alias string
			for i := range ec.Aliases {
				if ec.Aliases[i].NodeID == "ns=2;s=P-101.Temperature" {
					ec.Aliases[i].SamplingIntervalMS = tc.overrideMS
					alias = ec.Aliases[i].Name
				}
			}
			logger, logs := testLogger(t)
			m := startManager(t, hostopcua.Config{Endpoints: []hostopcua.EndpointConfig{ec}}, hostopcua.Options{Logger: logger})
			events, cancel := m.Subscribe(16)
			defer cancel()
			waitConnected(t, m)

			var granted float64
			for _, it := range sim.MonitoredItems() {
				want := float64(ec.PublishingIntervalMS)
				if tc.endpointMS > 0 {
					want = float64(tc.endpointMS)
				}
				if it.NodeID == "ns=2;s=P-101.Temperature" {
					want, granted = tc.wantMS, it.RevisedMS
				}
				if it.RequestedMS != want || it.RevisedMS != want {
					t.Errorf("%s: requested %v ms, granted %v ms; want %v ms asked and granted", it.NodeID, it.RequestedMS, it.RevisedMS, want)
				}
			}
			if granted != tc.wantMS {
				t.Fatalf("P-101.Temperature was not monitored (granted %v)", granted)
			}
			line := fmt.Sprintf("alias=%s node_id=ns=2;s=P-101.Temperature requested_sampling_ms=%v revised_sampling_ms=%v", alias, tc.wantMS, tc.wantMS)
			if !strings.Contains(logs.String(), "monitored item granted") || !strings.Contains(logs.String(), line) {
				t.Errorf("granted intervals not logged (%q):\n%s", line, logs.String())
			}

			bound := time.Duration(granted+100) * time.Millisecond // one sampling + one publishing interval
			const margin = 1500 * time.Millisecond                 // scheduling on a loaded machine, not the protocol
			for _, step := range []struct {
				v    float64
				kind hostopcua.AlarmEventKind
			}{{95, hostopcua.AlarmRaised}, {60, hostopcua.AlarmCleared}} {
				start := time.Now()
				if err := sim.SetValue("P-101.Temperature", step.v); err != nil {
					t.Fatal(err)
				}
				ev := nextEvent(t, events, 10*time.Second)
				took := time.Since(start)
				if ev.Kind != step.kind {
					t.Fatalf("got %s, want %s", ev.Kind, step.kind)
				}
				if took > bound+margin {
					t.Errorf("%s %s after the crossing; bound %s (+%s margin)", step.kind, took, bound, margin)
				}
				t.Logf("%s after %s (bound %s)", step.kind, took.Round(time.Millisecond), bound)
			}
		})
	}
}

// A server that grants a slower sampling interval than requested is
// logged as a warning naming the alarm latency it implies.
func TestSlowerGrantIsAWarning(t *testing.T) {
	sim := startSim(t, simopcua.Options{Sampling: &simopcua.Sampling{MinMS: 400}})
	ec := fastEndpoint(sim.URL())
	ec.PublishingIntervalMS = 100
	logger, logs := testLogger(t)
	m := startManager(t, hostopcua.Config{Endpoints: []hostopcua.EndpointConfig{ec}}, hostopcua.Options{Logger: logger})
	waitConnected(t, m)
	eventually(t, 5*time.Second, "the slower grant warning", func() bool {
		return strings.Contains(logs.String(), "[WARN]") && strings.Contains(logs.String(), "samples a monitored item slower than requested") &&
			strings.Contains(logs.String(), "revised_sampling_ms=400") && strings.Contains(logs.String(), "alarm_latency_bound_ms=500")
	})
}

func TestSamplingIntervalValidated(t *testing.T) {
	ec := fastEndpoint("opc.tcp://127.0.0.1:4840")
	ec.SamplingIntervalMS = -1
	if err := ec.Validate(); err == nil || !strings.Contains(err.Error(), "sampling_interval_ms") {
		t.Fatalf("negative sampling interval: %v", err)
	}
	ec = fastEndpoint("opc.tcp://127.0.0.1:4840")
	ec.Aliases[0].SamplingIntervalMS = -5
	if err := ec.Validate(); err == nil || !strings.Contains(err.Error(), "sampling_interval_ms") {
		t.Fatalf("negative alias sampling interval: %v", err)
	}
}
