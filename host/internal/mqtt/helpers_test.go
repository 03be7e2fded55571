package mqtt

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"os"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	simmqtt "github.com/machina-go/machina/internal/sim/mqtt"
)

// startBroker starts mosquitto for the test. Without the binary the test is
// skipped, except in CI (CI set), where .ci/run installs it and a missing
// broker is a failure.
func startBroker(t *testing.T, o simmqtt.Options) *simmqtt.Broker {
	t.Helper()
	o.Dir = t.TempDir()
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

// publisher is a test client that publishes to the broker.
type publisher struct {
	t  *testing.T
	cl paho.Client
}

func newPublisher(t *testing.T, b *simmqtt.Broker, user, password string) *publisher {
	t.Helper()
	o := paho.NewClientOptions().SetClientID("test-publisher-" + t.Name()).SetAutoReconnect(false).SetConnectTimeout(5 * time.Second)
	if p := b.PKI(); p != nil {
		o.AddBroker("ssl://" + b.Addr())
		pem, err := os.ReadFile(p.CAFile)
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		cert, err := tls.LoadX509KeyPair(p.ClientCert, p.ClientKey)
		if err != nil {
			t.Fatal(err)
		}
		o.SetTLSConfig(&tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	} else {
		o.AddBroker("tcp://" + b.Addr())
	}
	if user != "" {
		o.SetUsername(user).SetPassword(password)
	}
	cl := paho.NewClient(o)
	if tok := cl.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("publisher connect: %v", tok.Error())
	}
	p := &publisher{t: t, cl: cl}
	t.Cleanup(func() { cl.Disconnect(100) })
	return p
}

// send publishes at QoS 1 and waits for the broker's acknowledgement.
func (p *publisher) send(topic, payload string) {
	p.t.Helper()
	tok := p.cl.Publish(topic, 1, false, payload)
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		p.t.Fatalf("publish %s: %v", topic, tok.Error())
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
