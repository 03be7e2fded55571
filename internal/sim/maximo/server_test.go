package maximo

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

type client struct {
	t    *testing.T
	base string
	auth func(*http.Request)
}

func newSim(t *testing.T, mode AuthMode) (*Server, *client) {
	t.Helper()
	a, err := GenerateAuth(mode)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewServer(Options{Auth: a, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	c := &client{t: t, base: ts.URL}
	switch mode {
	case AuthAPIKey:
		c.auth = func(r *http.Request) { r.Header.Set("apikey", a.APIKey) }
	case AuthBasic:
		c.auth = func(r *http.Request) { r.SetBasicAuth(a.Username, a.Password) }
	case AuthBearer:
		c.auth = func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+a.Token) }
	default:
		c.auth = func(*http.Request) {}
	}
	return s, c
}

func (c *client) do(method, path string, hdr map[string]string, body string) (int, http.Header, map[string]any) {
	c.t.Helper()
	u := path
	if !strings.HasPrefix(u, "http") {
		u = c.base + path
	}
	r, _ := http.NewRequest(method, u, strings.NewReader(body))
	c.auth(r)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, resp.Header, m
}

func TestSeededPlant(t *testing.T) {
	s, _ := newSim(t, AuthNone)
	assets := s.Records(OSAsset)
	if len(assets) < 50 {
		t.Fatalf("%d assets", len(assets))
	}
	ids := map[string]bool{}
	for _, a := range assets {
		ids[a["assetnum"].(string)] = true
	}
	roots := 0
	for _, a := range assets {
		p, ok := a["parent"].(string)
		if !ok {
			roots++
			continue
		}
		if !ids[p] {
			t.Fatalf("asset %v has unknown parent %s", a["assetnum"], p)
		}
	}
	if roots != 1 || !ids["P-101"] || !ids["M-301"] || !ids["C-201"] {
		t.Fatalf("roots %d", roots)
	}
	statuses := map[string]bool{}
	for _, w := range s.Records(OSWorkOrder) {
		statuses[w["status"].(string)] = true
	}
	if len(statuses) != 6 {
		t.Fatalf("statuses %v", statuses)
	}
	low := 0
	for _, it := range s.Records(OSInventory) {
		if it["curbal"].(float64) <= it["reorder"].(float64) {
			low++
		}
	}
	if low == 0 || len(s.Records(OSPM)) == 0 {
		t.Fatal("no inventory at reorder point or no PM plans")
	}
	s2, _ := NewServer(Options{Seed: 7})
	a, _ := json.Marshal(s.Records(OSWorkOrder))
	b, _ := json.Marshal(s2.Records(OSWorkOrder))
	if !bytes.Equal(a, b) {
		t.Fatal("the same seed gave different data")
	}
	s3, _ := NewServer(Options{Seed: 7, MinAssets: 120})
	if n := len(s3.Records(OSAsset)); n != 120 {
		t.Fatalf("MinAssets: %d", n)
	}
}

func TestAuthModes(t *testing.T) {
	for _, mode := range []AuthMode{AuthAPIKey, AuthBasic, AuthBearer} {
		s, c := newSim(t, mode)
		if st, _, m := c.do("GET", "/maximo/oslc/whoami", nil, ""); st != 200 || m["defsite"] != SiteID {
			t.Fatalf("%s: whoami %d %v", mode, st, m)
		}
		bad := &client{t: t, base: c.base, auth: func(r *http.Request) {
			r.Header.Set("apikey", "nope")
			r.Header.Set("Authorization", "Bearer nope")
		}}
		if st, _, m := bad.do("GET", "/maximo/oslc/os/mxasset", nil, ""); st != 401 || m["Error"] == nil {
			t.Fatalf("%s: wrong credentials gave %d", mode, st)
		}
		if st, _, _ := bad.do("GET", "/_sim/stats", nil, ""); st != 401 {
			t.Fatalf("%s: admin without credentials gave %d", mode, st)
		}
		if s.Stats().AuthFailures != 1 { // admin requests are not counted
			t.Fatalf("%s: auth failures %d", mode, s.Stats().AuthFailures)
		}
	}
	if _, err := NewServer(Options{Auth: Auth{Mode: AuthAPIKey}}); err == nil {
		t.Fatal("apikey mode without a key accepted")
	}
}

func TestQueryAndPagination(t *testing.T) {
	s, c := newSim(t, AuthAPIKey)
	total := len(s.Records(OSAsset))
	next := "/maximo/oslc/os/mxasset?lean=1&oslc.pageSize=7&oslc.select=assetnum,parent&collectioncount=1"
	var got []string
	pages := 0
	for next != "" {
		st, _, m := c.do("GET", next, nil, "")
		if st != 200 {
			t.Fatalf("page %d: %d %v", pages, st, m)
		}
		pages++
		for _, mem := range m["member"].([]any) {
			mm := mem.(map[string]any)
			if _, ok := mm["description"]; ok {
				t.Fatal("oslc.select ignored")
			}
			if !strings.HasPrefix(mm["href"].(string), c.base+"/maximo/oslc/os/mxasset/_") {
				t.Fatalf("href %v", mm["href"])
			}
			got = append(got, mm["assetnum"].(string))
		}
		info := m["responseInfo"].(map[string]any)
		if info["totalCount"].(float64) != float64(total) {
			t.Fatalf("totalCount %v", info["totalCount"])
		}
		next = ""
		if np, ok := info["nextPage"].(map[string]any); ok {
			next = np["href"].(string)
			if !strings.HasPrefix(next, c.base+"/") || !strings.Contains(next, "pageno=") {
				t.Fatalf("nextPage %s", next)
			}
		}
	}
	if len(got) != total || pages != (total+6)/7 {
		t.Fatalf("%d rows in %d pages, want %d", len(got), pages, total)
	}
	where := url.QueryEscape(`assetnum="P-101" or assetnum="M-301"`)
	if _, _, m := c.do("GET", "/maximo/oslc/os/mxasset?lean=1&oslc.where="+where, nil, ""); len(m["member"].([]any)) != 2 {
		t.Fatalf("where: %v", m)
	}
	hostile := url.QueryEscape(`assetnum="P-1"" or assetnum=""*"`)
	if _, _, m := c.do("GET", "/maximo/oslc/os/mxasset?lean=1&oslc.where="+hostile, nil, ""); len(m["member"].([]any)) != 0 {
		t.Fatalf("escaped quote widened the query: %v", m)
	}
	for _, bad := range []string{`nosuchattr="x"`, `assetnum="x`, `assetnum=`} {
		if st, _, m := c.do("GET", "/maximo/oslc/os/mxasset?oslc.where="+url.QueryEscape(bad), nil, ""); st != 400 || m["Error"] == nil {
			t.Fatalf("%s: %d", bad, st)
		}
	}
	if st, _, m := c.do("GET", "/maximo/oslc/os/mxasset?oslc.pageSize=2", nil, ""); st != 200 || m["rdfs:member"] == nil || m["oslc:responseInfo"] == nil {
		t.Fatalf("non-lean: %d %v", st, m)
	}
	if st, _, _ := c.do("GET", "/maximo/oslc/os/nosuch", nil, ""); st != 404 {
		t.Fatalf("unknown object structure: %d", st)
	}
	_, _, m := c.do("GET", "/maximo/oslc/os/mxasset?lean=1&oslc.where="+url.QueryEscape(`assetnum="P-101"`), nil, "")
	href := m["member"].([]any)[0].(map[string]any)["href"].(string)
	if st, _, one := c.do("GET", href+"?lean=1", nil, ""); st != 200 || one["assetnum"] != "P-101" {
		t.Fatalf("resource GET: %d %v", st, one)
	}
	if s.Stats().Writes != 0 {
		t.Fatal("reads counted as writes")
	}
}

func TestWrites(t *testing.T) {
	s, c := newSim(t, AuthBearer)
	js := map[string]string{"Content-Type": "application/json", "properties": "*"}
	st, hdr, m := c.do("POST", "/maximo/oslc/os/mxwo?lean=1", js, `{"description":"Noise","assetnum":"P-101","worktype":"CP","wopriority":2,"lead":"JSMITH"}`)
	if st != 201 || m["status"] != "WAPPR" || hdr.Get("Location") == "" || m["wopriority"].(float64) != 2 {
		t.Fatalf("create: %d %v", st, m)
	}
	href := m["href"].(string)
	for _, bad := range []struct {
		hdr  map[string]string
		body string
		want int
	}{
		{map[string]string{"Content-Type": "text/plain"}, `{"description":"x","assetnum":"P-101"}`, 415},
		{js, `{"assetnum":"P-101"}`, 400},
		{js, `{"description":"x","assetnum":"NOPE"}`, 400},
		{js, `{"description":"x","assetnum":"P-101","worktype":"XX"}`, 400},
		{js, `{"description":"x","assetnum":"P-101","wopriority":9}`, 400},
		{js, `{"description":"x","assetnum":"P-101","bogus":1}`, 400},
		{js, `[1]`, 400},
	} {
		if st, _, m := c.do("POST", "/maximo/oslc/os/mxwo", bad.hdr, bad.body); st != bad.want {
			t.Fatalf("create %s: %d %v, want %d", bad.body, st, m, bad.want)
		}
	}
	patch := map[string]string{"Content-Type": "application/json", "properties": "*", "x-method-override": "PATCH"}
	if st, _, _ := c.do("PATCH", href, js, `{"status":"APPR"}`); st != 405 {
		t.Fatalf("bare PATCH: %d", st)
	}
	if st, _, _ := c.do("POST", href, js, `{"status":"APPR"}`); st != 400 {
		t.Fatalf("POST without override: %d", st)
	}
	if st, _, m := c.do("POST", href, patch, `{"status":"CLOSE"}`); st != 400 || !strings.Contains(m["Error"].(map[string]any)["message"].(string), "cannot change status") {
		t.Fatalf("invalid transition: %d %v", st, m)
	}
	if st, _, m := c.do("POST", href+"?lean=1", patch, `{"status":"APPR","lead":"LCHEN"}`); st != 200 || m["status"] != "APPR" || m["lead"] != "LCHEN" {
		t.Fatalf("update: %d %v", st, m)
	}
	if st, _, _ := c.do("POST", href, map[string]string{"Content-Type": "application/json", "x-method-override": "PATCH"}, `{"description":"y"}`); st != 204 {
		t.Fatalf("update without properties: %d", st)
	}
	st2 := s.Stats()
	if st2.Writes != 13 || st2.WritesDone != 3 {
		t.Fatalf("write counters %+v", st2)
	}
}

func TestFaultsAndAdmin(t *testing.T) {
	s, c := newSim(t, AuthAPIKey)
	js := map[string]string{"Content-Type": "application/json"}
	if st, _, _ := c.do("PUT", "/_sim/faults", js, `{"unavailable":2,"rate_limit":1,"retry_after":3}`); st != 200 {
		t.Fatal("set faults")
	}
	if st, _, _ := c.do("GET", "/maximo/oslc/whoami", nil, ""); st != 503 {
		t.Fatalf("503 fault: %d", st)
	}
	c.do("GET", "/maximo/oslc/whoami", nil, "")
	if st, hdr, _ := c.do("GET", "/maximo/oslc/whoami", nil, ""); st != 429 || hdr.Get("Retry-After") != "3" {
		t.Fatalf("429 fault: %d %v", st, hdr)
	}
	if st, _, _ := c.do("GET", "/maximo/oslc/whoami", nil, ""); st != 200 {
		t.Fatalf("faults did not run out: %d", st)
	}
	s.SetFaults(Faults{Malformed: 1})
	r, _ := http.NewRequest("GET", c.base+"/maximo/oslc/os/mxasset?lean=1", nil)
	c.auth(r)
	resp, _ := http.DefaultClient.Do(r)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if json.Valid(b) {
		t.Fatal("malformed fault returned valid JSON")
	}
	s.SetFaults(Faults{Oversized: 1, OversizedBytes: 1 << 20})
	_, _, m := c.do("GET", "/maximo/oslc/os/mxasset?lean=1&oslc.pageSize=2", nil, "")
	if len(m["member"].([]any)) != len(s.Records(OSAsset)) || len(m["padding"].(string)) < 500000 {
		t.Fatal("oversized fault")
	}
	if st, _, _ := c.do("PUT", "/_sim/faults", js, `{"bogus":1}`); st != 400 {
		t.Fatal("unknown fault accepted")
	}
	c.do("DELETE", "/_sim/faults", nil, "")
	if s.Faults() != (Faults{}) {
		t.Fatal("faults not cleared")
	}
	_, _, stats := c.do("GET", "/_sim/stats", nil, "")
	if stats["faulted"].(float64) != 5 || stats["requests"].(float64) < 6 {
		t.Fatalf("stats %v", stats)
	}
}
