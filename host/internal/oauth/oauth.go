package oauth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"github.com/hashicorp/go-hclog"
	"golang.org/x/time/rate"
)

// Defaults of Config.
const (
	DefaultReadScope     = "machina:read"
	DefaultWriteScope    = "machina:write"
	DefaultClientIDClaim = "azp"
	DefaultLeeway        = 30 * time.Second
	DefaultJWKSRefresh   = time.Hour
	// DefaultUnknownKeyInterval is the least time between two JWKS fetches
	// caused by tokens naming an unknown key id (so that forged tokens
	// cannot make the host hammer the identity provider).
	DefaultUnknownKeyInterval = time.Minute
	// MaxLeeway caps Config.Leeway: a "small" clock-skew allowance.
	MaxLeeway = 5 * time.Minute
)

// Algorithms are the JWS algorithms accepted: asymmetric only (an HMAC
// token could be forged by anyone who knows the shared secret, and the
// resource server has no business holding one).
var Algorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// Config says which tokens are accepted.
type Config struct {
	// Issuer is the authorization server's issuer identifier, compared
	// exactly with the iss claim (e.g. https://kc.example.com/realms/plant).
	Issuer string
	// JWKSURL is the issuer's JWK Set; "" discovers it from the issuer's
	// OpenID Connect or RFC 8414 metadata.
	JWKSURL string
	// Resource is Machina's resource URI, the URL clients use for the MCP
	// endpoint (e.g. https://machina.example.com/mcp).
	Resource string
	// Audiences are the aud values accepted; default [Resource].
	Audiences []string
	// ClientIDClaim names the claim holding the client id (default azp).
	ClientIDClaim string
	// ReadScope and WriteScope are the scope (or app role) values granting
	// read-only and full access.
	ReadScope, WriteScope string
	// Leeway is the clock skew allowed on exp, nbf and iat (default 30 s,
	// at most MaxLeeway).
	Leeway time.Duration
	// JWKSRefresh is how often the key set is fetched again (default 1 h).
	JWKSRefresh time.Duration
	// UnknownKeyInterval is the least time between fetches caused by an
	// unknown key id (default DefaultUnknownKeyInterval).
	UnknownKeyInterval time.Duration
	// HTTPClient fetches metadata and keys (default: 10 s timeout).
	HTTPClient *http.Client
	// Logger receives refresh failures and rejections (never tokens).
	Logger hclog.Logger
}

// Principal is an authenticated caller.
type Principal struct {
	// ClientID is the value of the configured client id claim.
	ClientID string
	// Subject is the sub claim (the user or service account).
	Subject string
	// Write is true when the token carries the write scope; otherwise it
	// carries the read scope.
	Write bool
}

// Errors of Validate; the wrapped text is a short reason that is safe to
// show the client (it never contains the token).
var (
	ErrInvalidToken      = errors.New("invalid_token")
	ErrInsufficientScope = errors.New("insufficient_scope")
)

// Validator validates access tokens. It is safe for concurrent use; Close
// stops its background key refresh.
type Validator struct {
	cfg    Config
	keys   keyfunc.Keyfunc
	parser *jwt.Parser
	stop   context.CancelFunc
}

// New checks cfg, discovers the JWKS URL when it is not set, and starts the
// key cache. The identity provider being unreachable at start is not fatal
// when JWKSURL is set (keys are fetched again on the first token); discovery
// needs it, though.
func New(ctx context.Context, cfg Config) (*Validator, error) {
	if err := cfg.normalize(); err != nil {
		return nil, err
	}
	if cfg.JWKSURL == "" {
		u, err := discoverJWKS(ctx, cfg.HTTPClient, cfg.Issuer)
		if err != nil {
			return nil, fmt.Errorf("mcp.oauth: discovering the JWKS of %s (set mcp.oauth.jwks_url to skip discovery): %w", cfg.Issuer, err)
		}
		cfg.JWKSURL = u
	}
	if err := checkURL("mcp.oauth.jwks_url", cfg.JWKSURL); err != nil {
		return nil, err
	}
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	log := cfg.Logger
	k, err := keyfunc.NewDefaultOverrideCtx(bg, []string{cfg.JWKSURL}, keyfunc.Override{
		Client:            cfg.HTTPClient,
		HTTPTimeout:       10 * time.Second,
		RefreshInterval:   cfg.JWKSRefresh,
		RefreshUnknownKID: rate.NewLimiter(rate.Every(cfg.UnknownKeyInterval), 1),
		// Bounds the fetch a token with an unknown key id triggers; when no
		// fetch is allowed within it (rate limit) the token fails at once.
		RateLimitWaitMax: 5 * time.Second,
		RefreshErrorHandlerFunc: func(u string) func(context.Context, error) {
			return func(_ context.Context, err error) {
				log.Warn("fetching the identity provider's JWKS failed; keeping the keys already known", "url", u, "error", err)
			}
		},
	})
	if err != nil {
		stop()
		return nil, fmt.Errorf("mcp.oauth: JWKS %s: %w", cfg.JWKSURL, err)
	}
	p := jwt.NewParser(
		jwt.WithValidMethods(Algorithms),
		jwt.WithIssuer(cfg.Issuer),
		jwt.WithAudience(cfg.Audiences...),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
	)
	log.Info("mcp oauth resource server ready", "issuer", cfg.Issuer, "jwks_url", cfg.JWKSURL, "resource", cfg.Resource, "audiences", cfg.Audiences)
	return &Validator{cfg: cfg, keys: k, parser: p, stop: stop}, nil
}

// Close stops the background key refresh.
func (v *Validator) Close() { v.stop() }

// Config is the effective configuration (defaults applied, JWKS URL
// discovered).
func (v *Validator) Config() Config { return v.cfg }

// Validate checks a bearer token and returns its caller. Errors wrap
// ErrInvalidToken or ErrInsufficientScope.
func (v *Validator) Validate(ctx context.Context, token string) (Principal, error) {
	claims := jwt.MapClaims{}
	if _, err := v.parser.ParseWithClaims(token, claims, v.keys.KeyfuncCtx(ctx)); err != nil {
		return Principal{}, fmt.Errorf("%w: %s", ErrInvalidToken, reason(err))
	}
	id, _ := claims[v.cfg.ClientIDClaim].(string)
	if strings.TrimSpace(id) == "" {
		return Principal{}, fmt.Errorf("%w: the token has no %s claim (see mcp.oauth.client_id_claim)", ErrInvalidToken, v.cfg.ClientIDClaim)
	}
	sub, _ := claims["sub"].(string)
	p := Principal{ClientID: id, Subject: sub}
	scopes := scopesOf(claims)
	switch {
	case slices.Contains(scopes, v.cfg.WriteScope):
		p.Write = true
	case slices.Contains(scopes, v.cfg.ReadScope):
	default:
		return Principal{}, fmt.Errorf("%w: the token grants neither %s nor %s", ErrInsufficientScope, v.cfg.ReadScope, v.cfg.WriteScope)
	}
	return p, nil
}

// reason is the client-safe reason a token was rejected.
func reason(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "malformed token"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "token expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "token not valid yet"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "token not issued for this resource (aud)"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "token from an untrusted issuer (iss)"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "token lacks a required claim (exp, iss or aud)"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable), errors.Is(err, keyfunc.ErrKeyfunc):
		return "token signature not verifiable with the issuer's keys"
	}
	return "token rejected"
}

// scopesOf collects scope (space-separated, RFC 9068 / Keycloak), scp
// (Entra ID: space-separated string, or an array elsewhere) and roles
// (Entra ID app roles of client-credential tokens).
func scopesOf(c jwt.MapClaims) []string {
	var out []string
	for _, name := range []string{"scope", "scp", "roles"} {
		switch v := c[name].(type) {
		case string:
			out = append(out, strings.Fields(v)...)
		case []any:
			for _, x := range v {
				if s, ok := x.(string); ok {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

func (c *Config) normalize() error {
	c.Issuer = strings.TrimSpace(c.Issuer)
	c.Resource = strings.TrimSpace(c.Resource)
	if c.Issuer == "" {
		return errors.New("mcp.oauth.issuer is required (the identity provider's issuer URL)")
	}
	if err := checkURL("mcp.oauth.issuer", c.Issuer); err != nil {
		return err
	}
	if c.Resource == "" {
		return errors.New("mcp.oauth.resource is required (Machina's MCP URL as clients reach it, e.g. https://machina.example.com/mcp)")
	}
	if err := checkURL("mcp.oauth.resource", c.Resource); err != nil {
		return err
	}
	if u, _ := url.Parse(c.Resource); u.Fragment != "" || u.RawQuery != "" {
		return errors.New("mcp.oauth.resource must not have a query or fragment (RFC 8707)")
	}
	if len(c.Audiences) == 0 {
		c.Audiences = []string{c.Resource}
	}
	if c.ClientIDClaim == "" {
		c.ClientIDClaim = DefaultClientIDClaim
	}
	if c.ReadScope == "" {
		c.ReadScope = DefaultReadScope
	}
	if c.WriteScope == "" {
		c.WriteScope = DefaultWriteScope
	}
	if c.ReadScope == c.WriteScope {
		return fmt.Errorf("mcp.oauth: read_scope and write_scope are both %q", c.ReadScope)
	}
	if c.Leeway == 0 {
		c.Leeway = DefaultLeeway
	}
	if c.Leeway < 0 || c.Leeway > MaxLeeway {
		return fmt.Errorf("mcp.oauth.leeway %s: want between 0 and %s", c.Leeway, MaxLeeway)
	}
	if c.JWKSRefresh <= 0 {
		c.JWKSRefresh = DefaultJWKSRefresh
	}
	if c.UnknownKeyInterval <= 0 {
		c.UnknownKeyInterval = DefaultUnknownKeyInterval
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if c.Logger == nil {
		c.Logger = hclog.NewNullLogger()
	}
	return nil
}

// checkURL requires an absolute https URL; plain http only to a loopback
// host (keys fetched over plain HTTP could be replaced on the way).
func checkURL(key, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("%s %q: want an absolute https URL", key, raw)
	}
	if u.Scheme == "http" && !loopback(u.Hostname()) {
		return fmt.Errorf("%s %q: must use https (plain http is accepted for loopback hosts only)", key, raw)
	}
	return nil
}

func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
