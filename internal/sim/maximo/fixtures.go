package maximo

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Fixtures are recorded response bodies the simulator serves instead of its
// seeded data (corpus mode): for each kind of record ("asset",
// "work_order", "inventory", "pm") the collection pages in order. A
// collection GET on any object structure of that kind answers with page
// pageno (1 when absent) verbatim, links and all; when the query has an
// oslc.where clause, the page's members are filtered by it and the
// next-page link dropped. A kind without pages answers an empty
// collection. Writes still go to the seeded data.
type Fixtures map[string][][]byte

// ServeFixtures switches corpus mode on (nil switches it off).
func (s *Server) ServeFixtures(f Fixtures) {
	s.mu.Lock()
	s.fixtures = f
	s.mu.Unlock()
}

// kindOf maps an object structure to a fixture kind.
func kindOf(os objectStructure) string {
	switch os.name {
	case OSAsset:
		return "asset"
	case OSWorkOrder:
		return "work_order"
	case OSInventory:
		return "inventory"
	}
	return "pm"
}

// fixture returns the corpus-mode body for a collection query.
func (s *Server) fixture(r *http.Request, os objectStructure, q url.Values) ([]byte, bool) {
	s.mu.Lock()
	f := s.fixtures
	s.mu.Unlock()
	if f == nil {
		return nil, false
	}
	pages := f[kindOf(os)]
	page := 1
	if n, err := strconv.Atoi(q.Get("pageno")); err == nil && n > 0 {
		page = n
	}
	if page > len(pages) {
		return []byte(`{"member":[],"responseInfo":{"pagenum":` + strconv.Itoa(page) + `}}` + "\n"), true
	}
	body := pages[page-1]
	w := strings.TrimSpace(q.Get("oslc.where"))
	if w == "" {
		return body, true
	}
	return filterFixture(body, w), true
}

// filterFixture keeps the members of a fixture page that match an
// oslc.where clause (a member without the attribute does not match), as
// lean or non-lean members.
func filterFixture(body []byte, where string) []byte {
	e, err := parseWhere(where)
	var top map[string]any
	if err != nil || json.Unmarshal(body, &top) != nil {
		return body
	}
	key, lean := "member", true
	if _, ok := top[key]; !ok {
		if _, ok := top["rdfs:member"]; !ok { // a bare resource
			if e.Eval(unprefixed(top)) {
				return body
			}
			return []byte(`{"member":[]}`)
		}
		key, lean = "rdfs:member", false
	}
	list, _ := top[key].([]any)
	kept := []any{}
	for _, m := range list {
		mm, _ := m.(map[string]any)
		if mm != nil && e.Eval(unprefixed(mm)) {
			kept = append(kept, m)
		}
	}
	top[key] = kept
	info := "responseInfo"
	if !lean {
		info = "oslc:responseInfo"
	}
	if ri, ok := top[info].(map[string]any); ok {
		delete(ri, "nextPage")
		delete(ri, "oslc:nextPage")
	}
	var out bytes.Buffer
	_ = json.NewEncoder(&out).Encode(top)
	return out.Bytes()
}

// unprefixed is a member's top-level attributes without namespace
// prefixes, for the where filter.
func unprefixed(m map[string]any) record {
	out := make(record, len(m))
	for k, v := range m {
		if i := strings.IndexByte(k, ':'); i >= 0 {
			k = k[i+1:]
		}
		out[k] = v
	}
	return out
}
