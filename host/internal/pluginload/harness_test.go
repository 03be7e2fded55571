package pluginload_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/machina-go/machina/internal/hitserver"
	"github.com/machina-go/machina/internal/syncbuf"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/config"
	hostmail "github.com/machina-go/machina/host/internal/mail"
	"github.com/machina-go/machina/host/internal/plugin"
	"github.com/machina-go/machina/host/internal/pluginload"
	"github.com/machina-go/machina/host/internal/policy"
	"github.com/machina-go/machina/host/internal/secrets"
	"github.com/machina-go/machina/host/internal/testplugin"
	"github.com/machina-go/machina/host/internal/trace"
)

// Secret values known to the host in every test. No test output, log
// line, error or plugin-visible value may contain them.
var secretValues = map[string]string{
	"T_APIKEY": "apikey-7Hq2Lx9Vb4Nm8Kc1",
	"T_TOK":    "bearer-Rt5Yu8Io2Pa6Sd3F",
	"T_OTHER":  "other-Gh7Jk1Lz4Xc9Vb2N",
	// Every escaping differs from the raw value (JSON, URL, base64).
	"T_ODD":  `odd/Key+Val&"<x>=1%Z9`,
	"T_MAIL": "mail-Qw3Er5Ty7Ui9Op1A",
}

const secretsTOML = `
[secrets]
apikey = "env:T_APIKEY"
tok = "env:T_TOK"
other = "env:T_OTHER"
odd = "env:T_ODD"
mail_password = "env:T_MAIL"
`

type syncBuffer = syncbuf.Buffer

type recorder struct {
	mu  sync.Mutex
	evs []policy.HTTPEvent
}

func (r *recorder) ObserveHTTP(_ context.Context, ev policy.HTTPEvent) {
	r.mu.Lock()
	r.evs = append(r.evs, ev)
	r.mu.Unlock()
}

func (r *recorder) forPlugin(name string) []policy.HTTPEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []policy.HTTPEvent
	for _, e := range r.evs {
		if e.Plugin == name {
			out = append(out, e)
		}
	}
	return out
}

func portOf(u string) string {
	p, _ := url.Parse(u)
	return p.Port()
}

// harness loads hello-cmms (the bystander that must keep serving) and one
// plugin under test into the same host, from a real machina.toml.
type harness struct {
	t        *testing.T
	dir      string
	logs     *syncBuffer
	events   *recorder
	loaded   map[string]*pluginload.Loaded
	failures []pluginload.Failure
	assets   *hitserver.Server
	tracer   *trace.Tracer
	// sandbox is the host's sandbox mode (off unless a test sets it).
	sandbox atomic.Bool
}

// waitTrace polls the tracer's recent entries until one matches.
func (h *harness) waitTrace(match func(trace.Entry) bool) trace.Entry {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, e := range h.tracer.Recent(1000) {
			if match(e) {
				return e
			}
		}
		time.Sleep(10 * time.Millisecond) // polling with a deadline, not synchronisation by sleep
	}
	h.t.Fatal("expected trace entry was not recorded")
	return trace.Entry{}
}

type module struct {
	name  string
	wasm  []byte
	sha   string // overrides the pin (default: the module's sha256)
	extra string // TOML appended inside the [[plugin]] table (grant, config…)
}

func modulePath(t *testing.T, dir, name string, wasm []byte) (string, string) {
	t.Helper()
	p := filepath.Join(dir, name+".wasm")
	if err := os.WriteFile(p, wasm, 0o644); err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(wasm)
	return p, hex.EncodeToString(s[:])
}

func hostileWasm(t testing.TB) []byte {
	return testplugin.Build(t, "host/internal/pluginload/testdata/hostile")
}

func helloWasm(t testing.TB) []byte { return testplugin.Build(t, "pdk/examples/hello-cmms") }

// newHarness writes machina.toml with hello-cmms and the given modules and
// loads everything with LoadAll.
func newHarness(t *testing.T, mods ...module) *harness {
	t.Helper()
	h := &harness{t: t, dir: t.TempDir(), logs: &syncBuffer{}, events: &recorder{}, loaded: map[string]*pluginload.Loaded{}}
	h.assets = hitserver.New(t, func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode([]abi.Asset{{ID: "A-1", Name: "pump", Type: abi.AssetRotating, Criticality: abi.CriticalityA}})
	})
	var b strings.Builder
	fmt.Fprintf(&b, "data_dir = %q\n", filepath.Join(h.dir, "data"))
	b.WriteString(secretsTOML)
	hp, hs := modulePath(t, h.dir, "hello-cmms", helloWasm(t))
	fmt.Fprintf(&b, "\n[[plugin]]\nname = \"hello-cmms\"\npath = %q\nsha256 = %q\n[plugin.config]\nbase_url = %q\n[[plugin.grant.http]]\norigin = %q\nallow_private = true\n",
		hp, hs, h.assets.URL, h.assets.URL)
	for _, m := range mods {
		p, s := modulePath(t, h.dir, m.name, m.wasm)
		if m.sha != "" {
			s = m.sha
		}
		fmt.Fprintf(&b, "\n[[plugin]]\nname = %q\npath = %q\nsha256 = %q\n%s\n", m.name, p, s, m.extra)
	}
	cfg, err := config.Parse([]byte(b.String()), func(k string) string { return secretValues[k] })
	if err != nil {
		t.Fatalf("config: %v\n%s", err, b.String())
	}
	eng, err := plugin.NewEngine(plugin.EngineOptions{CacheDir: testplugin.CacheDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	logger := hclog.New(&hclog.LoggerOptions{Output: h.logs, Level: hclog.Trace, Name: "machina"})
	tr, err := trace.New(trace.Options{Dir: filepath.Join(h.dir, "traces"), Logger: logger, Keep: 1000})
	if err != nil {
		t.Fatal(err)
	}
	h.tracer = tr
	reg, err := secrets.NewRegistry(cfg.Secrets, secrets.Options{Getenv: func(k string) string { return secretValues[k] }})
	if err != nil {
		t.Fatal(err)
	}
	loaded, failures := pluginload.LoadAll(context.Background(), cfg, pluginload.Deps{
		Engine:   eng,
		Secrets:  reg,
		Logger:   logger,
		Observer: h.events,
		Tracer:   tr,
		Sandbox:  h.sandbox.Load,
		Mailer:   hostmail.New(hostmail.Options{Secrets: reg, Scrubber: reg.Scrubber(), Logger: logger.Named("mail"), Sandbox: h.sandbox.Load}),
	})
	h.failures = failures
	for _, l := range loaded {
		h.loaded[l.Name] = l
	}
	t.Cleanup(func() {
		for _, l := range loaded {
			l.Close(context.Background())
		}
		eng.Close(context.Background())
		tr.Close(context.Background())
		h.assertNoSecrets("host log output", h.logs.String())
		files, _ := filepath.Glob(filepath.Join(h.dir, "traces", "*"))
		for _, f := range files {
			b, _ := os.ReadFile(f)
			h.assertNoSecrets("trace file", string(b))
		}
	})
	if _, ok := h.loaded["hello-cmms"]; !ok {
		t.Fatalf("hello-cmms did not load: %v", failures)
	}
	return h
}

func (h *harness) assertNoSecrets(what, s string) {
	h.t.Helper()
	for _, v := range secretValues {
		if strings.Contains(s, v) || strings.Contains(s, base64.StdEncoding.EncodeToString([]byte(v))) {
			h.t.Errorf("%s contains a secret value", what)
		}
	}
}

func (h *harness) plugin(name string) *plugin.Plugin {
	h.t.Helper()
	l, ok := h.loaded[name]
	if !ok {
		h.t.Fatalf("plugin %s not loaded: %v", name, h.failures)
	}
	return l.Plugin
}

// attack runs one hostile mode and returns what the plugin observed (its
// asset metadata) and the call error. Both are scanned for secrets.
func (h *harness) attack(mode string) (map[string]any, error) {
	h.t.Helper()
	var resp abi.GetAssetResponse
	err := h.plugin("hostile").CallOp(context.Background(), abi.OpGetAsset, abi.GetAssetRequest{AssetID: mode}, &resp)
	b, _ := json.Marshal(resp)
	h.assertNoSecrets("what the hostile plugin returned", string(b))
	if err != nil {
		h.assertNoSecrets("the call error", err.Error())
	}
	return resp.Asset.Metadata, err
}

// helloServes asserts the bystander plugin still answers.
func (h *harness) helloServes() {
	h.t.Helper()
	var resp abi.ListAssetsResponse
	if err := h.plugin("hello-cmms").CallOp(context.Background(), abi.OpListAssets, abi.ListAssetsRequest{}, &resp); err != nil {
		h.t.Fatalf("hello-cmms stopped serving: %v", err)
	}
	if len(resp.Assets) != 1 || resp.Assets[0].ID != "A-1" {
		h.t.Fatalf("hello-cmms answered %+v", resp.Assets)
	}
}

// lastEvent returns the last HTTP event recorded for the hostile plugin.
func (h *harness) lastEvent() policy.HTTPEvent {
	h.t.Helper()
	evs := h.events.forPlugin("hostile")
	if len(evs) == 0 {
		h.t.Fatal("no HTTP event recorded for the hostile plugin")
	}
	return evs[len(evs)-1]
}

func metaString(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}
