package rest

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/internal/sim/simhttp"
)

// Dialect names a vendor API the simulator speaks.
type Dialect string

// The dialects, one per cmms-rest preset.
const (
	UpKeep    Dialect = "upkeep"
	MaintainX Dialect = "maintainx"
)

// Dialects lists the dialects.
func Dialects() []Dialect { return []Dialect{MaintainX, UpKeep} }

// Options configure a Server.
type Options struct {
	Dialect Dialect
	// Token is the credential the simulator accepts: UpKeep's Session-Token
	// value, MaintainX's bearer token. Required.
	Token string
	// Seed makes the data deterministic (default 1).
	Seed uint64
	// Paging replaces the upkeep dialect's offset paging, to test the
	// styles of other vendors: "page" (page=1.., limit) or "link" (offset
	// paging announced by an RFC 8288 Link: <…>; rel="next" header).
	Paging string
	Logger hclog.Logger
}

// Faults are failures to inject (simhttp.Take semantics: -1 always, n the
// next n requests).
type Faults struct {
	Unavailable int
	RateLimit   int
	RetryAfter  int
}

// Stats count API requests and the writes among them (POST, PATCH, PUT,
// DELETE), whether applied or refused.
type Stats struct {
	Requests int64
	Writes   int64
}

// Server is a simulated REST CMMS; it is an http.Handler.
type Server struct {
	d      dialect
	token  string
	log    hclog.Logger
	paging string

	mu     sync.Mutex
	assets []*asset
	wos    []*workOrder
	parts  []*part
	next   int
	faults Faults
	stats  Stats
}

// NewServer returns a seeded simulator.
func NewServer(o Options) (*Server, error) {
	if o.Token == "" {
		return nil, errors.New("rest sim: a token is required")
	}
	var d dialect
	switch o.Dialect {
	case UpKeep:
		d = upkeep{}
	case MaintainX:
		d = maintainx{}
	default:
		return nil, fmt.Errorf("rest sim: unknown dialect %q (known: maintainx, upkeep)", o.Dialect)
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	switch o.Paging {
	case "", "page", "link":
	default:
		return nil, fmt.Errorf("rest sim: paging %q: want page or link", o.Paging)
	}
	s := &Server{d: d, token: o.Token, log: o.Logger, paging: o.Paging}
	s.seed(rand.New(rand.NewPCG(o.Seed, 7)))
	return s, nil
}

// dialect is one vendor's API.
type dialect interface {
	statuses() []string
	kinds() []string
	priorities() []any
	user(i int) string
	cost(units float64) float64
	id(n int) string
	authorized(r *http.Request, token string) bool
	unauthorized(w http.ResponseWriter)
	route(s *Server, w http.ResponseWriter, r *http.Request)
}

func (s *Server) newID() string {
	s.next++
	return s.d.id(s.next)
}

// SetFaults replaces the injected faults.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.stats.Requests++
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		s.stats.Writes++
	}
	unavailable := simhttp.Take(&s.faults.Unavailable)
	limited := !unavailable && simhttp.Take(&s.faults.RateLimit)
	retryAfter := s.faults.RetryAfter
	s.mu.Unlock()
	switch {
	case unavailable:
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": "Service Unavailable"})
	case limited:
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"error": "Too Many Requests"})
	case !s.d.authorized(r, s.token):
		s.d.unauthorized(w)
	default:
		s.d.route(s, w, r)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// decodeBody reads a JSON object body.
func decodeBody(r *http.Request) (map[string]any, error) {
	var m map[string]any
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, errors.New("the body is not a JSON object")
	}
	return m, nil
}

// window returns rows[off:off+limit] bounds and whether more follow.
func window(n, off, limit int) (lo, hi int, more bool) {
	lo = min(max(off, 0), n)
	hi = min(lo+limit, n)
	return lo, hi, hi < n
}

// intParam reads a non-negative integer query parameter.
func intParam(r *http.Request, name string, def int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s must be a non-negative integer", name)
	}
	return n, nil
}

// pathID splits the escaped path "<collection>/<id>[/<rest>]" and
// unescapes the id, so an id with an escaped "/" stays one segment.
func pathID(escaped, collection string) (id, rest string, ok bool) {
	tail, found := strings.CutPrefix(escaped, collection+"/")
	if !found || tail == "" {
		return "", "", false
	}
	raw, rest, _ := strings.Cut(tail, "/")
	id, err := url.PathUnescape(raw)
	return id, rest, err == nil && id != ""
}

// Collections Records can list.
const (
	Assets     = "assets"
	WorkOrders = "work_orders"
	Parts      = "parts"
)

// Records returns a collection as the dialect renders it (asset and
// assignees expanded), for tests and the conformance kit's facts.
func (s *Server) Records(collection string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := []string{"asset", "assignees", "asset_types", "manufacturer", "model"}
	switch d := s.d.(type) {
	case upkeep:
		switch collection {
		case Assets:
			return mapAll(s.assets, d.asset)
		case WorkOrders:
			return mapAll(s.wos, d.workOrder)
		case Parts:
			return mapAll(s.parts, d.part)
		}
	case maintainx:
		switch collection {
		case Assets:
			return mapAll(s.assets, func(a *asset) map[string]any { return d.asset(a, all) })
		case WorkOrders:
			return mapAll(s.wos, func(w *workOrder) map[string]any { return d.workOrder(s, w, all) })
		case Parts:
			return mapAll(s.parts, d.part)
		}
	}
	return nil
}
