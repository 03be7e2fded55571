package policy_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
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
	"github.com/machina-go/machina/internal/wire"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/policy"
	"github.com/machina-go/machina/host/internal/secrets"
)

// Secret values used by the tests; every test scans what the plugin saw
// and what was logged for them.
const (
	tokenValue  = "tok-9f8e7d6c5b4a39281706"
	passValue   = "pw-Zq7xW3vK9mN2bL5c"
	apiKeyValue = "key-A1b2C3d4E5f6G7h8"
	clientSec   = "cs-H8g7F6e5D4c3B2a1"
	tgToken     = "123456:ABCdefGHIjklMNOpqr"
)

var allSecrets = []string{tokenValue, passValue, apiKeyValue, clientSec, tgToken}

type env struct {
	t      *testing.T
	reg    *secrets.Registry
	logBuf *syncBuffer
	logger hclog.Logger
	events *recorder
}

type syncBuffer = syncbuf.Buffer

type recorder struct {
	mu      sync.Mutex
	evs     []policy.HTTPEvent
	notices []policy.NoticeEvent
}

func (r *recorder) ObserveNotice(_ context.Context, ev policy.NoticeEvent) {
	r.mu.Lock()
	r.notices = append(r.notices, ev)
	r.mu.Unlock()
}

func (r *recorder) ObserveHTTP(_ context.Context, ev policy.HTTPEvent) {
	r.mu.Lock()
	r.evs = append(r.evs, ev)
	r.mu.Unlock()
}

func (r *recorder) last() policy.HTTPEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.evs) == 0 {
		return policy.HTTPEvent{}
	}
	return r.evs[len(r.evs)-1]
}

func newEnv(t *testing.T) *env {
	t.Helper()
	vals := map[string]string{"TOK": tokenValue, "PASS": passValue, "APIKEY": apiKeyValue, "CS": clientSec, "TG": tgToken}
	reg, err := secrets.NewRegistry(map[string]string{
		"tok": "env:TOK", "pass": "env:PASS", "apikey": "env:APIKEY", "cs": "env:CS", "tg": "env:TG",
	}, secrets.Options{Getenv: func(k string) string { return vals[k] }})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, reg: reg, logBuf: &syncBuffer{}, events: &recorder{}}
	e.logger = hclog.New(&hclog.LoggerOptions{Output: e.logBuf, Level: hclog.Trace, Name: "plugin.test"})
	t.Cleanup(func() { e.assertNoSecrets("log output", e.logBuf.String()) })
	return e
}

func (e *env) assertNoSecrets(what, s string) {
	e.t.Helper()
	for _, v := range allSecrets {
		if strings.Contains(s, v) {
			e.t.Errorf("%s contains a secret value", what)
		}
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding} {
			if b := enc.EncodeToString([]byte(v)); strings.Contains(s, b) {
				e.t.Errorf("%s contains a base64 secret value", what)
			}
		}
	}
}

// host builds a policy host for a manifest and grant.
func (e *env) host(m wire.Manifest, g config.Grant, mod func(*policy.Options)) *policy.Host {
	e.t.Helper()
	if m.Name == "" {
		m.Name = "test"
	}
	pol, _ := policy.Resolve(m, g)
	opts := policy.Options{Policy: pol, Secrets: e.reg, Scrubber: e.reg.Scrubber(), Logger: e.logger, Observer: e.events}
	if mod != nil {
		mod(&opts)
	}
	h, err := policy.New(opts)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { h.Close() })
	return h
}

// do runs a request and checks what the plugin sees contains no secret.
func (e *env) do(h *policy.Host, req abi.HTTPRequest) abi.HTTPResponse {
	e.t.Helper()
	resp := h.HTTPRequest(context.Background(), req)
	b, _ := json.Marshal(resp)
	e.assertNoSecrets("the plugin's view of the response", string(b))
	return resp
}

func wantRefusal(t *testing.T, resp abi.HTTPResponse, code abi.Code, contains string) {
	t.Helper()
	if resp.Error == nil {
		t.Fatalf("want refusal containing %q, got status %d", contains, resp.Status)
	}
	if resp.Error.Code != code || !strings.Contains(resp.Error.Message, contains) {
		t.Fatalf("want %s containing %q, got %v", code, contains, resp.Error)
	}
}

func portOf(s *httptest.Server) string {
	u, _ := url.Parse(s.URL)
	return u.Port()
}

// manifestFor builds a manifest; a request without reads or writes gets
// reads = ["* /**"] (every request a read), so tests of other checks need
// not declare paths.
func manifestFor(reqs ...wire.OriginRequest) wire.Manifest {
	for i := range reqs {
		if len(reqs[i].Reads)+len(reqs[i].Writes) == 0 {
			reqs[i].Reads = []string{"* /**"}
		}
	}
	return wire.Manifest{Name: "test", Version: "1", ABI: "1.0", Kind: abi.KindCMMS, HTTP: reqs}
}

var anyLoopback = wire.OriginRequest{Pattern: "http://127.0.0.1:*", Auth: wire.AuthProfiles(), Secrets: []string{"apikey"}}

func grantFor(origin string, auth config.Auth, private bool, secretNames ...string) config.Grant {
	return config.Grant{HTTP: []config.OriginGrant{{Origin: origin, AllowPrivate: private, Auth: auth, Secrets: secretNames}}}
}

func echoHeaders(w http.ResponseWriter, r *http.Request) {
	b, _ := json.Marshal(map[string]any{"headers": r.Header, "path": r.URL.Path, "raw_path": r.URL.RawPath})
	w.Header().Set("X-Echo-Auth", r.Header.Get("Authorization"))
	w.Write(b)
}

func TestResolve(t *testing.T) {
	m := manifestFor(
		wire.OriginRequest{Pattern: "https://*.example.com", Auth: []wire.AuthProfile{wire.AuthBearer}, Secrets: []string{"a", "b"}},
		wire.OriginRequest{Pattern: "https://api.other.org"},
	)
	m.KV = &wire.KVRequest{QuotaBytes: 100}
	g := config.Grant{
		HTTP: []config.OriginGrant{
			{Origin: "https://x.example.com", Auth: config.Auth{Profile: wire.AuthBearer}, Secrets: []string{"a", "c"}},
			{Origin: "https://y.example.com", Auth: config.Auth{Profile: wire.AuthBasic}},
			{Origin: "https://never.requested.net"},
		},
		Mail: &config.MailGrant{},
		KV:   config.KVGrant{QuotaBytes: 1000},
	}
	p, mm := policy.Resolve(m, g)
	if len(p.Origins) != 1 || p.Origins[0].String() != "https://x.example.com:443" || len(p.Origins[0].Secrets) != 1 || p.Origins[0].Secrets[0] != "a" {
		t.Fatalf("origins = %+v", p.Origins)
	}
	if p.Mail != nil || p.KVQuota != 100 {
		t.Fatalf("mail %v kv %d", p.Mail, p.KVQuota)
	}
	kinds := map[policy.MismatchKind]int{}
	for _, x := range mm {
		kinds[x.Kind]++
	}
	// c not requested, never.requested.net, mail → grant_not_requested;
	// b not granted, api.other.org not granted → request_not_granted;
	// y.example.com basic → auth_not_accepted.
	if kinds[policy.GrantNotRequested] != 3 || kinds[policy.RequestNotGranted] != 2 || kinds[policy.AuthNotAccepted] != 1 {
		t.Fatalf("mismatches = %+v", mm)
	}
}

// TestMismatchExpected: an origin pattern left ungranted is expected once
// another origin is usable (a plugin lists every origin it can work with);
// an ungranted secret, mail, or a plugin left without any origin is not.
func TestMismatchExpected(t *testing.T) {
	m := manifestFor(
		wire.OriginRequest{Pattern: "https://*.maximo.com", Auth: []wire.AuthProfile{wire.AuthHeader}},
		wire.OriginRequest{Pattern: "http://127.0.0.1:*", Auth: []wire.AuthProfile{wire.AuthHeader}, Secrets: []string{"k"}},
	)
	m.Mail = true
	p, mm := policy.Resolve(m, grantFor("http://127.0.0.1:9", config.Auth{Profile: wire.AuthHeader}, true))
	expected := map[string]bool{}
	for _, x := range mm {
		reason, ok := x.Expected(p)
		expected[x.Subject] = ok
		if ok && !strings.Contains(reason, "http://127.0.0.1:9") {
			t.Errorf("reason %q does not name the granted origin", reason)
		}
	}
	want := map[string]bool{"https://*.maximo.com": true, "http://127.0.0.1:9 secret k": false, "mail": false}
	for subj, ok := range want {
		if got, seen := expected[subj]; !seen || got != ok {
			t.Errorf("%s: expected=%v (seen %v), want %v; all %+v", subj, got, seen, ok, mm)
		}
	}
	none, mm := policy.Resolve(m, config.Grant{})
	for _, x := range mm {
		if _, ok := x.Expected(none); ok {
			t.Errorf("with no origin granted, %+v must be a warning", x)
		}
	}
}

func TestClassifyIP(t *testing.T) {
	for _, c := range []struct {
		ip   string
		want string
	}{
		{"127.0.0.1", "loopback"}, {"10.1.2.3", "private"}, {"172.16.5.4", "private"}, {"192.168.1.1", "private"},
		{"169.254.169.254", "cloud metadata"}, {"169.254.1.1", "link-local"}, {"100.64.0.1", "CGNAT"},
		{"224.0.0.1", "multicast"}, {"0.0.0.0", "unspecified"}, {"::1", "loopback"}, {"::", "unspecified"},
		{"fd00:ec2::254", "cloud metadata"}, {"fd12::1", "private (ULA)"}, {"fe80::1", "link-local"},
		{"::ffff:127.0.0.1", "loopback"}, {"64:ff9b::a00:1", "private (via NAT64)"}, {"2002:7f00:1::", "loopback (via 6to4)"},
		{"ff02::1", "multicast"}, {"255.255.255.255", "broadcast"},
	} {
		got, bad := policy.ClassifyIP(netip.MustParseAddr(c.ip))
		if !bad || got != c.want {
			t.Errorf("ClassifyIP(%s) = %q,%v want %q", c.ip, got, bad, c.want)
		}
	}
	for _, ip := range []string{"8.8.8.8", "93.184.216.34", "2606:4700::1111", "1.1.1.1"} {
		if r, bad := policy.ClassifyIP(netip.MustParseAddr(ip)); bad {
			t.Errorf("ClassifyIP(%s) = %q, want public", ip, r)
		}
	}
}

func TestOriginAllowList(t *testing.T) {
	e := newEnv(t)
	srv := hitserver.New(t, echoHeaders)
	other := hitserver.New(t, echoHeaders)
	h := e.host(manifestFor(wire.OriginRequest{Pattern: "http://127.0.0.1:" + portOf(srv.Server)}),
		grantFor(srv.URL, config.Auth{}, true), nil)
	if r := e.do(h, abi.HTTPRequest{URL: srv.URL + "/ok"}); r.Error != nil || r.Status != 200 {
		t.Fatalf("granted origin: %+v", r)
	}
	// Other port on the granted host.
	wantRefusal(t, e.do(h, abi.HTTPRequest{URL: other.URL + "/x"}), abi.CodeUnauthorized, "is not granted")
	// Other scheme on the granted host and port.
	wantRefusal(t, e.do(h, abi.HTTPRequest{URL: strings.Replace(srv.URL, "http:", "https:", 1)}), abi.CodeUnauthorized, "is not granted")
	// Same address under another name.
	wantRefusal(t, e.do(h, abi.HTTPRequest{URL: "http://localhost:" + portOf(srv.Server)}), abi.CodeUnauthorized, "is not granted")
	// Userinfo tricks and non-http schemes.
	wantRefusal(t, e.do(h, abi.HTTPRequest{URL: "http://127.0.0.1@localhost:" + portOf(other.Server)}), abi.CodeUnauthorized, "user info")
	wantRefusal(t, e.do(h, abi.HTTPRequest{URL: "file:///etc/passwd"}), abi.CodeUnauthorized, "only http and https")
	if other.Hits.Load() != 0 {
		t.Fatal("an ungranted origin was reached")
	}
	if ev := e.events.last(); ev.Refusal == "" {
		t.Fatalf("refusal not observed: %+v", ev)
	}
}

func TestRequestedButNotGranted(t *testing.T) {
	e := newEnv(t)
	h := e.host(manifestFor(wire.OriginRequest{Pattern: "https://api.example.com"}), config.Grant{}, nil)
	wantRefusal(t, e.do(h, abi.HTTPRequest{URL: "https://api.example.com/x"}), abi.CodeUnauthorized, "requested by the plugin but not granted")
}

func TestLoopbackNameWithoutAllowPrivate(t *testing.T) {
	e := newEnv(t)
	srv := hitserver.New(t, echoHeaders)
	origin := "http://localhost:" + portOf(srv.Server)
	h := e.host(manifestFor(wire.OriginRequest{Pattern: "http://localhost:*"}), grantFor(origin, config.Auth{}, false), nil)
	wantRefusal(t, e.do(h, abi.HTTPRequest{URL: origin + "/x"}), abi.CodeUnauthorized, "loopback address) denied")
	if srv.Hits.Load() != 0 {
		t.Fatal("loopback server was reached")
	}
}

func TestMetadataAddressRefusedBeforeConnecting(t *testing.T) {
	e := newEnv(t)
	h := e.host(manifestFor(wire.OriginRequest{Pattern: "http://169.254.169.254"}), grantFor("http://169.254.169.254", config.Auth{}, false), nil)
	start := time.Now()
	r := e.do(h, abi.HTTPRequest{URL: "http://169.254.169.254/latest/meta-data/"})
	wantRefusal(t, r, abi.CodeUnauthorized, "cloud metadata address) denied")
	if time.Since(start) > 5*time.Second { // the dialer's timeout is 10 s
		t.Fatal("refusal should happen before any connection attempt")
	}
}

func TestRedirects(t *testing.T) {
	e := newEnv(t)
	other := hitserver.New(t, echoHeaders)
	var srv *hitserver.Server
	srv = hitserver.New(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/away":
			http.Redirect(w, r, other.URL+"/stolen", http.StatusFound)
		case r.URL.Path == "/same":
			http.Redirect(w, r, "/final", http.StatusFound)
		case strings.HasPrefix(r.URL.Path, "/loop"):
			http.Redirect(w, r, r.URL.Path+"x", http.StatusFound)
		default:
			w.Write([]byte("final"))
		}
	})
	h := e.host(manifestFor(anyLoopback), grantFor(srv.URL, config.Auth{}, true), nil)
	r := e.do(h, abi.HTTPRequest{URL: srv.URL + "/away"})
	if r.Error != nil || r.Status != http.StatusFound || !strings.Contains(r.Headers["Location"], "/stolen") {
		t.Fatalf("cross-origin redirect should be handed back: %+v", r)
	}
	if other.Hits.Load() != 0 {
		t.Fatal("cross-origin redirect was followed")
	}
	if r := e.do(h, abi.HTTPRequest{URL: srv.URL + "/same"}); r.Status != 200 || string(r.Body) != "final" {
		t.Fatalf("same-origin redirect: %+v", r)
	}
	before := srv.Hits.Load()
	if r := e.do(h, abi.HTTPRequest{URL: srv.URL + "/loop"}); r.Status != http.StatusFound {
		t.Fatalf("redirect loop: %+v", r)
	}
	if n := srv.Hits.Load() - before; n != 6 {
		t.Fatalf("redirect loop made %d requests, want 6 (1 + 5 redirects)", n)
	}
}

func TestAuthProfilesAndScrubbing(t *testing.T) {
	e := newEnv(t)
	srv := hitserver.New(t, echoHeaders)
	cases := []struct {
		name    string
		auth    config.Auth
		url     string
		check   func(r *http.Request) bool
		request abi.HTTPRequest
	}{
		{"basic", config.Auth{Profile: wire.AuthBasic, Username: "svc", PasswordSecret: "pass"}, "/b",
			nil, abi.HTTPRequest{}},
		{"bearer", config.Auth{Profile: wire.AuthBearer, TokenSecret: "tok"}, "/t", nil, abi.HTTPRequest{}},
		{"header", config.Auth{Profile: wire.AuthHeader, TokenSecret: "apikey", Header: "apikey", Prefix: "K "}, "/h", nil, abi.HTTPRequest{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var seen http.Header
			var mu sync.Mutex
			s := hitserver.New(t, func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				seen = r.Header.Clone()
				mu.Unlock()
				echoHeaders(w, r)
			})
			h := e.host(manifestFor(anyLoopback), grantFor(s.URL, c.auth, true), nil)
			r := e.do(h, abi.HTTPRequest{URL: s.URL + c.url})
			if r.Error != nil || r.Status != 200 {
				t.Fatalf("%+v", r)
			}
			mu.Lock()
			defer mu.Unlock()
			switch c.name {
			case "basic":
				u, p, ok := (&http.Request{Header: seen}).BasicAuth()
				if !ok || u != "svc" || p != passValue {
					t.Fatal("server did not get the basic credentials")
				}
			case "bearer":
				if seen.Get("Authorization") != "Bearer "+tokenValue {
					t.Fatal("server did not get the bearer token")
				}
			case "header":
				if seen.Get("Apikey") != "K "+apiKeyValue {
					t.Fatal("server did not get the api key header")
				}
			}
			if !strings.Contains(string(r.Body), secrets.Redacted) {
				t.Fatalf("echoed credential should be redacted in the body: %s", r.Body)
			}
		})
	}
	_ = srv
}

func TestURLPathToken(t *testing.T) {
	e := newEnv(t)
	var gotPath atomic.Value
	srv := hitserver.New(t, func(w http.ResponseWriter, r *http.Request) {
		gotPath.Store(r.URL.Path)
		fmt.Fprintf(w, `{"ok":true,"echo":%q}`, r.URL.Path)
	})
	h := e.host(manifestFor(anyLoopback), grantFor(srv.URL, config.Auth{Profile: wire.AuthURLPath, TokenSecret: "tg"}, true), nil)
	r := e.do(h, abi.HTTPRequest{URL: srv.URL + "/bot{{auth}}/getUpdates?offset=3"})
	if r.Error != nil || r.Status != 200 {
		t.Fatalf("%+v", r)
	}
	if gotPath.Load() != "/bot"+tgToken+"/getUpdates" {
		t.Fatal("token not inserted in the path")
	}
	if ev := e.events.last(); ev.Path != "/bot{{auth}}/getUpdates" {
		t.Fatalf("observed path must be the template: %q", ev.Path)
	}
	wantRefusal(t, e.do(h, abi.HTTPRequest{URL: srv.URL + "/getMe"}), abi.CodeUnauthorized, "put {{auth}} in the URL path")
	// {{auth}} on an origin with another profile.
	h2 := e.host(manifestFor(anyLoopback), grantFor(srv.URL, config.Auth{Profile: wire.AuthBearer, TokenSecret: "tok"}, true), nil)
	wantRefusal(t, e.do(h2, abi.HTTPRequest{URL: srv.URL + "/bot{{auth}}/x"}), abi.CodeUnauthorized, "only for origins bound to the url_path")
}

func TestSecretPlaceholders(t *testing.T) {
	e := newEnv(t)
	var mu sync.Mutex
	var got struct {
		hdr  string
		path string
		body string
	}
	srv := hitserver.New(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got.hdr, got.path, got.body = r.Header.Get("X-Key"), r.URL.Path, string(b)
		mu.Unlock()
		w.Write([]byte("echo " + string(b) + " " + r.Header.Get("X-Key")))
	})
	h := e.host(manifestFor(anyLoopback), grantFor(srv.URL, config.Auth{}, true, "apikey"), nil)
	r := e.do(h, abi.HTTPRequest{Method: "POST", URL: srv.URL + "/k/{{secret:apikey}}/x",
		Headers: map[string]string{"X-Key": "K={{secret:apikey}}", "Content-Type": "application/x-www-form-urlencoded"},
		Body:    []byte("a=1&key={{secret:apikey}}")})
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	mu.Lock()
	if got.hdr != "K="+apiKeyValue || got.path != "/k/"+apiKeyValue+"/x" || got.body != "a=1&key="+url.QueryEscape(apiKeyValue) {
		t.Errorf("substitution failed (header ok=%v path ok=%v body ok=%v)", got.hdr == "K="+apiKeyValue, got.path == "/k/"+apiKeyValue+"/x", got.body == "a=1&key="+apiKeyValue)
	}
	mu.Unlock()
	// Ungranted secret (defined on the host, not granted to this origin).
	before := srv.Hits.Load()
	r = e.do(h, abi.HTTPRequest{URL: srv.URL + "/x", Headers: map[string]string{"X-Key": "{{secret:tok}}"}})
	wantRefusal(t, r, abi.CodeUnauthorized, "placeholder {{secret:tok}} is not granted")
	// Placeholder in the query string, or in a JSON body.
	wantRefusal(t, e.do(h, abi.HTTPRequest{URL: srv.URL + "/x?k={{secret:apikey}}"}), abi.CodeUnauthorized, "not in the query string")
	wantRefusal(t, e.do(h, abi.HTTPRequest{Method: "POST", URL: srv.URL + "/x", Headers: map[string]string{"Content-Type": "application/json"},
		Body: []byte(`{"k":"{{secret:apikey}}"}`)}), abi.CodeUnauthorized, "form bodies")
	if srv.Hits.Load() != before {
		t.Fatal("a refused request reached the server")
	}
}

func TestForbiddenHeadersAndCookies(t *testing.T) {
	e := newEnv(t)
	var mu sync.Mutex
	var cookies []string
	srv := hitserver.New(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		cookies = append(cookies, r.Header.Get("Cookie"))
		mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "host-only-session-value", Path: "/"})
		w.Write([]byte("ok"))
	})
	h := e.host(manifestFor(anyLoopback), grantFor(srv.URL, config.Auth{}, true), nil)
	wantRefusal(t, e.do(h, abi.HTTPRequest{URL: srv.URL, Headers: map[string]string{"authorization": "Bearer x"}}), abi.CodeInvalidArgument, "set by the host")
	wantRefusal(t, e.do(h, abi.HTTPRequest{URL: srv.URL, Headers: map[string]string{"Proxy-Authorization": "x"}}), abi.CodeInvalidArgument, "set by the host")
	r1 := e.do(h, abi.HTTPRequest{URL: srv.URL + "/a", Headers: map[string]string{"Cookie": "evil=1"}})
	r2 := e.do(h, abi.HTTPRequest{URL: srv.URL + "/b"})
	for _, r := range []abi.HTTPResponse{r1, r2} {
		if r.Error != nil {
			t.Fatal(r.Error)
		}
		for k, v := range r.Headers {
			if strings.EqualFold(k, "Set-Cookie") || strings.Contains(v, "host-only-session-value") {
				t.Fatal("Set-Cookie reached the plugin")
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if cookies[0] != "" || cookies[1] != "session=host-only-session-value" {
		t.Fatalf("cookie jar: requests carried %q", cookies)
	}
}

func TestSandboxOnlyGetHead(t *testing.T) {
	e := newEnv(t)
	srv := hitserver.New(t, echoHeaders)
	var on atomic.Bool
	on.Store(true)
	h := e.host(manifestFor(anyLoopback), grantFor(srv.URL, config.Auth{}, true), func(o *policy.Options) { o.Sandbox = on.Load })
	wantRefusal(t, e.do(h, abi.HTTPRequest{Method: "POST", URL: srv.URL}), abi.CodeUnauthorized, "sandbox mode")
	if r := e.do(h, abi.HTTPRequest{Method: "HEAD", URL: srv.URL}); r.Error != nil {
		t.Fatal(r.Error)
	}
	on.Store(false)
	if r := e.do(h, abi.HTTPRequest{Method: "POST", URL: srv.URL}); r.Error != nil {
		t.Fatal(r.Error)
	}
}

func TestSizeAndTimeCaps(t *testing.T) {
	e := newEnv(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	srv := hitserver.New(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/big":
			w.Write(bytes.Repeat([]byte("x"), 2048))
		case "/slow":
			select {
			case <-release:
			case <-r.Context().Done():
			}
		default:
			w.Write(bytes.Repeat([]byte("x"), 1024))
		}
	})
	g := grantFor(srv.URL, config.Auth{}, true)
	g.Limits = config.Limits{MaxRequestBytes: 100, MaxResponseBytes: 1024, Timeout: config.Duration{Duration: 500 * time.Millisecond}}
	h := e.host(manifestFor(anyLoopback), g, nil)
	if r := e.do(h, abi.HTTPRequest{URL: srv.URL + "/exact"}); r.Error != nil || len(r.Body) != 1024 {
		t.Fatalf("exact-size response: %+v", r.Error)
	}
	wantRefusal(t, e.do(h, abi.HTTPRequest{URL: srv.URL + "/big"}), abi.CodeUpstream, "exceeds the 1024 byte limit")
	wantRefusal(t, e.do(h, abi.HTTPRequest{Method: "POST", URL: srv.URL, Body: make([]byte, 101)}), abi.CodeInvalidArgument, "exceeds the 100 byte limit")
	wantRefusal(t, e.do(h, abi.HTTPRequest{URL: srv.URL + "/slow"}), abi.CodeUnavailable, "timed out")
}

func TestRateLimit(t *testing.T) {
	e := newEnv(t)
	srv := hitserver.New(t, echoHeaders)
	g := grantFor(srv.URL, config.Auth{}, true)
	g.Limits.RequestsPerMinute = 3
	now := time.Unix(1000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	h := e.host(manifestFor(anyLoopback), g, func(o *policy.Options) { o.Now = clock })
	for i := 0; i < 3; i++ {
		if r := e.do(h, abi.HTTPRequest{URL: srv.URL}); r.Error != nil {
			t.Fatal(r.Error)
		}
	}
	wantRefusal(t, e.do(h, abi.HTTPRequest{URL: srv.URL}), abi.CodeUnavailable, "rate limit of 3 requests per minute")
	mu.Lock()
	now = now.Add(20 * time.Second)
	mu.Unlock()
	if r := e.do(h, abi.HTTPRequest{URL: srv.URL}); r.Error != nil {
		t.Fatal("bucket did not refill:", r.Error)
	}
}

func TestOAuth2ClientCredentials(t *testing.T) {
	e := newEnv(t)
	var fetches atomic.Int64
	var current atomic.Value
	current.Store("")
	tokenSrv := hitserver.New(t, func(w http.ResponseWriter, r *http.Request) {
		id, sec, ok := r.BasicAuth()
		r.ParseForm()
		if !ok || id != "client-1" || sec != clientSec || r.Form.Get("grant_type") != "client_credentials" || r.Form.Get("scope") != "read write" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		n := fetches.Add(1)
		tok := fmt.Sprintf("access-token-%d-abcdefgh", n)
		current.Store(tok)
		json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600})
	})
	api := hitserver.New(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+current.Load().(string) || r.URL.Path == "/revoke-once" && fetches.Load() == 1 {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Write([]byte("token was " + r.Header.Get("Authorization")))
	})
	auth := config.Auth{Profile: wire.AuthOAuth2, TokenURL: tokenSrv.URL + "/token", ClientID: "client-1", ClientSecretSecret: "cs", Scopes: []string{"read", "write"}}
	h := e.host(manifestFor(anyLoopback), grantFor(api.URL, auth, true), nil)
	for i := 0; i < 3; i++ {
		r := e.do(h, abi.HTTPRequest{URL: api.URL + "/x"})
		if r.Error != nil || r.Status != 200 {
			t.Fatalf("%+v", r)
		}
		if strings.Contains(string(r.Body), "access-token-") {
			t.Fatalf("access token reached the plugin: %s", r.Body)
		}
	}
	if fetches.Load() != 1 {
		t.Fatalf("token fetched %d times, want 1 (cached)", fetches.Load())
	}
	// A 401 refetches once and retries.
	r := e.do(h, abi.HTTPRequest{URL: api.URL + "/revoke-once"})
	if r.Error != nil || r.Status != 200 || fetches.Load() != 2 {
		t.Fatalf("401 retry: status %d fetches %d err %v", r.Status, fetches.Load(), r.Error)
	}
}

func TestKV(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	m := manifestFor()
	m.KV = &wire.KVRequest{QuotaBytes: 64}
	g := config.Grant{KV: config.KVGrant{QuotaBytes: 1000}}
	h := e.host(m, g, func(o *policy.Options) { o.KVDir = dir })
	ctx := context.Background()
	if r := h.KVSet(ctx, wire.KVSetRequest{Key: "offset", Value: []byte("42")}); r.Error != nil {
		t.Fatal(r.Error)
	}
	if r := h.KVSet(ctx, wire.KVSetRequest{Key: "big", Value: make([]byte, 64)}); r.Error == nil || !strings.Contains(r.Error.Message, "quota of 64 bytes") {
		t.Fatalf("quota: %+v", r.Error)
	}
	st, err := os.Stat(filepath.Join(dir, "test.json"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("kv file: %v %v", err, st)
	}
	// A new host (restart) sees the value.
	h2 := e.host(m, g, func(o *policy.Options) { o.KVDir = dir })
	if r := h2.KVGet(ctx, wire.KVGetRequest{Key: "offset"}); !r.Found || string(r.Value) != "42" {
		t.Fatalf("persisted value: %+v", r)
	}
	if r := h2.KVSet(ctx, wire.KVSetRequest{Key: "offset"}); r.Error != nil {
		t.Fatal(r.Error)
	}
	if r := h2.KVGet(ctx, wire.KVGetRequest{Key: "offset"}); r.Found {
		t.Fatal("delete failed")
	}
	// Not requested → refused.
	h3 := e.host(manifestFor(), g, nil)
	if r := h3.KVGet(ctx, wire.KVGetRequest{Key: "x"}); r.Error == nil || r.Error.Code != abi.CodeUnauthorized {
		t.Fatalf("kv without request: %+v", r)
	}
}

func TestMailRefusedUnlessGranted(t *testing.T) {
	e := newEnv(t)
	h := e.host(manifestFor(), config.Grant{}, nil)
	if r := h.MailSend(context.Background(), wire.MailSendRequest{}); r.Error == nil || r.Error.Message != "mail is not granted" {
		t.Fatalf("%+v", r.Error)
	}
	if r := h.MailFetch(context.Background(), abi.MailFetchRequest{}); r.Error == nil || r.Error.Message != "mail is not granted" {
		t.Fatalf("%+v", r.Error)
	}
}

func TestLogRateLimitScrubAndCap(t *testing.T) {
	e := newEnv(t)
	now := time.Unix(1000, 0)
	h := e.host(manifestFor(), config.Grant{}, func(o *policy.Options) {
		o.Now = func() time.Time { return now }
		o.LogRate, o.LogBurst, o.MaxLogMessage = 1, 5, 100
	})
	e.reg.Get(context.Background(), "tok") // make sure the scrubber knows it
	ctx := context.Background()
	for i := 0; i < 50; i++ {
		h.Log(ctx, wire.LogRecord{Level: abi.LogInfo, Message: fmt.Sprintf("line %d token=%s\nforged line", i, tokenValue), Fields: map[string]any{"password": "x", "n": i}})
	}
	h.Log(ctx, wire.LogRecord{Level: abi.LogInfo, Message: strings.Repeat("y", 500)})
	h.Close()
	out := e.logBuf.String()
	if n := strings.Count(out, "line "); n != 5 {
		t.Fatalf("%d lines passed, want the burst of 5:\n%s", n, out)
	}
	if !strings.Contains(out, "46 plugin log lines suppressed") {
		t.Fatalf("suppressed count missing:\n%s", out)
	}
	if strings.Contains(out, "\nforged line") {
		t.Fatal("a plugin could forge a log line")
	}
	if !strings.Contains(out, secrets.Redacted) {
		t.Fatal("secret not redacted in the log")
	}
}

// A notice (abi.Notice in a log record) is logged and observed once per
// kind, field and code for the plugin, outside the log rate limit,
// scrubbed; repeats are counted; past the cap notices are ordinary lines.
func TestNoticesOncePerCodeAndPlugin(t *testing.T) {
	e := newEnv(t)
	h := e.host(manifestFor(), config.Grant{}, func(o *policy.Options) {
		o.LogRate, o.LogBurst = 0.001, 1
		o.Observer = e.events
	})
	e.reg.Get(context.Background(), "tok")
	ctx := context.Background()
	send := func(n abi.Notice) {
		h.Log(ctx, wire.LogRecord{Level: abi.LogWarn, Message: n.Message(), Fields: n.Fields()})
	}
	h.Log(ctx, wire.LogRecord{Message: "uses the only token of the bucket"})
	for i := 0; i < 3; i++ {
		send(abi.Notice{Kind: abi.NoticeUnmapped, Field: "worktype", Code: "CAL", Fallback: "corrective"})
		send(abi.Notice{Kind: abi.NoticeUnmapped, Field: "status", Code: "ONHOLD", Fallback: "created"})
	}
	send(abi.Notice{Kind: abi.NoticeUnmapped, Field: "worktype", Code: "X" + tokenValue, Fallback: "corrective"})
	e.events.mu.Lock()
	got := append([]policy.NoticeEvent(nil), e.events.notices...)
	e.events.mu.Unlock()
	if len(got) != 3 || got[0].Notice.Code != "CAL" || got[1].Notice.Code != "ONHOLD" || got[0].Plugin != "test" {
		t.Fatalf("observed %+v", got)
	}
	e.assertNoSecrets("notice", got[2].Notice.Code+got[2].Message)
	if c := h.NoticeCounts(); c["unmapped_code|worktype|CAL"] != 3 || c["unmapped_code|status|ONHOLD"] != 3 {
		t.Fatalf("counts %v", c)
	}
	out := e.logBuf.String()
	if strings.Count(out, `code=CAL`) != 1 || strings.Count(out, "code=ONHOLD") != 1 || !strings.Contains(out, "[WARN]") {
		t.Fatalf("notices not logged once each:\n%s", out)
	}
	// past the cap, notices are ordinary (rate-limited) log lines.
	for i := 0; i < 300; i++ {
		send(abi.Notice{Kind: abi.NoticeUnmapped, Field: "f", Code: fmt.Sprint(i)})
	}
	e.events.mu.Lock()
	n := len(e.events.notices)
	e.events.mu.Unlock()
	if n != 256 || !strings.Contains(e.logBuf.String(), "more distinct notices than are traced") {
		t.Fatalf("%d notices observed past the cap", n)
	}
}

func TestCompressedReflectionIsScrubbed(t *testing.T) {
	e := newEnv(t)
	srv := hitserver.New(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Range") != "" {
			t.Error("plugin Range header reached the upstream")
		}
		body := []byte(`{"echo":"` + r.Header.Get("Authorization") + `"}`)
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			zw.Write(body)
			zw.Close()
			return
		}
		w.Write(body)
	})
	h := e.host(manifestFor(anyLoopback), grantFor(srv.URL, config.Auth{Profile: wire.AuthBearer, TokenSecret: "tok"}, true), nil)
	r := e.do(h, abi.HTTPRequest{URL: srv.URL, Headers: map[string]string{"Accept-Encoding": "gzip", "Range": "bytes=10-14"}})
	if r.Error != nil || !strings.Contains(string(r.Body), "Bearer "+secrets.Redacted) {
		t.Fatalf("response: %+v %q", r.Error, r.Body)
	}
}

// fakeMailer is a stand-in for the #11 mail transport: it only proves the
// seam is called after the grant check.
type fakeMailer struct{ sent atomic.Int64 }

func (m *fakeMailer) Send(context.Context, string, config.MailGrant, abi.MailMessage) (string, error) {
	m.sent.Add(1)
	return "<id@x>", nil
}

func (m *fakeMailer) Fetch(context.Context, string, config.MailGrant, abi.MailFetchRequest) ([]abi.MailMessage, error) {
	return []abi.MailMessage{{Subject: "token " + tokenValue, Text: "hi"}}, nil
}

func TestMailSeam(t *testing.T) {
	e := newEnv(t)
	e.reg.Get(context.Background(), "tok")
	m := manifestFor()
	m.Mail = true
	fm := &fakeMailer{}
	h := e.host(m, config.Grant{Mail: &config.MailGrant{SMTPAddr: "smtp.example.com:465", AllowedRecipients: []string{"@plant.example"}}},
		func(o *policy.Options) { o.Mailer = fm })
	if r := h.MailSend(context.Background(), wire.MailSendRequest{Message: abi.MailMessage{To: []string{"Tech <tech@PLANT.example>"}}}); r.Error != nil || fm.sent.Load() != 1 {
		t.Fatalf("send: %+v", r.Error)
	}
	r := h.MailFetch(context.Background(), abi.MailFetchRequest{})
	b, _ := json.Marshal(r)
	e.assertNoSecrets("fetched mail", string(b))
}

func TestMalformedRequestsRefused(t *testing.T) {
	e := newEnv(t)
	srv := hitserver.New(t, echoHeaders)
	h := e.host(manifestFor(anyLoopback), grantFor(srv.URL, config.Auth{}, true, "apikey"), nil)
	for _, c := range []struct {
		req  abi.HTTPRequest
		code abi.Code
		want string
	}{
		{abi.HTTPRequest{URL: srv.URL + "/{{secret:bad name}}"}, abi.CodeUnauthorized, "malformed placeholder"},
		{abi.HTTPRequest{URL: srv.URL, Headers: map[string]string{"X": "{{secret:apikey"}}, abi.CodeUnauthorized, "malformed placeholder"},
		{abi.HTTPRequest{URL: srv.URL, Headers: map[string]string{"X": "a\r\nInjected: 1"}}, abi.CodeInvalidArgument, "invalid value"},
		{abi.HTTPRequest{URL: srv.URL, Headers: map[string]string{"Bad Name": "x"}}, abi.CodeInvalidArgument, "invalid header name"},
		{abi.HTTPRequest{Method: "GET POST", URL: srv.URL}, abi.CodeInvalidArgument, "invalid HTTP method"},
		{abi.HTTPRequest{Method: "CONNECT", URL: srv.URL}, abi.CodeUnauthorized, "not allowed"},
		{abi.HTTPRequest{URL: "/relative"}, abi.CodeUnauthorized, "only http and https"},
		{abi.HTTPRequest{URL: "http://%zz"}, abi.CodeInvalidArgument, "invalid URL"},
	} {
		wantRefusal(t, e.do(h, c.req), c.code, c.want)
	}
	if srv.Hits.Load() != 0 {
		t.Fatal("a malformed request reached the server")
	}
}

func TestConcurrentUse(t *testing.T) {
	e := newEnv(t)
	srv := hitserver.New(t, echoHeaders)
	m := manifestFor(anyLoopback)
	m.KV = &wire.KVRequest{QuotaBytes: 1 << 16}
	g := grantFor(srv.URL, config.Auth{Profile: wire.AuthBearer, TokenSecret: "tok"}, true)
	g.KV.QuotaBytes = 1 << 16
	h := e.host(m, g, func(o *policy.Options) { o.KVDir = t.TempDir() })
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				if r := h.HTTPRequest(ctx, abi.HTTPRequest{URL: srv.URL + "/c"}); r.Error != nil {
					t.Error(r.Error)
				}
				h.KVSet(ctx, wire.KVSetRequest{Key: fmt.Sprintf("k%d", i), Value: []byte("v")})
				h.KVGet(ctx, wire.KVGetRequest{Key: "k0"})
				h.Log(ctx, wire.LogRecord{Message: "x"})
			}
		}(i)
	}
	wg.Wait()
}
