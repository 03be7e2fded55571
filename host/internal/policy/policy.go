package policy

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/internal/wire"
)

// Default HTTP limits, used when the grant leaves a limit at zero. The
// request rate is unlimited unless the grant sets requests_per_minute.
const (
	DefaultMaxRequestBytes  = 1 << 20
	DefaultMaxResponseBytes = 4 << 20
	DefaultHTTPTimeout      = 30 * time.Second
)

// Policy is the effective policy of one plugin: what its manifest requests
// intersected with what the operator granted. Build it with Resolve.
type Policy struct {
	// Plugin is the plugin's name.
	Plugin string `json:"plugin"`
	// Origins are the usable HTTP origins, each with its bound auth profile.
	Origins []Origin `json:"origins"`
	// Requested is the manifest's HTTP request list, kept so a refusal can
	// say "requested but not granted".
	Requested []wire.OriginRequest `json:"requested,omitempty"`
	// Mail is the mail grant when mail is both requested and granted.
	Mail *config.MailGrant `json:"mail,omitempty"`
	// KVQuota is the key-value quota in bytes: the smaller of the manifest's
	// request (when set) and the grant; 0 means no key-value store.
	KVQuota int64 `json:"kv_quota_bytes"`
	// HTTP are the HTTP limits with defaults applied.
	HTTP HTTPLimits `json:"http_limits"`
}

// Origin is one granted, requested, concrete origin.
type Origin struct {
	Scheme string `json:"scheme"`
	Host   string `json:"host"` // lower case, IPv6 without brackets
	Port   string `json:"port"`
	// Pattern is the manifest pattern the grant matched.
	Pattern string `json:"pattern"`
	// AllowPrivate lets this origin reach loopback/private addresses.
	AllowPrivate bool `json:"allow_private,omitempty"`
	// Auth is the bound auth profile (Profile is never empty: "none").
	Auth config.Auth `json:"auth"`
	// Secrets may appear in {{secret:NAME}} placeholders for this origin:
	// granted and requested.
	Secrets []string `json:"secrets,omitempty"`
	// Reads and Writes are the requests the plugin may make here: the
	// manifest's rules for every request pattern matching this origin,
	// narrowed by the grant.
	Reads  Rules `json:"reads"`
	Writes Rules `json:"writes"`
}

// Rules is one class of requests (reads or writes) at an origin.
type Rules struct {
	// Declared are the manifest's rules.
	Declared []wire.RequestRule `json:"declared"`
	// Narrowed is set when the grant lists its own rules for this class:
	// then a request must also match one of Grant (an empty Grant allows
	// nothing).
	Narrowed bool               `json:"narrowed,omitempty"`
	Grant    []wire.RequestRule `json:"grant,omitempty"`
}

// Match reports whether a request (upper-case method, parsed path) is
// declared by the manifest and, when narrowed, by the grant.
func (r Rules) Match(method string, path wire.RequestPath) bool {
	return r.Declares(method, path) && (!r.Narrowed || wire.MatchAny(r.Grant, method, path))
}

// Declares reports whether the manifest declares the request, whatever
// the grant says.
func (r Rules) Declares(method string, path wire.RequestPath) bool {
	return wire.MatchAny(r.Declared, method, path)
}

// String renders scheme://host:port (brackets around IPv6 hosts).
func (o Origin) String() string { return wire.OriginString(o.Scheme, o.Host, o.Port) }

// HTTPLimits caps the plugin's HTTP use.
type HTTPLimits struct {
	MaxRequestBytes  int           `json:"max_request_bytes"`
	MaxResponseBytes int           `json:"max_response_bytes"`
	Timeout          time.Duration `json:"timeout"`
	// RequestsPerMinute limits http_request calls (0: unlimited).
	RequestsPerMinute int `json:"requests_per_minute"`
}

// MismatchKind classifies a difference between request and grant.
type MismatchKind string

// Mismatch kinds.
const (
	// GrantNotRequested: the operator granted something the manifest never
	// asked for; it is ignored.
	GrantNotRequested MismatchKind = "grant_not_requested"
	// RequestNotGranted: the manifest asks for something the operator did
	// not grant; it is unavailable and calls are refused.
	RequestNotGranted MismatchKind = "request_not_granted"
	// AuthNotAccepted: the grant binds an auth profile the manifest does not
	// accept for that origin; the origin is not usable.
	AuthNotAccepted MismatchKind = "auth_not_accepted"
	// InvalidGrant: the grant itself is malformed (bad or duplicate origin).
	InvalidGrant MismatchKind = "invalid_grant"
)

// Mismatch is one difference between what a plugin requests and what the
// operator grants. It never contains a secret value (names only).
type Mismatch struct {
	Kind    MismatchKind `json:"kind"`
	Subject string       `json:"subject"`
	Message string       `json:"message"`
}

// Expected reports whether m is a normal consequence of granting a plugin
// less than it can use, and why: a plugin lists every origin it can work
// with (a vendor's cloud domains, its on-premise patterns) and the operator
// grants the one of this site, so the origins left ungranted are expected
// once at least one origin is usable. Everything else deserves a warning.
func (m Mismatch) Expected(p Policy) (reason string, ok bool) {
	if m.Kind != RequestNotGranted || len(p.Origins) == 0 || !strings.Contains(m.Subject, "://") || strings.Contains(m.Subject, " ") {
		return "", false
	}
	granted := make([]string, len(p.Origins))
	for i, o := range p.Origins {
		granted[i] = o.String()
	}
	return "expected: the plugin lists every origin it can work with and this site grants " + strings.Join(granted, ", "), true
}

// Resolve computes the effective policy: manifest request ∩ operator grant.
// A grant for something not requested is ignored, a request that is not
// granted is unavailable; each is reported as a Mismatch.
func Resolve(m wire.Manifest, g config.Grant) (Policy, []Mismatch) {
	r := &resolution{p: Policy{Plugin: m.Name, Requested: m.HTTP, HTTP: limitsOf(g.Limits)}}
	r.origins(m, g)
	r.mail(m, g)
	r.kv(m, g)
	sort.SliceStable(r.out, func(i, j int) bool { return r.out[i].Subject < r.out[j].Subject })
	return r.p, r.out
}

// resolution accumulates the effective policy and the mismatches.
type resolution struct {
	p   Policy
	out []Mismatch
}

func (r *resolution) add(k MismatchKind, subj, f string, a ...any) {
	r.out = append(r.out, Mismatch{Kind: k, Subject: subj, Message: fmt.Sprintf(f, a...)})
}

// parsedRequest is one manifest [[http]] entry with its pattern and rules.
type parsedRequest struct {
	req           wire.OriginRequest
	pat           wire.OriginPattern
	reads, writes []wire.RequestRule
}

func (r *resolution) origins(m wire.Manifest, g config.Grant) {
	var reqs []parsedRequest
	for _, q := range m.HTTP {
		pat, err := wire.ParseOriginPattern(q.Pattern)
		if err != nil {
			continue // manifest validation rejects these earlier
		}
		reads, writes, err := q.Rules()
		if err != nil {
			continue // likewise
		}
		reqs = append(reqs, parsedRequest{q, pat, reads, writes})
	}
	matched := make([]bool, len(reqs))
	seen := map[string]bool{}
	for _, og := range g.HTTP {
		pat, err := wire.ParseOriginPattern(og.Origin)
		if err != nil || pat.Port == "*" || pat.Host[0] == '*' {
			r.add(InvalidGrant, og.Origin, "grant origin %q is not a concrete origin; ignored", og.Origin)
			continue
		}
		key := pat.String()
		if seen[key] {
			r.add(InvalidGrant, key, "origin %s is granted twice; the first grant applies", key)
			continue
		}
		seen[key] = true
		if o, ok := r.origin(og, pat, reqs, matched); ok {
			r.p.Origins = append(r.p.Origins, o)
		}
	}
	for i, q := range reqs {
		if !matched[i] {
			r.add(RequestNotGranted, q.req.Pattern, "the plugin requests origin %s but no grant matches it; requests there are refused", q.req.Pattern)
		}
	}
}

// origin resolves one granted concrete origin against the requests,
// marking the requests it matches.
func (r *resolution) origin(og config.OriginGrant, pat wire.OriginPattern, reqs []parsedRequest, matched []bool) (Origin, bool) {
	key := pat.String()
	var accepts []wire.AuthProfile
	var secrets []string
	o := Origin{Scheme: pat.Scheme, Host: pat.Host, Port: pat.Port, AllowPrivate: og.AllowPrivate, Auth: og.Auth}
	for i, q := range reqs {
		if !q.pat.Match(pat.Scheme, pat.Host, pat.Port) {
			continue
		}
		matched[i] = true
		if o.Pattern == "" {
			o.Pattern = q.req.Pattern
		}
		auth := q.req.Auth
		if len(auth) == 0 {
			auth = []wire.AuthProfile{wire.AuthNone}
		}
		accepts = append(accepts, auth...)
		secrets = append(secrets, q.req.Secrets...)
		o.Reads.Declared = append(o.Reads.Declared, q.reads...)
		o.Writes.Declared = append(o.Writes.Declared, q.writes...)
	}
	if o.Pattern == "" {
		r.add(GrantNotRequested, key, "origin %s is granted but the plugin never requested it; ignored", key)
		return Origin{}, false
	}
	if o.Auth.Profile == "" {
		o.Auth.Profile = wire.AuthNone
	}
	if !slices.Contains(accepts, o.Auth.Profile) {
		r.add(AuthNotAccepted, key, "origin %s is granted with auth profile %q but the plugin accepts only %v for it; origin unavailable", key, o.Auth.Profile, dedupe(accepts))
		return Origin{}, false
	}
	for _, s := range og.Secrets {
		if slices.Contains(secrets, s) {
			o.Secrets = append(o.Secrets, s)
		} else {
			r.add(GrantNotRequested, key+" secret "+s, "secret %q is granted for %s but the plugin never requested it there; ignored", s, key)
		}
	}
	for _, s := range dedupe(secrets) {
		if !slices.Contains(og.Secrets, s) {
			r.add(RequestNotGranted, key+" secret "+s, "the plugin requests secret %q for %s but it is not granted; placeholders for it are refused", s, key)
		}
	}
	r.narrow(&o.Reads, og.Reads, key, "reads")
	r.narrow(&o.Writes, og.Writes, key, "writes")
	return o, true
}

// narrow applies a grant's reads or writes list (nil: not narrowed).
func (r *resolution) narrow(rs *Rules, grant []string, key, class string) {
	if grant == nil {
		return
	}
	rules, err := wire.ParseRequestRules(grant)
	if err != nil {
		// config validation reports it too; fail closed: nothing of this class
		r.add(InvalidGrant, key+" "+class, "%s %s: %v; no %s are allowed there", key, class, err, class)
		rules = nil
	}
	rs.Narrowed, rs.Grant = true, rules
	if len(rs.Declared) == 0 && len(rules) > 0 {
		r.add(GrantNotRequested, key+" "+class, "the grant lists %s for %s but the plugin declares none; ignored", class, key)
	}
}

func (r *resolution) mail(m wire.Manifest, g config.Grant) {
	switch {
	case m.Mail && g.Mail != nil:
		mg := *g.Mail
		r.p.Mail = &mg
		if len(mg.AllowedRecipients) == 0 && !mg.AllowAnyRecipient {
			r.add(RequestNotGranted, "mail recipients", "mail is granted without allowed_recipients: every mail_send is refused")
		}
	case m.Mail:
		r.add(RequestNotGranted, "mail", "the plugin requests mail but it is not granted; mail calls are refused")
	case g.Mail != nil:
		r.add(GrantNotRequested, "mail", "mail is granted but the plugin never requested it; ignored")
	}
}

func (r *resolution) kv(m wire.Manifest, g config.Grant) {
	switch {
	case m.KV != nil && g.KV.QuotaBytes > 0:
		r.p.KVQuota = g.KV.QuotaBytes
		if m.KV.QuotaBytes > 0 && m.KV.QuotaBytes < r.p.KVQuota {
			r.p.KVQuota = m.KV.QuotaBytes
		}
	case m.KV != nil:
		r.add(RequestNotGranted, "kv", "the plugin requests a key-value store (%d bytes) but no kv quota is granted; kv calls are refused", m.KV.QuotaBytes)
	case g.KV.QuotaBytes > 0:
		r.add(GrantNotRequested, "kv", "a kv quota is granted but the plugin never requested a key-value store; ignored")
	}
}

func limitsOf(l config.Limits) HTTPLimits {
	h := HTTPLimits{
		MaxRequestBytes:   l.MaxRequestBytes,
		MaxResponseBytes:  l.MaxResponseBytes,
		Timeout:           l.Timeout.Duration,
		RequestsPerMinute: l.RequestsPerMinute,
	}
	if h.MaxRequestBytes <= 0 {
		h.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if h.MaxResponseBytes <= 0 {
		h.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if h.Timeout <= 0 {
		h.Timeout = DefaultHTTPTimeout
	}
	return h
}

func dedupe[T comparable](in []T) []T {
	var out []T
	for _, v := range in {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// lookup returns the granted origin for a concrete scheme, host and port.
func (p *Policy) lookup(scheme, host, port string) (*Origin, bool) {
	for i := range p.Origins {
		o := &p.Origins[i]
		if o.Scheme == scheme && o.Host == host && o.Port == port {
			return o, true
		}
	}
	return nil, false
}

// requested reports whether the manifest requested a concrete origin.
func (p *Policy) requested(scheme, host, port string) bool {
	for _, r := range p.Requested {
		if pat, err := wire.ParseOriginPattern(r.Pattern); err == nil && pat.Match(scheme, host, port) {
			return true
		}
	}
	return false
}
