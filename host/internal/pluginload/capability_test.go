package pluginload_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/testplugin"
	"github.com/machina-go/machina/internal/hitserver"
	simmail "github.com/machina-go/machina/internal/sim/mail"
	"github.com/machina-go/machina/internal/sim/mail/simmailtest"
)

// paths records the request paths a test server saw.
type paths struct {
	mu sync.Mutex
	ps []string
}

func (p *paths) add(s string) { p.mu.Lock(); p.ps = append(p.ps, s); p.mu.Unlock() }
func (p *paths) all() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.ps)
}

// write runs the hostile attack from create_work_order, a write operation.
func (h *harness) write(mode string) (map[string]any, error) {
	h.t.Helper()
	var resp abi.WorkOrderResponse
	err := h.plugin("hostile").CallOp(context.Background(), abi.OpCreateWorkOrder, abi.CreateWorkOrderRequest{Description: mode}, &resp)
	return resp.WorkOrder.Metadata, err
}

// Acceptance #18.1 through the real runtime: the hostile manifest declares
// GET/HEAD reads everywhere except under /write/, where GET and POST are
// writes. In sandbox mode a read operation's GET to /write/… is refused
// and never reaches the upstream, a declared read passes; with sandbox off
// the write path is refused from get_asset (a read operation) and allowed
// from create_work_order (a write operation).
func TestHostileWritePathOnlyDuringWriteOperations(t *testing.T) {
	var seen paths
	srv := hitserver.New(t, func(w http.ResponseWriter, r *http.Request) {
		seen.add(r.Method + " " + r.URL.Path)
		w.Write([]byte(`{"ok":true}`))
	})
	h := newHarness(t, hostileModule(t, grantTOML(srv.URL, true, "")))
	writeURL := srv.URL + "/write/sendMessage?chat_id=1&text=hello"

	h.sandbox.Store(true)
	m, err := h.attack("http:" + writeURL)
	if err != nil || !strings.Contains(metaString(m, "error"), "sandbox mode: GET /write/sendMessage is not declared a read") {
		t.Fatalf("sandbox, read operation, write path: %v %+v", err, m)
	}
	if m, err := h.write("http:" + writeURL); err != nil || !strings.Contains(metaString(m, "error"), "sandbox mode") {
		t.Fatalf("sandbox, write operation, write path: %v %+v", err, m)
	}
	if got := seen.all(); len(got) != 0 {
		t.Fatalf("refused requests reached the upstream: %v", got)
	}
	if m, err := h.attack("http:" + srv.URL + "/read/getMe"); err != nil || m["status"] != float64(200) {
		t.Fatalf("sandbox, declared read: %v %+v", err, m)
	}

	h.sandbox.Store(false)
	if m, err := h.attack("http:" + writeURL); err != nil || !strings.Contains(metaString(m, "error"), `this call runs "get_asset"`) {
		t.Fatalf("read operation, write path: %v %+v", err, m)
	}
	if m, err := h.write("http:" + writeURL); err != nil || m["status"] != float64(200) {
		t.Fatalf("write operation, write path: %v %+v", err, m)
	}
	if got := seen.all(); !slices.Equal(got, []string{"GET /read/getMe", "GET /write/sendMessage"}) {
		t.Fatalf("upstream saw %v", got)
	}
	ev := h.lastEvent()
	if ev.Status != 200 || ev.Path != "/write/sendMessage" {
		t.Fatalf("last event = %+v", ev)
	}
	h.helloServes()
}

// Acceptance #18.5: a plugin cannot read, list or change another plugin's
// key-value state, whatever key it tries (path tricks included); each
// plugin's state is its own file in the kv directory.
func TestHostileCannotReachAnotherPluginsKV(t *testing.T) {
	const private = "peer-private-value-5b1e"
	peer := module{name: "peer", wasm: testplugin.Build(t, "host/internal/pluginload/testdata/peer"), extra: "[plugin.grant.kv]\nquota_bytes = 1024\n"}
	h := newHarness(t, hostileModule(t, "[plugin.grant.kv]\nquota_bytes = 1024\n"), peer)
	call := func(name, mode string) map[string]any {
		t.Helper()
		var resp abi.GetAssetResponse
		if err := h.plugin(name).CallOp(context.Background(), abi.OpGetAsset, abi.GetAssetRequest{AssetID: mode}, &resp); err != nil {
			t.Fatalf("%s %s: %v", name, mode, err)
		}
		return resp.Asset.Metadata
	}
	if m := call("peer", "kvset:secret|"+private); m["error"] != nil {
		t.Fatalf("peer kvset: %+v", m)
	}
	kvDir := filepath.Join(h.dir, "data", "kv")
	tricks := []string{"secret", "peer/secret", "peer:secret", "../peer.json", "../kv/peer.json", "peer.json", "/secret",
		"../../data/kv/peer.json", `..\peer.json`, "*", "%2e%2e/peer.json", filepath.Join(kvDir, "peer.json")}
	for _, k := range tricks {
		m := call("hostile", "kvget:"+k)
		if m["found"] == true || strings.Contains(fmt.Sprint(m), private) {
			t.Fatalf("hostile read peer state with key %q: %+v", k, m)
		}
	}
	for _, k := range tricks {
		if m := call("hostile", "kvset:"+k+"|overwritten"); m["error"] != nil {
			t.Fatalf("hostile kvset %q: %+v", k, m) // allowed: its own keys
		}
	}
	if m := call("peer", "kvget:secret"); m["found"] != true || m["value"] != private {
		t.Fatalf("peer's value changed: %+v", m)
	}
	for _, k := range tricks[1:] {
		if m := call("peer", "kvget:"+k); m["found"] == true {
			t.Fatalf("hostile's key %q appeared in peer's state", k)
		}
	}
	ents, err := os.ReadDir(kvDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"hostile.json", "peer.json"}) {
		t.Fatalf("kv directory holds %v", names)
	}
	if b, _ := os.ReadFile(filepath.Join(kvDir, "hostile.json")); strings.Contains(string(b), private) {
		t.Fatal("peer's value is in hostile's file")
	}
}

// xorHex encodes a needle for the hostile memory scan (bytes XOR 0x5A, in
// hex) so that the needle itself never enters the plugin's memory.
func xorHex(s string) string {
	b := []byte(s)
	for i := range b {
		b[i] ^= 0x5A
	}
	return hex.EncodeToString(b)
}

// forms are the encodings of a value the host promises to scrub (package
// policy doc): literal, JSON-escaped, URL query and path escaped, base64
// standard, URL-safe and unpadded.
func forms(v string) []string {
	j, _ := json.Marshal(v)
	out := []string{v, string(j[1 : len(j)-1]), url.QueryEscape(v), url.PathEscape(v)}
	for _, e := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		out = append(out, e.EncodeToString([]byte(v)))
	}
	return out
}

// Acceptance #18.5: the host attaches a bearer token and a {{secret:…}}
// header to the hostile plugin's request; the upstream reflects both in
// every form the host promises to scrub, in its body and headers, next to
// a canary. A scan of the plugin's whole linear memory then finds the
// canary (positive control: the response is in the scanned memory) and
// none of the secret forms.
func TestHostileMemoryScanNeverFindsSecrets(t *testing.T) {
	const canary = "canary-3f9d1c7a-reflected"
	reflect := func(w http.ResponseWriter, r *http.Request) {
		var vals []string
		for _, v := range []string{strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), r.Header.Get("X-Key")} {
			vals = append(vals, forms(v)...)
		}
		for i, v := range vals {
			w.Header().Add("X-Echo-"+strconv.Itoa(i), v)
		}
		body, _ := json.Marshal(map[string]any{"canary": canary, "echo": vals, "auth": r.Header.Get("Authorization")})
		w.Write(body)
	}
	srv := hitserver.New(t, reflect)
	grant := grantTOML(srv.URL, true, "secrets = [\"apikey\"]\n[plugin.grant.http.auth]\nprofile = \"bearer\"\ntoken_secret = \"odd\"\n")
	h := newHarness(t, hostileModule(t, grant))
	needles := []string{xorHex(canary)}
	var what []string
	for _, name := range []string{"T_ODD", "T_APIKEY"} {
		for _, f := range forms(secretValues[name]) {
			needles = append(needles, xorHex(f))
			what = append(what, name+" as "+strconv.Quote(f))
		}
	}
	m, err := h.attack("scan:" + srv.URL + "/echo|" + strings.Join(needles, ","))
	if err != nil || m["status"] != float64(200) {
		t.Fatalf("scan: %v %+v", err, m)
	}
	found, _ := m["found"].([]any)
	if len(found) != len(needles) || m["scanned_bytes"].(float64) < 1<<20 {
		t.Fatalf("scan result: %+v", m)
	}
	if found[0] != true {
		t.Fatal("positive control: the canary the upstream reflected was not found in plugin memory")
	}
	for i, f := range found[1:] {
		if f != false {
			t.Errorf("plugin memory holds %s", what[i])
		}
	}
	if srv.Hits.Load() != 1 {
		t.Fatalf("hits = %d", srv.Hits.Load())
	}
}

// Acceptance #18.5: mail_send to a recipient outside the grant's
// allowed_recipients is refused by the host, whatever the plugin's own
// checks, and nothing reaches the SMTP server; an allowed recipient goes
// through.
func TestHostileMailOutsideGrantRefused(t *testing.T) {
	const bot, tech = "machina@plant.example", "tech@plant.example"
	sim, ca := simmailtest.Start(t, simmail.Options{Users: map[string]string{bot: secretValues["T_MAIL"], tech: "tech-password-123456"}})
	grant := fmt.Sprintf("[plugin.grant.mail]\nsmtp_addr = %q\nsmtp_tls = \"implicit\"\nfrom = %q\nusername = %q\npassword_secret = \"mail_password\"\n"+
		"ca_file = %q\nallow_private = true\nallowed_recipients = [%q]\n", sim.SMTPImplicitAddr, bot, bot, ca, tech)
	h := newHarness(t, hostileModule(t, grant))
	for _, to := range []string{"mallory@elsewhere.example", "tech@plant.example.evil.example", "Tech <tech@plant.example>,mallory@elsewhere.example"} {
		m, err := h.attack("mail:" + to)
		if err != nil || !strings.Contains(metaString(m, "error"), "not in the mail grant's allowed_recipients") {
			t.Fatalf("mail to %s: %v %+v", to, err, m)
		}
	}
	if n := len(sim.Received()); n != 0 {
		t.Fatalf("the SMTP server received %d messages", n)
	}
	if m, err := h.attack("mail:Tech <TECH@plant.example>"); err != nil || metaString(m, "error") != "" || metaString(m, "message_id") == "" {
		t.Fatalf("allowed recipient: %v %+v", err, m)
	}
	got, err := sim.WaitReceived(context.Background(), 1)
	if err != nil || len(got) != 1 || !slices.Equal(got[0].To, []string{"TECH@plant.example"}) {
		t.Fatalf("received %+v %v", got, err)
	}
}
