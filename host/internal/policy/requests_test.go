package policy_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/opctx"
	"github.com/machina-go/machina/host/internal/policy"
	"github.com/machina-go/machina/internal/hitserver"
	"github.com/machina-go/machina/internal/wire"
)

// telegramLike declares the Bot API the way the Telegram plugin does:
// getMe and getUpdates are reads, send* are writes. The Bot API accepts
// every method as GET (core.telegram.org/bots/api, "Making requests"), so
// a GET to sendMessage changes state and must not pass as a read.
var telegramLike = wire.OriginRequest{
	Pattern: "http://127.0.0.1:*", Auth: []wire.AuthProfile{wire.AuthURLPath},
	Reads:  []string{"GET /bot{{auth}}/getMe", "GET /bot{{auth}}/getUpdates"},
	Writes: []string{"GET,POST /bot{{auth}}/send*"},
}

var tgAuth = config.Auth{Profile: wire.AuthURLPath, TokenSecret: "tg"}

func withOp(op abi.OpName) context.Context { return opctx.With(context.Background(), string(op)) }

// Acceptance #18.1: a read operation's GET to a path not declared a read is
// refused in sandbox mode and never reaches the upstream; a declared read
// passes; with sandbox off a write path is refused from a read operation
// and allowed from a write operation.
func TestDeclaredReadsAndWrites(t *testing.T) {
	e := newEnv(t)
	var hits seen
	srv := hitserver.New(t, func(w http.ResponseWriter, r *http.Request) {
		hits.add(r.Method + " " + r.URL.Path)
		w.Write([]byte(`{"ok":true}`))
	})
	var sandbox atomic.Bool
	h := e.host(manifestFor(telegramLike), grantFor(srv.URL, tgAuth, true), func(o *policy.Options) { o.Sandbox = sandbox.Load })
	call := func(ctx context.Context, method, path string, hdr map[string]string) abi.HTTPResponse {
		return h.HTTPRequest(ctx, abi.HTTPRequest{Method: method, URL: srv.URL + path, Headers: hdr})
	}
	sendGET := "/bot{{auth}}/sendMessage?chat_id=1&text=hello"

	sandbox.Store(true)
	wantRefusal(t, call(withOp(abi.OpPoll), "GET", sendGET, nil), abi.CodeUnauthorized, "sandbox mode: GET /bot{{auth}}/sendMessage is not declared a read")
	wantRefusal(t, call(withOp(abi.OpSend), "GET", sendGET, nil), abi.CodeUnauthorized, "sandbox mode")
	wantRefusal(t, call(withOp(abi.OpPoll), "GET", "/bot{{auth}}/deleteWebhook", nil), abi.CodeUnauthorized, "not a request the plugin declared")
	wantRefusal(t, call(withOp(abi.OpSend), "POST", "/bot{{auth}}/sendMessage", nil), abi.CodeUnauthorized, "sandbox mode")
	if n := hits.n(); n != 0 {
		t.Fatalf("refused requests reached the upstream: %v", hits.all())
	}
	if r := call(withOp(abi.OpPoll), "GET", "/bot{{auth}}/getUpdates?offset=1", nil); r.Error != nil || r.Status != 200 {
		t.Fatalf("declared read in sandbox: %+v", r)
	}

	sandbox.Store(false)
	wantRefusal(t, call(withOp(abi.OpPoll), "GET", sendGET, nil), abi.CodeUnauthorized, `this call runs "poll"`)
	wantRefusal(t, call(withOp(abi.OpGetAsset), "POST", "/bot{{auth}}/sendMessage", nil), abi.CodeUnauthorized, "is a write")
	wantRefusal(t, call(context.Background(), "POST", "/bot{{auth}}/sendMessage", nil), abi.CodeUnauthorized, "is a write")
	wantRefusal(t, call(opctx.With(context.Background(), "machina_init"), "GET", sendGET, nil), abi.CodeUnauthorized, "is a write")
	if n := hits.n(); n != 1 {
		t.Fatalf("hits = %v", hits.all())
	}
	if r := call(withOp(abi.OpSend), "GET", sendGET, nil); r.Error != nil || r.Status != 200 {
		t.Fatalf("write path from a write operation: %+v", r)
	}
	if got := hits.all(); len(got) != 2 || got[1] != "GET /bot/sendMessage" {
		t.Fatalf("hits = %v", got)
	}
}

// A method-override header makes a request a write; dot segments, encoded
// slashes and backslashes never reach the rule match.
func TestDeclaredRequestsTricks(t *testing.T) {
	e := newEnv(t)
	var hits seen
	srv := hitserver.New(t, func(w http.ResponseWriter, r *http.Request) { hits.add(r.Method + " " + r.URL.Path) })
	req := wire.OriginRequest{Pattern: "http://127.0.0.1:*", Reads: []string{"GET /bot/getMe", "GET,POST /api/search/*"}, Writes: []string{"POST /bot/send*"}}
	h := e.host(manifestFor(req), grantFor(srv.URL, config.Auth{}, true), nil)
	read := withOp(abi.OpPoll)
	for _, c := range []struct {
		method, path string
		hdr          map[string]string
		want         string
	}{
		{"GET", "/bot/getMe/../sendMessage", nil, `".." segment`},
		{"GET", "/bot/getMe/..;/sendMessage", nil, `".." segment`},
		{"GET", "/bot/getMe%2F..%2FsendMessage", nil, `".." segment`},
		{"GET", "/bot/getMe/%2e%2e/sendMessage", nil, `".." segment`},
		{"GET", "/api/search/..%2Fadmin", nil, `".." segment`},
		{"GET", `/api/search/a\b`, nil, "backslash"},
		{"GET", "/api/search/a%5C..%5Cb", nil, "backslash"},
		{"GET", "/bot/GETME", nil, "not a request the plugin declared"},
		{"GET", "/bot/sendMessage", nil, "not a request the plugin declared"},
		{"POST", "/api/search/x", map[string]string{"x-http-method-override": "DELETE"}, "so it is a write"},
		{"POST", "/api/search/x", map[string]string{"X-Method-Override": "PATCH"}, "so it is a write"},
	} {
		wantRefusal(t, h.HTTPRequest(read, abi.HTTPRequest{Method: c.method, URL: srv.URL + c.path, Headers: c.hdr}), abi.CodeUnauthorized, c.want)
	}
	if hits.n() != 0 {
		t.Fatalf("refused requests reached the upstream: %v", hits.all())
	}
	// A POST declared a read passes outside sandbox mode, and an escaped
	// slash stays inside its segment.
	if r := h.HTTPRequest(read, abi.HTTPRequest{Method: "POST", URL: srv.URL + "/api/search/x"}); r.Error != nil {
		t.Fatal(r.Error)
	}
	if r := h.HTTPRequest(read, abi.HTTPRequest{Method: "GET", URL: srv.URL + "/api/search/a%2Fb"}); r.Error != nil {
		t.Fatal(r.Error)
	}
}

// The operator's grant narrows the declared reads and writes; an empty list
// allows none.
func TestGrantNarrowsRequests(t *testing.T) {
	e := newEnv(t)
	srv := hitserver.New(t, func(http.ResponseWriter, *http.Request) {})
	g := grantFor(srv.URL, tgAuth, true)
	g.HTTP[0].Reads = []string{"GET /bot{{auth}}/getMe"}
	g.HTTP[0].Writes = []string{}
	pol, mm := policy.Resolve(manifestFor(telegramLike), g)
	if len(mm) != 0 || !pol.Origins[0].Reads.Narrowed || !pol.Origins[0].Writes.Narrowed {
		t.Fatalf("policy %+v mismatches %+v", pol.Origins, mm)
	}
	h := e.host(manifestFor(telegramLike), g, nil)
	if r := h.HTTPRequest(withOp(abi.OpHealth), abi.HTTPRequest{Method: "GET", URL: srv.URL + "/bot{{auth}}/getMe"}); r.Error != nil {
		t.Fatal(r.Error)
	}
	wantRefusal(t, h.HTTPRequest(withOp(abi.OpPoll), abi.HTTPRequest{Method: "GET", URL: srv.URL + "/bot{{auth}}/getUpdates"}), abi.CodeUnauthorized, "grant narrows")
	wantRefusal(t, h.HTTPRequest(withOp(abi.OpSend), abi.HTTPRequest{Method: "POST", URL: srv.URL + "/bot{{auth}}/sendMessage"}), abi.CodeUnauthorized, "grant narrows")
	if srv.Hits.Load() != 1 {
		t.Fatalf("hits = %d", srv.Hits.Load())
	}
	// A malformed grant rule fails closed and is reported.
	g.HTTP[0].Writes = []string{"POST nope"}
	pol, mm = policy.Resolve(manifestFor(telegramLike), g)
	if len(mm) != 1 || mm[0].Kind != policy.InvalidGrant || !pol.Origins[0].Writes.Narrowed || len(pol.Origins[0].Writes.Grant) != 0 {
		t.Fatalf("policy %+v mismatches %+v", pol.Origins, mm)
	}
}

// seen records the requests a test server saw (token removed).
type seen struct {
	mu   sync.Mutex
	reqs []string
}

func (s *seen) add(r string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = append(s.reqs, strings.ReplaceAll(r, tgToken, ""))
}

func (s *seen) n() int { return len(s.all()) }

func (s *seen) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.reqs...)
}

// The key-value file is named after the plugin: a name with path tricks
// (which manifest validation already refuses) never opens a file outside
// the kv directory or another plugin's file.
func TestKVPluginNameCannotLeaveDir(t *testing.T) {
	dir := t.TempDir()
	kvDir := filepath.Join(dir, "kv")
	for _, name := range []string{"../evil", "peer/../../evil", "/etc/evil", "peer.json", "a/b"} {
		_, err := policy.New(policy.Options{Policy: policy.Policy{Plugin: name, KVQuota: 100}, KVDir: kvDir})
		if err == nil || !strings.Contains(err.Error(), "invalid plugin name") {
			t.Fatalf("plugin %q: %v", name, err)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) > 1 {
		t.Fatalf("files were created: %v", ents)
	}
}
