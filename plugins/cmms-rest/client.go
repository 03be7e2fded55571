package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

// reply is a decoded upstream response.
type reply struct {
	status  int
	headers map[string]string
	body    any // decoded JSON; nil for an empty body
	url     string
}

// call sends one request built from the template r with vs, plus extra
// query parameters (pagination), and maps HTTP failures to ABI errors. A
// read (GET) is retried on 503 and transport failures; a write only on 429.
func (p *plugin) call(ctx context.Context, r *Request, vs values, extra url.Values) (reply, error) {
	u, err := p.requestURL(r, vs, extra)
	if err != nil {
		return reply{}, err
	}
	return p.send(ctx, r.method(), u, r.Body, vs)
}

// requestURL renders the URL of r.
func (p *plugin) requestURL(r *Request, vs values, extra url.Values) (string, error) {
	path, err := vs.expandPath(r.Path)
	if err != nil {
		return "", err
	}
	q, err := vs.expandQuery(r.Query)
	if err != nil {
		return "", err
	}
	for k, v := range extra {
		q[k] = v
	}
	u := strings.TrimRight(p.cfg.BaseURL, "/") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u, nil
}

// send performs one HTTP exchange; bodyT is the body template (nil: none).
func (p *plugin) send(ctx context.Context, method, u string, bodyT any, vs values) (reply, error) {
	headers := map[string]string{"Accept": "application/json"}
	for k, v := range p.cfg.Headers {
		headers[k] = v
	}
	var body []byte
	if bodyT != nil {
		b, err := vs.expandBody(bodyT)
		if err != nil {
			return reply{}, err
		}
		if body, err = json.Marshal(b); err != nil {
			return reply{}, abi.Internal("encoding the request body: %v", err)
		}
		headers["Content-Type"] = "application/json"
	}
	req := abi.HTTPRequest{Method: method, URL: u, Headers: headers, Body: body, TimeoutMS: p.cfg.TimeoutMS}
	resp, err := pdk.HTTPWithRetry(ctx, req, pdk.RetryPolicy{Idempotent: method == "GET",
		Base: time.Duration(p.cfg.RetryBaseMS) * time.Millisecond, Max: 8 * time.Second, Retries: 3})
	if err != nil {
		e := abi.AsError(err)
		if e.Code == abi.CodeUpstream {
			return reply{}, abi.Unavailable("%s is unreachable: %s", p.cfg.Vendor, e.Message)
		}
		return reply{}, e
	}
	if err := p.statusError(method, u, resp); err != nil {
		return reply{}, err
	}
	out := reply{status: resp.Status, headers: resp.Headers, url: u}
	if len(bytes.TrimSpace(resp.Body)) > 0 {
		if err := json.Unmarshal(resp.Body, &out.body); err != nil {
			return reply{}, abi.Upstream("%s %s: the response is not JSON", method, redact(u))
		}
	}
	return out, nil
}

// statusError maps a non-2xx status to an ABI error (pdk.StatusError).
// Every request carries the caller's data or the operator's configuration,
// so a 400, 409 or 422 is reported as refused input.
func (p *plugin) statusError(method, u string, resp abi.HTTPResponse) error {
	if resp.Status >= 200 && resp.Status < 300 {
		return nil
	}
	return pdk.StatusError(pdk.HTTPStatus{System: p.cfg.Vendor, Request: method + " " + redact(u), Status: resp.Status,
		Detail: detail(resp.Body), CallerData: true})
}

// detail quotes the start of an error body (the host scrubs secrets and
// sanitises messages before a client sees them).
func detail(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if s == "" {
		return ""
	}
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}

// redact drops the query string from a URL for messages.
func redact(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i]
	}
	return u
}
