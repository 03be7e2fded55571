package oauth_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/machina-go/machina/host/internal/oauth"
	"github.com/machina-go/machina/host/internal/oauth/oauthtest"
)

const resource = "https://machina.example.com/mcp"

func newValidator(t *testing.T, iss *oauthtest.Issuer, cfg oauth.Config) *oauth.Validator {
	t.Helper()
	cfg.Issuer = iss.URL
	if cfg.Resource == "" {
		cfg.Resource = resource
	}
	v, err := oauth.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	return v
}

// TestTokenMatrix covers the checks a resource server must make (MCP
// authorization spec, "Access Token Privilege Restriction" and "Token
// Handling"; RFC 7519 §4.1.1 iss, §4.1.3 aud, §4.1.4 exp; RFC 7515 §5.2
// signature validation) against a real issuer over HTTP.
func TestTokenMatrix(t *testing.T) {
	iss := oauthtest.NewIssuer(t)
	v := newValidator(t, iss, oauth.Config{})
	ctx := context.Background()
	good := iss.Claims(resource, "claude-desktop", "openid machina:write")
	with := func(k string, val any) map[string]any {
		c := iss.Claims(resource, "claude-desktop", "machina:write")
		if val == nil {
			delete(c, k)
		} else {
			c[k] = val
		}
		return c
	}
	cases := []struct {
		name   string
		token  string
		reason string // "" = accepted
	}{
		{"valid", iss.Token(t, good), ""},
		{"audience in an array", iss.Token(t, with("aud", []string{"other", resource})), ""},
		{"expired", iss.Token(t, with("exp", time.Now().Add(-2*time.Minute).Unix())), "token expired"},
		{"expired within leeway", iss.Token(t, with("exp", time.Now().Add(-10*time.Second).Unix())), ""},
		{"no exp", iss.Token(t, with("exp", nil)), "required claim"},
		{"not yet valid", iss.Token(t, with("nbf", time.Now().Add(5*time.Minute).Unix())), "not valid yet"},
		{"wrong audience", iss.Token(t, with("aud", "https://other.example.com/mcp")), "aud"},
		{"no audience", iss.Token(t, with("aud", nil)), "required claim"},
		{"wrong issuer", iss.Token(t, with("iss", "https://evil.example.com")), "iss"},
		{"unknown key", oauthtest.Sign(t, iss.Unpublished(t), good), "signature"},
		{"tampered payload", tamper(iss.Token(t, good)), "signature"},
		{"not a JWT", "opaque-static-token-0123456789", "malformed"},
		{"alg none", unsigned(iss.Token(t, good)), "signature"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := v.Validate(ctx, c.token)
			if c.reason == "" {
				if err != nil || p.ClientID != "claude-desktop" || !p.Write || p.Subject != "user-1" {
					t.Fatalf("rejected a valid token: %v %+v", err, p)
				}
				return
			}
			if !errors.Is(err, oauth.ErrInvalidToken) || !strings.Contains(err.Error(), c.reason) {
				t.Fatalf("want invalid_token (%s), got %v", c.reason, err)
			}
			if strings.Contains(err.Error(), c.token) {
				t.Fatal("the error repeats the token")
			}
		})
	}
}

// tamper changes the payload of a signed token (the signature no longer
// matches, RFC 7515 §5.2 step 8).
func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	p, _ := base64.RawURLEncoding.DecodeString(parts[1])
	p = []byte(strings.Replace(string(p), "machina:write", "machina:admin", 1))
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(p) + "." + parts[2]
}

// unsigned rewrites a token as alg "none" (RFC 7519 §6.1), which a
// resource server must never accept.
func unsigned(tok string) string {
	parts := strings.Split(tok, ".")
	return "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + parts[1] + "."
}

func TestScopesAndClientID(t *testing.T) {
	iss := oauthtest.NewIssuer(t)
	ctx := context.Background()
	v := newValidator(t, iss, oauth.Config{})
	read := iss.Claims(resource, "dashboard", "openid machina:read")
	if p, err := v.Validate(ctx, iss.Token(t, read)); err != nil || p.Write || p.ClientID != "dashboard" {
		t.Fatalf("read scope: %+v %v", p, err)
	}
	none := iss.Claims(resource, "dashboard", "openid profile")
	if _, err := v.Validate(ctx, iss.Token(t, none)); !errors.Is(err, oauth.ErrInsufficientScope) {
		t.Fatalf("no Machina scope: %v", err)
	}
	// Entra ID puts delegated scopes in scp and application roles in roles.
	entra := iss.Claims(resource, "app-guid", "")
	delete(entra, "scope")
	entra["roles"] = []string{"Machina.Write"}
	ev := newValidator(t, iss, oauth.Config{ReadScope: "Machina.Read", WriteScope: "Machina.Write"})
	if p, err := ev.Validate(ctx, iss.Token(t, entra)); err != nil || !p.Write {
		t.Fatalf("roles: %+v %v", p, err)
	}
	entra["scp"] = "Machina.Read"
	delete(entra, "roles")
	if p, err := ev.Validate(ctx, iss.Token(t, entra)); err != nil || p.Write {
		t.Fatalf("scp: %+v %v", p, err)
	}
	// The client id comes from the configured claim; a token without it is
	// refused rather than attributed to nobody.
	cv := newValidator(t, iss, oauth.Config{ClientIDClaim: "client_id"})
	if p, err := cv.Validate(ctx, iss.Token(t, read)); err != nil || p.ClientID != "dashboard" {
		t.Fatalf("client_id claim: %+v %v", p, err)
	}
	noID := iss.Claims(resource, "", "machina:read")
	if _, err := cv.Validate(ctx, iss.Token(t, noID)); !errors.Is(err, oauth.ErrInvalidToken) || !strings.Contains(err.Error(), "client_id") {
		t.Fatalf("no client id: %v", err)
	}
}

// TestKeyRotation: the issuer rotates its signing key (OpenID Connect Core
// §10.1.1: the new key is published, tokens name it by kid, and the
// relying party fetches the key set again when it sees an unknown kid).
func TestKeyRotation(t *testing.T) {
	iss := oauthtest.NewIssuer(t)
	ctx := context.Background()
	v := newValidator(t, iss, oauth.Config{UnknownKeyInterval: time.Hour})
	claims := iss.Claims(resource, "c", "machina:read")
	before := iss.Token(t, claims)
	if _, err := v.Validate(ctx, before); err != nil {
		t.Fatal(err)
	}
	fetches := iss.JWKSFetches()
	// Rotation without overlap: the old key is withdrawn.
	iss.Rotate(t, false)
	after := iss.Token(t, claims)
	if _, err := v.Validate(ctx, after); err != nil {
		t.Fatalf("token signed with the rotated-in key: %v", err)
	}
	if iss.JWKSFetches() != fetches+1 {
		t.Fatalf("want exactly one JWKS fetch for the new kid, got %d", iss.JWKSFetches()-fetches)
	}
	// The withdrawn key no longer verifies: the refresh replaced the set.
	if _, err := v.Validate(ctx, before); !errors.Is(err, oauth.ErrInvalidToken) {
		t.Fatalf("token of the withdrawn key: %v", err)
	}
	// Unknown key ids do not make the host fetch again within the interval
	// (a flood of forged tokens cannot hammer the identity provider).
	n := iss.JWKSFetches()
	for range 5 {
		if _, err := v.Validate(ctx, oauthtest.Sign(t, iss.Unpublished(t), claims)); !errors.Is(err, oauth.ErrInvalidToken) {
			t.Fatalf("unknown key: %v", err)
		}
	}
	if iss.JWKSFetches() != n {
		t.Fatalf("unknown kids caused %d fetches within the rate limit", iss.JWKSFetches()-n)
	}
}

func TestDiscoveryAndConfig(t *testing.T) {
	iss := oauthtest.NewIssuer(t)
	v := newValidator(t, iss, oauth.Config{})
	if got := v.Config().JWKSURL; got != iss.URL+"/keys" {
		t.Fatalf("discovered %q", got)
	}
	ctx := context.Background()
	for _, c := range []struct {
		cfg  oauth.Config
		want string
	}{
		{oauth.Config{Resource: resource}, "issuer is required"},
		{oauth.Config{Issuer: "http://idp.example.com", Resource: resource}, "https"},
		{oauth.Config{Issuer: iss.URL}, "resource is required"},
		{oauth.Config{Issuer: iss.URL, Resource: "https://m.example.com/mcp#x"}, "fragment"},
		{oauth.Config{Issuer: iss.URL, Resource: resource, Leeway: time.Hour}, "leeway"},
		{oauth.Config{Issuer: iss.URL, Resource: resource, ReadScope: "x", WriteScope: "x"}, "both"},
		{oauth.Config{Issuer: iss.URL + "/elsewhere", Resource: resource}, "jwks_url"},
		{oauth.Config{Issuer: iss.URL, Resource: resource, JWKSURL: "http://idp.example.com/keys"}, "https"},
	} {
		if _, err := oauth.New(ctx, c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: want an error about %q, got %v", c.cfg, c.want, err)
		}
	}
}
