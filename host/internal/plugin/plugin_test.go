package plugin_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/plugin"
	"github.com/machina-go/machina/host/internal/pluginbuild"
	"github.com/machina-go/machina/host/internal/testplugin"
	"github.com/machina-go/machina/host/internal/wasmfile"
	"github.com/machina-go/machina/internal/wire"
)

func newEngine(t testing.TB) *plugin.Engine {
	t.Helper()
	e, err := plugin.NewEngine(plugin.EngineOptions{CacheDir: testplugin.CacheDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close(context.Background()) })
	return e
}

func loadProbe(t testing.TB, limits plugin.Limits) *plugin.Plugin {
	t.Helper()
	wasm := testplugin.Build(t, "host/internal/plugin/testdata/probe")
	p, err := newEngine(t).Load(context.Background(), wasm, plugin.LoadOptions{Limits: limits})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(context.Background()) })
	return p
}

func getAsset(ctx context.Context, p *plugin.Plugin, id string) (abi.Asset, error) {
	var resp abi.GetAssetResponse
	err := p.CallOp(ctx, abi.OpGetAsset, abi.GetAssetRequest{AssetID: id}, &resp)
	return resp.Asset, err
}

func mustEcho(t *testing.T, p *plugin.Plugin) {
	t.Helper()
	a, err := getAsset(context.Background(), p, "echo:still-serving")
	if err != nil || a.Name != "still-serving" {
		t.Fatalf("next call after containment failed: %v %+v", err, a)
	}
}

func TestDescriptorAndCapabilities(t *testing.T) {
	p := loadProbe(t, plugin.Limits{PoolSize: 1})
	d := p.Descriptor()
	if d.Name != "probe" || d.Kind != abi.KindCMMS || d.ABI != abi.Version {
		t.Fatalf("descriptor = %+v", d)
	}
	if !d.Has(abi.OpGetAsset) || d.Has(abi.OpCreateWorkOrder) {
		t.Fatalf("operations = %v", d.Operations)
	}
	if len(d.Capabilities) != 1 || d.Capabilities[0] != abi.CapReadAssets {
		t.Fatalf("capabilities = %v", d.Capabilities)
	}
	if len(p.SHA256()) != 64 {
		t.Fatalf("sha = %q", p.SHA256())
	}
	for _, imp := range p.Imports() {
		if imp.Verdict == plugin.VerdictForbidden {
			t.Errorf("forbidden import in probe: %v", imp)
		}
	}
}

func TestPluginErrorKeepsInstance(t *testing.T) {
	p := loadProbe(t, plugin.Limits{PoolSize: 1})
	_, err := getAsset(context.Background(), p, "nope")
	var ae *abi.Error
	if !errors.As(err, &ae) || ae.Code != abi.CodeNotFound {
		t.Fatalf("want not_found, got %v", err)
	}
	mustEcho(t, p)
	if s := p.Stats(); s.Traps != 0 {
		t.Fatalf("a plugin-reported error must not count as a trap: %+v", s)
	}
}

func TestContainment(t *testing.T) {
	base := plugin.Limits{PoolSize: 1, MemoryPages: 512, CallTimeout: 20 * time.Second, MaxOutputBytes: 1 << 20}
	short := base
	// The timeout also bounds describe at load (the Go runtime's
	// initialisation), which under -race on a busy machine can take 300 ms.
	short.CallTimeout = 1500 * time.Millisecond
	cases := []struct {
		name, id, want string
		limits         plugin.Limits
	}{
		{"panic", "panic", "panic: probe asked to panic", base},
		{"memory bomb", "oom", "out of memory", base},
		{"infinite loop", "loop", "timeout", short},
		{"output over cap", "big:2", "exceeds the", base},
		{"exit", "exit", "exited", base},
		// ABI 1.3's rules, broken on purpose.
		{"pointer outside memory", "badptr", "outside its memory", base},
		{"output written twice", "twice", "wrote its output twice", base},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := loadProbe(t, tc.limits)
			_, err := getAsset(context.Background(), p, tc.id)
			if !errors.Is(err, plugin.ErrTrap) {
				t.Fatalf("want a trap, got %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q should mention %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "/") {
				t.Fatalf("error leaks a path: %q", err)
			}
			mustEcho(t, p)
			if s := p.Stats(); s.Traps != 1 {
				t.Fatalf("traps = %d, want 1", s.Traps)
			}
		})
	}
}

func TestInputCap(t *testing.T) {
	p := loadProbe(t, plugin.Limits{PoolSize: 1, MaxInputBytes: 1024})
	_, err := getAsset(context.Background(), p, "echo:"+strings.Repeat("y", 2048))
	var ae *abi.Error
	if !errors.As(err, &ae) || ae.Code != abi.CodeInvalidArgument || !strings.Contains(ae.Message, "input cap") {
		t.Fatalf("want input cap refusal, got %v", err)
	}
	mustEcho(t, p)
}

func TestRealClockAndRandom(t *testing.T) {
	p := loadProbe(t, plugin.Limits{PoolSize: 2})
	ctx := context.Background()
	// Hold two instances at once by calling concurrently until both are used:
	// simpler and deterministic is to load twice (two independent instances).
	q := loadProbe(t, plugin.Limits{PoolSize: 1})
	a1, err := getAsset(ctx, p, "clock")
	if err != nil {
		t.Fatal(err)
	}
	a2, err := getAsset(ctx, q, "clock")
	if err != nil {
		t.Fatal(err)
	}
	now, err := time.Parse(time.RFC3339Nano, a1.Metadata["now"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(now); d < -time.Minute || d > time.Minute {
		t.Fatalf("plugin clock is %v, host is %v", now, time.Now())
	}
	if a1.Metadata["rand"] == a2.Metadata["rand"] {
		t.Fatalf("two instances drew the same random bytes %v", a1.Metadata["rand"])
	}
}

func TestRecycle(t *testing.T) {
	p := loadProbe(t, plugin.Limits{PoolSize: 1, RecycleAfter: 3})
	for range 7 {
		mustEcho(t, p)
	}
	if s := p.Stats(); s.Recycled < 2 {
		t.Fatalf("recycled = %d, want >= 2", s.Recycled)
	}
}

func TestConcurrentCalls(t *testing.T) {
	p := loadProbe(t, plugin.Limits{PoolSize: 2})
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := "echo:c" + string(rune('a'+i%26))
			a, err := getAsset(context.Background(), p, id)
			if err == nil && a.ID != id {
				err = errors.New("crossed responses: " + a.ID + " for " + id)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestSHA256Pin(t *testing.T) {
	wasm := testplugin.Build(t, "host/internal/plugin/testdata/probe")
	_, err := newEngine(t).Load(context.Background(), wasm, plugin.LoadOptions{SHA256: strings.Repeat("0", 64)})
	if err == nil || !strings.Contains(err.Error(), "sha256 mismatch") {
		t.Fatalf("want sha256 mismatch, got %v", err)
	}
}

// A module whose exports differ from what machina_describe lists is
// refused at load: the audit derives the operations from the exports, so
// the two must agree.
func TestExportsMustEqualDescriptor(t *testing.T) {
	wasm := testplugin.Build(t, "host/internal/plugin/testdata/liar")
	_, err := newEngine(t).Load(context.Background(), wasm, plugin.LoadOptions{})
	if err == nil || !strings.Contains(err.Error(), "exports get_asset that machina_describe does not list") ||
		!strings.Contains(err.Error(), "machina_describe lists list_assets that the module does not export") {
		t.Fatalf("want a refusal naming both differences, got %v", err)
	}
	if err := plugin.CheckExports([]abi.OpName{abi.OpHealth, abi.OpGetAsset}, []string{"_initialize", "machina_describe", "machina_init", "health", "get_asset"}); err != nil {
		t.Fatal(err)
	}
}

func TestABIMajorMismatchRefused(t *testing.T) {
	wasm := testplugin.BuildWith(t, "host/internal/plugin/testdata/abi2", pluginbuild.Options{SkipManifestCheck: true})
	e := newEngine(t)
	_, err := e.Load(context.Background(), wasm, plugin.LoadOptions{})
	if err == nil || !strings.Contains(err.Error(), "2.0") || !strings.Contains(err.Error(), abi.Version) {
		t.Fatalf("manifest check: want an error naming 2.0 and %s, got %v", abi.Version, err)
	}
	// Same module, manifest claiming 1.0: the descriptor check must catch it.
	stripped, err := wasmfile.RemoveCustomSections(wasm, wire.ManifestSection)
	if err != nil {
		t.Fatal(err)
	}
	lying, _ := wasmfile.AppendCustomSection(stripped, wire.ManifestSection,
		[]byte("name = \"abi-two\"\nversion = \"2.0.0\"\nabi = \"1.0\"\nkind = \"cmms\"\n"))
	_, err = e.Load(context.Background(), lying, plugin.LoadOptions{})
	if err == nil || !strings.Contains(err.Error(), "plugin ABI 2.0") || !strings.Contains(err.Error(), "host ABI "+abi.Version) {
		t.Fatalf("descriptor check: want an error naming both versions, got %v", err)
	}
}

func TestForbiddenImportRefused(t *testing.T) {
	wasm := testplugin.Build(t, "host/internal/plugin/testdata/probe")
	mod, err := wasmfile.Parse(wasm)
	if err != nil {
		t.Fatal(err)
	}
	imps := append(mod.Imports, wasmfile.Import{Module: "extism:host/env", Name: "http_request", Kind: wasmfile.KindFunc})
	if err := plugin.CheckImports(imps); err == nil || !strings.Contains(err.Error(), "extism:host/env.http_request") {
		t.Fatalf("want the import named, got %v", err)
	}
}

func TestKVThroughDenyHost(t *testing.T) {
	// hello-cmms uses KV in ListAssets but HTTP is denied by DenyHost: the
	// refusal must come back as a clear error, not a trap.
	wasm := testplugin.Build(t, "pdk/examples/hello-cmms")
	p, err := newEngine(t).Load(context.Background(), wasm, plugin.LoadOptions{Config: map[string]any{"base_url": "http://127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	var resp abi.ListAssetsResponse
	err = p.CallOp(context.Background(), abi.OpListAssets, abi.ListAssetsRequest{}, &resp)
	var ae *abi.Error
	if !errors.As(err, &ae) || ae.Code != abi.CodeUnauthorized || !strings.Contains(ae.Message, "not granted") {
		t.Fatalf("want a not-granted refusal, got %v", err)
	}
	b, _ := json.Marshal(p.Stats())
	if p.Stats().Traps != 0 {
		t.Fatalf("refusal trapped: %s", b)
	}
}

func TestInitErrorIsClear(t *testing.T) {
	wasm := testplugin.Build(t, "pdk/examples/hello-cmms")
	_, err := newEngine(t).Load(context.Background(), wasm, plugin.LoadOptions{})
	if err == nil || !strings.Contains(err.Error(), "base_url is required") {
		t.Fatalf("want init error, got %v", err)
	}
}

// cannedHost answers http_request with a fixed body and keeps KV in
// memory (DenyHost's store).
type cannedHost struct {
	plugin.DenyHost
	body string
}

func (h *cannedHost) HTTPRequest(_ context.Context, req abi.HTTPRequest) abi.HTTPResponse {
	return abi.HTTPResponse{Status: 200, Body: []byte(h.body + " " + req.Method + " " + req.URL)}
}

func TestExtismABI10PluginStillLoads(t *testing.T) {
	// Built with Extism's Go PDK against ABI 1.0 only (testdata/extism10):
	// the Extism convention must keep working beside the direct one.
	wasm := testplugin.Build(t, "host/internal/plugin/testdata/extism10")
	h := &cannedHost{DenyHost: plugin.DenyHost{QuotaBytes: 1024}, body: "fetched"}
	p, err := newEngine(t).Load(context.Background(), wasm, plugin.LoadOptions{Host: h, Config: map[string]any{"site": "BEDFORD"}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	if p.Convention() != plugin.ConventionExtism || p.Descriptor().ABI != "1.0" {
		t.Fatalf("convention %s, descriptor ABI %s", p.Convention(), p.Descriptor().ABI)
	}
	var hr abi.HealthResponse
	if err := p.CallOp(context.Background(), abi.OpHealth, abi.HealthRequest{}, &hr); err != nil || hr.Message != "site BEDFORD" {
		t.Fatalf("health: %+v %v", hr, err)
	}
	var la abi.ListAssetsResponse
	if err := p.CallOp(context.Background(), abi.OpListAssets, abi.ListAssetsRequest{}, &la); err != nil || len(la.Assets) != 2 || la.Assets[1].Location != "BEDFORD" {
		t.Fatalf("list_assets: %+v %v", la, err)
	}
	for id, want := range map[string]string{"echo:hi": "hi", "http:http://127.0.0.1:9/x": "fetched GET http://127.0.0.1:9/x", "kv:stored": "stored"} {
		a, err := getAsset(context.Background(), p, id)
		if err != nil || a.Name != want {
			t.Fatalf("get_asset %s: %+v %v", id, a, err)
		}
	}
	_, err = getAsset(context.Background(), p, "nope")
	var ae *abi.Error
	if !errors.As(err, &ae) || ae.Code != abi.CodeNotFound {
		t.Fatalf("plugin error: %v", err)
	}
}

func TestDirectABI11Plugin(t *testing.T) {
	p := loadProbe(t, plugin.Limits{PoolSize: 1})
	if p.Convention() != plugin.ConventionDirect || p.Descriptor().ABI != abi.Version {
		t.Fatalf("convention %s, descriptor ABI %s", p.Convention(), p.Descriptor().ABI)
	}
	for _, imp := range p.Imports() {
		if imp.Module == "extism:host/env" {
			t.Fatalf("a PDK-built plugin imports the Extism kernel: %v", imp)
		}
	}
}

func TestDirectConventionNeedsABI11(t *testing.T) {
	// The probe uses ABI 1.3's direct convention; with a manifest claiming
	// 1.0 the loader must refuse it and say what to declare.
	wasm := testplugin.Build(t, "host/internal/plugin/testdata/probe")
	stripped, err := wasmfile.RemoveCustomSections(wasm, wire.ManifestSection)
	if err != nil {
		t.Fatal(err)
	}
	old, _ := wasmfile.AppendCustomSection(stripped, wire.ManifestSection,
		[]byte("name = \"probe\"\nversion = \"0.0.1\"\nabi = \"1.0\"\nkind = \"cmms\"\n"))
	_, err = newEngine(t).Load(context.Background(), old, plugin.LoadOptions{})
	if err == nil || !strings.Contains(err.Error(), `declares abi = "1.0"`) || !strings.Contains(err.Error(), `declare "1.3"`) {
		t.Fatalf("want a refusal naming both versions, got %v", err)
	}
}

func TestNewInstanceStartsClean(t *testing.T) {
	// Instances get memory that earlier instances used (the runtime keeps
	// released mappings for reuse): nothing of an earlier instance — its
	// globals, its heap, anything it wrote — may be visible to the next.
	p := loadProbe(t, plugin.Limits{PoolSize: 1, RecycleAfter: 1})
	ctx := context.Background()
	for i, v := range []string{"first-secret", "second-secret", "third"} {
		a, err := getAsset(ctx, p, "remember:"+v)
		if err != nil {
			t.Fatal(err)
		}
		if a.Name != "" {
			t.Fatalf("call %d: a fresh instance saw %q left by the one before", i, a.Name)
		}
		// Dirty a lot of heap, then check the next instance's heap.
		if a, err := getAsset(ctx, p, "garbage:4"); err != nil || a.Name != "true" {
			t.Fatalf("garbage: %+v %v", a, err)
		}
	}
	if s := p.Stats(); s.Recycled < 5 {
		t.Fatalf("instances were not replaced: %+v", s)
	}
	// Same instance (no recycling): the memo is there, proving the test
	// can see it when it exists.
	q := loadProbe(t, plugin.Limits{PoolSize: 1})
	getAsset(ctx, q, "remember:kept")
	if a, _ := getAsset(ctx, q, "remember:x"); a.Name != "kept|kept" {
		t.Fatalf("memo within one instance = %q", a.Name)
	}
}
