package mcp

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/host/internal/oauth"
	"github.com/mark3labs/mcp-go/server"
)

// authenticator verifies the bearer token of an HTTP request: a static
// token first (constant-time lookup), then, when configured, an OAuth
// access token from the operator's identity provider.
type authenticator struct {
	tokens *TokenStore
	oauth  *oauth.Validator
	logger hclog.Logger
	// metadataURL is where the RFC 9728 document is served ("" without
	// OAuth); 401 and 403 answers point to it in WWW-Authenticate.
	metadataURL string
}

func newAuthenticator(tokens *TokenStore, v *oauth.Validator, logger hclog.Logger) *authenticator {
	a := &authenticator{tokens: tokens, oauth: v, logger: logger}
	if v != nil {
		a.metadataURL = metadataURL(v.Config().Resource)
	}
	return a
}

// refusal is an authentication or authorisation failure.
type refusal struct {
	status int
	code   string
	desc   string
}

// authenticate returns the caller of r, or why it is refused.
func (a *authenticator) authenticate(r *http.Request) (Client, *refusal) {
	tok := bearer(r)
	if tok == "" {
		return Client{}, &refusal{http.StatusUnauthorized, "invalid_token", "Authentication required"}
	}
	if c, ok := a.tokens.Lookup(tok); ok {
		return c, nil
	}
	if a.oauth == nil {
		return Client{}, &refusal{http.StatusUnauthorized, "invalid_token", "Authentication required"}
	}
	p, err := a.oauth.Validate(r.Context(), tok)
	if err != nil {
		// The reason names no token content; the token itself is never logged.
		a.logger.Info("access token refused", "reason", err.Error(), "remote", r.RemoteAddr)
		if errors.Is(err, oauth.ErrInsufficientScope) {
			return Client{}, &refusal{http.StatusForbidden, "insufficient_scope", strings.TrimPrefix(err.Error(), "insufficient_scope: ")}
		}
		return Client{}, &refusal{http.StatusUnauthorized, "invalid_token", strings.TrimPrefix(err.Error(), "invalid_token: ")}
	}
	c := Client{ID: p.ClientID, Scope: ScopeRead}
	if p.Write {
		c.Scope = ScopeWrite
	}
	return c, nil
}

// refuse answers a refusal as RFC 6750 §3 describes, with the
// resource_metadata parameter of RFC 9728 §5.1 when OAuth is configured and
// the scope a client should ask for.
func (a *authenticator) refuse(w http.ResponseWriter, f *refusal) {
	if f.status == http.StatusUnauthorized || f.code == "insufficient_scope" {
		v := fmt.Sprintf("Bearer error=%q, error_description=%q", f.code, f.desc)
		if a.metadataURL != "" {
			v += fmt.Sprintf(", resource_metadata=%q", a.metadataURL)
		}
		if s := a.scopeHint(f.code); s != "" {
			v += fmt.Sprintf(", scope=%q", s)
		}
		w.Header().Set("WWW-Authenticate", v)
	}
	writeJSON(w, f.status, map[string]string{"error": f.code, "error_description": f.desc})
}

func (a *authenticator) scopeHint(code string) string {
	if a.oauth == nil {
		if code == "insufficient_scope" {
			return string(ScopeWrite)
		}
		return ""
	}
	c := a.oauth.Config()
	if code == "insufficient_scope" {
		return c.WriteScope
	}
	return c.ReadScope + " " + c.WriteScope
}

// mountMetadata serves the protected resource metadata (RFC 9728 §3) at
// the well-known path derived from the resource URI and, when that path is
// not the bare one, at the bare one too (clients that do not read
// WWW-Authenticate probe it).
func (a *authenticator) mountMetadata(mux *http.ServeMux) {
	if a.oauth == nil {
		return
	}
	c := a.oauth.Config()
	h := server.NewProtectedResourceMetadataHandler(server.ProtectedResourceMetadataConfig{
		Resource:               c.Resource,
		AuthorizationServers:   []string{c.Issuer},
		ScopesSupported:        []string{c.ReadScope, c.WriteScope},
		BearerMethodsSupported: []string{"header"},
		ResourceName:           "Machina",
	})
	p := server.ProtectedResourceMetadataPath(c.Resource)
	mux.Handle(p, h)
	if p != server.WellKnownProtectedResourcePath {
		mux.Handle(server.WellKnownProtectedResourcePath, h)
	}
}

// metadataURL is the metadata document's URL for resource (RFC 9728 §3.1:
// the well-known segment goes between the host and the resource's path).
func metadataURL(resource string) string {
	u, err := url.Parse(resource)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host + server.ProtectedResourceMetadataPath(resource)
}
