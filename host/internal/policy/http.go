package policy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/machina-go/machina/abi"
)

// refusal is a policy decision or failure returned to the plugin as an
// error response.
type refusal struct {
	code    abi.Code
	msg     string
	refused bool // a policy refusal (vs a transport failure)
}

func refuse(f string, a ...any) *refusal {
	return &refusal{code: abi.CodeUnauthorized, msg: fmt.Sprintf(f, a...), refused: true}
}

func invalid(f string, a ...any) *refusal {
	return &refusal{code: abi.CodeInvalidArgument, msg: fmt.Sprintf(f, a...), refused: true}
}

func unavailable(f string, a ...any) *refusal {
	return &refusal{code: abi.CodeUnavailable, msg: fmt.Sprintf(f, a...), refused: true}
}

func failure(code abi.Code, f string, a ...any) *refusal {
	return &refusal{code: code, msg: fmt.Sprintf(f, a...)}
}

// refusedHeaders may never be set by a plugin: credentials are the host's.
func refusedHeader(name string) bool {
	return name == "Authorization" || strings.HasPrefix(name, "Proxy-")
}

// droppedHeaders are managed by the host (cookie jar, transport).
// Accept-Encoding is the transport's so responses arrive decompressed and
// can be scrubbed (a plugin asking for gzip would get a body the scrubber
// cannot read); Range/If-Range would let a plugin fetch a reflected secret
// in pieces that no single scrub pass recognises.
var droppedHeaders = map[string]bool{
	"Cookie": true, "Cookie2": true, "Host": true, "Content-Length": true,
	"Transfer-Encoding": true, "Connection": true, "Keep-Alive": true, "Te": true,
	"Trailer": true, "Upgrade": true, "Accept-Encoding": true, "Range": true, "If-Range": true,
}

// strippedResponseHeaders never reach the plugin.
var strippedResponseHeaders = map[string]bool{"Set-Cookie": true, "Set-Cookie2": true}

func defaultPort(scheme string) string {
	if scheme == "https" {
		return "443"
	}
	return "80"
}

func originOf(scheme, host, port string) string {
	scheme = strings.ToLower(scheme)
	if port == "" {
		port = defaultPort(scheme)
	}
	return originString(scheme, strings.ToLower(host), port)
}

// HTTPRequest implements plugin.Host: the policy-checked HTTP gate.
func (h *Host) HTTPRequest(ctx context.Context, req abi.HTTPRequest) abi.HTTPResponse {
	start := h.now()
	ev := HTTPEvent{Plugin: h.pol.Plugin, Method: strings.ToUpper(strings.TrimSpace(req.Method)), RequestBytes: int64(len(req.Body))}
	if ev.Method == "" {
		ev.Method = http.MethodGet
	}
	resp, rf := h.doHTTP(ctx, ev.Method, req, &ev)
	ev.Duration = h.now().Sub(start)
	if rf != nil {
		msg := h.scrub.ScrubString(rf.msg)
		if rf.refused {
			ev.Refusal = msg
			h.log.Warn("plugin HTTP request refused", "method", ev.Method, "origin", ev.Origin, "path", ev.Path, "reason", msg)
		} else {
			ev.Error = msg
			h.log.Debug("plugin HTTP request failed", "method", ev.Method, "origin", ev.Origin, "path", ev.Path, "error", msg)
		}
		resp = abi.HTTPResponse{Error: &abi.Error{Code: rf.code, Message: msg}}
	} else {
		ev.Status = resp.Status
		ev.ResponseBytes = int64(len(resp.Body))
	}
	if h.observer != nil {
		h.observer.ObserveHTTP(ctx, ev)
	}
	return resp
}

func (h *Host) doHTTP(ctx context.Context, method string, req abi.HTTPRequest, ev *HTTPEvent) (abi.HTTPResponse, *refusal) {
	if !validToken(method) {
		return abi.HTTPResponse{}, invalid("invalid HTTP method")
	}
	if method == http.MethodConnect || method == http.MethodTrace {
		return abi.HTTPResponse{}, refuse("method %s is not allowed", method)
	}
	u, err := url.Parse(req.URL)
	if err != nil {
		return abi.HTTPResponse{}, invalid("invalid URL")
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return abi.HTTPResponse{}, refuse("only http and https URLs are allowed")
	}
	if u.Opaque != "" || u.Host == "" {
		return abi.HTTPResponse{}, invalid("URL must be absolute: scheme://host[:port]/path")
	}
	if u.User != nil {
		return abi.HTTPResponse{}, refuse("user info in the URL is not allowed (bind an auth profile in the grant)")
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if port == "" {
		port = defaultPort(scheme)
	}
	ev.Origin = originString(scheme, host, port)
	ev.Path = h.scrub.ScrubString(u.Path)
	if h.sandbox() && method != http.MethodGet && method != http.MethodHead {
		return abi.HTTPResponse{}, refuse("sandbox mode: only GET and HEAD requests are allowed")
	}
	o, ok := h.pol.lookup(scheme, host, port)
	if !ok {
		if h.pol.requested(scheme, host, port) {
			return abi.HTTPResponse{}, refuse("origin %s is requested by the plugin but not granted by the operator", ev.Origin)
		}
		return abi.HTTPResponse{}, refuse("origin %s is not granted to this plugin", ev.Origin)
	}
	if !h.unlimited && !h.rate.take() {
		return abi.HTTPResponse{}, unavailable("rate limit of %d requests per minute exceeded", h.pol.HTTP.RequestsPerMinute)
	}
	if len(req.Body) > h.pol.HTTP.MaxRequestBytes {
		return abi.HTTPResponse{}, invalid("request body of %d bytes exceeds the %d byte limit", len(req.Body), h.pol.HTTP.MaxRequestBytes)
	}
	u.Scheme, u.Fragment, u.RawFragment = scheme, "", ""
	res := &resolver{h: h, origin: o}
	if o.Auth.Profile == "url_path" {
		tok, rf := h.secretValue(ctx, o, o.Auth.TokenSecret)
		if rf != nil {
			return abi.HTTPResponse{}, rf
		}
		res.token = tok
	}
	if rf := res.substituteURL(ctx, u); rf != nil {
		return abi.HTTPResponse{}, rf
	}
	hdr := http.Header{}
	for k, v := range req.Headers {
		if !validToken(k) {
			return abi.HTTPResponse{}, invalid("invalid header name %q", truncate(k, 64))
		}
		name := http.CanonicalHeaderKey(k)
		if refusedHeader(name) {
			return abi.HTTPResponse{}, invalid("header %s is set by the host, not the plugin: bind an auth profile to the origin in the grant", name)
		}
		if droppedHeaders[name] {
			continue
		}
		val, rf := res.substitute(ctx, v, "header "+name, func(s string) string { return s })
		if rf != nil {
			return abi.HTTPResponse{}, rf
		}
		if strings.ContainsAny(val, "\r\n\x00") {
			return abi.HTTPResponse{}, invalid("header %s has an invalid value", name)
		}
		hdr.Set(name, val)
	}
	body := req.Body
	if len(body) > 0 && anyPlaceholderRE.Match(body) {
		mt, _, _ := mime.ParseMediaType(hdr.Get("Content-Type"))
		if mt != "application/x-www-form-urlencoded" {
			return abi.HTTPResponse{}, refuse("placeholders are substituted only in header values, the URL path and form bodies (Content-Type application/x-www-form-urlencoded)")
		}
		s, rf := res.substitute(ctx, string(body), "form body", url.QueryEscape)
		if rf != nil {
			return abi.HTTPResponse{}, rf
		}
		body = []byte(s)
		if len(body) > h.pol.HTTP.MaxRequestBytes {
			return abi.HTTPResponse{}, invalid("request body exceeds the %d byte limit", h.pol.HTTP.MaxRequestBytes)
		}
	}
	timeout := h.pol.HTTP.Timeout
	if req.TimeoutMS > 0 && time.Duration(req.TimeoutMS)*time.Millisecond < timeout {
		timeout = time.Duration(req.TimeoutMS) * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, rf := h.send(ctx, o, method, u, hdr, body, false)
	if rf == nil && resp.StatusCode == http.StatusUnauthorized && o.Auth.Profile == "oauth2_client_credentials" {
		// The cached token may have been revoked: refetch once and retry.
		resp.Body.Close()
		h.tokens.invalidate(o.String())
		resp, rf = h.send(ctx, o, method, u, hdr, body, true)
	}
	if rf != nil {
		return abi.HTTPResponse{}, rf
	}
	defer resp.Body.Close()
	max := h.pol.HTTP.MaxResponseBytes
	b, err := io.ReadAll(io.LimitReader(resp.Body, int64(max)+1))
	if err != nil {
		return abi.HTTPResponse{}, h.transportFailure(ctx, o, err, timeout)
	}
	if len(b) > max {
		return abi.HTTPResponse{}, failure(abi.CodeUpstream, "response from %s exceeds the %d byte limit", o, max)
	}
	out := abi.HTTPResponse{Status: resp.StatusCode, Body: h.scrub.ScrubBytes(b)}
	for k, vs := range resp.Header {
		if strippedResponseHeaders[k] {
			continue
		}
		if out.Headers == nil {
			out.Headers = map[string]string{}
		}
		out.Headers[k] = h.scrub.ScrubString(strings.Join(vs, ", "))
	}
	return out, nil
}

// send performs one request with credentials attached (after every policy
// check). forceToken refetches an oauth2 token.
func (h *Host) send(ctx context.Context, o *Origin, method string, u *url.URL, hdr http.Header, body []byte, forceToken bool) (*http.Response, *refusal) {
	var rd io.Reader
	if len(body) > 0 {
		rd = bytes.NewReader(body)
	}
	r, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, invalid("cannot build the request")
	}
	r.Header = hdr.Clone()
	if rf := h.attachAuth(ctx, o, r, forceToken); rf != nil {
		return nil, rf
	}
	resp, err := h.clients[o.String()].Do(r)
	if err != nil {
		return nil, h.transportFailure(ctx, o, err, h.pol.HTTP.Timeout)
	}
	return resp, nil
}

// transportFailure describes a failed request without the URL (which may
// carry a url_path token) and scrubbed of secrets.
func (h *Host) transportFailure(ctx context.Context, o *Origin, err error, timeout time.Duration) *refusal {
	if e, ok := errEgress(err); ok {
		return refuse("%s", e.Error())
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return failure(abi.CodeUnavailable, "request to %s timed out", o)
	}
	if errors.Is(err, context.Canceled) {
		return failure(abi.CodeUnavailable, "request to %s was cancelled", o)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return failure(abi.CodeUpstream, "request to %s failed: %s", o, h.scrub.ScrubString(truncate(err.Error(), 300)))
}

// validToken reports whether s is a non-empty RFC 7230 token.
func validToken(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
