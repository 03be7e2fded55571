package opcua_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/machina-go/machina/host/internal/demo"

	"github.com/machina-go/machina/internal/opcuacert"
	"github.com/machina-go/machina/internal/syncbuf"

	"github.com/hashicorp/go-hclog"
	hostopcua "github.com/machina-go/machina/host/internal/opcua"
	simopcua "github.com/machina-go/machina/internal/sim/opcua"
)

type syncBuffer = syncbuf.Buffer

func testLogger(t testing.TB) (hclog.Logger, *syncBuffer) {
	buf := &syncBuffer{}
	return hclog.New(&hclog.LoggerOptions{Name: "test", Level: hclog.Debug, Output: buf}), buf
}

func startSim(t testing.TB, o simopcua.Options) *simopcua.Server {
	t.Helper()
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if o.Tick == 0 {
		o.Tick = -1 // values change only through SetValue
	}
	s, err := simopcua.Start(context.Background(), o)
	if err != nil {
		t.Fatalf("start simulator: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// fastEndpoint is the demo endpoint with short intervals for tests.
func fastEndpoint(url string) hostopcua.EndpointConfig {
	ec := demo.OPCUAEndpoint("plant", url)
	ec.PublishingIntervalMS = 20
	ec.HealthIntervalMS = 200
	ec.ReconnectMinMS = 20
	ec.ReconnectMaxMS = 200
	ec.RequestTimeoutMS = 3000
	return ec
}

func startManager(t testing.TB, cfg hostopcua.Config, o hostopcua.Options) *hostopcua.Manager {
	t.Helper()
	m, err := hostopcua.NewManager(cfg, o)
	if err != nil {
		t.Fatalf("NewManager: %v", err)
	}
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func waitConnected(t testing.TB, m *hostopcua.Manager) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := m.WaitConnected(ctx); err != nil {
		t.Fatalf("not connected: %v", err)
	}
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond) // polling interval, not synchronisation
	}
}

// waitLastError waits until endpoint name of m reports an error in its
// health, and returns that health; what names the error awaited.
func waitLastError(t testing.TB, m *hostopcua.Manager, name, what string) hostopcua.EndpointHealth {
	t.Helper()
	c, ok := m.Client(name)
	if !ok {
		t.Fatalf("no endpoint %q", name)
	}
	var h hostopcua.EndpointHealth
	eventually(t, 10*time.Second, what, func() bool {
		h = c.Health(context.Background())
		return h.LastError != ""
	})
	return h
}

func nextEvent(t testing.TB, ch <-chan hostopcua.AlarmEvent, d time.Duration) hostopcua.AlarmEvent {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("alarm channel closed")
		}
		return ev
	case <-time.After(d):
		t.Fatalf("no alarm event within %s", d)
	}
	return hostopcua.AlarmEvent{}
}

// pki creates a client certificate and a trust dir holding the server's
// certificate.
func pki(t testing.TB, serverCertPEM []byte) (certFile, keyFile, trustDir string) {
	t.Helper()
	dir := t.TempDir()
	certFile, keyFile, err := opcuacert.WriteCertificate(filepath.Join(dir, "client"), "machina", opcuacert.CertOptions{Hosts: []string{"localhost", "127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	trustDir = filepath.Join(dir, "trusted")
	if err := os.MkdirAll(trustDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if serverCertPEM != nil {
		if err := os.WriteFile(filepath.Join(trustDir, "server.pem"), serverCertPEM, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return certFile, keyFile, trustDir
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
