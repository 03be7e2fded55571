package main

import (
	"context"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

// Retry policy of the reference: up to maxRetries retries with backoff
// min(base·2^n, maxBackoff); 429 is always retried (honouring a numeric
// Retry-After), 503 and network errors only for idempotent requests.
const (
	maxRetries = 3
	maxBackoff = 8 * time.Second
)

// csrfHeader is the CSRF token header. The host's tracer records no
// headers, and its redaction treats any *token* key as secret.
const csrfHeader = "X-CSRF-Token"

// request is one HTTP exchange with the gateway.
type request struct {
	method     string
	url        string
	headers    map[string]string
	body       []byte
	idempotent bool
}

// do performs r with the retry policy. It returns the final response
// whatever its status; only transport failures are errors.
func (s *sapPM) do(ctx context.Context, r request) (abi.HTTPResponse, error) {
	headers := map[string]string{"Accept": "application/json"}
	if s.cfg.SAPClient != "" {
		headers["sap-client"] = s.cfg.SAPClient
	}
	for k, v := range r.headers {
		headers[k] = v
	}
	req := abi.HTTPRequest{Method: r.method, URL: r.url, Headers: headers, Body: r.body, TimeoutMS: s.cfg.TimeoutMS}
	// The host reports transport failures as unavailable (the policy's
	// default Transient); policy refusals (unauthorized, invalid_argument)
	// are final.
	resp, err := pdk.HTTPWithRetry(ctx, req, pdk.RetryPolicy{
		Idempotent: r.idempotent, Base: s.retryBase, Max: maxBackoff, Retries: maxRetries,
		OnRetry: func(n int, wait time.Duration) {
			pdk.Logf(ctx, abi.LogDebug, "sap %s %s: retry %d in %s", r.method, pathOf(r.url), n, wait)
		},
	})
	if err != nil {
		return resp, abi.AsError(err)
	}
	return resp, nil
}

// send is do plus status mapping: only a 2xx response is returned.
func (s *sapPM) send(ctx context.Context, r request) (abi.HTTPResponse, error) {
	resp, err := s.do(ctx, r)
	if err != nil {
		return resp, err
	}
	if resp.Status >= 200 && resp.Status < 300 {
		return resp, nil
	}
	return resp, s.statusError(r, resp)
}

// header returns a response header case-insensitively.
func header(h map[string]string, name string) (string, bool) {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// credentialRE finds credentials a leaky gateway may echo in an error.
var credentialRE = regexp.MustCompile(`(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}`)

// redact removes the CSRF token and anything that looks like an
// Authorization value from text the plugin is about to return or log.
func (s *sapPM) redact(text string) string {
	s.mu.Lock()
	tok := s.csrf
	s.mu.Unlock()
	if tok != "" {
		text = strings.ReplaceAll(text, tok, "[REDACTED]")
	}
	return credentialRE.ReplaceAllString(text, "$1 [REDACTED]")
}

// sapMessage extracts the message of an OData v2 or v4 error body.
func sapMessage(body []byte) string {
	var e struct {
		Error struct {
			Code    string          `json:"code"`
			Message json.RawMessage `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	var msg string
	if json.Unmarshal(e.Error.Message, &msg) != nil {
		var v2 struct {
			Value string `json:"value"`
		}
		_ = json.Unmarshal(e.Error.Message, &v2)
		msg = v2.Value
	}
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return msg
}

// statusError maps a non-2xx response to an ABI error.
func (s *sapPM) statusError(r request, resp abi.HTTPResponse) error {
	return pdk.StatusError(pdk.HTTPStatus{System: "SAP", Request: r.method + " " + pathOf(r.url), Status: resp.Status,
		Detail: s.redact(sapMessage(resp.Body)), CallerData: !r.idempotent})
}

func pathOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "?"
	}
	return p.EscapedPath()
}
