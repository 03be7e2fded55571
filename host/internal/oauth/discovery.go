package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxMetadata caps an authorization server metadata document.
const maxMetadata = 1 << 20

// metadataURLs are where the issuer's metadata may live: OpenID Connect
// Discovery 1.0 §4 (issuer + /.well-known/openid-configuration), then
// RFC 8414 §3.1 (the well-known segment inserted before the issuer's path).
func metadataURLs(issuer string) []string {
	u, _ := url.Parse(issuer)
	path := strings.TrimSuffix(u.Path, "/")
	oidc := *u
	oidc.Path = path + "/.well-known/openid-configuration"
	rfc := *u
	rfc.Path = "/.well-known/oauth-authorization-server" + path
	return []string{oidc.String(), rfc.String()}
}

// discoverJWKS reads the issuer's metadata and returns its jwks_uri,
// after checking that the document names the same issuer (OpenID Connect
// Discovery §4.3, RFC 8414 §3.3).
func discoverJWKS(ctx context.Context, hc *http.Client, issuer string) (string, error) {
	var errs []error
	for _, mu := range metadataURLs(issuer) {
		doc, err := fetchMetadata(ctx, hc, mu)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if doc.Issuer != issuer {
			return "", fmt.Errorf("%s names issuer %q, not %q", mu, doc.Issuer, issuer)
		}
		if doc.JWKSURI == "" {
			return "", fmt.Errorf("%s has no jwks_uri", mu)
		}
		return doc.JWKSURI, nil
	}
	return "", errors.Join(errs...)
}

type asMetadata struct {
	Issuer  string `json:"issuer"`
	JWKSURI string `json:"jwks_uri"`
}

func fetchMetadata(ctx context.Context, hc *http.Client, u string) (asMetadata, error) {
	var doc asMetadata
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return doc, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return doc, fmt.Errorf("GET %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return doc, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxMetadata))
	if err != nil {
		return doc, fmt.Errorf("GET %s: %w", u, err)
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return doc, fmt.Errorf("GET %s: not a JSON metadata document: %w", u, err)
	}
	return doc, nil
}
