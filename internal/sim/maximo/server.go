package maximo

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/machina-go/machina/internal/sim/simhttp"

	"github.com/hashicorp/go-hclog"
)

// Options configure a Server.
type Options struct {
	// Auth is what clients must present (zero value: AuthNone).
	Auth Auth
	// Seed makes the generated data deterministic (0 is a valid seed).
	Seed uint64
	// MinAssets pads the plant with extra equipment up to this many assets
	// (the base plant has 58).
	MinAssets int
	// Logger receives one debug line per request (never credentials).
	Logger hclog.Logger
	// Now is the clock for written dates (default time.Now).
	Now func() time.Time
	// Shape selects response shapes (see Shape); SetShape changes it.
	Shape Shape
}

// Faults are the failure modes the simulator can inject. Counts apply to
// the next N API requests (admin requests excluded); -1 means every
// request, 0 off.
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
	// Oversized ignores oslc.pageSize (the whole result on one page) and
	// pads the body to at least OversizedBytes.
	Oversized      int `json:"oversized,omitempty"`
	OversizedBytes int `json:"oversized_bytes,omitempty"`
}

// Stats count what the simulator received.
type Stats struct {
	Requests     int64 `json:"requests"`      // API requests (admin excluded)
	Reads        int64 `json:"reads"`         // GET requests
	Writes       int64 `json:"writes"`        // write requests received (POST/PATCH/PUT/DELETE), applied or not
	WritesDone   int64 `json:"writes_done"`   // writes that changed data
	AuthFailures int64 `json:"auth_failures"` // requests refused with 401
	Faulted      int64 `json:"faulted"`       // requests answered by an injected fault
}

// Server is the simulator; it implements http.Handler.
type Server struct {
	auth     Auth
	log      hclog.Logger
	now      func() time.Time
	mu       sync.Mutex
	data     *dataset
	faults   Faults
	shape    Shape
	fixtures Fixtures
	txns     map[string]time.Time // transactionid → when first seen

	n simhttp.Counters
}

// NewServer builds a simulator with seeded data.
func NewServer(opts Options) (*Server, error) {
	if opts.Auth.Mode == "" {
		opts.Auth.Mode = AuthNone
	}
	if err := opts.Auth.validate(); err != nil {
		return nil, fmt.Errorf("maximo sim: %w", err)
	}
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Server{auth: opts.Auth, log: opts.Logger, now: opts.Now, data: seedData(opts.Seed, opts.MinAssets), shape: opts.Shape,
		txns: map[string]time.Time{}}, nil
}

// SetShape replaces the response shapes.
func (s *Server) SetShape(sh Shape) {
	s.mu.Lock()
	s.shape = sh
	s.mu.Unlock()
}

// Shape returns the response shapes.
func (s *Server) Shape() Shape {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.shape
}

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
		AuthFailures: s.n.AuthFailures.Load(), Faulted: s.n.Faulted.Load()}
}

// Records returns copies of every record of an object structure (mxasset,
// mxwo, mxinventory, mxpm) in key order, for tests.
func (s *Server) Records(os string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, r := range s.recordsLocked(os) {
		out = append(out, deepCopy(r))
	}
	return out
}

// recordsLocked are the records of os as the shape serves them (the
// SparseInventory tools included); the caller holds s.mu.
func (s *Server) recordsLocked(os string) []record {
	if os == OSInventory && s.shape.SparseInventory {
		return append(append([]record(nil), s.data.records[os]...), s.data.tools...)
	}
	return s.data.records[os]
}

// Record returns a copy of the record of os whose key is id.
func (s *Server) Record(os, id string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.find(os, id)
	if r == nil {
		return nil, false
	}
	return deepCopy(r), true
}

func (s *Server) find(os, id string) record {
	key := structures[os].key
	for _, r := range s.data.records[os] {
		if r[key] == id {
			return r
		}
	}
	return nil
}

func deepCopy(r record) map[string]any {
	b, _ := json.Marshal(r)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rw := simhttp.NewStatusWriter(w)
	defer simhttp.LogRequest(s.log, rw, r, time.Now())
	if strings.HasPrefix(r.URL.Path, "/_sim/") {
		s.admin(rw, r)
		return
	}
	s.n.Count(r)
	s.mu.Lock()
	slow := s.faults.SlowMS
	unavailable := simhttp.Take(&s.faults.Unavailable)
	limited := !unavailable && simhttp.Take(&s.faults.RateLimit)
	retryAfter := s.faults.RetryAfter
	malformed := !unavailable && !limited && simhttp.Take(&s.faults.Malformed)
	oversized := !unavailable && !limited && !malformed && simhttp.Take(&s.faults.Oversized)
	overBytes := s.faults.OversizedBytes
	s.mu.Unlock()
	if !simhttp.Delay(r, slow) {
		return
	}
	switch {
	case unavailable:
		s.n.Faulted.Add(1)
		writeError(rw, http.StatusServiceUnavailable, "BMXAA0021E", "Maximo is unavailable (simulated fault)")
		return
	case limited:
		s.n.Faulted.Add(1)
		rw.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		writeError(rw, http.StatusTooManyRequests, "BMXAA9549E", "Too many requests (simulated fault)")
		return
	}
	user, ok := s.auth.check(r)
	if !ok {
		s.n.AuthFailures.Add(1)
		writeError(rw, http.StatusUnauthorized, "BMXAA0021E", "User name and password combination are not valid. Try again.")
		return
	}
	var out bytes.Buffer
	status, hdr := s.route(r, user, &out, oversized)
	for k, v := range hdr {
		rw.Header().Set(k, v)
	}
	body, damaged := simhttp.Damage(out.Bytes(), status, malformed, oversized, overBytes)
	if damaged {
		s.n.Faulted.Add(1)
	}
	if len(body) > 0 {
		rw.Header().Set("Content-Type", "application/json")
	}
	rw.WriteHeader(status)
	_, _ = rw.Write(body)
}

// apiError is Maximo's error body.
func apiError(status int, reason, msg string) []byte {
	b, _ := json.Marshal(map[string]any{"Error": map[string]any{
		"reasonCode": reason, "message": reason + " - " + msg, "statusCode": strconv.Itoa(status),
	}})
	return b
}

func writeError(w http.ResponseWriter, status int, reason, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(apiError(status, reason, msg))
}

type httpErr struct {
	status int
	reason string
	msg    string
}

func errf(status int, reason, format string, args ...any) *httpErr {
	return &httpErr{status, reason, fmt.Sprintf(format, args...)}
}

const osPrefix = "/maximo/oslc/os/"

// route serves an authenticated API request into out.
func (s *Server) route(r *http.Request, user string, out *bytes.Buffer, oversized bool) (int, map[string]string) {
	var (
		status = 200
		hdr    map[string]string
		herr   *httpErr
	)
	p := r.URL.Path
	switch {
	case p == "/maximo/oslc/whoami":
		if r.Method != http.MethodGet {
			herr = errf(405, "BMXAA9365E", "method %s is not allowed on whoami", r.Method)
			break
		}
		_ = json.NewEncoder(out).Encode(map[string]any{"userid": user, "loginid": strings.ToLower(user), "displayname": user,
			"defsite": SiteID, "insertSite": SiteID, "defaultOrg": OrgID, "langcode": "EN", "baseCurrency": "USD"})
	case strings.HasPrefix(p, osPrefix):
		rest := strings.TrimPrefix(p, osPrefix)
		name, restID, _ := strings.Cut(rest, "/")
		os, ok := lookupOS(name)
		if !ok {
			herr = errf(404, "BMXAA8727E", "The object structure %s was not found.", name)
			break
		}
		switch {
		case restID == "" && r.Method == http.MethodGet:
			herr = s.list(r, os, out, oversized)
		case restID == "" && r.Method == http.MethodPost:
			status, hdr, herr = s.create(r, os, out)
		case restID != "" && r.Method == http.MethodGet:
			herr = s.get(r, os, restID, out)
		case restID != "" && r.Method == http.MethodPost:
			status, herr = s.update(r, os, restID, out)
		case r.Method == http.MethodPatch:
			herr = errf(405, "BMXAA9365E", "PATCH is not supported; POST to the resource with the x-method-override: PATCH header")
		default:
			herr = errf(405, "BMXAA9365E", "method %s is not allowed here", r.Method)
		}
	default:
		herr = errf(404, "BMXAA8727E", "The resource %s was not found.", p)
	}
	if herr != nil {
		out.Reset()
		out.Write(apiError(herr.status, herr.reason, herr.msg))
		return herr.status, hdr
	}
	return status, hdr
}

// selection is a parsed oslc.select: all attributes of the main object
// ("*" or no select) and/or named attributes and child objects.
type selection struct {
	all   bool
	names map[string]bool
}

func parseSelect(s string) selection {
	sel := selection{names: map[string]bool{}}
	s = strings.TrimSpace(s)
	if s == "" {
		sel.all = true
		return sel
	}
	depth := 0
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) {
			switch s[i] {
			case '{':
				depth++
				continue
			case '}':
				depth--
				continue
			case ',':
				if depth > 0 {
					continue
				}
			default:
				continue
			}
		}
		part := strings.TrimSpace(s[start:i])
		if j := strings.IndexByte(part, '{'); j >= 0 {
			part = part[:j]
		}
		switch part {
		case "*":
			sel.all = true
		case "":
		default:
			sel.names[strings.ToLower(part)] = true
		}
		start = i + 1
	}
	return sel
}

func isLean(q url.Values) bool {
	return q.Get("lean") == "1" || strings.EqualFold(q.Get("lean"), "true")
}

// listQuery is a parsed collection query.
type listQuery struct {
	filter   expr
	internal *internalFilter
	pageSize int
	page     int
}

func parseListQuery(q url.Values, os objectStructure) (listQuery, *httpErr) {
	lq := listQuery{page: 1}
	if w := q.Get("oslc.where"); strings.TrimSpace(w) != "" {
		e, err := parseWhere(w)
		if err != nil {
			return lq, errf(400, "BMXAA9440E", "The oslc.where clause could not be parsed: %v", err)
		}
		var bad string
		e.Fields(func(a string) {
			if !os.attrs[a] && bad == "" {
				bad = a
			}
		})
		if bad != "" {
			return lq, errf(400, "BMXAA9441E", "The attribute %s in oslc.where does not exist in object structure %s.", bad, os.name)
		}
		lq.filter = e
	}
	if v := q.Get("domaininternalwhere"); v != "" {
		f, err := parseInternalFilter(v)
		if err != nil {
			return lq, errf(400, "BMXAA9440E", "domaininternalwhere: %v", err)
		}
		lq.internal = f
	}
	for _, p := range []struct {
		name string
		dst  *int
	}{{"oslc.pageSize", &lq.pageSize}, {"pageno", &lq.page}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return lq, errf(400, "BMXAA9442E", "%s must be a positive integer", p.name)
			}
			*p.dst = n
		}
	}
	return lq, nil
}

// list serves a collection query.
func (s *Server) list(r *http.Request, os objectStructure, out *bytes.Buffer, oversized bool) *httpErr {
	q := r.URL.Query()
	if body, ok := s.fixture(r, os, q); ok {
		out.Write(body)
		return nil
	}
	lq, herr := parseListQuery(q, os)
	if herr != nil {
		return herr
	}
	rd := s.renderer(r, q, parseSelect(q.Get("oslc.select")))
	s.mu.Lock()
	var rows []map[string]any
	for _, rec := range s.recordsLocked(os.name) {
		if (lq.filter == nil || lq.filter.Eval(rec)) && (lq.internal == nil || lq.internal.eval(rec)) {
			rows = append(rows, rd.member(os, rec))
		}
	}
	if os.name == OSAsset && rd.shape.OperatingLocations {
		rows = s.withOperatingLocations(rd, lq, rows)
	}
	s.mu.Unlock()
	total := len(rows)
	pageSize := lq.pageSize
	if oversized {
		pageSize = 0
	}
	next := ""
	rel := strings.TrimPrefix(r.URL.Path, "/maximo/")
	if pageSize > 0 {
		from := min((lq.page-1)*pageSize, total)
		to := min(from+pageSize, total)
		if to < total {
			nq := maps.Clone(q)
			nq.Set("pageno", strconv.Itoa(lq.page+1))
			next = rel + "?" + nq.Encode()
		}
		rows = rows[from:to]
	}
	self := rel
	if r.URL.RawQuery != "" {
		self += "?" + r.URL.RawQuery
	}
	return encode(out, rd.collection(self, next, lq.page, pageSize, total, rows, q.Get("collectioncount") == "1"))
}

// withOperatingLocations mixes the seeded operating locations into an
// asset listing (every fifth row), as far as the query's filter admits
// them; the caller holds s.mu.
func (s *Server) withOperatingLocations(rd renderer, lq listQuery, rows []map[string]any) []map[string]any {
	var locs []map[string]any
	for _, l := range operatingLocations(s.data.records[OSAsset]) {
		if lq.filter == nil || lq.filter.Eval(l) {
			m := make(map[string]any, len(l)+1)
			for k, v := range l {
				m[k] = v
			}
			m["href"] = rd.operatingLocationHref(l)
			if !rd.lean {
				m = prefixed(m).(map[string]any)
			}
			locs = append(locs, m)
		}
	}
	out := make([]map[string]any, 0, len(rows)+len(locs))
	for i, row := range rows {
		if i%5 == 4 && len(locs) > 0 {
			out, locs = append(out, locs[0]), locs[1:]
		}
		out = append(out, row)
	}
	return append(out, locs...)
}

// internalFilter is a domaininternalwhere clause: attr=v1,v2 (in) or
// attr!=v1,v2 (not in) on internal values.
type internalFilter struct {
	attr   string
	values map[string]bool
	not    bool
}

func parseInternalFilter(v string) (*internalFilter, error) {
	f := &internalFilter{values: map[string]bool{}}
	attr, vals, ok := strings.Cut(v, "=")
	if !ok || attr == "" {
		return nil, fmt.Errorf("want attribute=value,value (got %q)", v)
	}
	if strings.HasSuffix(attr, "!") {
		f.not, attr = true, strings.TrimSuffix(attr, "!")
	}
	f.attr = strings.ToLower(strings.TrimSpace(attr))
	if f.attr != "status" {
		return nil, fmt.Errorf("only status is bound to a synonym domain here (got %q)", f.attr)
	}
	for _, x := range strings.Split(vals, ",") {
		if x = strings.TrimSpace(x); x != "" {
			f.values[x] = true
		}
	}
	return f, nil
}

func (f *internalFilter) eval(rec record) bool {
	v, _ := rec[f.attr].(string)
	return f.values[internalStatus(v)] != f.not
}

func encode(out *bytes.Buffer, v any) *httpErr {
	if err := json.NewEncoder(out).Encode(v); err != nil {
		return errf(500, "BMXAA0000E", "encoding: %v", err)
	}
	return nil
}

// lookup resolves a rest id to a record; the caller holds s.mu.
func (s *Server) lookup(os objectStructure, id string) record {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(id, "_"))
	if err != nil || !strings.HasPrefix(id, "_") {
		return nil
	}
	key, site, _ := strings.Cut(string(raw), "/")
	for _, rec := range s.data.records[os.name] {
		if scalarString(rec[os.key]) == key && scalarString(rec["siteid"]) == site {
			return rec
		}
	}
	return nil
}

func (s *Server) get(r *http.Request, os objectStructure, id string, out *bytes.Buffer) *httpErr {
	q := r.URL.Query()
	s.mu.Lock()
	rec := s.lookup(os, id)
	var m map[string]any
	if rec != nil {
		m = s.rendererLocked(r, q, parseSelect(q.Get("oslc.select"))).member(os, rec)
	}
	s.mu.Unlock()
	if m == nil {
		return errf(404, "BMXAA8727E", "The %s resource %s was not found.", os.name, id)
	}
	return encode(out, m)
}

// woStatuses are Maximo's work order statuses and the transitions the
// simulator allows (mirroring Machina's life cycle).
var woTransitions = map[string][]string{
	"WAPPR": {"APPR", "CAN"},
	"APPR":  {"INPRG", "CAN"},
	"INPRG": {"COMP", "CAN"},
	"COMP":  {"CLOSE"},
	"CLOSE": nil,
	"CAN":   nil,
}

var woWritable = set("description", "assetnum", "worktype", "wopriority", "lead", "assignedownergroup", "failurecode",
	"problemcode", "failureremark", "siteid", "externalrefid", "status", "memo", "estdur", "targstartdate", "location")

// worktypes are the valid WORKTYPE codes: IBM's demo set (CM, EM, EV, PM,
// CP and the calibration types) plus PDM, the simulated site's predictive
// maintenance type.
var worktypes = set("CM", "EM", "EV", "PM", "CP", "CAL", "PMCAL", "EMCAL", "CMCAL", "PDM")

// externalRefMax is EXTERNALREFID's length in IBM's mxapiwodetail schema.
const externalRefMax = 10

func readJSONBody(r *http.Request) (map[string]any, *httpErr) {
	ct := strings.ToLower(strings.TrimSpace(strings.Split(r.Header.Get("Content-Type"), ";")[0]))
	if ct != "application/json" {
		return nil, errf(415, "BMXAA9366E", "Content-Type must be application/json, got %q", ct)
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, errf(400, "BMXAA9367E", "reading body: %v", err)
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, errf(400, "BMXAA9367E", "the body is not a JSON object")
	}
	return m, nil
}

// normalise checks the attributes of a write body and converts numbers.
func normalise(m map[string]any) (record, *httpErr) {
	rec := record{}
	for k, v := range m {
		k = strings.ToLower(k)
		if !woWritable[k] {
			return nil, errf(400, "BMXAA3715E", "The attribute %s cannot be written on WORKORDER.", k)
		}
		switch x := v.(type) {
		case json.Number:
			f, err := x.Float64()
			if err != nil {
				return nil, errf(400, "BMXAA4211E", "attribute %s: bad number", k)
			}
			if k == "wopriority" {
				rec[k] = int(f)
			} else {
				rec[k] = f
			}
		case string:
			if k == "wopriority" {
				n, err := strconv.Atoi(x)
				if err != nil {
					return nil, errf(400, "BMXAA4211E", "wopriority must be an integer")
				}
				rec[k] = n
				continue
			}
			rec[k] = x
		case nil:
			rec[k] = nil
		default:
			return nil, errf(400, "BMXAA4211E", "attribute %s must be a scalar", k)
		}
	}
	if p, ok := rec["wopriority"]; ok {
		if n, _ := p.(int); n < 1 || n > 4 {
			return nil, errf(400, "BMXAA4211E", "wopriority must be between 1 and 4")
		}
	}
	if ref, ok := rec["externalrefid"].(string); ok && len(ref) > externalRefMax {
		return nil, errf(400, "BMXAA4049E", "The value %s for externalrefid is longer than %d characters.", ref, externalRefMax)
	}
	if wt, ok := rec["worktype"]; ok {
		if s, _ := wt.(string); !worktypes[s] {
			return nil, errf(400, "BMXAA4190E", "Work type %v is not valid.", wt)
		}
	}
	return rec, nil
}

func (s *Server) stamp() string { return s.now().UTC().Format("2006-01-02T15:04:05-00:00") }

func (s *Server) create(r *http.Request, os objectStructure, out *bytes.Buffer) (int, map[string]string, *httpErr) {
	if os.name != OSWorkOrder {
		return 0, nil, errf(405, "BMXAA9365E", "the simulator creates only work orders (mxwo)")
	}
	if r.Header.Get("x-method-override") != "" {
		return 0, nil, errf(400, "BMXAA9368E", "x-method-override is only valid on a resource href")
	}
	body, herr := readJSONBody(r)
	if herr != nil {
		return 0, nil, herr
	}
	rec, herr := normalise(body)
	if herr != nil {
		return 0, nil, herr
	}
	if d, _ := rec["description"].(string); strings.TrimSpace(d) == "" {
		return 0, nil, errf(400, "BMXAA4195E", "A value is required for the description field on the WORKORDER object.")
	}
	site := SiteID
	if v, ok := rec["siteid"].(string); ok && v != "" {
		site = v
	}
	if site != SiteID {
		return 0, nil, errf(400, "BMXAA4153E", "Site %s is not valid.", site)
	}
	if st, ok := rec["status"]; ok && st != "WAPPR" {
		return 0, nil, errf(400, "BMXAA4590E", "A new work order must be created in status WAPPR.")
	}
	if _, ok := rec["worktype"]; !ok {
		rec["worktype"] = "CM"
	}
	if _, ok := rec["wopriority"]; !ok {
		rec["wopriority"] = 3
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if herr := s.replayed(r.Header.Get("transactionid")); herr != nil {
		return 0, nil, herr
	}
	asset, _ := rec["assetnum"].(string)
	a := s.find(OSAsset, asset)
	if a == nil {
		return 0, nil, errf(400, "BMXAA4191E", "Asset %q is not a valid asset, or its status is not an operating status.", asset)
	}
	now := s.stamp()
	rec["wonum"] = fmt.Sprintf("WO%d", s.data.nextWO)
	s.data.nextWO++
	rec["status"] = "WAPPR"
	rec["siteid"] = site
	rec["orgid"] = OrgID
	rec["location"] = a["location"]
	rec["reportdate"], rec["changedate"], rec["statusdate"] = now, now, now
	delete(rec, "memo")
	s.data.records[OSWorkOrder] = append(s.data.records[OSWorkOrder], rec)
	s.n.WritesDone.Add(1)
	rd := s.rendererLocked(r, r.URL.Query(), parseSelect(r.Header.Get("properties")))
	href := rd.recordHref(os, rec)
	if r.Header.Get("properties") == "" {
		return http.StatusCreated, map[string]string{"Location": href}, nil
	}
	return http.StatusCreated, map[string]string{"Location": href}, encode(out, rd.member(os, rec))
}

// txnWindow is how long a transactionid is remembered (Maximo's default,
// escalation OSLCTXN: 5 minutes).
const txnWindow = 5 * time.Minute

// replayed records a create's transactionid header and refuses a replay
// within txnWindow with 409, as Maximo's duplicate request handling does;
// the caller holds s.mu.
func (s *Server) replayed(id string) *httpErr {
	id = strings.TrimSpace(id)
	if id == "" {
		return nil
	}
	now := s.now()
	for k, t := range s.txns {
		if now.Sub(t) > txnWindow {
			delete(s.txns, k)
		}
	}
	if _, seen := s.txns[id]; seen {
		return errf(409, "BMXAA9549E", "The transaction %s was already processed.", id)
	}
	s.txns[id] = now
	return nil
}

func (s *Server) update(r *http.Request, os objectStructure, id string, out *bytes.Buffer) (int, *httpErr) {
	if !strings.EqualFold(r.Header.Get("x-method-override"), "PATCH") {
		return 0, errf(400, "BMXAA9368E", "POST on a resource needs the header x-method-override: PATCH")
	}
	if os.name != OSWorkOrder {
		return 0, errf(405, "BMXAA9365E", "the simulator updates only work orders (mxwo)")
	}
	body, herr := readJSONBody(r)
	if herr != nil {
		return 0, herr
	}
	upd, herr := normalise(body)
	if herr != nil {
		return 0, herr
	}
	for _, k := range []string{"wonum", "siteid", "assetnum"} {
		if _, ok := upd[k]; ok {
			return 0, errf(400, "BMXAA3715E", "The attribute %s cannot be changed.", k)
		}
	}
	if len(upd) == 0 {
		return 0, errf(400, "BMXAA9369E", "the update has no attributes")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.lookup(os, id)
	if rec == nil {
		return 0, errf(404, "BMXAA8727E", "The %s resource %s was not found.", os.name, id)
	}
	now := s.stamp()
	if st, ok := upd["status"]; ok {
		to, _ := st.(string)
		to = internalStatus(to)
		upd["status"] = to
		from, _ := rec["status"].(string)
		if _, known := woTransitions[to]; !known {
			return 0, errf(400, "BMXAA4590E", "Status %s is not a valid work order status.", to)
		}
		if to != from {
			allowed := false
			for _, t := range woTransitions[from] {
				allowed = allowed || t == to
			}
			if !allowed {
				return 0, errf(400, "BMXAA4590E", "Work order %v cannot change status from %s to %s.", rec["wonum"], from, to)
			}
			rec["statusdate"] = now
		}
	}
	for k, v := range upd {
		if k == "memo" {
			continue
		}
		if v == nil {
			delete(rec, k)
			continue
		}
		rec[k] = v
	}
	if m, ok := upd["memo"]; ok {
		rec["memo"] = m
	}
	rec["changedate"] = now
	s.n.WritesDone.Add(1)
	if r.Header.Get("properties") == "" {
		return http.StatusNoContent, nil
	}
	return 200, encode(out, s.rendererLocked(r, r.URL.Query(), parseSelect(r.Header.Get("properties"))).member(os, rec))
}

// admin serves /_sim/faults and /_sim/stats.
func (s *Server) admin(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.auth.check(r); !ok {
		writeError(w, http.StatusUnauthorized, "BMXAA0021E", "admin endpoint: invalid credentials")
		return
	}
	fail := func(status int, msg string) { writeError(w, status, "SIM0001E", msg) }
	if !simhttp.Admin(w, r, func() any { return s.Stats() }, s.Faults, s.SetFaults, fail) {
		writeError(w, http.StatusNotFound, "SIM0002E", "unknown admin endpoint (GET /_sim/stats, GET|PUT|DELETE /_sim/faults)")
	}
}
