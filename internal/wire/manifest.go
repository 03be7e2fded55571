package wire

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/machina-go/machina/abi"
)

// AuthProfile names a way the host attaches credentials to a request.
type AuthProfile string

// Auth profiles an operator can bind to a granted origin.
const (
	AuthNone    AuthProfile = "none"
	AuthBasic   AuthProfile = "basic"
	AuthBearer  AuthProfile = "bearer"
	AuthHeader  AuthProfile = "header"
	AuthOAuth2  AuthProfile = "oauth2_client_credentials"
	AuthURLPath AuthProfile = "url_path"
)

// AuthProfiles lists every AuthProfile.
func AuthProfiles() []AuthProfile {
	return []AuthProfile{AuthNone, AuthBasic, AuthBearer, AuthHeader, AuthOAuth2, AuthURLPath}
}

// Valid reports whether a is a known profile.
func (a AuthProfile) Valid() bool { return slices.Contains(AuthProfiles(), a) }

// Manifest is plugin.toml: what a plugin is and what it asks for. It is
// embedded in the module's "machina.manifest" custom section so the host can
// audit it without running any plugin code.
type Manifest struct {
	Name        string   `toml:"name" json:"name"`
	Version     string   `toml:"version" json:"version"`
	ABI         string   `toml:"abi" json:"abi"`
	Kind        abi.Kind `toml:"kind" json:"kind"`
	Description string   `toml:"description" json:"description,omitempty"`
	// HTTP lists the origins the plugin wants to reach.
	HTTP []OriginRequest `toml:"http" json:"http,omitempty"`
	// Mail asks for the host's mail_send/mail_fetch functions.
	Mail bool `toml:"mail" json:"mail,omitempty"`
	// KV asks for persistent key-value state.
	KV *KVRequest `toml:"kv" json:"kv,omitempty"`
}

// OriginRequest is one origin pattern a plugin asks to reach, with the auth
// profiles it can work with.
type OriginRequest struct {
	// Pattern is scheme://host[:port] where host may start with "*." to match
	// any subdomain, and a port of "*" matches any port. Examples:
	// "https://*.maximo.example.com", "https://api.telegram.org",
	// "http://127.0.0.1:*" (tests only).
	Pattern string `toml:"origin" json:"origin"`
	// Auth lists acceptable profiles; the operator binds one of them.
	Auth []AuthProfile `toml:"auth" json:"auth,omitempty"`
	// Secrets names secrets the plugin wants to place with {{secret:NAME}}
	// placeholders for this origin.
	Secrets []string `toml:"secrets" json:"secrets,omitempty"`
	// Purpose says why, for the audit report.
	Purpose string `toml:"purpose" json:"purpose,omitempty"`
	// Reads are the requests to this origin that only read, as
	// RequestRule texts ("GET /api/items/*"). Sandbox mode lets only these
	// through (and only with GET or HEAD).
	Reads []string `toml:"reads" json:"reads,omitempty"`
	// Writes are the requests that change something upstream. The host
	// lets them through only while it runs one of the plugin's write
	// operations, never in sandbox mode. A request matching a write rule is
	// a write even if a read rule matches it too; a request matching no
	// rule is refused.
	Writes []string `toml:"writes" json:"writes,omitempty"`
}

// Rules parses the request's reads and writes (validated by
// Manifest.Validate).
func (o OriginRequest) Rules() (reads, writes []RequestRule, err error) {
	if reads, err = ParseRequestRules(o.Reads); err != nil {
		return nil, nil, err
	}
	if writes, err = ParseRequestRules(o.Writes); err != nil {
		return nil, nil, err
	}
	return reads, writes, nil
}

// KVRequest asks for persistent key-value state.
type KVRequest struct {
	QuotaBytes int64 `toml:"quota_bytes" json:"quota_bytes"`
}

// Validate checks the manifest's fields and version compatibility.
func (m *Manifest) Validate() error {
	if !ValidName(m.Name) {
		return fmt.Errorf("manifest: invalid name %q (lower case letters, digits and dashes)", m.Name)
	}
	if strings.TrimSpace(m.Version) == "" {
		return fmt.Errorf("manifest %s: version is empty", m.Name)
	}
	if err := abi.CheckCompatible(m.ABI); err != nil {
		return fmt.Errorf("manifest %s: %w", m.Name, err)
	}
	if !m.Kind.Valid() {
		return fmt.Errorf("manifest %s: unknown kind %q (want cmms or messaging)", m.Name, m.Kind)
	}
	for _, o := range m.HTTP {
		if _, err := ParseOriginPattern(o.Pattern); err != nil {
			return fmt.Errorf("manifest %s: %w", m.Name, err)
		}
		for _, a := range o.Auth {
			if !a.Valid() {
				return fmt.Errorf("manifest %s: origin %s: unknown auth profile %q", m.Name, o.Pattern, a)
			}
		}
		if _, _, err := o.Rules(); err != nil {
			return fmt.Errorf("manifest %s: origin %s: %w", m.Name, o.Pattern, err)
		}
		if len(o.Reads)+len(o.Writes) == 0 {
			return fmt.Errorf("manifest %s: origin %s declares no requests: list the paths the plugin uses with reads = [\"GET /path\"] and writes = [\"POST /path\"] (see abi/README.md §6)", m.Name, o.Pattern)
		}
	}
	if m.KV != nil && m.KV.QuotaBytes < 0 {
		return fmt.Errorf("manifest %s: kv quota is negative", m.Name)
	}
	return nil
}

// OriginPattern is a parsed OriginRequest.Pattern.
type OriginPattern struct {
	Scheme string // http or https
	Host   string // lower case; "*.example.com" for a subdomain wildcard
	Port   string // explicit port, or "*"
}

// String renders the pattern canonically.
func (p OriginPattern) String() string { return p.Scheme + "://" + p.Host + ":" + p.Port }

// ParseOriginPattern parses scheme://host[:port] with the wildcards
// described on OriginRequest. A missing port is the scheme's default.
func ParseOriginPattern(s string) (OriginPattern, error) {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || (scheme != "http" && scheme != "https") {
		return OriginPattern{}, fmt.Errorf("origin %q: want http:// or https://", s)
	}
	if strings.ContainsAny(rest, "/?#@") {
		return OriginPattern{}, fmt.Errorf("origin %q: an origin has no path, query or user info", s)
	}
	host, port := rest, ""
	if i := strings.LastIndex(rest, ":"); i >= 0 && !strings.HasSuffix(rest, "]") {
		host, port = rest[:i], rest[i+1:]
	}
	host = strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	if host == "" || strings.Contains(host[min(len(host), 1):], "*") || (strings.HasPrefix(host, "*") && !strings.HasPrefix(host, "*.")) {
		return OriginPattern{}, fmt.Errorf("origin %q: bad host (a wildcard may only be a leading \"*.\")", s)
	}
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[scheme]
	}
	if port != "*" {
		if _, err := url.Parse(scheme + "://x:" + port); err != nil {
			return OriginPattern{}, fmt.Errorf("origin %q: bad port", s)
		}
	}
	return OriginPattern{Scheme: scheme, Host: host, Port: port}, nil
}

// Match reports whether a concrete origin (scheme, lower-case host, port)
// falls under the pattern.
func (p OriginPattern) Match(scheme, host, port string) bool {
	if scheme != p.Scheme {
		return false
	}
	if p.Port != "*" && port != p.Port {
		return false
	}
	if strings.HasPrefix(p.Host, "*.") {
		return strings.HasSuffix(host, p.Host[1:]) && len(host) > len(p.Host)-1
	}
	return host == p.Host
}
