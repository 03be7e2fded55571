package mqtt

import (
	"context"
	"testing"
	"time"

	"github.com/machina-go/machina/host/internal/mqtt/mqtttest"
	simmqtt "github.com/machina-go/machina/internal/sim/mqtt"
)

// startBroker starts mosquitto for the test (see mqtttest.StartBroker).
func startBroker(t *testing.T, o simmqtt.Options) *simmqtt.Broker {
	t.Helper()
	o.Dir = t.TempDir()
	return mqtttest.StartBroker(t, o)
}

// startManager starts a manager over cfg and waits until its brokers are
// connected; it is closed when the test ends.
func startManager(t *testing.T, cfg Config, opts Options) *Manager {
	t.Helper()
	m, err := NewManager(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	if err := m.WaitConnected(waitCtx(t)); err != nil {
		t.Fatalf("%v; health %+v", err, m.Health())
	}
	return m
}

// publisher publishes to the broker as a device would.
type publisher struct {
	t *testing.T
	p *simmqtt.Publisher
}

func newPublisher(t *testing.T, b *simmqtt.Broker, user, password string) *publisher {
	t.Helper()
	p, err := b.NewPublisher("test-publisher-"+t.Name(), user, password)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return &publisher{t: t, p: p}
}

// send publishes at QoS 1 and waits for the broker's acknowledgement.
func (p *publisher) send(topic, payload string) {
	p.t.Helper()
	if err := p.p.Publish(topic, payload); err != nil {
		p.t.Fatal(err)
	}
}

// eventually polls cond until it holds or 10 s pass.
func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		ok, got := cond()
		if ok {
			return
		}
		last = got
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s; last: %s", what, last)
}

func f(v float64) *float64 { return &v }

func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}
