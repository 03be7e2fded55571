package main

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

// Entity sets, under their configurable services.
const (
	setEquipment = "Equipment"
	setOrder     = "MaintenanceOrder"
	setPlan      = "MaintenancePlan"
)

// maxLiteral caps a value interpolated into $filter or a key predicate.
const maxLiteral = 256

// odataLiteral validates v and renders it as an OData string literal:
// quotes doubled, control characters and invalid UTF-8 refused, so a value
// can never leave its literal and widen the query.
func odataLiteral(field, v string) (string, error) {
	if strings.TrimSpace(v) == "" {
		return "", abi.InvalidArgument("%s is empty", field)
	}
	if len(v) > maxLiteral {
		return "", abi.InvalidArgument("%s is longer than %d bytes", field, maxLiteral)
	}
	if !utf8.ValidString(v) {
		return "", abi.InvalidArgument("%s is not valid UTF-8", field)
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return "", abi.InvalidArgument("%s contains a control character", field)
		}
	}
	return "'" + strings.ReplaceAll(v, "'", "''") + "'", nil
}

// filter builds a $filter of clauses joined with "and". The first invalid
// value is kept as err and reported by collect.
type filter struct {
	parts []string
	err   error
}

// eq adds "prop eq '<v>'"; field names the value in errors.
func (f *filter) eq(prop, field, v string) *filter {
	lit, err := odataLiteral(field, v)
	if err != nil {
		if f.err == nil {
			f.err = err
		}
		return f
	}
	f.parts = append(f.parts, prop+" eq "+lit)
	return f
}

// in adds "(prop eq '<a>' or prop eq '<b>' …)".
func (f *filter) in(prop, field string, vals []string) *filter {
	var alt []string
	for _, v := range vals {
		lit, err := odataLiteral(field, v)
		if err != nil {
			if f.err == nil {
				f.err = err
			}
			return f
		}
		alt = append(alt, prop+" eq "+lit)
	}
	if len(alt) > 0 {
		f.parts = append(f.parts, strings.Join(alt, " or "))
	}
	return f
}

func (f *filter) String() string {
	if len(f.parts) == 1 {
		return f.parts[0]
	}
	out := make([]string, len(f.parts))
	for i, p := range f.parts {
		if strings.Contains(p, " or ") {
			p = "(" + p + ")"
		}
		out[i] = p
	}
	return strings.Join(out, " and ")
}

// queryEscape escapes a query value with %20 for spaces.
func queryEscape(v string) string { return strings.ReplaceAll(url.QueryEscape(v), "+", "%20") }

// collectionURL builds a read URL with system query options.
func (s *sapPM) collectionURL(path, flt, sel, expand string, top, skip int) string {
	var b strings.Builder
	b.WriteString(s.base + "/" + path + "?$format=json&$top=" + strconv.Itoa(top))
	if skip > 0 {
		b.WriteString("&$skip=" + strconv.Itoa(skip))
	}
	if flt != "" {
		b.WriteString("&$filter=" + queryEscape(flt))
	}
	if sel != "" {
		b.WriteString("&$select=" + queryEscape(sel))
	}
	if expand != "" {
		b.WriteString("&$expand=" + queryEscape(expand))
	}
	return b.String()
}

// parseBody decodes an OData v2 or v4 body into rows (a single entity is
// wrapped in a list) and the server-driven next link. It uses parseJSON:
// JSON decoding is the dominant cost of a list inside wasm.
func (s *sapPM) parseBody(body []byte, what string) (rows []map[string]any, next string, err error) {
	v, err := parseJSON(body)
	if err != nil {
		return nil, "", abi.Upstream("SAP returned malformed JSON for %s: %v", what, err)
	}
	top, ok := v.(map[string]any)
	if !ok {
		return nil, "", abi.Upstream("SAP returned a JSON value that is not an object for %s", what)
	}
	if d, ok := top["d"]; ok {
		if err := s.expect(odataV2, what); err != nil {
			return nil, "", err
		}
		switch x := d.(type) {
		case map[string]any:
			if res, ok := x["results"].([]any); ok {
				rows, err := objects(res, what)
				next, _ := x["__next"].(string)
				return rows, next, err
			}
			return clean([]map[string]any{x}), "", nil
		case []any:
			rows, err := objects(x, what)
			return rows, "", err
		}
		return nil, "", abi.Upstream("SAP returned an unexpected OData v2 body for %s", what)
	}
	if val, ok := top["value"].([]any); ok {
		if err := s.expect(odataV4, what); err != nil {
			return nil, "", err
		}
		rows, err := objects(val, what)
		next, _ := top["@odata.nextLink"].(string)
		return rows, next, err
	}
	if s.cfg.ODataVersion == odataV2 {
		return nil, "", abi.Upstream("SAP returned a body without d for %s but odata_version is v2", what)
	}
	return clean([]map[string]any{top}), "", nil // a v4 single entity
}

// objects converts a JSON array of entities.
func objects(list []any, what string) ([]map[string]any, error) {
	rows := make([]map[string]any, 0, len(list))
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, abi.Upstream("SAP returned a non-object entity for %s", what)
		}
		rows = append(rows, m)
	}
	return clean(rows), nil
}

// expect checks a body's protocol version against odata_version and
// records it in auto mode.
func (s *sapPM) expect(v, what string) error {
	switch {
	case s.cfg.ODataVersion == odataAuto:
		s.noteVersion(v)
	case s.cfg.ODataVersion != v:
		return abi.Upstream("SAP returned an OData %s body for %s but odata_version is %s", v, what, s.cfg.ODataVersion)
	}
	return nil
}

// etagKey is where clean keeps an entity's ETag (v2 __metadata.etag, v4
// @odata.etag); it ends up in the domain object's metadata.
const etagKey = "odata_etag"

// clean drops protocol annotations (__metadata, @odata.*, deferred
// navigation properties) from rows, keeping the ETag under etagKey.
func clean(rows []map[string]any) []map[string]any {
	for _, r := range rows {
		tag, _ := r["@odata.etag"].(string)
		if md, ok := r["__metadata"].(map[string]any); ok && tag == "" {
			tag, _ = md["etag"].(string)
		}
		for k, v := range r {
			if strings.HasPrefix(k, "__") || strings.HasPrefix(k, "@") || strings.Contains(k, "@odata.") {
				delete(r, k)
				continue
			}
			if m, ok := v.(map[string]any); ok {
				if _, deferred := m["__deferred"]; deferred {
					delete(r, k)
				}
			}
		}
		if tag != "" {
			r[etagKey] = tag
		}
	}
	return rows
}

// query is a collection read.
type query struct {
	path   string
	filter *filter
	sel    string
	expand string
	limit  int                       // caller's limit (0: none)
	keep   func(map[string]any) bool // client-side filter (nil: keep all)
	single bool                      // a key lookup
}

// resolveNext makes a server-driven next link absolute and keeps it on
// the configured origin (pdk.ResolveLink). A relative link resolves
// against the current request (v2) or the service root (v4: relative to
// the context URL). A link naming another host — SAP behind a reverse
// proxy or load balancer reports its internal host name — has its path and
// query re-based onto base_url's origin, with a notice; the other host is
// never contacted. The result must stay under base_url.
func (s *sapPM) resolveNext(ctx context.Context, cur, service, next string) (string, error) {
	ref := cur
	if s.version() == odataV4 {
		ref = s.base + "/" + service + "/"
	}
	out, rebased, err := pdk.ResolveLink(ref, next)
	if err != nil {
		return "", abi.Upstream("SAP returned a next link that cannot be followed: %v", err)
	}
	if rebased {
		pdk.Notify(ctx, abi.Notice{Kind: abi.NoticeRebased, Field: "next link", Code: pdk.Origin(next), Fallback: pdk.Origin(s.base)})
	}
	if !strings.HasPrefix(out, s.base+"/") {
		return "", abi.Upstream("SAP returned a next link outside %s; refusing to follow it", s.base)
	}
	return out, nil
}

// collect reads q with $top/$skip paging, following server-driven next
// links when present. A caller's limit returns Truncated; scanning more
// than max_rows rows is an error, as in the reference.
func (s *sapPM) collect(ctx context.Context, q query) (rows []map[string]any, truncated bool, err error) {
	flt := ""
	if q.filter != nil {
		if q.filter.err != nil {
			return nil, false, q.filter.err
		}
		flt = q.filter.String()
	}
	if q.limit < 0 {
		return nil, false, abi.InvalidArgument("limit must not be negative")
	}
	capRows := s.cfg.MaxRows
	limit := 0
	switch {
	case q.single:
		limit = 1
	case q.limit > 0 && q.limit <= capRows:
		limit = q.limit
	}
	scanned, skip := 0, 0
	// top is the next window's $top: a page, bounded so that we read at
	// most one row beyond the limit or the cap.
	top := func() int {
		n := min(s.cfg.PageSize, capRows+1-scanned)
		if limit > 0 && q.keep == nil {
			n = min(n, limit+1-len(rows))
		}
		return n
	}
	windowTop := top()
	next := s.collectionURL(q.path, flt, q.sel, q.expand, windowTop, skip)
	windowRows := 0
	for {
		resp, err := s.send(ctx, request{method: "GET", url: next, idempotent: true})
		if err != nil {
			return nil, false, err
		}
		page, link, err := s.parseBody(resp.Body, q.path)
		if err != nil {
			return nil, false, err
		}
		scanned += len(page)
		windowRows += len(page)
		for _, r := range page {
			if q.keep == nil || q.keep(r) {
				rows = append(rows, r)
			}
		}
		if limit > 0 && len(rows) > limit {
			return rows[:limit], true, nil
		}
		if scanned > capRows {
			return nil, false, abi.InvalidArgument("SAP %s returned more than %d rows (max_rows); narrow the query with a $filter", q.path, capRows)
		}
		if link != "" {
			if next, err = s.resolveNext(ctx, next, serviceOf(q.path), link); err != nil {
				return nil, false, err
			}
			continue
		}
		if windowRows < windowTop {
			return rows, false, nil // a short window: no more rows
		}
		skip += windowRows
		windowRows = 0
		if windowTop = top(); windowTop <= 0 {
			return rows, false, nil
		}
		next = s.collectionURL(q.path, flt, q.sel, q.expand, windowTop, skip)
	}
}

// serviceOf returns the service part of an entity-set path.
func serviceOf(path string) string {
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return path[:i]
	}
	return path
}

// one reads the single entity of path whose key property equals id.
func (s *sapPM) one(ctx context.Context, path, prop, field, id string) (map[string]any, error) {
	rows, truncated, err := s.collect(ctx, query{path: path, filter: new(filter).eq(prop, field, id), single: true})
	if err != nil {
		return nil, err
	}
	switch {
	case truncated:
		return nil, abi.Upstream("SAP returned several %s entities for %s %q", path, field, id)
	case len(rows) == 0:
		return nil, abi.NotFound("%s %q not found in SAP", field, id)
	}
	return rows[0], nil
}
