package maximo

import (
	"net/url"
	"strings"
	"testing"

	"github.com/machina-go/machina/internal/sim/maximo/corpus"
)

func member0(t *testing.T, m map[string]any, key string) map[string]any {
	t.Helper()
	list, _ := m[key].([]any)
	if len(list) == 0 {
		t.Fatalf("no %s in %v", key, m)
	}
	return list[0].(map[string]any)
}

func q(where string) string { return url.QueryEscape(where) }

func TestShapeRelativeAndProxiedHrefs(t *testing.T) {
	s, c := newSim(t, AuthNone)
	s.SetShape(Shape{RelativeHrefs: true})
	_, _, m := c.do("GET", "/maximo/oslc/os/mxapiasset?lean=1&oslc.pageSize=2", nil, "")
	next := m["responseInfo"].(map[string]any)["nextPage"].(map[string]any)["href"].(string)
	if href := member0(t, m, "member")["href"].(string); !strings.HasPrefix(href, "oslc/os/mxapiasset/_") || !strings.HasPrefix(next, "oslc/os/mxapiasset?") {
		t.Fatalf("relative: %s, next %s", href, next)
	}
	if st, _, p2 := c.do("GET", "/maximo/"+next, nil, ""); st != 200 || p2["responseInfo"].(map[string]any)["pagenum"].(float64) != 2 {
		t.Fatalf("relative next page: %d %v", st, p2["responseInfo"])
	}
	s.SetShape(Shape{HrefOrigin: ProxyOrigin})
	_, _, m = c.do("GET", "/maximo/oslc/os/mxwo?lean=1&oslc.pageSize=2", nil, "")
	next = m["responseInfo"].(map[string]any)["nextPage"].(map[string]any)["href"].(string)
	if href := member0(t, m, "member")["href"].(string); !strings.HasPrefix(href, ProxyOrigin+"/maximo/oslc/os/mxwo/_") || !strings.HasPrefix(next, ProxyOrigin+"/maximo/") {
		t.Fatalf("proxied: %s, next %s", href, next)
	}
	// a create answers with a Location on the proxied origin too.
	_, hdr, _ := c.do("POST", "/maximo/oslc/os/mxapiwodetail?lean=1", map[string]string{"Content-Type": "application/json"}, `{"description":"x","assetnum":"P-101"}`)
	if !strings.HasPrefix(hdr.Get("Location"), ProxyOrigin+"/maximo/oslc/os/mxapiwodetail/_") {
		t.Fatalf("Location %q", hdr.Get("Location"))
	}
}

func TestShapeNonLeanPrefixesEveryLevel(t *testing.T) {
	_, c := newSim(t, AuthNone)
	_, _, m := c.do("GET", "/maximo/oslc/os/mxasset?oslc.pageSize=1&oslc.where="+q(`assetnum="P-101"`)+"&oslc.select="+q("assetnum,sparepart{*}"), nil, "")
	mem := member0(t, m, "rdfs:member")
	sp, _ := mem["spi:sparepart"].([]any)
	if len(sp) == 0 || sp[0].(map[string]any)["spi:itemnum"] == nil || mem["rdf:about"] == nil || m["oslc:responseInfo"] == nil {
		t.Fatalf("non-lean member %v", mem)
	}
	item := sp[0].(map[string]any)["spi:item"].([]any)[0].(map[string]any)
	if item["spi:description"] == nil {
		t.Fatalf("nested item not prefixed: %v", item)
	}
}

func TestShapeObjectRelations(t *testing.T) {
	s, c := newSim(t, AuthNone)
	s.SetShape(Shape{ObjectRelations: true})
	_, _, m := c.do("GET", "/maximo/oslc/os/mxasset?lean=1&oslc.where="+q(`assetnum="P-101"`)+"&oslc.select="+q("assetnum,sparepart{*}"), nil, "")
	sp := member0(t, m, "member")["sparepart"].([]any)
	if _, ok := sp[0].(map[string]any)["item"].(map[string]any); !ok {
		t.Fatalf("item not an object: %v", sp[0])
	}
	_, _, m = c.do("GET", "/maximo/oslc/os/mxwo?lean=1&oslc.select="+q("wonum,assignment{*},failurereport{*}")+"&domaininternalwhere="+q("status=COMP"), nil, "")
	objects := 0
	for _, w := range m["member"].([]any) {
		if _, ok := w.(map[string]any)["assignment"].(map[string]any); ok {
			objects++
		}
	}
	if objects == 0 {
		t.Fatal("no one-row assignment rendered as an object")
	}
}

func TestShapeStatusSynonymsAndInternalValues(t *testing.T) {
	s, c := newSim(t, AuthNone)
	s.SetShape(Shape{StatusSynonyms: true})
	_, _, m := c.do("GET", "/maximo/oslc/os/mxwo?lean=1&internalvalues=1&domaininternalwhere="+q("status=APPR"), nil, "")
	list := m["member"].([]any)
	if len(list) == 0 {
		t.Fatal("no APPR work orders")
	}
	for _, w := range list {
		wm := w.(map[string]any)
		if wm["status"] != "APPR S1" || wm["status_maxvalue"] != "APPR" {
			t.Fatalf("synonym: %v / %v", wm["status"], wm["status_maxvalue"])
		}
	}
	_, _, m = c.do("GET", "/maximo/oslc/os/mxwo?lean=1&domaininternalwhere="+q("status!=APPR,WAPPR,INPRG,COMP,CLOSE"), nil, "")
	for _, w := range m["member"].([]any) {
		if st := w.(map[string]any)["status"]; st != "CAN" {
			t.Fatalf("not in: %v", st)
		}
		if _, ok := w.(map[string]any)["status_maxvalue"]; ok {
			t.Fatal("status_maxvalue without internalvalues=1")
		}
	}
	if st, _, _ := c.do("GET", "/maximo/oslc/os/mxwo?domaininternalwhere="+q("worktype=CM"), nil, ""); st != 400 {
		t.Fatalf("domaininternalwhere on an attribute without a synonym domain: %d", st)
	}
}

func TestShapeOperatingLocationsAndSparseInventory(t *testing.T) {
	s, c := newSim(t, AuthNone)
	s.SetShape(Shape{OperatingLocations: true, SparseInventory: true})
	_, _, m := c.do("GET", "/maximo/oslc/os/mxapiasset?lean=1", nil, "")
	locs := 0
	for _, a := range m["member"].([]any) {
		am := a.(map[string]any)
		if am["assetnum"] == nil {
			locs++
			if !strings.Contains(am["href"].(string), "/mxapioperloc/") {
				t.Fatalf("operating location href %v", am["href"])
			}
		}
	}
	if locs != 9 || len(m["member"].([]any)) != len(s.Records(OSAsset))+9 {
		t.Fatalf("%d operating locations in %d rows", locs, len(m["member"].([]any)))
	}
	if _, _, m = c.do("GET", "/maximo/oslc/os/mxapiasset?lean=1&oslc.where="+q(`assetnum="P-101"`), nil, ""); len(m["member"].([]any)) != 1 {
		t.Fatalf("an assetnum filter returned operating locations: %v", m["member"])
	}
	_, _, m = c.do("GET", "/maximo/oslc/os/mxapiinventory?lean=1&oslc.where="+q(`itemnum="TOOL-PURGE"`), nil, "")
	if tool := member0(t, m, "member"); tool["curbal"] != nil {
		t.Fatalf("tool with a balance: %v", tool)
	}
}

func TestTransactionIDAndExternalRef(t *testing.T) {
	s, c := newSim(t, AuthNone)
	js := map[string]string{"Content-Type": "application/json", "transactionid": "WO-AUTO-00000001"}
	if st, _, _ := c.do("POST", "/maximo/oslc/os/mxwo", js, `{"description":"x","assetnum":"P-101","externalrefid":"WA00000001"}`); st != 201 {
		t.Fatalf("create: %d", st)
	}
	if st, _, _ := c.do("POST", "/maximo/oslc/os/mxwo", js, `{"description":"x","assetnum":"P-101","externalrefid":"WA00000001"}`); st != 409 {
		t.Fatalf("replayed transactionid: %d", st)
	}
	js["transactionid"] = "other"
	if st, _, m := c.do("POST", "/maximo/oslc/os/mxwo", js, `{"description":"x","assetnum":"P-101","externalrefid":"WO-AUTO-00000001"}`); st != 400 {
		t.Fatalf("externalrefid longer than 10: %d %v", st, m)
	}
	if n := s.Stats().WritesDone; n != 1 {
		t.Fatalf("%d writes applied", n)
	}
}

// In corpus mode the recorded pages are served verbatim, by kind and page
// number, and an oslc.where filters their members.
func TestServeFixtures(t *testing.T) {
	s, c := newSim(t, AuthNone)
	scs, err := corpus.Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	var fx map[string][][]byte
	for _, sc := range scs {
		if sc.Name == "paging-proxied-localhost" {
			fx, _ = sc.Fixtures(corpus.FS())
		}
	}
	s.ServeFixtures(fx)
	_, _, m := c.do("GET", "/maximo/oslc/os/mxasset?lean=1", nil, "")
	if n := len(m["member"].([]any)); n != 2 || member0(t, m, "member")["assetnum"] != "A6002" {
		t.Fatalf("page 1: %v", m)
	}
	if _, _, m = c.do("GET", "/maximo/oslc/os/mxapiasset?pageno=2", nil, ""); member0(t, m, "member")["assetnum"] != "11430" {
		t.Fatalf("page 2: %v", m)
	}
	if _, _, m = c.do("GET", "/maximo/oslc/os/mxasset?oslc.where="+q(`assetnum="L12510"`), nil, ""); len(m["member"].([]any)) != 1 || m["responseInfo"].(map[string]any)["nextPage"] != nil {
		t.Fatalf("filtered: %v", m)
	}
	if _, _, m = c.do("GET", "/maximo/oslc/os/mxwo", nil, ""); len(m["member"].([]any)) != 0 {
		t.Fatalf("a kind without fixtures: %v", m)
	}
	s.ServeFixtures(nil)
	if _, _, m = c.do("GET", "/maximo/oslc/os/mxwo?lean=1", nil, ""); len(m["member"].([]any)) == 0 {
		t.Fatal("seeded data not back")
	}
}
