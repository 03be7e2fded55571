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
	return benchSetupWith(b, simopcua.Options{ExtraTags: 100}, publishMS, 0)
}

func benchSetupWith(b *testing.B, so simopcua.Options, publishMS, samplingMS int) (*simopcua.Server, *hostopcua.Manager, *hostopcua.Client) {
	sim := startSim(b, so)
	ec := fastEndpoint(sim.URL())
	ec.PublishingIntervalMS = publishMS
	ec.SamplingIntervalMS = samplingMS
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
	benchRead100(b, func(ctx context.Context, c *hostopcua.Client, ids []string) error {
		rs, err := c.ReadNodes(ctx, ids...)
		if err != nil || rs[99].Value != 99.0 {
			return fmt.Errorf("read: %v %+v", err, rs[99])
		}
		return nil
	})
}

// BenchmarkRead100OneByOne reads the same 100 nodes with one Read call each.
func BenchmarkRead100OneByOne(b *testing.B) {
	benchRead100(b, func(ctx context.Context, c *hostopcua.Client, ids []string) error {
		for _, id := range ids {
			if _, err := c.ReadNodes(ctx, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// benchRead100 measures read of the same 100 nodes once per op and reports
// nodes/s.
func benchRead100(b *testing.B, read func(ctx context.Context, c *hostopcua.Client, ids []string) error) {
	_, _, c := benchSetup(b, 500)
	ids := tagIDs(100)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if err := read(ctx, c, ids); err != nil {
			b.Fatal(err)
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
			alarmLatency(b, sim, m)
		})
	}
}

// BenchmarkAlarmLatencySampling is the same against a server that samples
// (the simulator's Sampling switch) with publishing 100 ms: the sampling
// interval the client asks for by default (the publishing interval), and
// the 1000 ms such a server grants an item that asks for none. It reports
// the mean and worst latency and the bound, one sampling plus one
// publishing interval.
func BenchmarkAlarmLatencySampling(b *testing.B) {
	for _, samplingMS := range []int{100, 1000} {
		b.Run(fmt.Sprintf("sampling=%dms", samplingMS), func(b *testing.B) {
			sim, m, _ := benchSetupWith(b, simopcua.Options{Sampling: &simopcua.Sampling{DefaultMS: 1000}}, 100, samplingMS)
			alarmLatency(b, sim, m)
			b.ReportMetric(float64(samplingMS+100), "bound_ms")
		})
	}
}

// alarmLatency measures set value → alarm event, raising and clearing.
func alarmLatency(b *testing.B, sim *simopcua.Server, m *hostopcua.Manager) {
	events, cancel := m.Subscribe(16)
	defer cancel()
	var total, worst time.Duration
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
		d := time.Since(start)
		total += d
		worst = max(worst, d)
		n++
	}
	b.ResetTimer()
	for b.Loop() {
		wait(hostopcua.AlarmRaised, 95)
		wait(hostopcua.AlarmCleared, 60)
	}
	b.ReportMetric(float64(total.Microseconds())/float64(n)/1000, "ms/alarm")
	b.ReportMetric(float64(worst.Microseconds())/1000, "worst_ms")
}
