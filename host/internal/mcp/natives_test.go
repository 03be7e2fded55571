package mcp_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/machina-go/machina/host/internal/demo"
	"github.com/machina-go/machina/host/internal/docstore"
	hostopcua "github.com/machina-go/machina/host/internal/opcua"
	simopcua "github.com/machina-go/machina/internal/sim/opcua"
)

const manual = `# Feed pump P-101 maintenance manual

## 4.2 Bearing replacement

Replace the drive-end bearing 6310-2RS when vibration exceeds 7.1 mm/s.
Lubricate with lithium grease every 2000 operating hours.
`

// writeManuals writes a manuals directory with one manual.
func writeManuals(t testing.TB, dir string) string {
	t.Helper()
	m := filepath.Join(dir, "manuals")
	if err := os.MkdirAll(m, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(m, "pump_p101_manual.md"), []byte(manual), 0o600); err != nil {
		t.Fatal(err)
	}
	return m
}

// startSim starts the OPC-UA plant simulator on a free loopback port, with
// values changed only by the test.
func startSim(t testing.TB) *simopcua.Server {
	t.Helper()
	s, err := simopcua.Start(context.Background(), simopcua.Options{Addr: "127.0.0.1:0", Tick: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// nativesTOML is the [docstore] and [[opcua.endpoint]] configuration for the
// binary.
func nativesTOML(t testing.TB, dir string, sim *simopcua.Server) string {
	t.Helper()
	var b bytes.Buffer
	cfg := map[string]any{
		"docstore": map[string]any{"dir": filepath.Join(dir, "docstore"), "manuals": writeManuals(t, dir)},
		"opcua":    map[string]any{"endpoint": []hostopcua.EndpointConfig{demo.OPCUAEndpoint("plant", sim.URL())}},
	}
	if err := toml.NewEncoder(&b).Encode(cfg); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

type docAdapter struct{ s *docstore.Store }

func (d docAdapter) SearchManuals(ctx context.Context, q string, k int, a string, f map[string]string) (any, error) {
	return d.s.SearchManuals(ctx, q, k, a, f)
}

// addNatives registers a real document store (one ingested manual) and a
// real OPC-UA manager connected to the simulator.
func (e *env) addNatives(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	st, err := docstore.Open(ctx, docstore.Options{Dir: filepath.Join(e.dir, "docstore")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.IngestDir(ctx, writeManuals(t, e.dir), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.reg.AddDocuments("docstore", docAdapter{st}, nil); err != nil {
		t.Fatal(err)
	}
	e.addSensors(t, demo.OPCUAEndpoint("plant", startSim(t).URL()))
}

// addSensors connects a real OPC-UA manager to endpoint ec and registers
// it as the sensor connector.
func (e *env) addSensors(t testing.TB, ec hostopcua.EndpointConfig) *hostopcua.Manager {
	t.Helper()
	ctx := context.Background()
	m, err := hostopcua.NewManager(hostopcua.Config{Endpoints: []hostopcua.EndpointConfig{ec}}, hostopcua.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := m.WaitConnected(wctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.reg.AddSensors("opcua", m, nil); err != nil {
		t.Fatal(err)
	}
	return m
}
