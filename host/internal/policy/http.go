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
	"github.com/machina-go/machina/host/internal/opctx"
	"github.com/machina-go/machina/internal/wire"
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

func originOf(scheme, host, port string) string {
	scheme = strings.ToLower(scheme)
	if port == "" {
		port = wire.DefaultPort(scheme)
	}
	return wire.OriginString(scheme, strings.ToLower(host), port)
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
		e := &abi.Error{Code: rf.code, Message: msg}
		if rf.refused {
			noted(ctx, e)
			ev.Refusal = msg
			h.log.Warn("plugin HTTP request refused", "method", ev.Method, "origin", ev.Origin, "path", ev.Path, "reason", msg)
		} else {
			ev.Error = msg
			h.log.Debug("plugin HTTP request failed", "method", ev.Method, "origin", ev.Origin, "path", ev.Path, "error", msg)
		}
		resp = abi.HTTPResponse{Error: e}
	} else {
		ev.Status = resp.Status
		ev.ResponseBytes = int64(len(resp.Body))
	}
	if h.observer != nil {
		h.observer.ObserveHTTP(ctx, ev)
	}
	return resp
}

// doHTTP runs the gate's steps in order: parse the target, authorise it
// (origin, declared request, sandbox, write operation, rate, size), build
// the outbound request (placeholders, headers, body), and exchange it.
func (h *Host) doHTTP(ctx context.Context, method string, req abi.HTTPRequest, ev *HTTPEvent) (abi.HTTPResponse, *refusal) {
	t, rf := h.target(method, req.URL, ev)
	if rf != nil {
		return abi.HTTPResponse{}, rf
	}
	if rf := h.authorize(ctx, t, req); rf != nil {
		return abi.HTTPResponse{}, rf
	}
	out, rf := h.prepare(ctx, t, req)
	if rf != nil {
		return abi.HTTPResponse{}, rf
	}
	return h.exchange(ctx, t, out, req.TimeoutMS)
}

// target is a parsed, not yet authorised plugin request.
type target struct {
	method             string
	u                  *url.URL
	scheme, host, port string
	origin             *Origin // set by authorize
}

// target parses the method and URL and fills the event's origin and path.
func (h *Host) target(method, rawURL string, ev *HTTPEvent) (*target, *refusal) {
	if !validToken(method) {
		return nil, invalid("invalid HTTP method")
	}
	if method == http.MethodConnect || method == http.MethodTrace {
		return nil, refuse("method %s is not allowed", method)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, invalid("invalid URL")
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return nil, refuse("only http and https URLs are allowed")
	}
	if u.Opaque != "" || u.Host == "" {
		return nil, invalid("URL must be absolute: scheme://host[:port]/path")
	}
	if u.User != nil {
		return nil, refuse("user info in the URL is not allowed (bind an auth profile in the grant)")
	}
	t := &target{method: method, u: u, scheme: scheme, host: strings.ToLower(u.Hostname()), port: u.Port()}
	if t.port == "" {
		t.port = wire.DefaultPort(scheme)
	}
	ev.Origin = wire.OriginString(scheme, t.host, t.port)
	ev.Path = h.scrub.ScrubString(u.Path)
	u.Scheme, u.Fragment, u.RawFragment = scheme, "", ""
	return t, nil
}

// authorize checks the origin grant, the declared requests, sandbox mode,
// the running operation, the rate limit and the body size.
func (h *Host) authorize(ctx context.Context, t *target, req abi.HTTPRequest) *refusal {
	origin := wire.OriginString(t.scheme, t.host, t.port)
	o, ok := h.pol.lookup(t.scheme, t.host, t.port)
	if !ok {
		if h.pol.requested(t.scheme, t.host, t.port) {
			return refuse("origin %s is requested by the plugin but not granted by the operator", origin)
		}
		return refuse("origin %s is not granted to this plugin", origin)
	}
	t.origin = o
	if rf := h.authorizeRequest(ctx, o, t, req.Headers); rf != nil {
		return rf
	}
	if !h.unlimited && !h.rate.take() {
		return unavailable("rate limit of %d requests per minute exceeded", h.pol.HTTP.RequestsPerMinute)
	}
	if len(req.Body) > h.pol.HTTP.MaxRequestBytes {
		return invalid("request body of %d bytes exceeds the %d byte limit", len(req.Body), h.pol.HTTP.MaxRequestBytes)
	}
	return nil
}

// authorizeRequest classifies the request by the origin's declared reads
// and writes: a request matching no rule is refused; one matching a write
// rule, carrying a method override or matching no read rule is a write,
// allowed only outside sandbox mode and while a write operation runs; in
// sandbox mode a read must also be GET or HEAD.
func (h *Host) authorizeRequest(ctx context.Context, o *Origin, t *target, headers map[string]string) *refusal {
	what := t.method + " " + h.scrub.ScrubString(truncate(t.u.Path, 200))
	path, err := wire.ParseRequestPath(t.u.EscapedPath())
	if err != nil {
		return refuse("%s: %v", what, err)
	}
	read, write := o.Reads.Match(t.method, path), o.Writes.Match(t.method, path)
	if !read && !write {
		if o.Reads.Declares(t.method, path) || o.Writes.Declares(t.method, path) {
			return refuse("%s is declared by the plugin but not granted for %s: the operator's grant narrows its reads/writes", what, o)
		}
		return refuse("%s is not a request the plugin declared for %s (see the manifest's reads and writes)", what, o)
	}
	isRead, override := wire.Classify(read, write, headers)
	switch {
	case h.sandbox() && !isRead:
		return refuse("sandbox mode: %s is not declared a read (only declared reads pass)", what)
	case h.sandbox() && !wire.SafeMethod(t.method):
		return refuse("sandbox mode: only GET and HEAD requests are allowed (%s)", what)
	case !isRead && !opctx.Writing(ctx):
		why := "is a write"
		if override != "" {
			why = "carries " + override + ", so it is a write"
		}
		return refuse("%s %s: it is allowed only while the host runs a write operation of the plugin (this call runs %q)", what, why, opctx.Export(ctx))
	}
	return nil
}

// outbound is a fully built request, not yet sent.
type outbound struct {
	hdr  http.Header
	body []byte
}

// prepare substitutes the url_path token and {{secret:NAME}} placeholders
// and builds the headers and body.
func (h *Host) prepare(ctx context.Context, t *target, req abi.HTTPRequest) (outbound, *refusal) {
	o := t.origin
	res := &resolver{h: h, origin: o}
	if o.Auth.Profile == "url_path" {
		tok, rf := h.secretValue(ctx, o, o.Auth.TokenSecret)
		if rf != nil {
			return outbound{}, rf
		}
		res.token = tok
	}
	if rf := res.substituteURL(ctx, t.u); rf != nil {
		return outbound{}, rf
	}
	hdr, rf := h.headers(ctx, res, req.Headers)
	if rf != nil {
		return outbound{}, rf
	}
	body := req.Body
	if len(body) > 0 && anyPlaceholderRE.Match(body) {
		mt, _, _ := mime.ParseMediaType(hdr.Get("Content-Type"))
		if mt != "application/x-www-form-urlencoded" {
			return outbound{}, refuse("placeholders are substituted only in header values, the URL path and form bodies (Content-Type application/x-www-form-urlencoded)")
		}
		s, rf := res.substitute(ctx, string(body), "form body", url.QueryEscape)
		if rf != nil {
			return outbound{}, rf
		}
		body = []byte(s)
		if len(body) > h.pol.HTTP.MaxRequestBytes {
			return outbound{}, invalid("request body exceeds the %d byte limit", h.pol.HTTP.MaxRequestBytes)
		}
	}
	return outbound{hdr: hdr, body: body}, nil
}

// headers checks and copies the plugin's headers, with placeholders
// substituted.
func (h *Host) headers(ctx context.Context, res *resolver, in map[string]string) (http.Header, *refusal) {
	hdr := http.Header{}
	for k, v := range in {
		if !validToken(k) {
			return nil, invalid("invalid header name %q", truncate(k, 64))
		}
		name := http.CanonicalHeaderKey(k)
		if refusedHeader(name) {
			return nil, invalid("header %s is set by the host, not the plugin: bind an auth profile to the origin in the grant", name)
		}
		if droppedHeaders[name] {
			continue
		}
		val, rf := res.substitute(ctx, v, "header "+name, func(s string) string { return s })
		if rf != nil {
			return nil, rf
		}
		if strings.ContainsAny(val, "\r\n\x00") {
			return nil, invalid("header %s has an invalid value", name)
		}
		hdr.Set(name, val)
	}
	return hdr, nil
}

// exchange sends the request (refetching an oauth2 token once on 401),
// reads the capped response and scrubs it.
func (h *Host) exchange(ctx context.Context, t *target, out outbound, timeoutMS int) (abi.HTTPResponse, *refusal) {
	o := t.origin
	timeout := h.pol.HTTP.Timeout
	if timeoutMS > 0 && time.Duration(timeoutMS)*time.Millisecond < timeout {
		timeout = time.Duration(timeoutMS) * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, rf := h.send(ctx, o, t.method, t.u, out.hdr, out.body, false)
	if rf == nil && resp.StatusCode == http.StatusUnauthorized && o.Auth.Profile == "oauth2_client_credentials" {
		// The cached token may have been revoked: refetch once and retry.
		resp.Body.Close()
		h.tokens.invalidate(o.String())
		resp, rf = h.send(ctx, o, t.method, t.u, out.hdr, out.body, true)
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
	res := abi.HTTPResponse{Status: resp.StatusCode, Body: h.scrub.ScrubBytes(b)}
	for k, vs := range resp.Header {
		if strippedResponseHeaders[k] {
			continue
		}
		if res.Headers == nil {
			res.Headers = map[string]string{}
		}
		res.Headers[k] = h.scrub.ScrubString(strings.Join(vs, ", "))
	}
	return res, nil
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
