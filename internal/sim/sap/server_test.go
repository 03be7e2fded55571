package sap

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestFilterParser(t *testing.T) {
	rec := record{"Equipment": "10000001", "Status": "REL PCNF", "Name": "O'Brien pump", "Empty": nil}
	for f, want := range map[string]bool{
		"Equipment eq '10000001'":                                       true,
		"Equipment ne '10000001'":                                       false,
		"Equipment eq '10000001' and Status eq 'REL PCNF'":              true,
		"Equipment eq 'x' or (Status eq 'REL PCNF' and Name ne 'y')":    true,
		"Name eq 'O''Brien pump'":                                       true,
		"Equipment eq '10000001'' or Equipment ne '''":                  false,
		"substringof('PCNF',Status)":                                    true,
		"substringof('CNF',Status) eq true and Equipment eq '10000001'": true,
		"contains(Status,'TECO')":                                       false,
		"Empty eq null":                                                 true,
		"((Equipment eq '10000001'))":                                   true,
	} {
		e, err := parseFilter(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if got := e.Eval(rec); got != want {
			t.Errorf("%s: got %v", f, got)
		}
	}
	for _, bad := range []string{"", "Equipment", "Equipment gt '1'", "Equipment eq '1", "(Equipment eq '1'", "Equipment eq '1')",
		"Equipment eq '1' and", "startswith(Equipment,'1')", "Equipment eq '1\n'", strings.Repeat("(", 40) + "A eq '1'" + strings.Repeat(")", 40)} {
		if _, err := parseFilter(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestSeededPlant(t *testing.T) {
	s, err := NewServer(Options{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	eq := s.Records(SetEquipment)
	if len(eq) < 50 {
		t.Fatalf("%d equipment", len(eq))
	}
	ids := map[string]bool{}
	for _, e := range eq {
		ids[e["Equipment"].(string)] = true
	}
	children := 0
	for _, e := range eq {
		if p, ok := e["SuperordinateEquipment"].(string); ok && p != "" {
			children++
			if !ids[p] {
				t.Fatalf("dangling parent %s", p)
			}
		}
		if fl, _ := e["FunctionalLocation"].(string); e["Equipment"] != "10000000" && !strings.HasPrefix(fl, "1") {
			t.Fatalf("functional location %v", e["FunctionalLocation"])
		}
	}
	if children == 0 {
		t.Fatal("no hierarchy")
	}
	compound := map[string]bool{}
	for _, o := range s.Records(SetOrder) {
		st := o["SystemStatusText"].(string)
		if strings.Contains(st, " ") {
			compound[effectiveStatus(st)] = true
		}
	}
	if len(compound) < 5 {
		t.Fatalf("compound statuses cover %v", compound)
	}
	linked := 0
	for _, o := range s.Records(SetOrder) {
		if id, _ := o["MaintenanceNotification"].(string); id != "" {
			linked++
			if _, ok := s.Record(SetNotification, id); !ok && id != "10000002" { // the sandbox order's notification is not in the corpus
				t.Fatalf("order %v links missing notification %s", o["MaintenanceOrder"], id)
			}
		}
	}
	if linked < 5 {
		t.Fatalf("%d orders link a notification", linked)
	}
	if len(s.Records(SetPlan)) == 0 || len(s.Records(SetBOMItem)) == 0 || len(s.Records(SetNotification)) == 0 {
		t.Fatal("missing plans, BOM items or notifications")
	}
	again, _ := NewServer(Options{Seed: 7})
	a, _ := json.Marshal(s.Records(SetEquipment))
	b, _ := json.Marshal(again.Records(SetEquipment))
	if !bytes.Equal(a, b) {
		t.Fatal("the same seed gave another plant")
	}
	big, _ := NewServer(Options{MinEquipment: 100})
	if n := len(big.Records(SetEquipment)); n != 100+5 { // 5 corpus and support records
		t.Fatalf("MinEquipment: %d", n)
	}
}

// client is a test client with a cookie jar and basic credentials.
type client struct {
	t    *testing.T
	base string
	c    *http.Client
	user string
	pass string
}

func newClient(t *testing.T, s *Server) *client {
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: ts.URL, c: &http.Client{Jar: jar}, user: s.auth.Username, pass: s.auth.Password}
}

func (c *client) do(method, path string, hdr map[string]string, body string) (*http.Response, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if c.user != "" {
		req.SetBasicAuth(c.user, c.pass)
	}
	req.Header.Set("sap-client", "100")
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func basicServer(t *testing.T, opts Options) *Server {
	a, err := GenerateAuth(AuthBasic)
	if err != nil {
		t.Fatal(err)
	}
	opts.Auth, opts.SAPClient = a, "100"
	s, err := NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestProtocolVersionsAndPaging(t *testing.T) {
	for _, v := range []string{V2, V4} {
		s := basicServer(t, Options{ODataVersion: v, ServerPageSize: 4})
		c := newClient(t, s)
		resp, b := c.do("GET", BasePath+"/API_EQUIPMENT/Equipment?$format=json&$top=10&$skip=7&$select=Equipment,OperationStartDate", nil, "")
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", v, resp.StatusCode, b)
		}
		var rows []map[string]any
		var next string
		if v == V2 {
			var body struct {
				D struct {
					Results []map[string]any `json:"results"`
					Next    string           `json:"__next"`
				} `json:"d"`
			}
			json.Unmarshal(b, &body)
			rows, next = body.D.Results, body.D.Next
			if !strings.HasPrefix(rows[0]["OperationStartDate"].(string), "/Date(") || rows[0]["__metadata"] == nil {
				t.Fatalf("v2 row %v", rows[0])
			}
		} else {
			var body struct {
				Value []map[string]any `json:"value"`
				Next  string           `json:"@odata.nextLink"`
			}
			json.Unmarshal(b, &body)
			rows, next = body.Value, body.Next
			if _, err := time.Parse("2006-01-02", rows[0]["OperationStartDate"].(string)); err != nil {
				t.Fatalf("v4 row %v", rows[0])
			}
		}
		if len(rows) != 4 || rows[0]["Equipment"] != "10000003" || len(rows[0]) > 3 || !strings.Contains(next, "$skiptoken=4") || !strings.HasPrefix(next, c.base) {
			t.Fatalf("%s: %d rows %v next %q", v, len(rows), rows[0], next)
		}
		for _, bad := range []string{"$top=-1", "$skip=x", "$select=Nope", "$filter=Nope eq '1'", "$filter=Equipment gt 1", "$format=xml", "$skiptoken=-3"} {
			q := "$format=json&" + bad
			if strings.HasPrefix(bad, "$format") {
				q = bad
			}
			if resp, _ := c.do("GET", BasePath+"/API_EQUIPMENT/Equipment?"+q, nil, ""); resp.StatusCode < 400 {
				t.Errorf("%s accepted", bad)
			}
		}
		// the equipment key is composite: Equipment('…') is not a valid key
		if resp, _ := c.do("GET", BasePath+"/API_EQUIPMENT/Equipment('10000001')?$format=json", nil, ""); resp.StatusCode != 400 {
			t.Fatalf("single-key equipment lookup: %d", resp.StatusCode)
		}
		full := "/API_EQUIPMENT/Equipment(Equipment='10000001',ValidityEndDate=datetime'9999-12-31T00%3A00%3A00')?$format=json"
		if resp, _ := c.do("GET", BasePath+full, nil, ""); resp.StatusCode != 200 {
			t.Fatalf("entity: %d", resp.StatusCode)
		}
		if resp, _ := c.do("GET", BasePath+strings.Replace(full, "10000001", "nope", 1), nil, ""); resp.StatusCode != 404 {
			t.Fatalf("missing entity: %d", resp.StatusCode)
		}
		if resp, _ := c.do("GET", BasePath+"/API_MAINTENANCEORDER/MaintenanceOrder('4000001')?$format=json", nil, ""); resp.StatusCode != 200 {
			t.Fatalf("order entity: %d", resp.StatusCode)
		}
		if resp, _ := c.do("GET", BasePath+"/API_EQUIPMENT/$metadata", nil, ""); resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "xml") {
			t.Fatalf("metadata: %d", resp.StatusCode)
		}
		if resp, _ := c.do("GET", BasePath+"/API_NOPE/X?$format=json", nil, ""); resp.StatusCode != 404 {
			t.Fatalf("unknown service: %d", resp.StatusCode)
		}
	}
}

func TestSAPClientAndBasicAuth(t *testing.T) {
	s := basicServer(t, Options{})
	c := newClient(t, s)
	path := BasePath + "/API_EQUIPMENT/Equipment?$format=json&$top=1"
	if resp, _ := c.do("GET", path, map[string]string{"sap-client": ""}, ""); resp.StatusCode != 400 {
		t.Fatalf("missing client: %d", resp.StatusCode)
	}
	if resp, _ := c.do("GET", path, map[string]string{"sap-client": "200"}, ""); resp.StatusCode != 401 {
		t.Fatalf("wrong client: %d", resp.StatusCode)
	}
	if resp, _ := c.do("GET", path+"&sap-client=100", map[string]string{"sap-client": ""}, ""); resp.StatusCode != 200 {
		t.Fatalf("client as query parameter: %d", resp.StatusCode)
	}
	c.pass = "wrong"
	if resp, _ := c.do("GET", path, nil, ""); resp.StatusCode != 401 || s.Stats().AuthFailures != 2 {
		t.Fatalf("wrong password: %d %+v", resp.StatusCode, s.Stats())
	}
}

func TestOAuth2TokenEndpoint(t *testing.T) {
	a, _ := GenerateAuth(AuthOAuth2)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	s, err := NewServer(Options{Auth: a, TokenTTL: time.Minute, Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	defer ts.Close()
	token := func(form url.Values, basic bool, secret string) (int, string) {
		req, _ := http.NewRequest("POST", ts.URL+TokenPath, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if basic {
			req.SetBasicAuth(url.QueryEscape(a.ClientID), url.QueryEscape(secret))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var tr struct {
			AccessToken string `json:"access_token"`
			ExpiresIn   int    `json:"expires_in"`
		}
		json.NewDecoder(resp.Body).Decode(&tr)
		if resp.StatusCode == 200 && tr.ExpiresIn != 60 {
			t.Fatalf("expires_in %d", tr.ExpiresIn)
		}
		return resp.StatusCode, tr.AccessToken
	}
	if code, _ := token(url.Values{"grant_type": {"client_credentials"}}, true, "wrong"); code != 401 {
		t.Fatalf("wrong secret: %d", code)
	}
	if code, _ := token(url.Values{"grant_type": {"password"}}, true, a.ClientSecret); code != 400 {
		t.Fatalf("wrong grant: %d", code)
	}
	code, tok := token(url.Values{"grant_type": {"client_credentials"}, "client_id": {a.ClientID}, "client_secret": {a.ClientSecret}}, false, "")
	if code != 200 || tok == "" {
		t.Fatalf("client_secret_post: %d", code)
	}
	get := func(bearer string) int {
		req, _ := http.NewRequest("GET", ts.URL+BasePath+"/API_EQUIPMENT/Equipment?$format=json&$top=1", nil)
		req.Header.Set("Authorization", "Bearer "+bearer)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if get(tok) != 200 || get("forged") != 401 {
		t.Fatal("bearer not checked")
	}
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	if get(tok) != 401 {
		t.Fatal("expired token accepted")
	}
	_, tok = token(url.Values{"grant_type": {"client_credentials"}}, true, a.ClientSecret)
	s.ExpireAccessTokens()
	if get(tok) != 401 {
		t.Fatal("ExpireAccessTokens")
	}
}

// A CSRF token is bound to the session cookie of its fetch.
func TestCSRFBoundToSession(t *testing.T) {
	s := basicServer(t, Options{})
	c := newClient(t, s)
	order := BasePath + "/API_MAINTENANCEORDER/MaintenanceOrder"
	ctJSON := map[string]string{"Content-Type": "application/json"}
	if resp, _ := c.do("POST", order, ctJSON, `{"MaintenanceOrderDesc":"x","Equipment":"10000001"}`); resp.StatusCode != 403 || resp.Header.Get("x-csrf-token") != "Required" {
		t.Fatalf("write without token: %d", resp.StatusCode)
	}
	resp, _ := c.do("GET", order+"?$top=1&$format=json", map[string]string{"X-CSRF-Token": "Fetch"}, "")
	tok := resp.Header.Get("x-csrf-token")
	if tok == "" || len(resp.Cookies()) == 0 {
		t.Fatal("no token or session cookie")
	}
	hdr := map[string]string{"Content-Type": "application/json", "X-CSRF-Token": tok}
	if resp, b := c.do("POST", order, hdr, `{"MaintenanceOrderDesc":"x","Equipment":"10000001","MaintenanceOrderType":"PM02"}`); resp.StatusCode != 201 || resp.Header.Get("Location") == "" {
		t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	// the same token from another session (another cookie jar) is refused
	other := &client{t: t, base: c.base, c: &http.Client{}, user: c.user, pass: c.pass}
	if resp, _ := other.do("POST", order, hdr, `{"MaintenanceOrderDesc":"x","Equipment":"10000001"}`); resp.StatusCode != 403 {
		t.Fatalf("token without its session: %d", resp.StatusCode)
	}
	// PATCH only; MERGE, tunnelling and PUT are refused
	key := order + "('4000001')"
	if resp, _ := c.do("PATCH", key, hdr, `{"MaintenanceOrderSystemStatus":"CLSD"}`); resp.StatusCode != 400 {
		t.Fatalf("invalid transition: %d", resp.StatusCode)
	}
	_, b := c.do("GET", key+"?$format=json", nil, "")
	var ent struct {
		D struct {
			Metadata struct {
				ETag string `json:"etag"`
			} `json:"__metadata"`
		} `json:"d"`
	}
	json.Unmarshal(b, &ent)
	tag := ent.D.Metadata.ETag
	if !strings.HasPrefix(tag, `W/"`) {
		t.Fatalf("etag %q", tag)
	}
	if resp, _ := c.do("PATCH", key, map[string]string{"Content-Type": "application/json", "X-CSRF-Token": tok, "If-Match": `W/"stale"`}, `{"MaintenanceOrderDesc":"new"}`); resp.StatusCode != 412 {
		t.Fatalf("stale If-Match: %d", resp.StatusCode)
	}
	if resp, _ := c.do("PATCH", key, map[string]string{"Content-Type": "application/json", "X-CSRF-Token": tok, "If-Match": tag}, `{"MaintenanceOrderDesc":"new"}`); resp.StatusCode != 204 {
		t.Fatalf("patch: %d", resp.StatusCode)
	}
	s.ifMatch = true
	if resp, _ := c.do("PATCH", key, hdr, `{"MaintenanceOrderDesc":"newer"}`); resp.StatusCode != 428 {
		t.Fatalf("missing If-Match: %d", resp.StatusCode)
	}
	s.ifMatch = false
	for _, m := range []struct{ method, tunnel string }{{"MERGE", ""}, {"POST", "MERGE"}, {"PUT", ""}} {
		h := map[string]string{"Content-Type": "application/json", "X-CSRF-Token": tok, "X-HTTP-Method": m.tunnel}
		if resp, _ := c.do(m.method, key, h, `{"MaintenanceOrderDesc":"x"}`); resp.StatusCode != 405 {
			t.Fatalf("%s/%s: %d", m.method, m.tunnel, resp.StatusCode)
		}
	}
	s.ExpireCSRF()
	if resp, _ := c.do("PATCH", key, hdr, `{"MaintenanceOrderDesc":"new"}`); resp.StatusCode != 403 || resp.Header.Get("x-csrf-token") != "Required" {
		t.Fatalf("expired token: %d", resp.StatusCode)
	}
	resp, _ = c.do("GET", order+"?$top=1&$format=json", map[string]string{"X-CSRF-Token": "Fetch"}, "")
	if nt := resp.Header.Get("x-csrf-token"); nt == "" || nt == tok {
		t.Fatal("no fresh token after expiry")
	}
	st := s.Stats()
	if st.WritesDone != 2 || st.CSRFRejected != 3 || st.CSRFFetches != 2 {
		t.Fatalf("stats %+v", st)
	}
	rec, _ := s.Record(SetOrder, "4000001")
	if rec["MaintenanceOrderDesc"] != "new" {
		t.Fatalf("record %v", rec)
	}
}

func TestFaultsAndAdmin(t *testing.T) {
	s := basicServer(t, Options{})
	c := newClient(t, s)
	path := BasePath + "/API_EQUIPMENT/Equipment?$format=json"
	if resp, b := c.do("PUT", "/_sim/faults", nil, `{"unavailable":1,"rate_limit":1,"retry_after":2}`); resp.StatusCode != 200 {
		t.Fatalf("faults: %d %s", resp.StatusCode, b)
	}
	if resp, _ := c.do("GET", path, nil, ""); resp.StatusCode != 503 {
		t.Fatalf("503: %d", resp.StatusCode)
	}
	if resp, _ := c.do("GET", path, nil, ""); resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
		t.Fatalf("429: %d", resp.StatusCode)
	}
	s.SetFaults(Faults{Malformed: 1})
	if _, b := c.do("GET", path, nil, ""); json.Valid(b) {
		t.Fatal("malformed body is valid JSON")
	}
	s.SetFaults(Faults{Oversized: 1, OversizedBytes: 300000})
	if _, b := c.do("GET", path+"&$top=1", nil, ""); len(b) < 300000 || !json.Valid(b) {
		t.Fatalf("oversized: %d bytes", len(b))
	}
	if resp, _ := c.do("PUT", "/_sim/faults", nil, `{"nope":1}`); resp.StatusCode != 400 {
		t.Fatal("unknown fault accepted")
	}
	if resp, _ := c.do("POST", "/_sim/csrf/expire", nil, ""); resp.StatusCode != 200 {
		t.Fatal("csrf expire")
	}
	if resp, b := c.do("GET", "/_sim/stats", nil, ""); resp.StatusCode != 200 || !strings.Contains(string(b), `"faulted":4`) {
		t.Fatalf("stats: %s", b)
	}
	c.pass = "x"
	if resp, _ := c.do("GET", "/_sim/stats", nil, ""); resp.StatusCode != 401 {
		t.Fatal("admin without credentials")
	}
}
