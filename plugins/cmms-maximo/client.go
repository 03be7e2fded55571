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

// page is one OSLC collection page, after normalize.
type page struct {
	members []map[string]any
	next    string
}

// parsePage reads a collection page, lean ({"member":[…], "responseInfo":
// {"nextPage":{"href":…}}}) or not ({"rdfs:member":[…],
// "oslc:responseInfo":{"oslc:nextPage":{"rdf:resource":…}}}): both read
// the same after normalize. A body without a member list that is a
// resource (it has an href) is a one-member page: a member URI answers
// with the resource itself.
func parsePage(b []byte) (page, error) {
	v, err := decodeJSON(b)
	if err != nil {
		return page{}, err
	}
	top, ok := normalize(v).(map[string]any)
	if !ok {
		return page{}, errors.New("the page is not a JSON object")
	}
	raw, has := top["member"]
	if !has {
		if _, resource := top["href"]; resource && top["responseInfo"] == nil {
			return page{members: []map[string]any{top}}, nil
		}
		return page{}, nil
	}
	list, ok := raw.([]any)
	if !ok && raw != nil {
		return page{}, errors.New("member is not an array")
	}
	var p page
	p.members = make([]map[string]any, 0, len(list))
	for _, m := range list {
		mm, ok := m.(map[string]any)
		if !ok {
			return page{}, errors.New("a member is not an object")
		}
		p.members = append(p.members, mm)
	}
	for _, ri := range objects(top["responseInfo"]) {
		if s := scalar(ri["nextPage"]); s != "" {
			p.next = s
		}
		for _, np := range objects(ri["nextPage"]) {
			if h := scalar(np["href"]); h != "" {
				p.next = h
			}
		}
	}
	return p, nil
}

// link resolves an href Maximo returned (a next page, a record) on the
// configured origin: relative hrefs are relative to <base_url>/maximo/,
// and an href naming another host (Maximo reports its own webappurl, an
// internal name behind a proxy) is re-based, with a notice. The result
// never leaves the configured origin.
func (m *maximo) link(ctx context.Context, field, href string) (string, error) {
	u, rebased, err := pdk.ResolveLink(m.base+"/maximo/", href)
	if err != nil {
		return "", abi.Upstream("Maximo returned an unusable %s link: %v", field, err)
	}
	if rebased {
		pdk.Notify(ctx, abi.Notice{Kind: abi.NoticeRebased, Field: field, Code: pdk.Origin(href), Fallback: pdk.Origin(m.base)})
	}
	return u, nil
}

// query is a collection read.
type query struct {
	os     string // key of object_structures: asset, work_order, inventory, pm
	where  *where
	status string // domaininternalwhere clause on status (internal values)
	sel    string
	limit  int // caller's limit (0: none)
	single bool
}

// maxPages bounds one read, whatever the next-page links say.
const maxPages = 10000

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
	next, err := m.firstPage(q, limit)
	if err != nil {
		return nil, false, err
	}
	seen := map[string]bool{}
	for pages := 0; next != ""; pages++ {
		if seen[next] || pages >= maxPages {
			return nil, false, abi.Upstream("Maximo's next-page links for %s loop; stopped after %d pages", m.os[q.os], pages)
		}
		seen[next] = true
		resp, err := m.send(ctx, request{method: "GET", url: next, idempotent: true})
		if err != nil {
			return nil, false, err
		}
		p, err := parsePage(resp.Body)
		if err != nil {
			return nil, false, abi.Upstream("Maximo returned malformed JSON for %s: %v", m.os[q.os], err)
		}
		rows = append(rows, p.members...)
		next = ""
		if p.next != "" {
			if next, err = m.link(ctx, "nextPage", p.next); err != nil {
				return nil, false, err
			}
		}
		if len(rows) >= limit {
			truncated = len(rows) > limit || next != ""
			rows = rows[:limit]
			break
		}
	}
	return rows, truncated, nil
}

// firstPage is the URL of q's first page. Every read asks for internal
// values (status_maxvalue) and, with lean, for the namespace-free form.
func (m *maximo) firstPage(q query, limit int) (string, error) {
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
	v.Set("internalvalues", "1")
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
			return "", err
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
	if q.status != "" {
		v.Set("domaininternalwhere", q.status)
	}
	return m.base + "/maximo/oslc/os/" + m.os[q.os] + "?" + v.Encode(), nil
}

// mapRows maps rows with fn; rows fn rejects (no identifier) are left out,
// counted and reported once per call as a record_skipped notice naming
// the identifier and the kind of record (the object structure of its href).
func mapRows[T any](ctx context.Context, rows []map[string]any, key string, fn func(map[string]any) (T, bool)) (out []T, skipped int) {
	out = make([]T, 0, len(rows))
	kinds := map[string]int{}
	for _, r := range rows {
		href := scalar(r["href"])
		if v, ok := fn(r); ok {
			out = append(out, v)
			continue
		}
		skipped++
		kinds[recordKind(href)]++
	}
	for _, k := range sortedKeys(kinds) {
		pdk.Notify(ctx, abi.Notice{Kind: abi.NoticeSkipped, Field: key, Code: k, Count: kinds[k]})
	}
	return out, skipped
}

// recordKind is the object structure named in a record href
// (…/oslc/os/<name>/…), or "record".
func recordKind(href string) string {
	if _, rest, ok := strings.Cut(href, "/os/"); ok {
		if name, _, _ := strings.Cut(rest, "/"); name != "" {
			name, _, _ = strings.Cut(name, "?")
			return name
		}
	}
	return "record"
}

// one reads the single record of q matching attr="id" and maps it.
func one[T any](ctx context.Context, m *maximo, q query, attr, field, id string, fn func(map[string]any) (T, bool)) (T, error) {
	var zero T
	q.where, q.single, q.limit = new(where).eq(attr, field, id), true, 2
	rows, _, err := m.collect(ctx, q)
	if err != nil {
		return zero, err
	}
	recs, _ := mapRows(ctx, rows, attr, fn)
	switch len(recs) {
	case 0:
		return zero, abi.NotFound("%s %q not found in Maximo", field, id)
	case 1:
		return recs[0], nil
	}
	return zero, abi.Upstream("Maximo returned several records for %s %q", field, id)
}
