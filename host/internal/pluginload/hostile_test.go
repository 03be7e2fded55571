package pluginload_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/plugin"
	"github.com/machina-go/machina/host/internal/testplugin"
	"github.com/machina-go/machina/host/internal/trace"
	"github.com/machina-go/machina/internal/hitserver"
)

// hostileModule returns the hostile plugin with grant TOML.
func hostileModule(t *testing.T, grant string) module {
	return module{name: "hostile", wasm: hostileWasm(t), extra: grant}
}

func grantTOML(origin string, allowPrivate bool, more string) string {
	return fmt.Sprintf("[[plugin.grant.http]]\norigin = %q\nallow_private = %v\n%s", origin, allowPrivate, more)
}

func TestHostileRedirectToUngrantedOrigin(t *testing.T) {
	other := hitserver.New(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("stolen")) })
	granted := hitserver.New(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/loot", http.StatusFound)
	})
	h := newHarness(t, hostileModule(t, grantTOML(granted.URL, true, "")))
	m, err := h.attack("http:" + granted.URL + "/start")
	if err != nil {
		t.Fatal(err)
	}
	if m["status"] != float64(http.StatusFound) || metaString(m, "body") == "stolen" {
		t.Fatalf("redirect must be handed back, not followed: %+v", m)
	}
	if other.Hits.Load() != 0 {
		t.Fatal("the ungranted origin was reached through a redirect")
	}
	if ev := h.lastEvent(); ev.Status != http.StatusFound {
		t.Fatalf("event = %+v", ev)
	}
	h.helloServes()
}

func TestHostileNameResolvingToLoopback(t *testing.T) {
	target := hitserver.New(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("internal")) })
	origin := "http://localhost:" + portOf(target.URL)
	h := newHarness(t, hostileModule(t, grantTOML(origin, false, "")))
	m, err := h.attack("http:" + origin + "/admin")
	if err != nil {
		t.Fatal(err)
	}
	if e := metaString(m, "error"); !strings.Contains(e, "loopback address) denied") {
		t.Fatalf("plugin saw %+v", m)
	}
	if target.Hits.Load() != 0 {
		t.Fatal("loopback target was reached")
	}
	if ev := h.lastEvent(); !strings.Contains(ev.Refusal, "denied") {
		t.Fatalf("refusal not observed: %+v", ev)
	}
	e := h.waitTrace(func(e trace.Entry) bool { return e.Action == trace.ActionPluginHTTP && e.Plugin == "hostile" })
	if e.Success || !strings.Contains(e.Error, "denied") || e.HTTPOrigin != origin || e.HTTPPath != "/admin" || len(e.PluginSHA256) != 64 {
		t.Fatalf("trace entry = %+v", e)
	}
	h.helloServes()
}

func TestHostileCloudMetadataOrigin(t *testing.T) {
	// DNS cannot be made to answer 169.254.169.254 hermetically; the
	// dial-time classifier is tested on that address directly in package
	// policy (TestClassifyIP). Here the origin is granted literally,
	// without allow_private, and must be refused before any connection.
	// The refusal comes from the dialer's control hook, which runs before
	// connect(2): no packet is sent to the address.
	h := newHarness(t, hostileModule(t, grantTOML("http://169.254.169.254", false, "")))
	m, err := h.attack("http:http://169.254.169.254/latest/meta-data/iam/")
	if err != nil {
		t.Fatal(err)
	}
	if e := metaString(m, "error"); !strings.Contains(e, "cloud metadata address) denied") {
		t.Fatalf("plugin saw %+v", m)
	}
	h.helloServes()
}

func TestHostileUngrantedPortAndScheme(t *testing.T) {
	granted := hitserver.New(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	other := hitserver.New(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("other")) })
	h := newHarness(t, hostileModule(t, grantTOML(granted.URL, true, "")))
	for _, u := range []string{
		other.URL + "/x", // same host, ungranted port
		strings.Replace(granted.URL, "http://", "https://", 1) + "/x", // ungranted scheme
		"http://[::1]:" + portOf(granted.URL) + "/x",                  // same port, other host form
	} {
		m, err := h.attack("http:" + u)
		if err != nil {
			t.Fatal(err)
		}
		if e := metaString(m, "error"); !strings.Contains(e, "unauthorized") || !strings.Contains(e, "not granted") {
			t.Fatalf("%s: plugin saw %+v", u, m)
		}
		if ev := h.lastEvent(); ev.Refusal == "" {
			t.Fatalf("refusal not traced: %+v", ev)
		}
	}
	if other.Hits.Load() != 0 || granted.Hits.Load() != 0 {
		t.Fatal("an ungranted origin was reached")
	}
	if m, _ := h.attack("http:" + granted.URL + "/ok"); m["status"] != float64(200) {
		t.Fatalf("granted origin: %+v", m)
	}
	h.helloServes()
}

func TestHostileUngrantedSecretPlaceholder(t *testing.T) {
	var keys atomic.Value
	keys.Store("")
	srv := hitserver.New(t, func(w http.ResponseWriter, r *http.Request) {
		keys.Store(keys.Load().(string) + r.Header.Get("X-Key"))
		w.Write([]byte("ok"))
	})
	// The manifest requests {{secret:apikey}} for 127.0.0.1; the operator
	// grants the origin but not the secret. "tok" is defined on the host
	// but neither requested nor granted.
	h := newHarness(t, hostileModule(t, grantTOML(srv.URL, true, "")))
	for _, name := range []string{"apikey", "tok", "nonexistent"} {
		m, err := h.attack("secret:" + name + "|" + srv.URL + "/x")
		if err != nil {
			t.Fatal(err)
		}
		want := "placeholder {{secret:" + name + "}} is not granted"
		if e := metaString(m, "error"); !strings.Contains(e, want) {
			t.Fatalf("plugin saw %+v, want %q", m, want)
		}
	}
	if srv.Hits.Load() != 0 || keys.Load() != "" {
		t.Fatal("a request with an ungranted placeholder was sent")
	}
	h.helloServes()
}

func TestHostileEchoedAuthorization(t *testing.T) {
	var got atomic.Value
	got.Store("")
	echo := hitserver.New(t, func(w http.ResponseWriter, r *http.Request) {
		a := r.Header.Get("Authorization")
		got.Store(a)
		w.Header().Set("X-Echo", a)
		fmt.Fprintf(w, `{"you_sent":%q}`, a)
	})
	h := newHarness(t, hostileModule(t, grantTOML(echo.URL, true, "[plugin.grant.http.auth]\nprofile = \"bearer\"\ntoken_secret = \"tok\"\n")))
	m, err := h.attack("http:" + echo.URL + "/headers")
	if err != nil {
		t.Fatal(err)
	}
	if got.Load() != "Bearer "+secretValues["T_TOK"] {
		t.Fatal("the upstream did not receive the bearer token")
	}
	if !strings.Contains(metaString(m, "body"), "[REDACTED]") {
		t.Fatalf("echoed token not redacted: %+v", m)
	}
	// attack() already asserted the token appears nowhere in what the
	// plugin returned (body, headers). The plugin may not set it either:
	m, _ = h.attack("authhdr:" + echo.URL + "/x")
	if e := metaString(m, "error"); !strings.Contains(e, "Authorization is set by the host") {
		t.Fatalf("plugin-set Authorization: %+v", m)
	}
	h.helloServes()
}

func TestHostileWASIFilesEnvSockets(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	h := newHarness(t, hostileModule(t, ""))
	m, err := h.attack("file")
	if err != nil {
		t.Fatal(err)
	}
	if metaString(m, "read_error") == "" || m["passwd"] != nil || metaString(m, "readdir_error") == "" || metaString(m, "write_error") == "" {
		t.Fatalf("filesystem access must fail inside the plugin: %+v", m)
	}
	m, err = h.attack("env")
	if err != nil {
		t.Fatal(err)
	}
	if env, _ := m["environ"].([]any); len(env) != 0 || m["home"] != "" || m["path"] != "" || argCount(m) > 1 {
		t.Fatalf("environment leaked into the plugin: %+v", m)
	}
	m, err = h.attack("socket:" + ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if metaString(m, "dial_error") == "" || m["connected"] == true {
		t.Fatalf("socket must fail inside the plugin: %+v", m)
	}
	if accepted.Load() != 0 {
		t.Fatal("the plugin opened a real socket")
	}
	h.helloServes()
}

// trapCase runs a hostile mode that must cost the instance, not the host.
func trapCase(t *testing.T, limits, mode string, wants ...string) {
	h := newHarness(t, hostileModule(t, "[plugin.grant.limits]\n"+limits))
	_, err := h.attack(mode)
	if !errors.Is(err, plugin.ErrTrap) {
		t.Fatalf("want a contained trap, got %v", err)
	}
	ok := false
	for _, w := range wants {
		ok = ok || strings.Contains(err.Error(), w)
	}
	if !ok {
		t.Fatalf("error %q should mention one of %q", err, wants)
	}
	h.helloServes()
	// The hostile plugin itself gets a fresh instance.
	var resp abi.HealthResponse
	if err := h.plugin("hostile").CallOp(context.Background(), abi.OpHealth, struct{}{}, &resp); err != nil || resp.Status != abi.HealthHealthy {
		t.Fatalf("hostile plugin did not recover: %v", err)
	}
}

func TestHostileInfiniteLoop(t *testing.T) {
	// Long enough for instantiation and describe on a loaded machine under
	// -race; the loop itself is stopped at the deadline.
	trapCase(t, "timeout = \"3s\"\n", "loop", "timeout")
}

func TestHostileMemoryBomb(t *testing.T) {
	trapCase(t, "memory_mib = 32\n", "oom", "out of memory")
}

func TestHostileHugeOutput(t *testing.T) {
	// 100 MiB cannot even be built under the 32 MiB memory cap; 5 MiB fits
	// in 128 MiB of memory but exceeds the 4 MiB output cap. The generous
	// timeout keeps a loaded CI machine from turning this into a timeout.
	trapCase(t, "memory_mib = 32\ntimeout = \"60s\"\n", "big:100", "out of memory", "exceeds the")
	trapCase(t, "memory_mib = 128\ntimeout = \"60s\"\n", "big:5", "exceeds the")
}

func TestHostilePanic(t *testing.T) {
	trapCase(t, "", "panic", "panic: hostile plugin panics")
}

func TestHostileLogFlood(t *testing.T) {
	h := newHarness(t, hostileModule(t, ""))
	start := time.Now()
	if _, err := h.attack("logflood:3000"); err != nil {
		t.Fatal(err)
	}
	// The bucket refills at 50 lines/s while the flood runs.
	allowed := 200 + int(50*time.Since(start).Seconds()) + 5
	h.helloServes()
	h.loaded["hostile"].Host.Close() // reports the suppressed count
	out := h.logs.String()
	n := strings.Count(out, "flood line")
	if n < 200 || n > allowed {
		t.Fatalf("%d flood lines reached the log; want the burst of 200 plus what the 50/s refill allows (%d)", n, allowed)
	}
	if !strings.Contains(out, "plugin log lines suppressed") {
		t.Fatal("suppressed lines were not reported")
	}
	if !strings.Contains(out, "plugin.hostile") {
		t.Fatal("plugin lines are not logged under the plugin's name")
	}
}

func TestHostileNonABIImport(t *testing.T) {
	bad := testplugin.Build(t, "host/internal/pluginload/testdata/badimport")
	h := newHarness(t, module{name: "badimport", wasm: bad})
	if _, ok := h.loaded["badimport"]; ok {
		t.Fatal("a module importing non-ABI functions was loaded")
	}
	if len(h.failures) != 1 {
		t.Fatalf("failures = %v", h.failures)
	}
	msg := h.failures[0].Error()
	for _, want := range []string{"machina.secret_get", "extism:host/env.http_request"} {
		if !strings.Contains(msg, want) {
			t.Fatalf("failure %q should name %s", msg, want)
		}
	}
	if !strings.Contains(h.logs.String(), "machina.secret_get") {
		t.Fatal("the refusal was not logged")
	}
	h.helloServes()
}

func argCount(m map[string]any) int {
	a, _ := m["args"].([]any)
	return len(a)
}
