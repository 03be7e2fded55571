package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
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

// request is one HTTP exchange with Maximo.
type request struct {
	method     string
	url        string
	headers    map[string]string
	body       []byte
	idempotent bool
}

// send performs r with the retry policy and maps failures to ABI errors.
// It returns the final response when its status is 2xx.
func (m *maximo) send(ctx context.Context, r request) (abi.HTTPResponse, error) {
	headers := map[string]string{"Accept": "application/json"}
	for k, v := range r.headers {
		headers[k] = v
	}
	req := abi.HTTPRequest{Method: r.method, URL: r.url, Headers: headers, Body: r.body, TimeoutMS: m.cfg.TimeoutMS}
	resp, err := pdk.HTTPWithRetry(ctx, req, pdk.RetryPolicy{
		Idempotent: r.idempotent, Base: m.retryBase, Max: maxBackoff, Retries: maxRetries,
		// The host reports timeouts as unavailable and other transport
		// failures (refused, reset) as upstream; policy refusals
		// (unauthorized, invalid_argument) are final.
		Transient: func(err error) bool {
			return abi.AsError(err).Code == abi.CodeUnavailable || isTransportFailure(err)
		},
		OnRetry: func(n int, wait time.Duration) {
			pdk.Logf(ctx, abi.LogDebug, "maximo %s: retry %d in %s", r.method, n, wait)
		},
	})
	if err != nil {
		if isTransportFailure(err) {
			return resp, abi.Unavailable("Maximo is unreachable: %s", abi.AsError(err).Message)
		}
		return resp, err
	}
	if resp.Status >= 200 && resp.Status < 300 {
		return resp, nil
	}
	return resp, statusError(r, resp)
}

// isTransportFailure reports a network failure the host relayed (connection
// refused or reset: code upstream, "request to <origin> failed: …"), as
// opposed to a policy refusal or an over-size response, which retrying
// cannot fix.
func isTransportFailure(err error) bool {
	e := abi.AsError(err)
	return e.Code == abi.CodeUpstream && strings.HasPrefix(e.Message, "request to ") && strings.Contains(e.Message, " failed: ")
}

// maximoMessage extracts Error.message from a Maximo error body.
func maximoMessage(body []byte) string {
	var e struct {
		Error struct {
			Message string `json:"message"`
		} `json:"Error"`
		OSLCError struct {
			Message string `json:"oslc:message"`
		} `json:"oslc:Error"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	msg := e.Error.Message
	if msg == "" {
		msg = e.OSLCError.Message
	}
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return msg
}

// statusError maps a non-2xx response to an ABI error.
func statusError(r request, resp abi.HTTPResponse) error {
	return pdk.StatusError(pdk.HTTPStatus{System: "Maximo", Request: r.method + " " + pathOf(r.url), Status: resp.Status,
		Detail: maximoMessage(resp.Body), CallerData: !r.idempotent})
}

func pathOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "?"
	}
	return p.Path
}

// page is one OSLC collection page, lean or not.
type page struct {
	members []map[string]any
	next    string
}

// parsePage reads a collection page: lean ({"member":[…],
// "responseInfo":{"nextPage":{"href":…}}}) or not ({"rdfs:member":[…],
// "oslc:responseInfo":{"oslc:nextPage":{"rdf:resource":…}}}).
func parsePage(b []byte) (page, error) {
	v, err := decodeJSON(b)
	if err != nil {
		return page{}, err
	}
	top, ok := v.(map[string]any)
	if !ok {
		return page{}, errors.New("the page is not a JSON object")
	}
	var p page
	raw, lean := top["member"].([]any)
	if !lean {
		raw, _ = top["rdfs:member"].([]any)
	}
	p.members = make([]map[string]any, 0, len(raw))
	for _, m := range raw {
		mm, ok := m.(map[string]any)
		if !ok {
			return page{}, errors.New("a member is not an object")
		}
		if !lean {
			unprefix(mm)
		}
		p.members = append(p.members, mm)
	}
	for _, k := range []string{"responseInfo", "oslc:responseInfo"} {
		ri, _ := top[k].(map[string]any)
		for _, nk := range []string{"nextPage", "oslc:nextPage"} {
			np, _ := ri[nk].(map[string]any)
			for _, hk := range []string{"href", "rdf:resource"} {
				if h, _ := np[hk].(string); h != "" && p.next == "" {
					p.next = h
				}
			}
		}
	}
	return p, nil
}

// unprefix strips the spi:/rdf: namespace prefixes of a non-lean member.
func unprefix(m map[string]any) {
	for k, v := range m {
		if i := strings.IndexByte(k, ':'); i >= 0 {
			delete(m, k)
			name := k[i+1:]
			if k == "rdf:about" {
				name = "href"
			}
			m[name] = v
		}
	}
}

// query is a collection read.
type query struct {
	os     string
	where  *where
	sel    string
	limit  int // caller's limit (0: none)
	single bool
}

// collect reads every page of q up to the row cap. truncated reports rows
// left unread because of the cap or the caller's limit.
func (m *maximo) collect(ctx context.Context, q query) (rows []map[string]any, truncated bool, err error) {
	if q.where != nil && q.where.err != nil {
		return nil, false, q.where.err
	}
	limit := m.cfg.MaxRows
	if q.limit > 0 && q.limit < limit {
		limit = q.limit
	}
	size := m.cfg.PageSize
	if q.single {
		size = 2 // enough to notice a key that is not unique
	} else if limit < size {
		size = limit
	}
	v := url.Values{}
	if m.lean {
		v.Set("lean", "1")
	}
	v.Set("oslc.pageSize", strconv.Itoa(size))
	sel := q.sel
	if sel == "" {
		sel = "*"
	}
	v.Set("oslc.select", sel)
	clause := ""
	if q.where != nil {
		clause = q.where.String()
	}
	if m.cfg.SiteID != "" {
		site, err := oslcString("site_id", m.cfg.SiteID)
		if err != nil {
			return nil, false, err
		}
		if clause != "" {
			clause = "siteid=" + site + " and (" + clause + ")"
		} else {
			clause = "siteid=" + site
		}
	}
	if clause != "" {
		v.Set("oslc.where", clause)
	}
	next := m.base + "/maximo/oslc/os/" + q.os + "?" + v.Encode()
	for pages := 0; next != ""; pages++ {
		if pages > 0 && !strings.HasPrefix(next, m.base+"/") {
			return nil, false, abi.Upstream("Maximo returned a next page outside %s; refusing to follow it", m.base)
		}
		resp, err := m.send(ctx, request{method: "GET", url: next, idempotent: true})
		if err != nil {
			return nil, false, err
		}
		p, err := parsePage(resp.Body)
		if err != nil {
			return nil, false, abi.Upstream("Maximo returned malformed JSON for %s: %v", q.os, err)
		}
		rows = append(rows, p.members...)
		next = p.next
		if len(rows) >= limit {
			truncated = len(rows) > limit || next != ""
			rows = rows[:limit]
			break
		}
	}
	return rows, truncated, nil
}

// one reads the single record of os matching attr="id".
func (m *maximo) one(ctx context.Context, os, attr, field, id string) (map[string]any, error) {
	rows, _, err := m.collect(ctx, query{os: os, where: new(where).eq(attr, field, id), single: true, limit: 2})
	if err != nil {
		return nil, err
	}
	switch len(rows) {
	case 0:
		return nil, abi.NotFound("%s %q not found in Maximo", field, id)
	case 1:
		return rows[0], nil
	}
	return nil, abi.Upstream("Maximo returned several records for %s %q", field, id)
}
