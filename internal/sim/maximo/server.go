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
	"sync/atomic"
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
	auth   Auth
	log    hclog.Logger
	now    func() time.Time
	mu     sync.Mutex
	data   *dataset
	faults Faults

	requests, reads, writes, writesDone, authFailures, faulted atomic.Int64
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
	return &Server{auth: opts.Auth, log: opts.Logger, now: opts.Now, data: seedData(opts.Seed, opts.MinAssets)}, nil
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
	return Stats{Requests: s.requests.Load(), Reads: s.reads.Load(), Writes: s.writes.Load(), WritesDone: s.writesDone.Load(),
		AuthFailures: s.authFailures.Load(), Faulted: s.faulted.Load()}
}

// Records returns copies of every record of an object structure (mxasset,
// mxwo, mxinventory, mxpm) in key order, for tests.
func (s *Server) Records(os string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, r := range s.data.records[os] {
		out = append(out, deepCopy(r))
	}
	return out
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

// take consumes one unit of a fault counter.

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rw := simhttp.NewStatusWriter(w)
	start := time.Now()
	defer func() {
		s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", rw.Status, "duration", time.Since(start))
	}()
	if strings.HasPrefix(r.URL.Path, "/_sim/") {
		s.admin(rw, r)
		return
	}
	s.requests.Add(1)
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		s.reads.Add(1)
	} else {
		s.writes.Add(1)
	}
	s.mu.Lock()
	slow := s.faults.SlowMS
	unavailable := simhttp.Take(&s.faults.Unavailable)
	limited := !unavailable && simhttp.Take(&s.faults.RateLimit)
	retryAfter := s.faults.RetryAfter
	malformed := !unavailable && !limited && simhttp.Take(&s.faults.Malformed)
	oversized := !unavailable && !limited && !malformed && simhttp.Take(&s.faults.Oversized)
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
		writeError(rw, http.StatusServiceUnavailable, "BMXAA0021E", "Maximo is unavailable (simulated fault)")
		return
	case limited:
		s.faulted.Add(1)
		rw.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		writeError(rw, http.StatusTooManyRequests, "BMXAA9549E", "Too many requests (simulated fault)")
		return
	}
	user, ok := s.auth.check(r)
	if !ok {
		s.authFailures.Add(1)
		writeError(rw, http.StatusUnauthorized, "BMXAA0021E", "User name and password combination are not valid. Try again.")
		return
	}
	var out bytes.Buffer
	status, hdr := s.route(r, user, &out, oversized)
	for k, v := range hdr {
		rw.Header().Set(k, v)
	}
	body := out.Bytes()
	if malformed && status == 200 {
		s.faulted.Add(1)
		body = body[:len(body)/2]
	}
	if oversized && overBytes > len(body) && status == 200 {
		s.faulted.Add(1)
		body = bytes.TrimRight(body, " \n")
		body = append(body[:len(body)-1], []byte(`,"padding":"`+strings.Repeat("x", overBytes-len(body))+`"}`)...)
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
		os, ok := structures[strings.ToLower(name)]
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

// baseURL is the absolute origin the client used.

func restID(os objectStructure, rec record) string {
	return "_" + base64.RawURLEncoding.EncodeToString([]byte(scalarString(rec[os.key])+"/"+scalarString(rec["siteid"])))
}

func hrefOf(r *http.Request, os objectStructure, rec record) string {
	return simhttp.BaseURL(r) + osPrefix + os.name + "/" + restID(os, rec)
}

// render returns the member JSON of rec with the selected attributes.
func render(r *http.Request, os objectStructure, rec record, sel selection, lean bool) map[string]any {
	m := make(map[string]any, len(rec)+1)
	for k, v := range rec {
		// "*" (sel == nil) selects the attributes of the main object;
		// child objects (sparepart, jobplan) only when named, as in Maximo.
		if _, child := v.([]any); (sel.all && !child) || sel.names[k] {
			m[k] = v
		}
	}
	m["href"] = hrefOf(r, os, rec)
	if lean {
		return m
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		if k == "href" {
			out["rdf:about"] = v
			continue
		}
		out["spi:"+k] = v
	}
	return out
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

// list serves a collection query.
func (s *Server) list(r *http.Request, os objectStructure, out *bytes.Buffer, oversized bool) *httpErr {
	q := r.URL.Query()
	var filter expr
	if w := q.Get("oslc.where"); strings.TrimSpace(w) != "" {
		e, err := parseWhere(w)
		if err != nil {
			return errf(400, "BMXAA9440E", "The oslc.where clause could not be parsed: %v", err)
		}
		var bad string
		e.attrs(func(a string) {
			if !os.attrs[a] && bad == "" {
				bad = a
			}
		})
		if bad != "" {
			return errf(400, "BMXAA9441E", "The attribute %s in oslc.where does not exist in object structure %s.", bad, os.name)
		}
		filter = e
	}
	pageSize := 0
	if v := q.Get("oslc.pageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errf(400, "BMXAA9442E", "oslc.pageSize must be a positive integer")
		}
		pageSize = n
	}
	page := 1
	if v := q.Get("pageno"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errf(400, "BMXAA9443E", "pageno must be a positive integer")
		}
		page = n
	}
	sel := parseSelect(q.Get("oslc.select"))
	lean := isLean(q)
	s.mu.Lock()
	var rows []map[string]any
	for _, rec := range s.data.records[os.name] {
		if filter == nil || filter.eval(rec) {
			rows = append(rows, render(r, os, rec, sel, lean))
		}
	}
	s.mu.Unlock()
	total := len(rows)
	if oversized {
		pageSize = 0
	}
	next := ""
	if pageSize > 0 {
		from := min((page-1)*pageSize, total)
		to := min(from+pageSize, total)
		if to < total {
			nq := maps.Clone(q)
			nq.Set("pageno", strconv.Itoa(page+1))
			next = simhttp.BaseURL(r) + r.URL.Path + "?" + nq.Encode()
		}
		rows = rows[from:to]
	}
	self := simhttp.BaseURL(r) + r.URL.RequestURI()
	info := map[string]any{"href": self, "pagenum": page}
	if pageSize > 0 {
		info["totalPages"] = (total + pageSize - 1) / pageSize
	}
	if q.Get("collectioncount") == "1" {
		info["totalCount"] = total
	}
	if next != "" {
		info["nextPage"] = map[string]any{"href": next}
	}
	if rows == nil {
		rows = []map[string]any{}
	}
	body := map[string]any{"member": rows, "responseInfo": info, "href": self}
	if !lean {
		if next != "" {
			info["nextPage"] = map[string]any{"rdf:resource": next}
		}
		body = map[string]any{"rdfs:member": rows, "oslc:responseInfo": prefixKeys(info, "oslc:"), "rdf:about": self}
	}
	return encode(out, body)
}

func prefixKeys(m map[string]any, p string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[p+k] = v
	}
	return out
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
		m = render(r, os, rec, parseSelect(q.Get("oslc.select")), isLean(q))
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

var worktypes = set("CM", "PM", "CP", "EV")

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
	s.writesDone.Add(1)
	href := hrefOf(r, os, rec)
	if r.Header.Get("properties") == "" {
		return http.StatusCreated, map[string]string{"Location": href}, nil
	}
	return http.StatusCreated, map[string]string{"Location": href}, encode(out, render(r, os, rec, parseSelect(r.Header.Get("properties")), true))
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
	s.writesDone.Add(1)
	if r.Header.Get("properties") == "" {
		return http.StatusNoContent, nil
	}
	return 200, encode(out, render(r, os, rec, parseSelect(r.Header.Get("properties")), true))
}

// admin serves /_sim/faults and /_sim/stats.
func (s *Server) admin(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.auth.check(r); !ok {
		writeError(w, http.StatusUnauthorized, "BMXAA0021E", "admin endpoint: invalid credentials")
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
			writeError(w, http.StatusBadRequest, "SIM0001E", "faults: "+err.Error())
			return
		}
		s.SetFaults(f)
		_ = json.NewEncoder(w).Encode(f)
	case r.URL.Path == "/_sim/faults" && r.Method == http.MethodDelete:
		s.SetFaults(Faults{})
		_ = json.NewEncoder(w).Encode(Faults{})
	default:
		writeError(w, http.StatusNotFound, "SIM0002E", "unknown admin endpoint (GET /_sim/stats, GET|PUT|DELETE /_sim/faults)")
	}
}
