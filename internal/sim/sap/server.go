package sap

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
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

// V4BasePath is where S/4HANA publishes its OData v4 services (service
// root /sap/opu/odata4/sap/<service>/srvd_a2x/sap/<name>/<version>/, see
// plugins/cmms-sap/testdata/corpus/SOURCES.md). An OData v4 server serves
// its services (and ServiceAliases) under it as well as under BasePath.
const V4BasePath = "/sap/opu/odata4/sap"

// TokenPath is the OAuth2 token endpoint (AuthOAuth2 only).
const TokenPath = "/oauth/token"

// OData protocol versions.
const (
	V2 = "v2"
	V4 = "v4"
)

// Where orders carry their status (Options.StatusField).
const (
	// StatusText serves SystemStatusText (space-separated 4-character
	// system status codes, e.g. "REL  CNF  PRC") and UserStatusText, as
	// SAP's published API does.
	StatusText = "text"
	// StatusLegacy serves the reference's MaintenanceOrderSystemStatus
	// ("REL CNF PRC"), which no published SAP specification contains, and
	// no user status.
	StatusLegacy = "legacy"
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
	// StatusField is StatusText (default) or StatusLegacy.
	StatusField string
	// LenientCSRF accepts any issued, unexpired CSRF token whatever the
	// cookies of the write. By default (strict, as SAP Gateway) a token is
	// bound to the session of the GET that fetched it: the write must
	// carry that session's cookies (SAP_SESSIONID_… and the anti-XSRF
	// cookie sap-XSRF_…) or it is refused with 403 "x-csrf-token:
	// Required".
	LenientCSRF bool
	// ProxyOrigin, when set (e.g. "http://s4h-app01.corp.internal:8000"),
	// is the origin the server names in next links and entity URIs
	// instead of the one the client used, as SAP behind a reverse proxy or
	// load balancer does.
	ProxyOrigin string
	// RelativeNextLink makes OData v4 next links relative
	// ("MaintenanceOrder?$skiptoken=…", resolved against the service
	// root), as OData 4.01 allows.
	RelativeNextLink bool
	// CustomerCodes makes the generated plant a customer-configured one:
	// orders of customer types (YBA1–YBA4) only, and only those types are
	// defined for new orders (PM01–PM04 are refused). YBA1 and YBA2 are the
	// sandbox's; YBA3 and YBA4 are composed.
	CustomerCodes bool
	// ProcessPhases serves the given orders (order id → phase code) the
	// way a service that exposes only the process phase does:
	// MaintOrdProcessPhaseCode set, no system or user status. SAP
	// publishes no phase code values; the codes are the caller's.
	ProcessPhases map[string]string
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
	shape      shape
	cat        *catalog
	log        hclog.Logger
	now        func() time.Time

	mu        sync.Mutex
	data      *dataset
	faults    Faults
	csrf      csrfStore
	access    map[string]time.Time
	tokenSeen []string

	n                                       simhttp.Counters
	csrfFetches, csrfRejected, tokensIssued atomic.Int64
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
	sh, err := newShape(opts)
	if err != nil {
		return nil, fmt.Errorf("sap sim: %w", err)
	}
	cat := newCatalog()
	data, err := seedData(cat, opts.Seed, opts.MinEquipment, opts.CustomerCodes)
	if err != nil {
		return nil, fmt.Errorf("sap sim: seeding: %w", err)
	}
	s := &Server{auth: opts.Auth, version: opts.ODataVersion, client: opts.SAPClient, csrfTTL: opts.CSRFTTL,
		tokenTTL: opts.TokenTTL, serverPage: opts.ServerPageSize, aliases: maps.Clone(opts.ServiceAliases), ifMatch: opts.RequireIfMatch,
		shape: sh, cat: cat, log: opts.Logger, now: opts.Now,
		data: data, csrf: csrfStore{sessions: map[string]*session{}, lenient: map[string]time.Time{}}, access: map[string]time.Time{}}
	if err := s.setPhases(opts.ProcessPhases); err != nil {
		return nil, fmt.Errorf("sap sim: %w", err)
	}
	return s, nil
}

// setPhases gives the orders named in phases (order id → code) a process
// phase and no system or user status (Options.ProcessPhases).
func (s *Server) setPhases(phases map[string]string) error {
	es, _ := s.cat.byID(SetOrder)
	for id, code := range phases {
		r := s.find(es, map[string]string{es.keys[0]: id})
		if r == nil {
			return fmt.Errorf("process phase for unknown order %q", id)
		}
		r["MaintOrdProcessPhaseCode"], r["SystemStatusText"], r["UserStatusText"] = code, "", ""
	}
	return nil
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
	return Stats{Requests: s.n.Requests.Load(), Reads: s.n.Reads.Load(), Writes: s.n.Writes.Load(), WritesDone: s.n.WritesDone.Load(),
		AuthFailures: s.n.AuthFailures.Load(), Faulted: s.n.Faulted.Load(), CSRFFetches: s.csrfFetches.Load(),
		CSRFRejected: s.csrfRejected.Load(), TokensIssued: s.tokensIssued.Load()}
}

// ExpireCSRF invalidates every CSRF token now (the test hook for "the
// token expired mid-session"); sessions and their cookies stay valid.
func (s *Server) ExpireCSRF() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.csrf.expireAll()
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
	return append(append([]string(nil), s.csrf.seen...), s.tokenSeen...)
}

// Records returns copies of every entity of a set (SetEquipment, …) in key
// order, for tests, as stored: dates are time.Time values, order statuses
// are in SystemStatusText whatever Options.StatusField serves, expanded
// navigation properties are []map[string]any.
func (s *Server) Records(set string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, r := range s.data.records[set] {
		out = append(out, export(r))
	}
	return out
}

// Record returns a copy of the entity of set whose first key property is
// id (for equipment, the current version).
func (s *Server) Record(set, id string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if es, ok := s.cat.byID(set); ok {
		if r := s.find(es, map[string]string{es.keys[0]: id}); r != nil {
			return export(r), true
		}
	}
	return nil, false
}

// export copies a record for callers outside the package.
func export(r record) map[string]any {
	out := map[string]any(cloneRecord(r))
	for k, v := range out {
		if kids, ok := v.([]record); ok {
			list := make([]map[string]any, len(kids))
			for i, kid := range kids {
				list[i] = export(kid)
			}
			out[k] = list
		}
	}
	return out
}

// find returns the entity of es whose key properties have the values in
// key (a missing ValidityEndDate means the current version).
func (s *Server) find(es *entitySet, key map[string]string) record {
	for _, r := range s.data.records[es.id()] {
		match := true
		for _, k := range es.keys {
			want, ok := key[k]
			if !ok && k == "ValidityEndDate" {
				want, ok = "9999-12-31", true
			}
			if !ok || scalarString(r[k]) != want {
				match = false
				break
			}
		}
		if match {
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
	plain  string // a text/plain body instead of the OData error JSON
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
	if e.plain != "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(e.status)
		_, _ = w.Write([]byte(e.plain))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	_, _ = w.Write(s.errorBody(e))
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rw := simhttp.NewStatusWriter(w)
	defer simhttp.LogRequest(s.log, rw, r, time.Now())
	switch {
	case strings.HasPrefix(r.URL.Path, "/_sim/"):
		s.admin(rw, r)
	case r.URL.Path == TokenPath:
		s.tokenEndpoint(rw, r)
	default:
		s.serveAPI(rw, r)
	}
}

// fired is what the counted faults decided for one API request.
type fired struct {
	slow, retryAfter, overBytes                         int
	unavailable, limited, reflect, malformed, oversized bool
}

// takeFaults consumes the faults that fire on this request.
func (s *Server) takeFaults(write bool) fired {
	s.mu.Lock()
	defer s.mu.Unlock()
	var f fired
	f.slow, f.retryAfter, f.overBytes = s.faults.SlowMS, s.faults.RetryAfter, s.faults.OversizedBytes
	f.unavailable = simhttp.Take(&s.faults.Unavailable)
	f.limited = !f.unavailable && simhttp.Take(&s.faults.RateLimit)
	f.reflect = !f.unavailable && !f.limited && simhttp.Take(&s.faults.ReflectHeaders)
	f.malformed = !f.unavailable && !f.limited && !f.reflect && !write && simhttp.Take(&s.faults.Malformed)
	f.oversized = !f.unavailable && !f.limited && !f.reflect && !f.malformed && !write && simhttp.Take(&s.faults.Oversized)
	return f
}

// serveAPI answers an OData request: faults first, then the client and
// the credentials, then the service.
func (s *Server) serveAPI(rw *simhttp.StatusWriter, r *http.Request) {
	f := s.takeFaults(s.n.Count(r))
	if !simhttp.Delay(r, f.slow) {
		return
	}
	if e := s.refuse(r, f); e != nil {
		s.writeErr(rw, e)
		return
	}
	var out bytes.Buffer
	status, hdr, herr := s.route(rw, r, &out, f.oversized)
	if herr != nil {
		s.writeErr(rw, herr)
		return
	}
	for k, v := range hdr {
		rw.Header().Set(k, v)
	}
	body, damaged := simhttp.Damage(out.Bytes(), status, f.malformed, f.oversized, f.overBytes)
	if damaged {
		s.n.Faulted.Add(1)
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

// refuse is the error a request gets before it reaches the service: an
// injected fault, a wrong sap-client, bad credentials, or the leaky
// gateway of the reflect fault. It counts what it refuses.
func (s *Server) refuse(r *http.Request, f fired) *httpErr {
	switch {
	case f.unavailable:
		s.n.Faulted.Add(1)
		return errf(503, "/IWFND/CM_BEC/026", "Service unavailable (simulated fault)")
	case f.limited:
		s.n.Faulted.Add(1)
		return &httpErr{status: 429, code: "SY/530", msg: "Too many requests (simulated fault)", hdr: map[string]string{"Retry-After": strconv.Itoa(f.retryAfter)}}
	}
	if e := s.checkClient(r); e != nil {
		if e.status == 401 {
			s.n.AuthFailures.Add(1)
		}
		return e
	}
	if !s.authenticate(r) {
		s.n.AuthFailures.Add(1)
		hdr := map[string]string{"WWW-Authenticate": `Basic realm="SAP NetWeaver Application Server [SIM/` + s.clientOr("100") + `]"`}
		if s.auth.Mode == AuthOAuth2 {
			hdr = map[string]string{"WWW-Authenticate": `Bearer realm="SAP", error="invalid_token"`}
		}
		return &httpErr{status: 401, code: "/IWFND/CM_CONSUMER/101", msg: "Logon failed: invalid or expired credentials", hdr: hdr}
	}
	if f.reflect {
		s.n.Faulted.Add(1)
		return errf(500, "/IWBEP/CX_MGW_TECH_EXCEPTION", "Internal error; request headers: Authorization=%s; X-CSRF-Token=%s",
			r.Header.Get("Authorization"), r.Header.Get("X-CSRF-Token"))
	}
	return nil
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
		return ok && simhttp.Equal(u, s.auth.Username) && simhttp.Equal(p, s.auth.Password)
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
		s.n.AuthFailures.Add(1)
		oauthErr(401, "invalid_client", "Bad credentials")
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		oauthErr(400, "unsupported_grant_type", "only client_credentials is supported")
		return
	}
	tok, err := simhttp.RandomString(32)
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

// admin serves /_sim/faults, /_sim/stats and /_sim/csrf/expire.
func (s *Server) admin(w http.ResponseWriter, r *http.Request) {
	if !s.authenticate(r) {
		s.writeErr(w, errf(401, "SIM/001", "admin endpoint: invalid credentials"))
		return
	}
	fail := func(status int, msg string) { s.writeErr(w, errf(status, "SIM/002", "%s", msg)) }
	switch {
	case simhttp.Admin(w, r, func() any { return s.Stats() }, s.Faults, s.SetFaults, fail):
	case r.URL.Path == "/_sim/csrf/expire" && r.Method == http.MethodPost:
		s.ExpireCSRF()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]bool{"expired": true})
	default:
		s.writeErr(w, errf(404, "SIM/003", "unknown admin endpoint (GET /_sim/stats, GET|PUT|DELETE /_sim/faults, POST /_sim/csrf/expire)"))
	}
}
