package opcua_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	hostopcua "github.com/machina-go/machina/host/internal/opcua"
	simopcua "github.com/machina-go/machina/internal/sim/opcua"
)

func benchSetup(b *testing.B, publishMS int) (*simopcua.Server, *hostopcua.Manager, *hostopcua.Client) {
	sim := startSim(b, simopcua.Options{ExtraTags: 100})
	ec := fastEndpoint(sim.URL())
	ec.PublishingIntervalMS = publishMS
	ec.HealthIntervalMS = 60000
	m := startManager(b, hostopcua.Config{Endpoints: []hostopcua.EndpointConfig{ec}}, hostopcua.Options{})
	waitConnected(b, m)
	c, _ := m.Client("plant")
	return sim, m, c
}

func tagIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("ns=2;s=Tag.%03d", i)
	}
	return ids
}

// BenchmarkRead100Batched reads 100 nodes in one Read service call per op.
func BenchmarkRead100Batched(b *testing.B) {
	_, _, c := benchSetup(b, 500)
	ids := tagIDs(100)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		rs, err := c.ReadNodes(ctx, ids...)
		if err != nil || rs[99].Value != 99.0 {
			b.Fatalf("read: %v %+v", err, rs[99])
		}
	}
	b.ReportMetric(float64(100*b.N)/b.Elapsed().Seconds(), "nodes/s")
}

// BenchmarkRead100OneByOne reads the same 100 nodes with one Read call each.
func BenchmarkRead100OneByOne(b *testing.B) {
	_, _, c := benchSetup(b, 500)
	ids := tagIDs(100)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		for _, id := range ids {
			if _, err := c.ReadNodes(ctx, id); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(100*b.N)/b.Elapsed().Seconds(), "nodes/s")
}

// BenchmarkAlarmLatency measures set value on the server → alarm event at
// the subscriber, for raise and clear, with a 10 ms and the default 500 ms
// publishing interval (gopcua's server publishes once per interval).
func BenchmarkAlarmLatency(b *testing.B) {
	for _, publishMS := range []int{10, 500} {
		b.Run(fmt.Sprintf("publish=%dms", publishMS), func(b *testing.B) {
			sim, m, _ := benchSetup(b, publishMS)
			events, cancel := m.Subscribe(16)
			defer cancel()
			var total time.Duration
			n := 0
			wait := func(kind hostopcua.AlarmEventKind, v float64) {
				start := time.Now()
				if err := sim.SetValue("P-101.Temperature", v); err != nil {
					b.Fatal(err)
				}
				ev := nextEvent(b, events, 10*time.Second)
				if ev.Kind != kind {
					b.Fatalf("got %s, want %s", ev.Kind, kind)
				}
				total += time.Since(start)
				n++
			}
			b.ResetTimer()
			for b.Loop() {
				wait(hostopcua.AlarmRaised, 90)
				wait(hostopcua.AlarmCleared, 60)
			}
			b.ReportMetric(float64(total.Microseconds())/float64(n)/1000, "ms/alarm")
		})
	}
}
