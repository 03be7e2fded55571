package mcp_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	machinamcp "github.com/machina-go/machina/host/internal/mcp"
)

// request sends one raw request to /mcp with a bearer token.
func request(t *testing.T, method, url, token string, hdr map[string]string, body io.Reader) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url+"/mcp", body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer "+token)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	// A GET that is let through opens an endless event stream: the timeout
	// turns that into a failure instead of a hang.
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// countingReader yields n bytes of a JSON string body and counts what was
// read from it.
type countingReader struct {
	n, read atomic.Int64
	started bool
}

func (c *countingReader) Read(p []byte) (int, error) {
	left := c.n.Load() - c.read.Load()
	if left <= 0 {
		return 0, io.EOF
	}
	k := int64(len(p))
	if k > left {
		k = left
	}
	off := 0
	if !c.started {
		c.started = true
		off = copy(p, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"x":"`)
	}
	for i := off; i < int(k); i++ {
		p[i] = 'a'
	}
	c.read.Add(k)
	return int(k), nil
}

// The /mcp body cap (4 MiB) applies to every token, whatever its scope, and
// to bodies without a Content-Length: 413 with a JSON-RPC error.
func TestHTTPBodyCapEveryScope(t *testing.T) {
	e := newEnv(t, envOpts{quiet: true})
	const reader = "readreadreadreadreadreadreadread"
	ts, _ := tokenStore(t, e.dir, `{"`+testToken+`": "alice", "`+reader+`": {"client_id": "dashboard", "scope": "read"}}`, hclog.NewNullLogger())
	s := e.serveHTTP(t, ts, machinamcp.HTTPOptions{})
	big := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"` +
		strings.Repeat("x", 5<<20) + `","version":"1"}}}`
	check := func(t *testing.T, resp *http.Response, body string) {
		t.Helper()
		var v struct {
			JSONRPC string `json:"jsonrpc"`
			Error   struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if resp.StatusCode != http.StatusRequestEntityTooLarge || json.Unmarshal([]byte(body), &v) != nil ||
			v.JSONRPC != "2.0" || v.Error.Code != -32600 || !strings.Contains(v.Error.Message, "limit") {
			t.Fatalf("status %d body %.200s", resp.StatusCode, body)
		}
	}
	for _, tok := range []string{testToken, reader} {
		resp, body := request(t, http.MethodPost, s.url, tok, nil, strings.NewReader(big))
		check(t, resp, body)
	}
	// Chunked (no Content-Length): the server stops reading at the cap.
	// 64 MiB offered; loopback socket buffers absorb a few MiB at most.
	cr := &countingReader{}
	cr.n.Store(64 << 20)
	resp, body := request(t, http.MethodPost, s.url, testToken, nil, io.NopCloser(cr))
	check(t, resp, body)
	if got := cr.read.Load(); got > 32<<20 {
		t.Fatalf("the server consumed %d bytes of an oversized body", got)
	}
	// Just under the cap passes the gate.
	if resp, body := request(t, http.MethodPost, s.url, testToken, nil, strings.NewReader(initBody)); resp.StatusCode != 200 {
		t.Fatalf("normal initialize: %d %s", resp.StatusCode, body)
	}
}

// A session id is bound to the client (id and scope) that opened it: the
// same session presented with another client's token is unknown (404), on
// POST, on GET (the notification stream) and on DELETE.
func TestHTTPSessionBoundToClient(t *testing.T) {
	e := newEnv(t, envOpts{quiet: true})
	const (
		reader = "readreadreadreadreadreadreadread"
		alice2 = "alicealicealicealicealicealice22" // a second token of alice, same scope
		aliceR = "aliceREADaliceREADaliceREADalice" // alice, read scope
	)
	ts, _ := tokenStore(t, e.dir, `{"`+testToken+`": "alice", "`+alice2+`": "alice", "`+reader+`": {"client_id": "dashboard", "scope": "read"}, "`+
		aliceR+`": {"client_id": "alice", "scope": "read"}}`, hclog.NewNullLogger())
	s := e.serveHTTP(t, ts, machinamcp.HTTPOptions{})
	open := func(tok string) string {
		resp, body := request(t, http.MethodPost, s.url, tok, nil, strings.NewReader(initBody))
		id := resp.Header.Get("Mcp-Session-Id")
		if resp.StatusCode != 200 || id == "" {
			t.Fatalf("initialize: %d %q %s", resp.StatusCode, id, body)
		}
		return id
	}
	list := `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`
	sess := func(id string) map[string]string { return map[string]string{"Mcp-Session-Id": id} }

	id := open(reader)
	if resp, body := request(t, http.MethodPost, s.url, reader, sess(id), strings.NewReader(list)); resp.StatusCode != 200 || !strings.Contains(body, "machina_list_assets") {
		t.Fatalf("own session: %d %s", resp.StatusCode, body)
	}
	for _, tok := range []string{testToken, aliceR} {
		for _, m := range []string{http.MethodPost, http.MethodGet, http.MethodDelete} {
			var body io.Reader
			if m == http.MethodPost {
				body = strings.NewReader(list)
			}
			if resp, out := request(t, m, s.url, tok, sess(id), body); resp.StatusCode != http.StatusNotFound {
				t.Fatalf("%s with another client's token: %d %s", m, resp.StatusCode, out)
			}
		}
	}
	// The session survived the attempts, including the DELETE.
	if resp, body := request(t, http.MethodPost, s.url, reader, sess(id), strings.NewReader(list)); resp.StatusCode != 200 {
		t.Fatalf("own session after foreign attempts: %d %s", resp.StatusCode, body)
	}
	// A made-up session id is unknown too.
	if resp, _ := request(t, http.MethodPost, s.url, reader, sess("mcp-session-00000000-0000-0000-0000-000000000000"), strings.NewReader(list)); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("made-up session: %d", resp.StatusCode)
	}
	// Another token of the same client id and scope is the same principal.
	ida := open(testToken)
	if resp, body := request(t, http.MethodPost, s.url, alice2, sess(ida), strings.NewReader(list)); resp.StatusCode != 200 {
		t.Fatalf("same client, second token: %d %s", resp.StatusCode, body)
	}
	// The owner may end its session; then it is gone.
	if resp, body := request(t, http.MethodDelete, s.url, reader, sess(id), nil); resp.StatusCode != 200 {
		t.Fatalf("owner DELETE: %d %s", resp.StatusCode, body)
	}
	if resp, _ := request(t, http.MethodPost, s.url, reader, sess(id), strings.NewReader(list)); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("ended session: %d", resp.StatusCode)
	}
}
