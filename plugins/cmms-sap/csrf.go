package main

import (
	"context"
	"strings"

	"github.com/machina-go/machina/abi"
)

// csrfRequired reports whether SAP refused a write for want of a valid
// CSRF token (403 with "x-csrf-token: Required").
func csrfRequired(resp abi.HTTPResponse) bool {
	v, _ := header(resp.Headers, csrfHeader)
	return resp.Status == 403 && strings.EqualFold(strings.TrimSpace(v), "required")
}

// csrfToken returns the cached token, or fetches one with
// "X-CSRF-Token: Fetch" in the host's cookie session. The token is never
// logged.
func (s *sapPM) csrfToken(ctx context.Context, refresh bool) (string, error) {
	s.mu.Lock()
	tok := s.csrf
	s.mu.Unlock()
	if tok != "" && !refresh {
		return tok, nil
	}
	r := request{method: "GET", url: s.base + "/" + s.orderPath() + "?$top=1&$format=json",
		headers: map[string]string{csrfHeader: "Fetch"}, idempotent: true}
	resp, err := s.do(ctx, r)
	if err != nil {
		return "", err
	}
	if resp.Status != 200 && resp.Status != 204 {
		return "", abi.AsError(s.statusError(r, resp))
	}
	tok, _ = header(resp.Headers, csrfHeader)
	tok = strings.TrimSpace(tok)
	if tok == "" || strings.EqualFold(tok, "required") || strings.EqualFold(tok, "fetch") {
		return "", abi.Upstream("SAP answered the CSRF token fetch without an x-csrf-token header")
	}
	s.mu.Lock()
	s.csrf = tok
	s.mu.Unlock()
	return tok, nil
}

// dropToken forgets tok if it is still the cached token.
func (s *sapPM) dropToken(tok string) {
	s.mu.Lock()
	if s.csrf == tok {
		s.csrf = ""
	}
	s.mu.Unlock()
}

// write sends a modifying request with a CSRF token. When SAP answers 403
// "x-csrf-token: Required" (token expired or session lost) it fetches a
// new token and retries exactly once; a second refusal is an error, never
// a loop. Nothing else is retried beyond the transport policy (a write is
// not idempotent).
func (s *sapPM) write(ctx context.Context, method, u string, body []byte, extra map[string]string) (abi.HTTPResponse, error) {
	r := request{method: method, url: u, body: body}
	var resp abi.HTTPResponse
	for attempt := 0; attempt < 2; attempt++ {
		tok, err := s.csrfToken(ctx, attempt > 0)
		if err != nil {
			return resp, err
		}
		r.headers = map[string]string{csrfHeader: tok, "Content-Type": "application/json"}
		for k, v := range extra {
			r.headers[k] = v
		}
		resp, err = s.do(ctx, r)
		if err != nil {
			return resp, err
		}
		if !csrfRequired(resp) {
			break
		}
		s.dropToken(tok)
		if attempt == 1 {
			return resp, abi.Unauthorized("SAP refused the CSRF token for %s %s again after fetching a new one (HTTP 403, x-csrf-token: Required); the write was not applied — check that the host keeps this origin's session cookies", method, pathOf(u))
		}
	}
	switch {
	case resp.Status >= 200 && resp.Status < 300:
		return resp, nil
	case resp.Status == 412:
		return resp, abi.Upstream("SAP refused %s %s: the entity was changed by someone else since it was read (HTTP 412); read it again and retry", method, pathOf(u))
	}
	return resp, s.statusError(r, resp)
}
