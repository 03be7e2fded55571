package router_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/app"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/conformance"
	"github.com/machina-go/machina/host/internal/demo"
	"github.com/machina-go/machina/host/internal/opcua"
	"github.com/machina-go/machina/host/internal/plugin"
	"github.com/machina-go/machina/host/internal/registry"
	"github.com/machina-go/machina/host/internal/router"
	"github.com/machina-go/machina/host/internal/sandbox"
	"github.com/machina-go/machina/host/internal/testplugin"
	"github.com/machina-go/machina/host/internal/trace"
	simopcua "github.com/machina-go/machina/internal/sim/opcua"
	"github.com/machina-go/machina/internal/syncbuf"
)

// The router is the one path from a tool to a connector. These tests drive
// it over real connectors: test plugins (memcmms, an in-memory CMMS that
// counts writes; memchat, a messaging plugin that counts sends), the
// shipped cmms-maximo plugin against the Maximo simulator, a real document
// store and an OPC-UA manager connected to the plant simulator.

// loadPlugins loads plugins as the host does (app.Build, Plugins part) and
// returns them by name.
func loadPlugins(t *testing.T, env map[string]string, ps ...config.Plugin) map[string]registry.OpCaller {
	t.Helper()
	dir := t.TempDir()
	secrets := map[string]string{}
	for k := range env {
		secrets[strings.ToLower(k)] = "env:" + k
	}
	eng, err := plugin.NewEngine(plugin.EngineOptions{CacheDir: testplugin.CacheDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close(context.Background()) })
	cfg := &config.Config{DataDir: dir, Secrets: secrets, Plugins: ps}
	a, err := app.Build(context.Background(), cfg, app.Plugins, app.Options{Stderr: io.Discard, Engine: eng,
		Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	out := map[string]registry.OpCaller{}
	for _, p := range ps {
		l, ok := a.Plugin(p.Name)
		if !ok {
			t.Fatalf("plugin %s: %v", p.Name, a.Failure(p.Name))
		}
		out[p.Name] = l.Plugin
	}
	return out
}

func testPlugin(t *testing.T, dir, name string) config.Plugin {
	t.Helper()
	path := filepath.Join(dir, name+".wasm")
	if err := os.WriteFile(path, testplugin.Build(t, "host/internal/mcp/testdata/"+name), 0o600); err != nil {
		t.Fatal(err)
	}
	return config.Plugin{Name: name, Path: path, AllowUnpinned: true, Grant: config.Grant{KV: config.KVGrant{QuotaBytes: 65536}}}
}

// memPlugins loads memcmms and memchat.
func memPlugins(t *testing.T) map[string]registry.OpCaller {
	dir := t.TempDir()
	return loadPlugins(t, nil, testPlugin(t, dir, "memcmms"), testPlugin(t, dir, "memchat"))
}

// maximo starts the Maximo simulator and loads cmms-maximo against it with
// the simulator's credentials (wrong ones when wrongKey); narrow, when
// given, changes the operator's grant of the simulator's origin.
func maximo(t *testing.T, wrongKey bool, narrow ...func(*config.OriginGrant)) (registry.OpCaller, conformance.Simulator, string) {
	t.Helper()
	sim, err := conformance.StartMaximo(context.Background(), conformance.SimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	auth, good, wrong := sim.Auth()
	creds := good
	if wrongKey {
		creds = wrong
	}
	env := map[string]string{}
	for k, v := range creds {
		env[strings.ToUpper(k)] = v
	}
	path := filepath.Join(t.TempDir(), "cmms-maximo.wasm")
	if err := os.WriteFile(path, testplugin.Build(t, "plugins/cmms-maximo"), 0o600); err != nil {
		t.Fatal(err)
	}
	og := config.OriginGrant{Origin: sim.BaseURL(), AllowPrivate: true, Auth: auth}
	for _, f := range narrow {
		f(&og)
	}
	p := config.Plugin{Name: "cmms-maximo", Path: path, AllowUnpinned: true, Config: sim.PluginConfig(),
		Grant: config.Grant{HTTP: []config.OriginGrant{og}}}
	var secret string
	for _, v := range creds {
		secret = v
	}
	return loadPlugins(t, env, p)["cmms-maximo"], sim, secret
}

// conn is one connector to register.
type conn struct {
	name    string
	plugin  registry.OpCaller
	primary bool
}

type world struct {
	r      *router.Router
	reg    *registry.Registry
	gate   *sandbox.Gate
	tracer *trace.Tracer
	logs   *syncbuf.Buffer
}

func newWorld(t *testing.T, sandboxOn bool, conns ...conn) *world {
	t.Helper()
	w := &world{logs: &syncbuf.Buffer{}}
	log := hclog.New(&hclog.LoggerOptions{Output: w.logs, Level: hclog.Info})
	w.reg = registry.New(log)
	for _, c := range conns {
		if _, err := w.reg.AddPlugin(c.name, c.plugin, c.primary); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	if w.tracer, err = trace.New(trace.Options{Dir: filepath.Join(t.TempDir(), "traces"), Getenv: func(string) string { return "" }}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.tracer.Close(context.Background()) })
	w.gate = sandbox.New(sandboxOn, log)
	if w.r, err = router.New(router.Options{Registry: w.reg, Sandbox: w.gate, Tracer: w.tracer, Logger: log}); err != nil {
		t.Fatal(err)
	}
	return w
}

// entries waits until the tracer holds an entry matching ok and returns
// all entries.
func (w *world) entries(t *testing.T, ok func(trace.Entry) bool) []trace.Entry {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		es := w.tracer.Recent(0)
		for _, e := range es {
			if ok(e) {
				return es
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no matching trace entry in %+v", es)
		}
	}
}

func counter(t *testing.T, p registry.OpCaller, key string) int {
	t.Helper()
	var h abi.HealthResponse
	if err := p.CallOp(context.Background(), abi.OpHealth, abi.HealthRequest{}, &h); err != nil {
		t.Fatal(err)
	}
	n, _ := h.Details[key].(float64)
	return int(n)
}

func code(err error) abi.Code {
	var ae *abi.Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	return ""
}

// TestPrimaryCMMS: reads go to the connector marked primary, whatever the
// registration order; without one, to the first CMMS that reads assets,
// with a warning logged once; a capability the primary does not serve
// goes to the first connector that does.
func TestPrimaryCMMS(t *testing.T) {
	mem := memPlugins(t)
	mx, _, _ := maximo(t, false)
	ctx := context.Background()

	w := newWorld(t, false, conn{"cmms-maximo", mx, false}, conn{"memcmms", mem["memcmms"], true}, conn{"memchat", mem["memchat"], false})
	as, err := w.r.ListAssets(ctx)
	if err != nil || len(as) != 3 { // memcmms seeds three assets
		t.Fatalf("primary memcmms: %d assets, %v", len(as), err)
	}
	res, err := w.r.SendMessage(ctx, "42", "hello")
	if err != nil || res.Status != "sent" || counter(t, mem["memchat"], "sends") != 1 {
		t.Fatalf("send through the only messaging connector: %+v %v", res, err)
	}

	w = newWorld(t, false, conn{"cmms-maximo", mx, false}, conn{"memcmms", mem["memcmms"], false})
	for i := 0; i < 2; i++ {
		if _, err := w.r.ListAssets(ctx); err != nil {
			t.Fatal(err)
		}
	}
	w.entries(t, func(e trace.Entry) bool {
		return e.Connector == "cmms-maximo" && e.Operation == string(abi.OpListAssets)
	})
	if n := strings.Count(w.logs.String(), "no_primary_cmms_configured"); n != 1 {
		t.Fatalf("no_primary_cmms_configured logged %d times:\n%s", n, w.logs.String())
	}
	for _, e := range w.tracer.Recent(0) {
		if e.Connector == "memcmms" {
			t.Fatalf("a read went to the second CMMS: %+v", e)
		}
	}
}

// TestSandboxGate: in sandbox mode no write reaches a connector — the
// plugin's own write counter stays at zero — while the asset check still
// runs; each blocked write is traced. With the gate open the same write
// reaches the plugin and leaves an audit line with the caller's identity.
func TestSandboxGate(t *testing.T) {
	mem := memPlugins(t)
	cmms, chat := mem["memcmms"], mem["memchat"]
	ctx := trace.WithCall(context.Background(), trace.Call{ClientID: "alice"})
	w := newWorld(t, true, conn{"memcmms", cmms, true}, conn{"memchat", chat, false})
	in := router.CreateRequest{AssetID: "P-101", Description: "Replace the seal", Type: abi.TypeCorrective, Priority: abi.PriorityHigh}
	res, err := w.r.CreateWorkOrder(ctx, in)
	if err != nil || res.Sandboxed == nil {
		t.Fatalf("create in sandbox: %+v %v", res, err)
	}
	if _, err := w.r.CreateWorkOrder(ctx, router.CreateRequest{AssetID: "NOPE-9", Description: "x", Type: abi.TypeCorrective, Priority: abi.PriorityLow}); code(err) != abi.CodeNotFound {
		t.Fatalf("sandbox must still check the asset: %v", err)
	}
	for name, write := range map[string]func() (router.WriteResult, error){
		"update": func() (router.WriteResult, error) {
			return w.r.UpdateWorkOrder(ctx, abi.UpdateWorkOrderRequest{WorkOrderID: "WO-1002", AssignedTo: "mrossi"})
		},
		"close":  func() (router.WriteResult, error) { return w.r.CloseWorkOrder(ctx, "WO-1001") },
		"cancel": func() (router.WriteResult, error) { return w.r.CancelWorkOrder(ctx, "WO-1002", "duplicate") },
	} {
		if res, err := write(); err != nil || res.Sandboxed == nil {
			t.Fatalf("%s in sandbox: %+v %v", name, res, err)
		}
	}
	if sres, err := w.r.SendMessage(ctx, "42", "hi"); err != nil || sres.Sandboxed == nil {
		t.Fatalf("send in sandbox: %+v %v", sres, err)
	}
	if n, s := counter(t, cmms, "writes"), counter(t, chat, "sends"); n != 0 || s != 0 {
		t.Fatalf("writes reached the plugins in sandbox mode: %d writes, %d sends", n, s)
	}
	es := w.entries(t, func(e trace.Entry) bool {
		return e.Action == router.ActionSandboxBlocked && e.Operation == string(abi.OpSend)
	})
	blocked := 0
	for _, e := range es {
		if e.Action == router.ActionSandboxBlocked {
			blocked++
			if e.ClientID != "alice" || e.Connector == "" {
				t.Errorf("blocked write entry without identity or connector: %+v", e)
			}
		}
	}
	if blocked != 5 {
		t.Fatalf("%d sandbox_write_blocked entries, want 5", blocked)
	}

	w.gate.Set(false)
	if res, err := w.r.CreateWorkOrder(ctx, in); err != nil || res.Sandboxed != nil || !strings.HasPrefix(res.WorkOrder.ID, "WO-AUTO-") {
		t.Fatalf("create with the gate open: %+v %v", res, err)
	}
	if n := counter(t, cmms, "writes"); n != 1 {
		t.Fatalf("writes = %d, want 1", n)
	}
	if !strings.Contains(w.logs.String(), "write operation") || !strings.Contains(w.logs.String(), "client_id=alice") {
		t.Fatalf("no audit line for the write:\n%s", w.logs.String())
	}
}

// TestTracing: one plugin_call entry per operation, with the connector,
// module hash, operation, asset and the caller's identity; reads carry no
// output summary, writes do.
func TestTracing(t *testing.T) {
	mem := memPlugins(t)
	w := newWorld(t, false, conn{"memcmms", mem["memcmms"], true})
	ctx := trace.WithCall(context.Background(), trace.Call{ClientID: "bob"})
	if _, err := w.r.GetAsset(ctx, " P-101 "); err != nil {
		t.Fatal(err)
	}
	if _, err := w.r.CloseWorkOrder(ctx, "WO-1001"); err != nil {
		t.Fatal(err)
	}
	es := w.entries(t, func(e trace.Entry) bool { return e.Operation == string(abi.OpCloseWorkOrder) })
	var read, write *trace.Entry
	for i, e := range es {
		switch e.Operation {
		case string(abi.OpGetAsset):
			read = &es[i]
		case string(abi.OpCloseWorkOrder):
			write = &es[i]
		}
	}
	if read == nil || read.Action != trace.ActionPluginCall || read.Connector != "memcmms" || read.AssetID != "P-101" ||
		read.ClientID != "bob" || read.PluginSHA256 != mem["memcmms"].SHA256() || !read.Success || read.OutputSummary != "" {
		t.Fatalf("read entry %+v", read)
	}
	if write == nil || !write.Success || !strings.Contains(write.OutputSummary, `"closed"`) || write.ClientID != "bob" {
		t.Fatalf("write entry %+v", write)
	}
}

// TestConnectorErrors: what a client sees when a connector fails — the
// reference's not_found wording, credentials refused without the
// credential, an unavailable upstream, sanitised upstream text — and
// arguments refused before any connector is called.
func TestConnectorErrors(t *testing.T) {
	ctx := context.Background()
	mx, sim, _ := maximo(t, false)
	w := newWorld(t, false, conn{"cmms-maximo", mx, true})
	if _, err := w.r.GetAsset(ctx, "NOPE-404"); code(err) != abi.CodeNotFound || !strings.Contains(err.Error(), "Asset 'NOPE-404' not found") {
		t.Fatalf("missing asset: %v", err)
	}
	sim.SetFault(conformance.FaultUnavailable)
	_, err := w.r.ListAssets(ctx)
	sim.SetFault(conformance.FaultNone)
	if code(err) != abi.CodeUnavailable || !strings.Contains(err.Error(), "connector 'cmms-maximo' is unavailable") {
		t.Fatalf("unavailable upstream: %v", err)
	}

	bad, _, wrong := maximo(t, true)
	w = newWorld(t, false, conn{"cmms-maximo", bad, true})
	_, err = w.r.ListAssets(ctx)
	if code(err) != abi.CodeUnauthorized || !strings.Contains(err.Error(), "refused the credentials of connector 'cmms-maximo'") || strings.Contains(err.Error(), wrong) {
		t.Fatalf("wrong credentials: %v", err)
	}

	mem := memPlugins(t)
	w = newWorld(t, false, conn{"memcmms", mem["memcmms"], true})
	_, err = w.r.GetAsset(ctx, "boom") // memcmms fails with a path in its message
	if code(err) != abi.CodeUpstream || !strings.Contains(err.Error(), "db.properties") || strings.Contains(err.Error(), "/home/operator") {
		t.Fatalf("upstream error: %v", err)
	}
	before := len(w.entries(t, func(e trace.Entry) bool { return e.AssetID == "boom" }))
	for name, call := range map[string]func() error{
		"blank asset": func() error { _, err := w.r.GetAsset(ctx, "  "); return err },
		"bad priority": func() error {
			_, err := w.r.CreateWorkOrder(ctx, router.CreateRequest{AssetID: "P-101", Description: "x", Type: abi.TypeCorrective, Priority: "urgent"})
			return err
		},
		"empty update": func() error {
			_, err := w.r.UpdateWorkOrder(ctx, abi.UpdateWorkOrderRequest{WorkOrderID: "WO-1002"})
			return err
		},
		"top_k": func() error { _, err := w.r.SearchManuals(ctx, "seal", 0, "", nil); return err },
	} {
		if err := call(); code(err) != abi.CodeInvalidArgument {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := len(w.tracer.Recent(0)); n != before {
		t.Errorf("refused arguments reached a connector (%d new trace entries)", n-before)
	}

	empty := newWorld(t, false)
	if _, err := empty.r.ListAssets(ctx); code(err) != abi.CodeUnavailable || !strings.Contains(err.Error(), "No CMMS connector configured") {
		t.Fatalf("no CMMS: %v", err)
	}
	if _, err := empty.r.SearchManuals(ctx, "seal", 3, "", nil); code(err) != abi.CodeUnavailable {
		t.Fatalf("no document store: %v", err)
	}
	if _, err := empty.r.SensorReading(ctx, "P-101"); code(err) != abi.CodeUnavailable {
		t.Fatalf("no sensors: %v", err)
	}
}

// natives starts a document store (one ingested manual) and an OPC-UA
// manager connected to the plant simulator as the host does (app.Build,

// TestHostPolicyRefusal: when the host's own gate refuses a request of the
// plugin (here: the operator's grant narrows the origin's reads to none),
// the client is told that the host's policy refused it — not that the
// upstream refused the credentials, which only a real 401/403 may say
// (TestConnectorErrors) — and is told neither the request's path nor the
// credential.
func TestHostPolicyRefusal(t *testing.T) {
	ctx := context.Background()
	mx, sim, secret := maximo(t, false, func(g *config.OriginGrant) { g.Reads, g.Writes = []string{}, []string{} })
	w := newWorld(t, false, conn{"cmms-maximo", mx, true})
	_, err := w.r.ListAssets(ctx)
	if code(err) != abi.CodeUnauthorized {
		t.Fatalf("refused read: want unauthorized, got %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"refused by the host's policy", "connector 'cmms-maximo'", "not declared by the plugin, not granted by the operator"} {
		if !strings.Contains(msg, want) {
			t.Errorf("refused read: %q does not say %q", msg, want)
		}
	}
	for _, leak := range []string{"upstream system refused the credentials", secret, sim.BaseURL(), "/oslc", "/maximo"} {
		if strings.Contains(msg, leak) {
			t.Errorf("refused read: %q says %q", msg, leak)
		}
	}
	if !strings.Contains(w.logs.String(), "refused by the host's policy") {
		t.Errorf("no operator log line for the refusal: %s", w.logs.String())
	}
}

// Docstore and OPCUA parts) and registers their connectors in w.
func natives(t *testing.T, w *world) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	manuals := filepath.Join(dir, "manuals")
	os.MkdirAll(manuals, 0o750)
	os.WriteFile(filepath.Join(manuals, "pump_p101.md"), []byte("# Pump P-101\n\n## Bearing\n\nReplace the drive-end bearing 6310-2RS when vibration exceeds 7.1 mm/s.\n"), 0o600)
	sim, err := simopcua.Start(ctx, simopcua.Options{Addr: "127.0.0.1:0", Tick: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	var text strings.Builder
	if err := toml.NewEncoder(&text).Encode(map[string]any{
		"docstore": map[string]any{"dir": "store", "manuals": "manuals"},
		"opcua":    map[string]any{"endpoint": []opcua.EndpointConfig{demo.OPCUAEndpoint("plant", sim.URL())}},
	}); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.ParseIn([]byte(text.String()), dir, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Build(ctx, cfg, app.Docstore|app.OPCUA, app.Options{Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	<-a.Ingested()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := a.OPCUA.WaitConnected(wctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range a.Registry.Connectors() {
		if c.Docs != nil {
			_, err = w.reg.AddDocuments(c.Name, c.Docs, nil)
		} else {
			_, err = w.reg.AddSensors(c.Name, c.Sensors, nil)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestNativeConnectors: the document store and OPC-UA serve their
// capabilities beside a plugin CMMS, each call traced as a
// connector_query.
func TestNativeConnectors(t *testing.T) {
	ctx := context.Background()
	mem := memPlugins(t)
	w := newWorld(t, false, conn{"memcmms", mem["memcmms"], true})
	natives(t, w)

	hits, err := w.r.SearchManuals(ctx, "drive-end bearing vibration", 3, "", nil)
	if err != nil || !strings.Contains(summaryOf(hits), "pump_p101.md") {
		t.Fatalf("search: %v %v", hits, err)
	}
	reading, err := w.r.SensorReading(ctx, "P-101")
	if err != nil || !strings.Contains(summaryOf(reading), "vibration") {
		t.Fatalf("reading: %v %v", reading, err)
	}
	if _, err := w.r.Alarms(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if as, err := w.r.ListAssets(ctx); err != nil || len(as) != 3 {
		t.Fatalf("the plugin CMMS beside the natives: %d %v", len(as), err)
	}
	es := w.entries(t, func(e trace.Entry) bool { return e.Operation == "get_sensor_reading" })
	var searched bool
	for _, e := range es {
		if e.Connector == "docstore" && e.Action == trace.ActionConnectorQuery && e.Operation == "search_manuals" {
			searched = true
		}
	}
	if !searched {
		t.Fatalf("no connector_query entry for the search: %+v", es)
	}
}

func summaryOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
