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
}

// String renders scheme://host:port (brackets around IPv6 hosts).
func (o Origin) String() string { return originString(o.Scheme, o.Host, o.Port) }

func originString(scheme, host, port string) string {
	if len(host) > 0 && host[0] != '[' && containsColon(host) {
		host = "[" + host + "]"
	}
	return scheme + "://" + host + ":" + port
}

func containsColon(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return true
		}
	}
	return false
}

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
	p := Policy{Plugin: m.Name, Requested: m.HTTP, HTTP: limitsOf(g.Limits)}
	var out mismatches
	add := out.add
	type parsed struct {
		req wire.OriginRequest
		pat wire.OriginPattern
	}
	var reqs []parsed
	for _, r := range m.HTTP {
		pat, err := wire.ParseOriginPattern(r.Pattern)
		if err != nil {
			continue // manifest validation rejects these earlier
		}
		reqs = append(reqs, parsed{r, pat})
	}
	matched := make([]bool, len(reqs))
	seen := map[string]bool{}
	for _, og := range g.HTTP {
		pat, err := wire.ParseOriginPattern(og.Origin)
		if err != nil || pat.Port == "*" || pat.Host[0] == '*' {
			add(InvalidGrant, og.Origin, "grant origin %q is not a concrete origin; ignored", og.Origin)
			continue
		}
		key := pat.String()
		if seen[key] {
			add(InvalidGrant, key, "origin %s is granted twice; the first grant applies", key)
			continue
		}
		seen[key] = true
		var accepts []wire.AuthProfile
		var secrets []string
		var pattern string
		for i, r := range reqs {
			if r.pat.Match(pat.Scheme, pat.Host, pat.Port) {
				matched[i] = true
				if pattern == "" {
					pattern = r.req.Pattern
				}
				auth := r.req.Auth
				if len(auth) == 0 {
					auth = []wire.AuthProfile{wire.AuthNone}
				}
				accepts = append(accepts, auth...)
				secrets = append(secrets, r.req.Secrets...)
			}
		}
		if pattern == "" {
			add(GrantNotRequested, key, "origin %s is granted but the plugin never requested it; ignored", key)
			continue
		}
		auth := og.Auth
		if auth.Profile == "" {
			auth.Profile = wire.AuthNone
		}
		if !slices.Contains(accepts, auth.Profile) {
			add(AuthNotAccepted, key, "origin %s is granted with auth profile %q but the plugin accepts only %v for it; origin unavailable", key, auth.Profile, dedupe(accepts))
			continue
		}
		o := Origin{Scheme: pat.Scheme, Host: pat.Host, Port: pat.Port, Pattern: pattern, AllowPrivate: og.AllowPrivate, Auth: auth}
		for _, s := range og.Secrets {
			if slices.Contains(secrets, s) {
				o.Secrets = append(o.Secrets, s)
			} else {
				add(GrantNotRequested, key+" secret "+s, "secret %q is granted for %s but the plugin never requested it there; ignored", s, key)
			}
		}
		for _, s := range dedupe(secrets) {
			if !slices.Contains(og.Secrets, s) {
				add(RequestNotGranted, key+" secret "+s, "the plugin requests secret %q for %s but it is not granted; placeholders for it are refused", s, key)
			}
		}
		p.Origins = append(p.Origins, o)
	}
	for i, r := range reqs {
		if !matched[i] {
			add(RequestNotGranted, r.req.Pattern, "the plugin requests origin %s but no grant matches it; requests there are refused", r.req.Pattern)
		}
	}
	out = append(out, resolveMailKV(m, g, &p)...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Subject < out[j].Subject })
	return p, out
}

// mismatches collects Mismatch values.
type mismatches []Mismatch

func (ms *mismatches) add(k MismatchKind, subj, f string, a ...any) {
	*ms = append(*ms, Mismatch{Kind: k, Subject: subj, Message: fmt.Sprintf(f, a...)})
}

// resolveMailKV grants mail and the key-value store when requested and
// granted (the smaller of the two quotas), and reports any one-sided
// request or grant.
func resolveMailKV(m wire.Manifest, g config.Grant, p *Policy) []Mismatch {
	var out mismatches
	add := out.add
	switch {
	case m.Mail && g.Mail != nil:
		mg := *g.Mail
		p.Mail = &mg
	case m.Mail:
		add(RequestNotGranted, "mail", "the plugin requests mail but it is not granted; mail calls are refused")
	case g.Mail != nil:
		add(GrantNotRequested, "mail", "mail is granted but the plugin never requested it; ignored")
	}
	switch {
	case m.KV != nil && g.KV.QuotaBytes > 0:
		p.KVQuota = g.KV.QuotaBytes
		if m.KV.QuotaBytes > 0 && m.KV.QuotaBytes < p.KVQuota {
			p.KVQuota = m.KV.QuotaBytes
		}
	case m.KV != nil:
		add(RequestNotGranted, "kv", "the plugin requests a key-value store (%d bytes) but no kv quota is granted; kv calls are refused", m.KV.QuotaBytes)
	case g.KV.QuotaBytes > 0:
		add(GrantNotRequested, "kv", "a kv quota is granted but the plugin never requested a key-value store; ignored")
	}
	return out
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
