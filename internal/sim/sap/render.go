package sap

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// expandTree is a parsed $expand: navigation property → what to expand
// below it.
type expandTree map[string]expandTree

// uri is the absolute URI of an entity.
func (s *Server) uri(r *http.Request, es *entitySet, rec record) string {
	return s.origin(r) + BasePath + "/" + es.service + "/" + es.name + keyPredicate(es, rec)
}

// render renders one entity in the server's protocol version and shape:
// selected properties, expanded navigation properties, v2 __metadata and
// __deferred links, v4 @odata.etag.
func (s *Server) render(r *http.Request, es *entitySet, rec record, sel map[string]bool, exp expandTree) map[string]any {
	v := s.view(es, rec)
	props := s.props(es)
	m := make(map[string]any, len(v)+2)
	for k, val := range v {
		if _, nav := val.([]record); nav || (sel != nil && !sel[k]) {
			continue
		}
		m[k] = s.formatValue(val, props[k])
	}
	uri := s.uri(r, es, rec)
	for _, nav := range es.navs {
		sub, expanded := exp[nav]
		child, ok := s.cat.set(es.service, es.children[nav])
		switch {
		case expanded && ok:
			kids, _ := rec[nav].([]record)
			list := make([]any, 0, len(kids))
			for _, kid := range kids {
				list = append(list, s.render(r, child, kid, nil, sub))
			}
			if s.version == V4 {
				m[nav] = list
			} else {
				m[nav] = map[string]any{"results": list}
			}
		case s.version == V2 && sel == nil:
			m[nav] = map[string]any{"__deferred": map[string]any{"uri": uri + "/" + nav}}
		}
	}
	tag := etag(rec)
	if s.version == V2 {
		md := map[string]any{"id": uri, "uri": uri, "type": es.service + "." + es.typeName}
		if tag != "" {
			md["etag"] = tag
		}
		m["__metadata"] = md
	} else if tag != "" {
		m["@odata.etag"] = tag
	}
	return m
}

// formatValue renders a stored value of kind k.
func (s *Server) formatValue(v any, k kind) any {
	switch x := v.(type) {
	case time.Time:
		return s.formatTime(x, k)
	case string:
		if s.version != V4 {
			return x
		}
		if k == kTime && isDuration(x) {
			var h, m, sec int
			fmt.Sscanf(x, "PT%02dH%02dM%02dS", &h, &m, &sec)
			return fmt.Sprintf("%02d:%02d:%02d", h, m, sec)
		}
		if k == kNumber && x != "" && json.Valid([]byte(x)) {
			return json.Number(x)
		}
	}
	return v
}

// etag is the entity's weak ETag: from its last change time, or, for an
// entity without one (LastChangeDateTime null, as on corpus orders), from a
// hash of its content.
func etag(rec record) string {
	t, ok := rec["LastChangeDateTime"].(time.Time)
	if !ok {
		b, _ := json.Marshal(rec)
		sum := sha256.Sum256(b)
		return `W/"'` + hex.EncodeToString(sum[:8]) + `'"`
	}
	return `W/"datetimeoffset'` + strings.ReplaceAll(t.UTC().Format("2006-01-02T15:04:05.0000000Z"), ":", "%3A") + `'"`
}

func (s *Server) formatTime(t time.Time, k kind) any {
	t = t.UTC()
	if s.version == V4 {
		if k == kDate {
			return t.Format("2006-01-02")
		}
		return t.Format("2006-01-02T15:04:05Z")
	}
	ms := t.UnixMilli()
	if k == kStamp {
		return fmt.Sprintf("/Date(%d+0000)/", ms)
	}
	return fmt.Sprintf("/Date(%d)/", ms)
}

func (s *Server) parseSelect(es *entitySet, sel string) (map[string]bool, *httpErr) {
	sel = strings.TrimSpace(sel)
	if sel == "" || sel == "*" {
		return nil, nil
	}
	props := s.props(es)
	out := map[string]bool{}
	for _, p := range strings.Split(sel, ",") {
		p = strings.TrimSpace(p)
		if p == "*" {
			return nil, nil
		}
		if _, ok := props[p]; !ok {
			return nil, errf(400, "/IWBEP/CM_MGW_RT/013", "Property %s not found in type %s", truncate(p, 60), es.typeName)
		}
		out[p] = true
	}
	return out, nil
}

// parseExpand reads $expand: "to_Item,to_Item/to_ItemCause" (v2) or
// "to_Item($expand=to_ItemCause)" (v4). Only navigation properties the
// simulator holds data for can be expanded.
func (s *Server) parseExpand(es *entitySet, exp string) (expandTree, *httpErr) {
	exp = strings.TrimSpace(exp)
	if exp == "" {
		return nil, nil
	}
	tree := expandTree{}
	for _, item := range splitTop(exp) {
		if s.version == V4 {
			nav, inner, _ := strings.Cut(item, "(")
			sub, herr := s.expandOne(es, strings.TrimSpace(nav))
			if herr != nil {
				return nil, herr
			}
			if inner != "" {
				inner, ok := strings.CutSuffix(strings.TrimSpace(inner), ")")
				nested, found := strings.CutPrefix(inner, "$expand=")
				if !ok || !found {
					return nil, errf(400, "/IWBEP/CM_MGW_RT/015", "Unsupported $expand option in %s", truncate(item, 60))
				}
				child, _ := s.cat.set(es.service, es.children[strings.TrimSpace(nav)])
				t, herr := s.parseExpand(child, nested)
				if herr != nil {
					return nil, herr
				}
				sub = t
			}
			tree[strings.TrimSpace(nav)] = sub
			continue
		}
		cur, set := tree, es
		for _, nav := range strings.Split(item, "/") {
			nav = strings.TrimSpace(nav)
			if _, herr := s.expandOne(set, nav); herr != nil {
				return nil, herr
			}
			if cur[nav] == nil {
				cur[nav] = expandTree{}
			}
			cur = cur[nav]
			set, _ = s.cat.set(set.service, set.children[nav])
		}
	}
	return tree, nil
}

func (s *Server) expandOne(es *entitySet, nav string) (expandTree, *httpErr) {
	if _, ok := es.children[nav]; !ok {
		return nil, errf(400, "/IWBEP/CM_MGW_RT/015", "Navigation property %s cannot be expanded on %s", truncate(nav, 60), es.typeName)
	}
	return expandTree{}, nil
}

// splitTop splits s on commas outside parentheses.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, c := range s {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

func intParam(q url.Values, name string) (int, bool, *httpErr) {
	v := q.Get(name)
	if v == "" {
		return 0, false, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, false, errf(400, "/IWBEP/CM_MGW_RT/011", "Invalid value for %s: %s", name, truncate(v, 20))
	}
	return n, true, nil
}

// listQuery is a parsed collection request.
type listQuery struct {
	filter          expr
	sel             map[string]bool
	exp             expandTree
	top, skip, from int
	hasTop          bool
}

func (s *Server) parseList(r *http.Request, es *entitySet) (listQuery, *httpErr) {
	q := r.URL.Query()
	var lq listQuery
	if f := q.Get("$filter"); strings.TrimSpace(f) != "" {
		e, err := parseFilter(f)
		if err != nil {
			return lq, errf(400, "/IWBEP/CM_MGW_RT/014", "Invalid filter expression: %v", err)
		}
		var bad string
		props := s.props(es)
		e.Fields(func(p string) {
			if _, ok := props[p]; !ok && bad == "" {
				bad = p
			}
		})
		if bad != "" {
			return lq, errf(400, "/IWBEP/CM_MGW_RT/013", "Property %s not found in type %s", truncate(bad, 60), es.typeName)
		}
		lq.filter = e
	}
	var herr *httpErr
	if lq.sel, herr = s.parseSelect(es, q.Get("$select")); herr != nil {
		return lq, herr
	}
	if lq.exp, herr = s.parseExpand(es, q.Get("$expand")); herr != nil {
		return lq, herr
	}
	if lq.top, lq.hasTop, herr = intParam(q, "$top"); herr != nil {
		return lq, herr
	}
	if lq.skip, _, herr = intParam(q, "$skip"); herr != nil {
		return lq, herr
	}
	lq.from, _, herr = intParam(q, "$skiptoken")
	return lq, herr
}

// list serves a collection query with client ($top/$skip) and server
// ($skiptoken) paging.
func (s *Server) list(r *http.Request, es *entitySet, out *bytes.Buffer, oversized bool) *httpErr {
	lq, herr := s.parseList(r, es)
	if herr != nil {
		return herr
	}
	s.mu.Lock()
	var rows []map[string]any
	for _, rec := range s.data.records[es.id()] {
		if lq.filter == nil || lq.filter.Eval(s.view(es, rec)) {
			rows = append(rows, s.render(r, es, rec, lq.sel, lq.exp))
		}
	}
	s.mu.Unlock()
	next := ""
	if !oversized {
		rows = rows[min(lq.skip, len(rows)):]
		if lq.hasTop {
			rows = rows[:min(lq.top, len(rows))]
		}
		from := min(lq.from, len(rows))
		to := min(from+s.serverPage, len(rows))
		if to < len(rows) {
			next = s.nextLink(r, es, to)
		}
		rows = rows[from:to]
	}
	if rows == nil {
		rows = []map[string]any{}
	}
	var body map[string]any
	if s.version == V4 {
		body = map[string]any{"@odata.context": "$metadata#" + es.name, "value": rows}
		if next != "" {
			body["@odata.nextLink"] = next
		}
	} else {
		d := map[string]any{"results": rows}
		if next != "" {
			d["__next"] = next
		}
		body = map[string]any{"d": d}
	}
	return encode(out, body)
}

// nextLink is the link to the page starting at row to: absolute on the
// served origin, or relative to the service root (v4 with
// RelativeNextLink).
func (s *Server) nextLink(r *http.Request, es *entitySet, to int) string {
	nq := r.URL.Query()
	nq.Set("$skiptoken", strconv.Itoa(to))
	if s.version == V4 && s.shape.relativeNext {
		return es.name + "?" + encodeQuery(nq)
	}
	return s.origin(r) + r.URL.Path + "?" + encodeQuery(nq)
}

// encodeQuery encodes q with %20 for spaces and literal $ in names.
func encodeQuery(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range q[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(strings.ReplaceAll(url.QueryEscape(k), "%24", "$"))
			b.WriteByte('=')
			b.WriteString(strings.ReplaceAll(url.QueryEscape(v), "+", "%20"))
		}
	}
	return b.String()
}

func encode(out *bytes.Buffer, v any) *httpErr {
	if err := json.NewEncoder(out).Encode(v); err != nil {
		return errf(500, "/IWBEP/CX_MGW_TECH_EXCEPTION", "encoding: %v", err)
	}
	// drop the encoder's newline so padding can extend the object
	if out.Len() > 0 && out.Bytes()[out.Len()-1] == '\n' {
		out.Truncate(out.Len() - 1)
	}
	return nil
}

func (s *Server) entityBody(r *http.Request, es *entitySet, rec record, sel map[string]bool, exp expandTree) any {
	m := s.render(r, es, rec, sel, exp)
	if s.version == V4 {
		m["@odata.context"] = "$metadata#" + es.name + "/$entity"
		return m
	}
	return map[string]any{"d": m}
}

func (s *Server) get(r *http.Request, es *entitySet, key map[string]string, out *bytes.Buffer) *httpErr {
	sel, herr := s.parseSelect(es, r.URL.Query().Get("$select"))
	if herr != nil {
		return herr
	}
	exp, herr := s.parseExpand(es, r.URL.Query().Get("$expand"))
	if herr != nil {
		return herr
	}
	s.mu.Lock()
	rec := s.find(es, key)
	var body any
	if rec != nil {
		body = s.entityBody(r, es, rec, sel, exp)
	}
	s.mu.Unlock()
	if body == nil {
		return errf(404, "/IWBEP/CM_MGW_RT/020", "Resource not found for segment '%s'", es.name)
	}
	return encode(out, body)
}
