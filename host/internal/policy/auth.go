package policy

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/machina-go/machina/abi"
)

// tokenSkew is how long before expiry a cached oauth2 token is refreshed.
const tokenSkew = 30 * time.Second

// defaultTokenLifetime applies when a token response has no expires_in.
const defaultTokenLifetime = 5 * time.Minute

// secretValue reads a secret bound to an origin's auth profile.
func (h *Host) secretValue(ctx context.Context, o *Origin, name string) (string, *refusal) {
	if name == "" {
		return "", unavailable("credentials for origin %s are not configured (auth profile %q names no secret)", o, o.Auth.Profile)
	}
	if h.secrets == nil {
		return "", unavailable("credentials for origin %s are not available: no secrets are configured on this host", o)
	}
	v, err := h.secrets.Get(ctx, name)
	if err != nil || v.IsZero() {
		if err != nil {
			h.log.Warn("secret for a plugin auth profile is not available", "origin", o.String(), "secret", name, "error", h.scrub.ScrubString(err.Error()))
		}
		return "", unavailable("credentials for origin %s are not available on this host", o)
	}
	h.scrub.Add(v.Reveal())
	return v.Reveal(), nil
}

// attachAuth sets the origin's credentials on r. It runs after every policy
// check, on the host side only: the values never enter the plugin.
func (h *Host) attachAuth(ctx context.Context, o *Origin, r *http.Request, forceToken bool) *refusal {
	a := o.Auth
	switch a.Profile {
	case "", "none", "url_path":
		return nil // url_path was substituted into the path
	case "basic":
		user := a.Username
		if a.UsernameSecret != "" {
			u, rf := h.secretValue(ctx, o, a.UsernameSecret)
			if rf != nil {
				return rf
			}
			user = u
		}
		pass, rf := h.secretValue(ctx, o, a.PasswordSecret)
		if rf != nil {
			return rf
		}
		h.scrub.AddBasicAuth(user, pass)
		r.SetBasicAuth(user, pass)
	case "bearer":
		tok, rf := h.secretValue(ctx, o, a.TokenSecret)
		if rf != nil {
			return rf
		}
		r.Header.Set("Authorization", "Bearer "+tok)
	case "header":
		tok, rf := h.secretValue(ctx, o, a.TokenSecret)
		if rf != nil {
			return rf
		}
		name := http.CanonicalHeaderKey(a.Header)
		if name == "" {
			name = "Authorization"
		}
		if !validToken(name) || droppedHeaders[name] {
			return unavailable("auth profile for origin %s names an invalid header", o)
		}
		r.Header.Set(name, a.Prefix+tok)
	case "oauth2_client_credentials":
		tok, rf := h.oauthToken(ctx, o, forceToken)
		if rf != nil {
			return rf
		}
		r.Header.Set("Authorization", "Bearer "+tok)
	default:
		return unavailable("auth profile %q of origin %s is not supported", a.Profile, o)
	}
	return nil
}

type cachedToken struct {
	value   string
	expires time.Time
}

// tokenCache holds oauth2 access tokens per origin. Fetches are serialised
// per cache so concurrent calls do not stampede the token endpoint.
type tokenCache struct {
	mu     sync.Mutex
	tokens map[string]cachedToken
}

func newTokenCache() *tokenCache { return &tokenCache{tokens: map[string]cachedToken{}} }

func (c *tokenCache) invalidate(origin string) {
	c.mu.Lock()
	delete(c.tokens, origin)
	c.mu.Unlock()
}

// oauthToken returns a cached access token for the origin or fetches one
// from token_url with the client credentials.
func (h *Host) oauthToken(ctx context.Context, o *Origin, force bool) (string, *refusal) {
	key := o.String()
	c := h.tokens
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.tokens[key]; ok && !force && h.now().Before(t.expires) {
		return t.value, nil
	}
	tok, life, rf := h.fetchToken(ctx, o)
	if rf != nil {
		return "", rf
	}
	h.scrub.Add(tok)
	exp := life - tokenSkew
	if exp <= 0 {
		exp = life / 2
	}
	c.tokens[key] = cachedToken{value: tok, expires: h.now().Add(exp)}
	return tok, nil
}

func (h *Host) fetchToken(ctx context.Context, o *Origin) (string, time.Duration, *refusal) {
	a := o.Auth
	tu, err := url.Parse(a.TokenURL)
	if err != nil || (tu.Scheme != "https" && tu.Scheme != "http") || tu.Host == "" {
		return "", 0, unavailable("oauth2 token_url of origin %s is invalid", o)
	}
	secret, rf := h.secretValue(ctx, o, a.ClientSecretSecret)
	if rf != nil {
		return "", 0, rf
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	if len(a.Scopes) > 0 {
		form.Set("scope", strings.Join(a.Scopes, " "))
	}
	ctx, cancel := context.WithTimeout(ctx, h.pol.HTTP.Timeout)
	defer cancel()
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, tu.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, unavailable("oauth2 token request for %s cannot be built", o)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Accept", "application/json")
	// RFC 6749 §2.3.1: client_secret_basic with form-encoded id and secret.
	r.SetBasicAuth(url.QueryEscape(a.ClientID), url.QueryEscape(secret))
	h.scrub.AddBasicAuth(url.QueryEscape(a.ClientID), url.QueryEscape(secret))
	client := h.tokenClients[0]
	if o.AllowPrivate {
		client = h.tokenClients[1]
	}
	resp, err := client.Do(r)
	if err != nil {
		rf := h.transportFailure(ctx, o, err, h.pol.HTTP.Timeout)
		rf.msg = "oauth2 token request: " + rf.msg
		return "", 0, rf
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", 0, failure(abi.CodeUpstream, "oauth2 token response for %s could not be read", o)
	}
	if resp.StatusCode != http.StatusOK {
		return "", 0, failure(abi.CodeUnauthorized, "oauth2 token endpoint for %s answered %d", o, resp.StatusCode)
	}
	var tr struct {
		AccessToken string      `json:"access_token"`
		TokenType   string      `json:"token_type"`
		ExpiresIn   json.Number `json:"expires_in"`
	}
	if err := json.Unmarshal(b, &tr); err != nil || tr.AccessToken == "" {
		return "", 0, failure(abi.CodeUpstream, "oauth2 token response for %s has no access_token", o)
	}
	if tr.TokenType != "" && !strings.EqualFold(tr.TokenType, "bearer") {
		return "", 0, failure(abi.CodeUpstream, "oauth2 token for %s has unsupported type %q", o, truncate(tr.TokenType, 20))
	}
	life := defaultTokenLifetime
	if n, err := tr.ExpiresIn.Int64(); err == nil && n > 0 {
		life = time.Duration(n) * time.Second
	}
	return tr.AccessToken, life, nil
}

// newTokenClient builds the client for oauth2 token endpoints: no proxy,
// no redirects, and the same dial-time address policy as the origin the
// token is for (index 1 allows private addresses).
func newTokenClients(tlsConf *tls.Config) [2]*http.Client {
	var out [2]*http.Client
	for i, private := range []bool{false, true} {
		c := newClient(&Origin{AllowPrivate: private}, nil, tlsConf)
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		out[i] = c
	}
	return out
}
