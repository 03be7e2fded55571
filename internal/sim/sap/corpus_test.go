package sap

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// corpusDir is the vendor corpus the simulator's embedded copies come
// from (sources and expected values: its SOURCES.md).
const corpusDir = "../../../plugins/cmms-sap/testdata/corpus"

func TestCorpusCopiesAreIdentical(t *testing.T) {
	for _, cf := range corpusFiles {
		want, err := os.ReadFile(filepath.Join(corpusDir, cf.file))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := corpusFS.ReadFile("corpus/" + cf.file)
		if !bytes.Equal(got, want) {
			t.Errorf("internal/sim/sap/corpus/%s differs from %s: copy it again", cf.file, corpusDir)
		}
	}
}

// fixtureRows reads the entities of a corpus file (v2 d.results or d, v4
// value).
func fixtureRows(t *testing.T, file string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, file))
	if err != nil {
		t.Fatal(err)
	}
	return bodyRows(t, b)
}

func bodyRows(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	var body struct {
		D     json.RawMessage  `json:"d"`
		Value []map[string]any `json:"value"`
	}
	if err := json.Unmarshal(b, &body); err != nil {
		t.Fatalf("%v: %.200s", err, b)
	}
	if body.Value != nil {
		return body.Value
	}
	var coll struct {
		Results []map[string]any `json:"results"`
	}
	if json.Unmarshal(body.D, &coll) == nil && coll.Results != nil {
		return coll.Results
	}
	var one map[string]any
	if err := json.Unmarshal(body.D, &one); err != nil {
		t.Fatal(err)
	}
	return []map[string]any{one}
}

// sameValues compares the data properties of a served entity with a
// fixture entity: every fixture property must be served with the same
// value; URIs (which name the fixture's host) and deferred links are
// compared by path only.
func sameValues(t *testing.T, what string, got, want map[string]any) {
	t.Helper()
	for k, w := range want {
		g, ok := got[k]
		switch {
		case k == "__metadata" || strings.HasPrefix(k, "@odata"):
			continue
		case !ok:
			t.Errorf("%s: property %s not served", what, k)
		case isLink(w):
			if linkPath(g) != linkPath(w) {
				t.Errorf("%s.%s: link %v, fixture %v", what, k, linkPath(g), linkPath(w))
			}
		default:
			if gm, ok := g.(map[string]any); ok {
				wm, _ := w.(map[string]any)
				if gl, wl := gm["results"].([]any), wm["results"].([]any); len(gl) == len(wl) && len(wl) > 0 {
					for i := range wl {
						sameValues(t, what+"."+k, gl[i].(map[string]any), wl[i].(map[string]any))
					}
					continue
				}
			}
			if !reflect.DeepEqual(g, w) {
				t.Errorf("%s.%s = %#v, fixture %#v", what, k, g, w)
			}
		}
	}
}

func isLink(v any) bool {
	m, ok := v.(map[string]any)
	return ok && m["__deferred"] != nil
}

func linkPath(v any) string {
	m, _ := v.(map[string]any)
	d, _ := m["__deferred"].(map[string]any)
	u, _ := d["uri"].(string)
	if i := strings.Index(u, BasePath); i >= 0 {
		return u[i:]
	}
	return strings.TrimPrefix(u, "https://sandbox.api.sap.com/s4hanacloud")
}

func getJSON(t *testing.T, c *client, path string) []map[string]any {
	t.Helper()
	resp, b := c.do("GET", BasePath+path, nil, "")
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
	}
	return bodyRows(t, b)
}

// The simulator serves the corpus records in the vendor's shapes: the v2
// fixtures come back value for value (dates /Date(ms)/, decimals as
// strings, Edm.Time durations, __deferred links), and the same records in
// v4 match the composed v4 fixtures (ISO dates, numbers, hh:mm:ss).
func TestServesCorpusShapes(t *testing.T) {
	v2 := newClient(t, basicServer(t, Options{}))
	served := map[string]map[string]any{}
	filter := "MaintenanceOrder%20eq%20'4000000'%20or%20MaintenanceOrder%20eq%20'4000001'%20or%20MaintenanceOrder%20eq%20'4000002'%20or%20MaintenanceOrder%20eq%20'4000003'%20or%20MaintenanceOrder%20eq%20'4000004'%20or%20MaintenanceOrder%20eq%20'4000005'"
	for _, r := range getJSON(t, v2, "/API_MAINTENANCEORDER/MaintenanceOrder?$format=json&$filter="+filter) {
		served[r["MaintenanceOrder"].(string)] = r
	}
	for _, file := range []string{"v2-maintenanceorder-sandbox-4000000.json", "v2-maintenanceorder-page1-next.json", "v2-maintenanceorder-page2-last.json"} {
		for _, w := range fixtureRows(t, file) {
			sameValues(t, "v2 order "+w["MaintenanceOrder"].(string), served[w["MaintenanceOrder"].(string)], w)
		}
	}
	eq := getJSON(t, v2, "/API_EQUIPMENT/Equipment?$format=json&$top=4")
	for i, w := range fixtureRows(t, "v2-equipment-collection-categories.json") {
		sameValues(t, "v2 equipment "+w["Equipment"].(string), eq[i], w)
		if md := eq[i]["__metadata"].(map[string]any); !strings.HasSuffix(md["uri"].(string), "/Equipment(Equipment='"+w["Equipment"].(string)+"',ValidityEndDate=datetime'9999-12-31T00%3A00%3A00')") {
			t.Errorf("equipment uri %v", md["uri"])
		}
	}
	n := getJSON(t, v2, "/API_MAINTNOTIFICATION/MaintenanceNotification('10000020')?$format=json&$expand=to_Item,to_Item/to_ItemCause")
	sameValues(t, "v2 notification", n[0], fixtureRows(t, "v2-maintnotification-10000020-expanded.json")[0])
	if d := getJSON(t, v2, "/API_MAINTNOTIFICATION/MaintenanceNotification('10000020')?$format=json"); !isLink(d[0]["to_Item"]) {
		t.Errorf("unexpanded to_Item: %v", d[0]["to_Item"])
	}

	v4 := newClient(t, basicServer(t, Options{ODataVersion: V4, ServerPageSize: 3, RelativeNextLink: true}))
	var page struct {
		Value []map[string]any `json:"value"`
		Next  string           `json:"@odata.nextLink"`
	}
	_, b := v4.do("GET", BasePath+"/API_MAINTENANCEORDER/MaintenanceOrder?$format=json&$filter="+filter, nil, "")
	if err := json.Unmarshal(b, &page); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(page.Next, "MaintenanceOrder?") || !strings.Contains(page.Next, "$skiptoken=3") {
		t.Fatalf("v4 relative next link %q", page.Next)
	}
	got := page.Value
	_, b = v4.do("GET", BasePath+"/API_MAINTENANCEORDER/"+page.Next, nil, "")
	got = append(got, bodyRows(t, b)...)
	want := append(fixtureRows(t, "v4-maintenanceorder-page1-nextlink.json"), fixtureRows(t, "v4-maintenanceorder-page2-last.json")...)
	if len(got) != len(want) {
		t.Fatalf("v4: %d orders over two pages, fixtures %d", len(got), len(want))
	}
	for i, w := range want {
		sameValues(t, "v4 order "+w["MaintenanceOrder"].(string), got[i], w)
	}
}

// StatusLegacy serves the reference's MaintenanceOrderSystemStatus, and
// each shape refuses a $filter on the other's property, as SAP refuses
// one on a property its type lacks.
func TestStatusFieldShapes(t *testing.T) {
	text := newClient(t, basicServer(t, Options{}))
	legacy := newClient(t, basicServer(t, Options{StatusField: StatusLegacy}))
	o := getJSON(t, text, "/API_MAINTENANCEORDER/MaintenanceOrder('4000001')?$format=json")[0]
	if o["SystemStatusText"] != "REL  PCNF MACM SETC" || o["UserStatusText"] != "INWK" || o[legacyStatus] != nil {
		t.Fatalf("text shape: %v %v %v", o["SystemStatusText"], o["UserStatusText"], o[legacyStatus])
	}
	o = getJSON(t, legacy, "/API_MAINTENANCEORDER/MaintenanceOrder('4000001')?$format=json")[0]
	if o[legacyStatus] != "REL PCNF MACM SETC" || o["SystemStatusText"] != nil || o["UserStatusText"] != nil {
		t.Fatalf("legacy shape: %v", o)
	}
	for c, prop := range map[*client]string{text: legacyStatus, legacy: "SystemStatusText"} {
		if resp, _ := c.do("GET", BasePath+"/API_MAINTENANCEORDER/MaintenanceOrder?$format=json&$filter="+prop+"%20eq%20'REL'", nil, ""); resp.StatusCode != 400 {
			t.Errorf("$filter on %s: %d", prop, resp.StatusCode)
		}
	}
	if rows := getJSON(t, legacy, "/API_MAINTENANCEORDER/MaintenanceOrder?$format=json&$filter=substringof('PCNF',"+legacyStatus+")"); len(rows) == 0 {
		t.Error("legacy filter found nothing")
	}
}

// ProxyOrigin names the gateway's internal host in next links and entity
// URIs, as SAP behind a reverse proxy does.
func TestProxyOrigin(t *testing.T) {
	for _, v := range []string{V2, V4} {
		c := newClient(t, basicServer(t, Options{ODataVersion: v, ServerPageSize: 5, ProxyOrigin: "http://s4h-app01.corp.internal:8000"}))
		_, b := c.do("GET", BasePath+"/API_EQUIPMENT/Equipment?$format=json", nil, "")
		if !strings.Contains(string(b), `"http://s4h-app01.corp.internal:8000/sap/opu/odata/sap/API_EQUIPMENT/Equipment?`) || strings.Contains(string(b), c.base) {
			t.Errorf("%s: next link does not name the internal host: %.300s", v, b)
		}
	}
	if _, err := NewServer(Options{ProxyOrigin: "ftp://x"}); err == nil {
		t.Error("bad proxy origin accepted")
	}
}

// A customer-configured system defines only its own order types.
func TestCustomerCodes(t *testing.T) {
	s := basicServer(t, Options{CustomerCodes: true})
	for _, o := range s.Records(SetOrder) {
		if typ := o["MaintenanceOrderType"].(string); strings.HasPrefix(typ, "PM") && !strings.HasPrefix(o["MaintenanceOrder"].(string), "40000") {
			t.Fatalf("generated order of standard type %s", typ)
		}
	}
	c := newClient(t, s)
	resp, _ := c.do("GET", BasePath+"/API_MAINTENANCEORDER/?$format=json", map[string]string{"X-CSRF-Token": "Fetch"}, "")
	hdr := map[string]string{"Content-Type": "application/json", "X-CSRF-Token": resp.Header.Get("x-csrf-token")}
	order := BasePath + "/API_MAINTENANCEORDER/MaintenanceOrder"
	if resp, _ := c.do("POST", order, hdr, `{"MaintenanceOrderDesc":"x","Equipment":"10000001","MaintenanceOrderType":"PM01"}`); resp.StatusCode != 400 {
		t.Fatalf("standard type on a customer system: %d", resp.StatusCode)
	}
	if resp, b := c.do("POST", order, hdr, `{"MaintenanceOrderDesc":"x","Equipment":"10000001","MaintenanceOrderType":"YBA1"}`); resp.StatusCode != 201 {
		t.Fatalf("customer type: %d %s", resp.StatusCode, b)
	}
}

// Strict CSRF (the default) binds the token to the cookies of the GET
// that fetched it: the session cookie and the anti-XSRF cookie. Lenient
// mode accepts the token alone. A refusal is 403, x-csrf-token: Required
// and the documented 28-byte plain-text body, and carries no token.
func TestCSRFStrictCookieBinding(t *testing.T) {
	order := BasePath + "/API_MAINTENANCEORDER/MaintenanceOrder"
	body := `{"MaintenanceOrderDesc":"x","Equipment":"10000001","MaintenanceOrderType":"PM01"}`
	for _, lenient := range []bool{false, true} {
		s := basicServer(t, Options{LenientCSRF: lenient})
		c := newClient(t, s)
		// a token only on a GET or HEAD asking for one
		if resp, _ := c.do("GET", order+"?$top=1&$format=json", nil, ""); resp.Header.Get("x-csrf-token") != "" {
			t.Fatal("token without Fetch")
		}
		if resp, _ := c.do("POST", order, map[string]string{"X-CSRF-Token": "Fetch", "Content-Type": "application/json"}, body); resp.StatusCode != 403 || resp.Header.Get("x-csrf-token") != "Required" {
			t.Fatalf("a POST with Fetch: %d %q", resp.StatusCode, resp.Header.Get("x-csrf-token"))
		}
		resp, _ := c.do("HEAD", BasePath+"/API_MAINTENANCEORDER/", map[string]string{"X-CSRF-Token": "Fetch"}, "")
		tok := resp.Header.Get("x-csrf-token")
		names := map[string]bool{}
		for _, ck := range resp.Cookies() {
			names[ck.Name] = true
		}
		if tok == "" || !names["SAP_SESSIONID_SIM_100"] || !names["sap-XSRF_SIM_100"] {
			t.Fatalf("fetch: token %q cookies %v", tok, names)
		}
		hdr := map[string]string{"Content-Type": "application/json", "X-CSRF-Token": tok}
		// the token without the cookies of its session
		bare := &client{t: t, base: c.base, c: &http.Client{}, user: c.user, pass: c.pass}
		resp, b := bare.do("POST", order, hdr, body)
		if lenient != (resp.StatusCode == 201) {
			t.Fatalf("lenient=%v: token without cookies: %d", lenient, resp.StatusCode)
		}
		if !lenient && (resp.Header.Get("x-csrf-token") != "Required" || string(b) != "CSRF token validation failed" ||
			!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain")) {
			t.Fatalf("refusal: %q %q %q", resp.Header.Get("x-csrf-token"), b, resp.Header.Get("Content-Type"))
		}
		// the session cookie without the anti-XSRF cookie
		sess := &client{t: t, base: c.base, c: &http.Client{}, user: c.user, pass: c.pass}
		withSession := map[string]string{"Content-Type": "application/json", "X-CSRF-Token": tok}
		u, _ := http.NewRequest("GET", c.base+"/", nil)
		for _, ck := range c.c.Jar.Cookies(u.URL) {
			if ck.Name == "SAP_SESSIONID_SIM_100" {
				withSession["Cookie"] = ck.Name + "=" + ck.Value
			}
		}
		if resp, _ := sess.do("POST", order, withSession, body); lenient != (resp.StatusCode == 201) {
			t.Fatalf("lenient=%v: session cookie without the anti-XSRF cookie: %d", lenient, resp.StatusCode)
		}
		if resp, b := c.do("POST", order, hdr, body); resp.StatusCode != 201 {
			t.Fatalf("token with its cookies: %d %s", resp.StatusCode, b)
		}
	}
}
