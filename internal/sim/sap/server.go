package sap

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/machina-go/machina/internal/sim/simhttp"

	"github.com/hashicorp/go-hclog"
)

// BasePath is the OData gateway base path the services live under.
const BasePath = "/sap/opu/odata/sap"

// TokenPath is the OAuth2 token endpoint (AuthOAuth2 only).
const TokenPath = "/oauth/token"

// OData protocol versions.
const (
	V2 = "v2"
	V4 = "v4"
)

// Options configure a Server.
type Options struct {
	// Auth is what clients must present (zero value: AuthNone).
	Auth Auth
	// ODataVersion is V2 (default) or V4: the JSON body shape served.
	ODataVersion string
	// SAPClient is the client every request must name in the sap-client
	// header or query parameter ("" accepts any or none).
	SAPClient string
	// CSRFTTL is how long a CSRF token stays valid (default 30 min).
	CSRFTTL time.Duration
	// TokenTTL is the lifetime of OAuth2 access tokens (default 1 h).
	TokenTTL time.Duration
	// ServerPageSize is the most entities one response carries before the
	// server pages with $skiptoken (default 1000).
	ServerPageSize int
	// RequireIfMatch makes a PATCH without an If-Match header fail with 428
	// Precondition Required, as on ETag-enabled SAP entity sets. A stale
	// If-Match always fails with 412.
	RequireIfMatch bool
	// ServiceAliases serves a service under another path too, e.g.
	// {"api_maintenanceorder/srvd_a2x/sap/maintenanceorder/0001":
	// "API_MAINTENANCEORDER"} for S/4HANA's OData v4 layout.
	ServiceAliases map[string]string
	// Seed makes the generated data deterministic (0 is a valid seed).
	Seed uint64
	// MinEquipment pads the plant with extra equipment up to this many
	// (the base plant has 60).
	MinEquipment int
	// Logger receives one debug line per request (never credentials).
	Logger hclog.Logger
	// Now is the clock for written dates and token expiry (default
	// time.Now).
	Now func() time.Time
}

// Faults are the failure modes the simulator can inject. Counts apply to
// the next N API requests (admin and token requests excluded); -1 means
// every request, 0 off.
type Faults struct {
	// SlowMS delays every API request by this many milliseconds.
	SlowMS int `json:"slow_ms,omitempty"`
	// RateLimit answers 429 with Retry-After: RetryAfter.
	RateLimit  int `json:"rate_limit,omitempty"`
	RetryAfter int `json:"retry_after,omitempty"`
	// Unavailable answers 503.
	Unavailable int `json:"unavailable,omitempty"`
	// Malformed answers 200 with a truncated JSON body.
	Malformed int `json:"malformed,omitempty"`
	// Oversized ignores $top, $skip and the server page size (the whole
	// result on one page) and pads the body to at least OversizedBytes.
	Oversized      int `json:"oversized,omitempty"`
	OversizedBytes int `json:"oversized_bytes,omitempty"`
	// CSRFReject answers the next N writes with 403 and
	// "x-csrf-token: Required" even when their token is valid, and
	// invalidates the session's token.
	CSRFReject int `json:"csrf_reject,omitempty"`
	// ReflectHeaders answers 500 with an error message that echoes the
	// request's Authorization and X-CSRF-Token headers (a leaky gateway),
	// to test that nothing downstream repeats them.
	ReflectHeaders int `json:"reflect_headers,omitempty"`
}

// Stats count what the simulator received.
type Stats struct {
	Requests     int64 `json:"requests"`      // API requests (admin and token requests excluded)
	Reads        int64 `json:"reads"`         // GET/HEAD requests
	Writes       int64 `json:"writes"`        // write requests received, applied or not
	WritesDone   int64 `json:"writes_done"`   // writes that changed data
	AuthFailures int64 `json:"auth_failures"` // requests refused with 401
	Faulted      int64 `json:"faulted"`       // requests answered by an injected fault
	CSRFFetches  int64 `json:"csrf_fetches"`  // X-CSRF-Token: Fetch requests answered with a token
	CSRFRejected int64 `json:"csrf_rejected"` // writes refused with 403 x-csrf-token: Required
	TokensIssued int64 `json:"tokens_issued"` // OAuth2 access tokens issued
}

type session struct {
	token   string
	expires time.Time
}

// Server is the simulator; it implements http.Handler.
type Server struct {
	auth       Auth
	version    string
	client     string
	csrfTTL    time.Duration
	tokenTTL   time.Duration
	serverPage int
	aliases    map[string]string
	ifMatch    bool
	log        hclog.Logger
	now        func() time.Time

	mu        sync.Mutex
	data      *dataset
	faults    Faults
	sessions  map[string]*session
	access    map[string]time.Time
	csrfSeen  []string
	tokenSeen []string

	requests, reads, writes, writesDone, authFailures, faulted, csrfFetches, csrfRejected, tokensIssued atomic.Int64
}

// NewServer builds a simulator with seeded data.
func NewServer(opts Options) (*Server, error) {
	if opts.Auth.Mode == "" {
		opts.Auth.Mode = AuthNone
	}
	if err := opts.Auth.validate(); err != nil {
		return nil, fmt.Errorf("sap sim: %w", err)
	}
	switch opts.ODataVersion {
	case "":
		opts.ODataVersion = V2
	case V2, V4:
	default:
		return nil, fmt.Errorf("sap sim: unknown OData version %q (want v2 or v4)", opts.ODataVersion)
	}
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.CSRFTTL <= 0 {
		opts.CSRFTTL = 30 * time.Minute
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = time.Hour
	}
	if opts.ServerPageSize <= 0 {
		opts.ServerPageSize = 1000
	}
	return &Server{auth: opts.Auth, version: opts.ODataVersion, client: opts.SAPClient, csrfTTL: opts.CSRFTTL,
		tokenTTL: opts.TokenTTL, serverPage: opts.ServerPageSize, aliases: maps.Clone(opts.ServiceAliases), ifMatch: opts.RequireIfMatch, log: opts.Logger, now: opts.Now,
		data: seedData(opts.Seed, opts.MinEquipment), sessions: map[string]*session{}, access: map[string]time.Time{}}, nil
}

// ODataVersion returns V2 or V4.
func (s *Server) ODataVersion() string { return s.version }

// SetFaults replaces the injected faults.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
}

// Faults returns the current faults (counts as remaining).
func (s *Server) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// Stats returns the request counters.
func (s *Server) Stats() Stats {
	return Stats{Requests: s.requests.Load(), Reads: s.reads.Load(), Writes: s.writes.Load(), WritesDone: s.writesDone.Load(),
		AuthFailures: s.authFailures.Load(), Faulted: s.faulted.Load(), CSRFFetches: s.csrfFetches.Load(),
		CSRFRejected: s.csrfRejected.Load(), TokensIssued: s.tokensIssued.Load()}
}

// ExpireCSRF invalidates every CSRF token now (the test hook for "the
// token expired mid-session"); sessions and their cookies stay valid.
func (s *Server) ExpireCSRF() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ss := range s.sessions {
		ss.token = ""
	}
}

// ExpireAccessTokens invalidates every OAuth2 access token now.
func (s *Server) ExpireAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.access)
}

// IssuedSecrets returns every CSRF token and access token the simulator
// has issued, so tests can assert none of them leaks.
func (s *Server) IssuedSecrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append(append([]string(nil), s.csrfSeen...), s.tokenSeen...)
}

// Records returns copies of every entity of a set (SetEquipment, …) in key
// order, for tests. Dates are time.Time values.
func (s *Server) Records(set string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, r := range s.data.records[set] {
		out = append(out, maps.Clone(r))
	}
	return out
}

// Record returns a copy of the entity of set whose key is id.
func (s *Server) Record(set, id string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, es := range entitySets {
		if es.id() == set {
			if r := s.find(es, id); r != nil {
				return maps.Clone(r), true
			}
		}
	}
	return nil, false
}

func (s *Server) find(es entitySet, id string) record {
	for _, r := range s.data.records[es.id()] {
		if scalarString(r[es.key]) == id {
			return r
		}
	}
	return nil
}

// take consumes one unit of a fault counter.

// httpErr is an OData error answer.
type httpErr struct {
	status int
	code   string
	msg    string
	hdr    map[string]string
}

func errf(status int, code, format string, args ...any) *httpErr {
	return &httpErr{status: status, code: code, msg: fmt.Sprintf(format, args...)}
}

// errorBody renders the OData error JSON of the server's version.
func (s *Server) errorBody(e *httpErr) []byte {
	var v any
	if s.version == V4 {
		v = map[string]any{"error": map[string]any{"code": e.code, "message": e.msg}}
	} else {
		v = map[string]any{"error": map[string]any{"code": e.code, "message": map[string]any{"lang": "en", "value": e.msg}}}
	}
	b, _ := json.Marshal(v)
	return b
}

func (s *Server) writeErr(w http.ResponseWriter, e *httpErr) {
	for k, v := range e.hdr {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	_, _ = w.Write(s.errorBody(e))
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rw := simhttp.NewStatusWriter(w)
	start := time.Now()
	defer func() {
		s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", rw.Status, "duration", time.Since(start))
	}()
	switch {
	case strings.HasPrefix(r.URL.Path, "/_sim/"):
		s.admin(rw, r)
		return
	case r.URL.Path == TokenPath:
		s.tokenEndpoint(rw, r)
		return
	}
	s.requests.Add(1)
	write := r.Method != http.MethodGet && r.Method != http.MethodHead
	if write {
		s.writes.Add(1)
	} else {
		s.reads.Add(1)
	}
	s.mu.Lock()
	slow := s.faults.SlowMS
	unavailable := simhttp.Take(&s.faults.Unavailable)
	limited := !unavailable && simhttp.Take(&s.faults.RateLimit)
	retryAfter := s.faults.RetryAfter
	reflect := !unavailable && !limited && simhttp.Take(&s.faults.ReflectHeaders)
	malformed := !unavailable && !limited && !reflect && !write && simhttp.Take(&s.faults.Malformed)
	oversized := !unavailable && !limited && !reflect && !malformed && !write && simhttp.Take(&s.faults.Oversized)
	overBytes := s.faults.OversizedBytes
	s.mu.Unlock()
	if slow > 0 {
		t := time.NewTimer(time.Duration(slow) * time.Millisecond)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	switch {
	case unavailable:
		s.faulted.Add(1)
		s.writeErr(rw, errf(503, "/IWFND/CM_BEC/026", "Service unavailable (simulated fault)"))
		return
	case limited:
		s.faulted.Add(1)
		s.writeErr(rw, &httpErr{status: 429, code: "SY/530", msg: "Too many requests (simulated fault)", hdr: map[string]string{"Retry-After": strconv.Itoa(retryAfter)}})
		return
	}
	if e := s.checkClient(r); e != nil {
		if e.status == 401 {
			s.authFailures.Add(1)
		}
		s.writeErr(rw, e)
		return
	}
	if !s.authenticate(r) {
		s.authFailures.Add(1)
		hdr := map[string]string{"WWW-Authenticate": `Basic realm="SAP NetWeaver Application Server [SIM/` + s.clientOr("100") + `]"`}
		if s.auth.Mode == AuthOAuth2 {
			hdr = map[string]string{"WWW-Authenticate": `Bearer realm="SAP", error="invalid_token"`}
		}
		s.writeErr(rw, &httpErr{status: 401, code: "/IWFND/CM_CONSUMER/101", msg: "Logon failed: invalid or expired credentials", hdr: hdr})
		return
	}
	if reflect {
		s.faulted.Add(1)
		s.writeErr(rw, errf(500, "/IWBEP/CX_MGW_TECH_EXCEPTION", "Internal error; request headers: Authorization=%s; X-CSRF-Token=%s",
			r.Header.Get("Authorization"), r.Header.Get("X-CSRF-Token")))
		return
	}
	var out bytes.Buffer
	status, hdr, herr := s.route(r, &out, oversized)
	if herr != nil {
		s.writeErr(rw, herr)
		return
	}
	for k, v := range hdr {
		rw.Header().Set(k, v)
	}
	body := out.Bytes()
	if malformed && status == 200 {
		s.faulted.Add(1)
		body = body[:len(body)/2]
	}
	if oversized && overBytes > len(body) && status == 200 && len(body) > 0 && body[len(body)-1] == '}' {
		s.faulted.Add(1)
		body = append(body[:len(body)-1], []byte(`,"padding":"`+strings.Repeat("x", overBytes-len(body))+`"}`)...)
	}
	if len(body) > 0 && rw.Header().Get("Content-Type") == "" {
		rw.Header().Set("Content-Type", "application/json")
	}
	if s.version == V4 {
		rw.Header().Set("OData-Version", "4.0")
	} else {
		rw.Header().Set("DataServiceVersion", "2.0")
	}
	rw.WriteHeader(status)
	_, _ = rw.Write(body)
}

func (s *Server) clientOr(def string) string {
	if s.client != "" {
		return s.client
	}
	return def
}

// checkClient enforces the sap-client header or query parameter.
func (s *Server) checkClient(r *http.Request) *httpErr {
	if s.client == "" {
		return nil
	}
	c := r.Header.Get("sap-client")
	if c == "" {
		c = r.URL.Query().Get("sap-client")
	}
	switch {
	case c == "":
		return errf(400, "/IWFND/CM_CONSUMER/102", "No client specified: send the sap-client header")
	case c != s.client:
		return errf(401, "/IWFND/CM_CONSUMER/101", "Logon failed: client %s is not available in this system", truncate(c, 3))
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// authenticate checks the request's credentials.
func (s *Server) authenticate(r *http.Request) bool {
	switch s.auth.Mode {
	case AuthNone, "":
		return true
	case AuthBasic:
		u, p, ok := r.BasicAuth()
		return ok && eq(u, s.auth.Username) && eq(p, s.auth.Password)
	case AuthOAuth2:
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || tok == "" {
			return false
		}
		s.mu.Lock()
		exp, known := s.access[tok]
		s.mu.Unlock()
		return known && s.now().Before(exp)
	}
	return false
}

func formUnescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// tokenEndpoint serves POST /oauth/token (client_credentials).
func (s *Server) tokenEndpoint(w http.ResponseWriter, r *http.Request) {
	oauthErr := func(status int, code, desc string) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
	}
	if s.auth.Mode != AuthOAuth2 {
		oauthErr(404, "not_found", "the simulator is not in oauth2 mode")
		return
	}
	if r.Method != http.MethodPost {
		oauthErr(405, "invalid_request", "use POST")
		return
	}
	ct := strings.ToLower(strings.TrimSpace(strings.Split(r.Header.Get("Content-Type"), ";")[0]))
	if ct != "application/x-www-form-urlencoded" {
		oauthErr(400, "invalid_request", "the token request must be form-encoded")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		oauthErr(400, "invalid_request", "unreadable form")
		return
	}
	if !s.auth.checkClient(r) {
		s.authFailures.Add(1)
		oauthErr(401, "invalid_client", "Bad credentials")
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		oauthErr(400, "unsupported_grant_type", "only client_credentials is supported")
		return
	}
	tok, err := randomString(32)
	if err != nil {
		oauthErr(500, "server_error", "token generation failed")
		return
	}
	tok = "sapat-" + tok
	s.mu.Lock()
	s.access[tok] = s.now().Add(s.tokenTTL)
	s.tokenSeen = append(s.tokenSeen, tok)
	s.mu.Unlock()
	s.tokensIssued.Add(1)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "bearer",
		"expires_in": int(s.tokenTTL / time.Second), "scope": "API_MAINTENANCEORDER API_EQUIPMENT", "jti": "sim"})
}

// baseURL is the absolute origin the client used.

// route serves an authenticated API request into out.
func (s *Server) route(r *http.Request, out *bytes.Buffer, oversized bool) (int, map[string]string, *httpErr) {
	rest, ok := strings.CutPrefix(r.URL.Path, BasePath+"/")
	if !ok {
		return 0, nil, errf(404, "/IWFND/MED/170", "No service found for namespace, name %s", truncate(r.URL.Path, 80))
	}
	service, resource, _ := strings.Cut(rest, "/")
	for alias, target := range s.aliases {
		if r, ok := strings.CutPrefix(rest, alias+"/"); ok {
			service, resource = target, r
			break
		}
	}
	if !knownService(service) {
		return 0, nil, errf(404, "/IWFND/MED/170", "No service found for namespace '/SAP/', name '%s', version '0001'", truncate(service, 60))
	}
	if r.Method == "MERGE" || r.Header.Get("X-HTTP-Method") != "" {
		return 0, nil, errf(405, "/IWBEP/CM_MGW_RT/104", "MERGE and X-HTTP-Method tunnelling are not supported here: use PATCH")
	}
	hdr := map[string]string{}
	if strings.EqualFold(r.Header.Get("X-CSRF-Token"), "fetch") && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		s.issueCSRF(r, hdr)
	}
	if resource == "$metadata" {
		if r.Method != http.MethodGet {
			return 0, nil, errf(405, "/IWBEP/CM_MGW_RT/104", "method %s is not allowed on $metadata", r.Method)
		}
		hdr["Content-Type"] = "application/xml"
		s.metadata(service, out)
		return 200, hdr, nil
	}
	name, key, hasKey, perr := parseResource(resource)
	if perr != nil {
		return 0, nil, perr
	}
	es, ok := lookupSet(service, name)
	if !ok {
		return 0, nil, errf(404, "/IWBEP/CM_MGW_RT/021", "Resource not found for segment '%s'", truncate(name, 60))
	}
	write := r.Method != http.MethodGet && r.Method != http.MethodHead
	if write {
		if e := s.checkCSRF(r); e != nil {
			return 0, nil, e
		}
	} else if e := checkFormat(r); e != nil {
		return 0, nil, e
	}
	var (
		status = 200
		herr   *httpErr
	)
	switch {
	case !hasKey && r.Method == http.MethodGet:
		herr = s.list(r, es, out, oversized)
	case hasKey && r.Method == http.MethodGet:
		herr = s.get(r, es, key, out)
	case !hasKey && r.Method == http.MethodPost && es.id() == SetOrder:
		var loc string
		status, loc, herr = s.create(r, es, out)
		if loc != "" {
			hdr["Location"] = loc
		}
	case hasKey && r.Method == http.MethodPatch && es.id() == SetOrder:
		status, herr = s.update(r, es, key)
	case r.Method == http.MethodPut:
		herr = errf(405, "/IWBEP/CM_MGW_RT/104", "PUT is not supported: use PATCH with the changed properties")
	default:
		herr = errf(405, "/IWBEP/CM_MGW_RT/104", "method %s is not allowed on %s", r.Method, es.name)
	}
	return status, hdr, herr
}

// parseResource splits "Set" or "Set('key')" (also Set(Key='key')).
func parseResource(res string) (name, key string, hasKey bool, e *httpErr) {
	i := strings.IndexByte(res, '(')
	if i < 0 {
		if strings.ContainsAny(res, "/)") {
			return "", "", false, errf(400, "/IWBEP/CM_MGW_RT/022", "Invalid resource path %s", truncate(res, 80))
		}
		return res, "", false, nil
	}
	name = res[:i]
	inner, ok := strings.CutSuffix(res[i+1:], ")")
	if !ok {
		return "", "", false, errf(400, "/IWBEP/CM_MGW_RT/022", "Invalid key predicate in %s", truncate(res, 80))
	}
	if j := strings.IndexByte(inner, '='); j >= 0 && !strings.HasPrefix(inner, "'") {
		inner = inner[j+1:]
	}
	if len(inner) < 2 || inner[0] != '\'' || inner[len(inner)-1] != '\'' {
		return "", "", false, errf(400, "/IWBEP/CM_MGW_RT/022", "The key predicate of %s must be a quoted string", truncate(name, 60))
	}
	body := inner[1 : len(inner)-1]
	var b strings.Builder
	for k := 0; k < len(body); k++ {
		if body[k] == '\'' {
			if k+1 < len(body) && body[k+1] == '\'' {
				b.WriteByte('\'')
				k++
				continue
			}
			return "", "", false, errf(400, "/IWBEP/CM_MGW_RT/022", "Unescaped quote in the key predicate")
		}
		b.WriteByte(body[k])
	}
	return name, b.String(), true, nil
}

// checkFormat accepts $format=json, or Accept naming JSON.
func checkFormat(r *http.Request) *httpErr {
	f := r.URL.Query().Get("$format")
	switch {
	case f == "json" || f == "application/json":
		return nil
	case f != "":
		return errf(415, "/IWBEP/CM_MGW_RT/005", "The simulator serves only $format=json (got %s)", truncate(f, 30))
	case strings.Contains(r.Header.Get("Accept"), "json"):
		return nil
	}
	return errf(406, "/IWBEP/CM_MGW_RT/005", "Send $format=json or Accept: application/json (Atom is not simulated)")
}

// sessionCookie is the name of the session cookie CSRF tokens are bound to.
func (s *Server) sessionCookie() string { return "SAP_SESSIONID_SIM_" + s.clientOr("100") }

// issueCSRF answers an X-CSRF-Token: Fetch with the session's token,
// creating the session (and its cookie) when needed.
func (s *Server) issueCSRF(r *http.Request, hdr map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ss *session
	if c, err := r.Cookie(s.sessionCookie()); err == nil {
		ss = s.sessions[c.Value]
	}
	if ss == nil {
		id, err := randomString(24)
		if err != nil {
			return
		}
		ss = &session{}
		s.sessions[id] = ss
		hdr["Set-Cookie"] = (&http.Cookie{Name: s.sessionCookie(), Value: id, Path: "/", HttpOnly: true}).String()
	}
	if ss.token == "" || !s.now().Before(ss.expires) {
		tok, err := randomString(18)
		if err != nil {
			return
		}
		ss.token, ss.expires = tok+"==", s.now().Add(s.csrfTTL)
		s.csrfSeen = append(s.csrfSeen, ss.token)
	}
	hdr["x-csrf-token"] = ss.token
	s.csrfFetches.Add(1)
}

// checkCSRF validates a write's token against its session.
func (s *Server) checkCSRF(r *http.Request) *httpErr {
	required := &httpErr{status: 403, code: "/IWFND/CM_CONSUMER/103", msg: "CSRF token validation failed", hdr: map[string]string{"x-csrf-token": "Required"}}
	tok := r.Header.Get("X-CSRF-Token")
	s.mu.Lock()
	defer s.mu.Unlock()
	var ss *session
	if c, err := r.Cookie(s.sessionCookie()); err == nil {
		ss = s.sessions[c.Value]
	}
	forced := simhttp.Take(&s.faults.CSRFReject)
	if forced && ss != nil {
		ss.token = ""
	}
	if forced || ss == nil || tok == "" || ss.token == "" || !s.now().Before(ss.expires) || !eq(tok, ss.token) {
		s.csrfRejected.Add(1)
		return required
	}
	return nil
}

// versioned renders one entity in the server's protocol version.
func (s *Server) render(r *http.Request, es entitySet, rec record, sel map[string]bool) map[string]any {
	m := make(map[string]any, len(rec)+1)
	for k, v := range rec {
		if sel != nil && !sel[k] {
			continue
		}
		if t, ok := v.(time.Time); ok {
			m[k] = s.formatTime(t, es.props[k])
			continue
		}
		m[k] = v
	}
	tag := etag(rec)
	if s.version == V2 {
		uri := simhttp.BaseURL(r) + BasePath + "/" + es.service + "/" + es.name + "('" + url.PathEscape(strings.ReplaceAll(scalarString(rec[es.key]), "'", "''")) + "')"
		md := map[string]any{"id": uri, "uri": uri, "type": es.service + "." + es.typeName}
		if tag != "" {
			md["etag"] = tag
		}
		m["__metadata"] = md
	} else if tag != "" {
		m["@odata.etag"] = tag
	}
	return m
}

// etag is the entity's weak ETag, from its last change time ("" when it
// has none).
func etag(rec record) string {
	t, ok := rec["LastChangeDateTime"].(time.Time)
	if !ok {
		return ""
	}
	return `W/"datetimeoffset'` + t.UTC().Format("2006-01-02T15%3A04%3A05.0000000Z") + `'"`
}

func (s *Server) formatTime(t time.Time, k kind) any {
	t = t.UTC()
	if s.version == V4 {
		if k == kDate {
			return t.Format("2006-01-02")
		}
		return t.Format("2006-01-02T15:04:05Z")
	}
	ms := t.UnixMilli()
	if k == kStamp {
		return fmt.Sprintf("/Date(%d+0000)/", ms)
	}
	return fmt.Sprintf("/Date(%d)/", ms)
}

func parseSelect(es entitySet, s string) (map[string]bool, *httpErr) {
	s = strings.TrimSpace(s)
	if s == "" || s == "*" {
		return nil, nil
	}
	sel := map[string]bool{}
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "*" {
			return nil, nil
		}
		if _, ok := es.props[p]; !ok {
			return nil, errf(400, "/IWBEP/CM_MGW_RT/013", "Property %s not found in type %s", truncate(p, 60), es.typeName)
		}
		sel[p] = true
	}
	return sel, nil
}

func intParam(q url.Values, name string) (int, bool, *httpErr) {
	v := q.Get(name)
	if v == "" {
		return 0, false, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, false, errf(400, "/IWBEP/CM_MGW_RT/011", "Invalid value for %s: %s", name, truncate(v, 20))
	}
	return n, true, nil
}

// list serves a collection query with client ($top/$skip) and server
// ($skiptoken) paging.
func (s *Server) list(r *http.Request, es entitySet, out *bytes.Buffer, oversized bool) *httpErr {
	q := r.URL.Query()
	var filter expr
	if f := q.Get("$filter"); strings.TrimSpace(f) != "" {
		e, err := parseFilter(f)
		if err != nil {
			return errf(400, "/IWBEP/CM_MGW_RT/014", "Invalid filter expression: %v", err)
		}
		var bad string
		e.props(func(p string) {
			if _, ok := es.props[p]; !ok && bad == "" {
				bad = p
			}
		})
		if bad != "" {
			return errf(400, "/IWBEP/CM_MGW_RT/013", "Property %s not found in type %s", truncate(bad, 60), es.typeName)
		}
		filter = e
	}
	sel, herr := parseSelect(es, q.Get("$select"))
	if herr != nil {
		return herr
	}
	top, hasTop, herr := intParam(q, "$top")
	if herr != nil {
		return herr
	}
	skip, _, herr := intParam(q, "$skip")
	if herr != nil {
		return herr
	}
	off, _, herr := intParam(q, "$skiptoken")
	if herr != nil {
		return herr
	}
	s.mu.Lock()
	var rows []map[string]any
	for _, rec := range s.data.records[es.id()] {
		if filter == nil || filter.eval(rec) {
			rows = append(rows, s.render(r, es, rec, sel))
		}
	}
	s.mu.Unlock()
	next := ""
	if !oversized {
		rows = rows[min(skip, len(rows)):]
		if hasTop {
			rows = rows[:min(top, len(rows))]
		}
		from := min(off, len(rows))
		to := min(from+s.serverPage, len(rows))
		if to < len(rows) {
			nq := maps.Clone(q)
			nq.Set("$skiptoken", strconv.Itoa(to))
			next = simhttp.BaseURL(r) + r.URL.Path + "?" + encodeQuery(nq)
		}
		rows = rows[from:to]
	}
	if rows == nil {
		rows = []map[string]any{}
	}
	var body map[string]any
	if s.version == V4 {
		body = map[string]any{"@odata.context": "$metadata#" + es.name, "value": rows}
		if next != "" {
			body["@odata.nextLink"] = next
		}
	} else {
		d := map[string]any{"results": rows}
		if next != "" {
			d["__next"] = next
		}
		body = map[string]any{"d": d}
	}
	return encode(out, body)
}

// encodeQuery encodes q with %20 for spaces and literal $ in names.
func encodeQuery(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range q[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(strings.ReplaceAll(url.QueryEscape(k), "%24", "$"))
			b.WriteByte('=')
			b.WriteString(strings.ReplaceAll(url.QueryEscape(v), "+", "%20"))
		}
	}
	return b.String()
}

func encode(out *bytes.Buffer, v any) *httpErr {
	if err := json.NewEncoder(out).Encode(v); err != nil {
		return errf(500, "/IWBEP/CX_MGW_TECH_EXCEPTION", "encoding: %v", err)
	}
	// drop the encoder's newline so padding can extend the object
	if out.Len() > 0 && out.Bytes()[out.Len()-1] == '\n' {
		out.Truncate(out.Len() - 1)
	}
	return nil
}

func (s *Server) entityBody(r *http.Request, es entitySet, rec record, sel map[string]bool) any {
	m := s.render(r, es, rec, sel)
	if s.version == V4 {
		m["@odata.context"] = "$metadata#" + es.name + "/$entity"
		return m
	}
	return map[string]any{"d": m}
}

func (s *Server) get(r *http.Request, es entitySet, key string, out *bytes.Buffer) *httpErr {
	sel, herr := parseSelect(es, r.URL.Query().Get("$select"))
	if herr != nil {
		return herr
	}
	s.mu.Lock()
	rec := s.find(es, key)
	var body any
	if rec != nil {
		body = s.entityBody(r, es, rec, sel)
	}
	s.mu.Unlock()
	if body == nil {
		return errf(404, "/IWBEP/CM_MGW_RT/020", "Resource not found for segment '%s'", es.name)
	}
	return encode(out, body)
}

func readJSONBody(r *http.Request) (map[string]any, *httpErr) {
	ct := strings.ToLower(strings.TrimSpace(strings.Split(r.Header.Get("Content-Type"), ";")[0]))
	if ct != "application/json" {
		return nil, errf(415, "/IWBEP/CM_MGW_RT/005", "Content-Type must be application/json, got %q", truncate(ct, 40))
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, errf(400, "/IWBEP/CM_MGW_RT/030", "reading body: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return nil, errf(400, "/IWBEP/CM_MGW_RT/030", "The request body is not a JSON object")
	}
	if d, ok := m["d"].(map[string]any); ok && len(m) == 1 {
		m = d // v2 clients may wrap the entity in "d"
	}
	return m, nil
}

var orderTypes = map[string]bool{"PM01": true, "PM02": true, "PM03": true, "PM04": true}
var priorities = map[string]bool{"1": true, "2": true, "3": true, "4": true}

// stringProps checks that every property is writable and a string.
func stringProps(m map[string]any, writable map[string]bool) (map[string]string, *httpErr) {
	out := map[string]string{}
	for k, v := range m {
		if k == "__metadata" {
			continue
		}
		if !writable[k] {
			return nil, errf(400, "/IWBEP/CM_MGW_RT/031", "Property %s cannot be written", truncate(k, 60))
		}
		sv, ok := v.(string)
		if !ok {
			return nil, errf(400, "/IWBEP/CM_MGW_RT/032", "Property %s must be an Edm.String", truncate(k, 60))
		}
		out[k] = sv
	}
	return out, nil
}

var createWritable = map[string]bool{"MaintenanceOrderDesc": true, "Equipment": true, "MaintenanceOrderType": true, "MaintPriority": true,
	"MaintOrdPersonResponsible": true, "MaintenanceActivityType": true, "MaintenanceCause": true, "MainWorkCenter": true}

func (s *Server) create(r *http.Request, es entitySet, out *bytes.Buffer) (int, string, *httpErr) {
	m, herr := readJSONBody(r)
	if herr != nil {
		return 0, "", herr
	}
	p, herr := stringProps(m, createWritable)
	if herr != nil {
		return 0, "", herr
	}
	if strings.TrimSpace(p["MaintenanceOrderDesc"]) == "" {
		return 0, "", errf(400, "IW/080", "Enter a short text (MaintenanceOrderDesc)")
	}
	if p["MaintenanceOrderType"] == "" {
		p["MaintenanceOrderType"] = "PM01"
	}
	if !orderTypes[p["MaintenanceOrderType"]] {
		return 0, "", errf(400, "IW/017", "Order type %s is not defined", truncate(p["MaintenanceOrderType"], 10))
	}
	if p["MaintPriority"] == "" {
		p["MaintPriority"] = "3"
	}
	if !priorities[p["MaintPriority"]] {
		return 0, "", errf(400, "IW/019", "Priority %s is not defined", truncate(p["MaintPriority"], 10))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	eqs, _ := lookupSet("API_EQUIPMENT", "Equipment")
	eq := s.find(eqs, p["Equipment"])
	if eq == nil {
		return 0, "", errf(400, "IW/021", "Equipment %s does not exist", truncate(p["Equipment"], 40))
	}
	now := s.now().UTC()
	rec := record{}
	for k, v := range p {
		if v != "" {
			rec[k] = v
		}
	}
	rec["MaintenanceOrder"] = strconv.Itoa(s.data.nextOrder)
	s.data.nextOrder++
	rec["MaintenanceOrderSystemStatus"] = "CRTD"
	rec["FunctionalLocation"] = eq["FunctionalLocation"]
	rec["MaintenancePlanningPlant"] = Plant
	rec["CreationDate"] = now.Truncate(24 * time.Hour)
	rec["MaintOrdBasicStartDate"] = now.Truncate(24 * time.Hour)
	rec["LastChangeDateTime"] = now
	s.data.records[es.id()] = append(s.data.records[es.id()], rec)
	s.writesDone.Add(1)
	loc := simhttp.BaseURL(r) + BasePath + "/" + es.service + "/" + es.name + "('" + rec["MaintenanceOrder"].(string) + "')"
	return http.StatusCreated, loc, encode(out, s.entityBody(r, es, rec, nil))
}

var updateWritable = map[string]bool{"MaintenanceOrderDesc": true, "MaintOrdPersonResponsible": true, "MaintenanceOrderSystemStatus": true,
	"MaintPriority": true, "MaintenanceCause": true, "MainWorkCenter": true, "MaintenanceActivityType": true}

// statusRank orders system statuses; the most progressed one wins.
var statusRank = map[string]int{"CRTD": 1, "REL": 2, "PCNF": 3, "CNF": 4, "TECO": 5, "CLSD": 6, "DLFL": 7}

// statusMoves are the system-status changes the simulator allows
// (mirroring Machina's work-order life cycle).
var statusMoves = map[string][]string{
	"CRTD": {"REL", "DLFL"},
	"REL":  {"PCNF", "DLFL"},
	"PCNF": {"CNF", "DLFL"},
	"CNF":  {"TECO"},
	"TECO": {"CLSD"},
}

// effectiveStatus returns the most progressed system status in a compound
// status string.
func effectiveStatus(compound string) string {
	best := ""
	for _, t := range strings.Fields(compound) {
		if statusRank[t] > statusRank[best] {
			best = t
		}
	}
	return best
}

func (s *Server) update(r *http.Request, es entitySet, key string) (int, *httpErr) {
	m, herr := readJSONBody(r)
	if herr != nil {
		return 0, herr
	}
	p, herr := stringProps(m, updateWritable)
	if herr != nil {
		return 0, herr
	}
	if len(p) == 0 {
		return 0, errf(400, "/IWBEP/CM_MGW_RT/033", "The request changes no property")
	}
	if v, ok := p["MaintPriority"]; ok && !priorities[v] {
		return 0, errf(400, "IW/019", "Priority %s is not defined", truncate(v, 10))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.find(es, key)
	if rec == nil {
		return 0, errf(404, "/IWBEP/CM_MGW_RT/020", "Resource not found for segment '%s'", es.name)
	}
	switch im := r.Header.Get("If-Match"); {
	case im == "" && s.ifMatch:
		return 0, errf(428, "/IWBEP/CM_MGW_RT/025", "Precondition required: send If-Match with the entity's ETag")
	case im != "" && im != "*" && im != etag(rec):
		return 0, errf(412, "/IWBEP/CM_MGW_RT/026", "Precondition failed: order %s was changed by another user", key)
	}
	if to, ok := p["MaintenanceOrderSystemStatus"]; ok {
		cur := scalarString(rec["MaintenanceOrderSystemStatus"])
		from := effectiveStatus(cur)
		if _, known := statusRank[to]; !known {
			return 0, errf(400, "BS/013", "System status %s is not a valid target status", truncate(to, 10))
		}
		if to != from {
			allowed := false
			for _, t := range statusMoves[from] {
				allowed = allowed || t == to
			}
			if !allowed {
				return 0, errf(400, "BS/007", "Order %s: status %s cannot be set from %s", key, to, from)
			}
			var toks []string
			for _, t := range strings.Fields(cur) {
				if (to == "REL" && t == "CRTD") || (to == "CNF" && t == "PCNF") {
					continue
				}
				toks = append(toks, t)
			}
			p["MaintenanceOrderSystemStatus"] = strings.Join(append(toks, to), " ")
		} else {
			delete(p, "MaintenanceOrderSystemStatus")
		}
	}
	for k, v := range p {
		if v == "" {
			delete(rec, k)
			continue
		}
		rec[k] = v
	}
	rec["LastChangeDateTime"] = s.now().UTC()
	s.writesDone.Add(1)
	return http.StatusNoContent, nil
}

// metadata writes a minimal EDMX document for service.
func (s *Server) metadata(service string, out *bytes.Buffer) {
	ver, ns := "1.0", "http://schemas.microsoft.com/ado/2007/06/edmx"
	if s.version == V4 {
		ver, ns = "4.0", "http://docs.oasis-open.org/odata/ns/edmx"
	}
	fmt.Fprintf(out, `<?xml version="1.0" encoding="utf-8"?>`+"\n"+`<edmx:Edmx Version="%s" xmlns:edmx="%s"><edmx:DataServices><Schema Namespace="%s" xmlns="http://schemas.microsoft.com/ado/2008/09/edm">`, ver, ns, service)
	for _, es := range entitySets {
		if es.service != service {
			continue
		}
		fmt.Fprintf(out, `<EntityType Name="%s"><Key><PropertyRef Name="%s"/></Key>`, es.typeName, es.key)
		names := make([]string, 0, len(es.props))
		for n := range es.props {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			t := "Edm.String"
			switch es.props[n] {
			case kDate:
				t = "Edm.DateTime"
				if s.version == V4 {
					t = "Edm.Date"
				}
			case kStamp:
				t = "Edm.DateTimeOffset"
			}
			fmt.Fprintf(out, `<Property Name="%s" Type="%s"/>`, n, t)
		}
		fmt.Fprintf(out, `</EntityType><EntityContainer Name="%s_Entities"><EntitySet Name="%s" EntityType="%s.%s"/></EntityContainer>`, service, es.name, service, es.typeName)
	}
	out.WriteString(`</Schema></edmx:DataServices></edmx:Edmx>`)
}

// admin serves /_sim/faults, /_sim/stats and /_sim/csrf/expire.
func (s *Server) admin(w http.ResponseWriter, r *http.Request) {
	if !s.authenticate(r) {
		s.writeErr(w, errf(401, "SIM/001", "admin endpoint: invalid credentials"))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.URL.Path == "/_sim/stats" && r.Method == http.MethodGet:
		_ = json.NewEncoder(w).Encode(s.Stats())
	case r.URL.Path == "/_sim/faults" && r.Method == http.MethodGet:
		_ = json.NewEncoder(w).Encode(s.Faults())
	case r.URL.Path == "/_sim/faults" && (r.Method == http.MethodPut || r.Method == http.MethodPost):
		var f Faults
		dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			s.writeErr(w, errf(400, "SIM/002", "faults: %v", err))
			return
		}
		s.SetFaults(f)
		_ = json.NewEncoder(w).Encode(f)
	case r.URL.Path == "/_sim/faults" && r.Method == http.MethodDelete:
		s.SetFaults(Faults{})
		_ = json.NewEncoder(w).Encode(Faults{})
	case r.URL.Path == "/_sim/csrf/expire" && r.Method == http.MethodPost:
		s.ExpireCSRF()
		_ = json.NewEncoder(w).Encode(map[string]bool{"expired": true})
	default:
		s.writeErr(w, errf(404, "SIM/003", "unknown admin endpoint (GET /_sim/stats, GET|PUT|DELETE /_sim/faults, POST /_sim/csrf/expire)"))
	}
}
