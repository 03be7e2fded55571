package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/internal/sim/rest"
	"github.com/machina-go/machina/pdk"
	"github.com/machina-go/machina/pdk/pdktest"
)

const testToken = "tok-native-test-0123456789"

// fixture runs the plugin natively against the simulator over loopback;
// pdktest plays the host and attaches the vendor's credential.
type fixture struct {
	sim  *rest.Server
	url  string
	host *pdktest.Host
	r    *pdk.Runner
	init error
}

func newFixture(t *testing.T, o rest.Options, cfg map[string]any) *fixture {
	t.Helper()
	o.Token = testToken
	sim, err := rest.NewServer(o)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	f := &fixture{sim: sim, url: ts.URL, r: pdk.NewCMMS(info(), &plugin{})}
	f.host = &pdktest.Host{Manifest: manifest, Auth: func(r *http.Request) {
		if o.Dialect == rest.UpKeep {
			r.Header.Set("Session-Token", testToken)
		} else {
			r.Header.Set("Authorization", "Bearer "+testToken)
		}
	}}
	base := ts.URL
	if o.Dialect == rest.MaintainX {
		base += "/v1"
	}
	conf := map[string]any{"preset": string(o.Dialect), "base_url": base, "page_size": 4, "retry_base_ms": 1}
	for k, v := range cfg {
		conf[k] = v
	}
	f.init = pdktest.Init(context.Background(), f.host, f.r, conf)
	return f
}

func (f *fixture) call(t *testing.T, op abi.OpName, req, resp any) error {
	t.Helper()
	return pdktest.Invoke(context.Background(), f.host, f.r, string(op), req, resp)
}

// Every pagination style reads every record across several pages: the
// vendors' own (UpKeep offset, MaintainX cursor), MaintainX's next-page
// URL in the body, and page numbers and RFC 8288 Link headers as other
// vendors use them.
func TestPaginationStyles(t *testing.T) {
	cases := []struct {
		name string
		o    rest.Options
		cfg  map[string]any
	}{
		{"offset", rest.Options{Dialect: rest.UpKeep}, nil},
		{"cursor", rest.Options{Dialect: rest.MaintainX}, nil},
		{"next_url", rest.Options{Dialect: rest.MaintainX}, map[string]any{"pagination": map[string]any{"style": "next_url", "next_path": "nextPageUrl"}}},
		{"page", rest.Options{Dialect: rest.UpKeep, Paging: "page"}, map[string]any{"pagination": map[string]any{"style": "page", "page_param": "page", "first_page": 1}}},
		{"link", rest.Options{Dialect: rest.UpKeep, Paging: "link"}, map[string]any{"pagination": map[string]any{"style": "link"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.o, tc.cfg)
			if f.init != nil {
				t.Fatal(f.init)
			}
			before := f.sim.Stats().Requests
			var resp abi.ListAssetsResponse
			if err := f.call(t, abi.OpListAssets, abi.ListAssetsRequest{}, &resp); err != nil {
				t.Fatal(err)
			}
			want := len(f.sim.Records(rest.Assets))
			if n := f.sim.Stats().Requests - before; len(resp.Assets) != want || resp.Truncated || n < int64(want/4) {
				t.Fatalf("%d assets (want %d) in %d requests, truncated=%v", len(resp.Assets), want, n, resp.Truncated)
			}
			seen := map[string]bool{}
			for _, a := range resp.Assets {
				if seen[a.ID] {
					t.Fatalf("asset %s listed twice", a.ID)
				}
				seen[a.ID] = true
			}
		})
	}
}

// A code the configuration does not map is never silently defaulted: the
// record carries the raw code in metadata.unmapped and the host is told
// once per call (an unmapped_code notice on log).
func TestUnmappedCodesAreReported(t *testing.T) {
	f := newFixture(t, rest.Options{Dialect: rest.MaintainX}, nil)
	if f.init != nil {
		t.Fatal(f.init)
	}
	var resp abi.ListWorkOrdersResponse
	if err := f.call(t, abi.OpListWorkOrders, abi.ListWorkOrdersRequest{}, &resp); err != nil {
		t.Fatal(err)
	}
	others := 0
	for _, w := range resp.WorkOrders {
		if u, ok := w.Metadata["unmapped"].(map[string]any); ok && u["type"] == "OTHER" {
			others++
			if w.Type != abi.TypeCorrective {
				t.Errorf("%s: type %s, want the fallback corrective", w.ID, w.Type)
			}
		}
	}
	notices := 0
	for _, l := range f.host.Logs() {
		if n, ok := abi.NoticeFromFields(l.Fields); ok && n.Kind == abi.NoticeUnmapped && n.Field == "type" && n.Code == "OTHER" {
			notices++
		}
	}
	if others == 0 || notices != 1 {
		t.Fatalf("%d work orders with metadata.unmapped.type=OTHER, %d notices (want ≥1 and exactly 1)", others, notices)
	}
}

// Writes exist only where the configuration declares them: a preset's
// writes are switched off with disabled_operations (or, in JSON, by
// setting the section to null), and then neither advertised nor served.
func TestWritesOnlyWhereConfigured(t *testing.T) {
	writes := []any{"create_work_order", "update_work_order", "cancel_work_order"}
	for name, cfg := range map[string]map[string]any{
		"disabled_operations": {"disabled_operations": writes},
		"null sections":       {"work_orders": map[string]any{"create": nil, "update": nil, "status": nil, "cancel": false}},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, rest.Options{Dialect: rest.MaintainX}, cfg)
			if f.init != nil {
				t.Fatal(f.init)
			}
			before := f.sim.Stats().Writes
			for _, op := range f.r.Operations() {
				err := f.call(t, op, map[string]any{"work_order_id": "901", "asset_id": "901", "description": "x"}, nil)
				if abi.IsWrite(op) && (err == nil || !strings.Contains(err.Error(), "not configured")) {
					t.Errorf("%s: %v", op, err)
				}
			}
			if n := f.sim.Stats().Writes - before; n != 0 {
				t.Fatalf("%d writes reached the upstream", n)
			}
		})
	}
}

// Configuration mistakes are reported at load, all at once, with where.
func TestConfigurationErrors(t *testing.T) {
	cases := []struct {
		cfg  map[string]any
		want []string
	}{
		{map[string]any{"preset": "upkeep", "base_url": "ftp://x"}, []string{"base_url"}},
		{map[string]any{"preset": "nope"}, []string{`unknown preset "nope" (known: maintainx, upkeep)`}},
		{map[string]any{"preset": "upkeep", "bogus": 1}, []string{`unknown field "bogus"`}},
		{map[string]any{"preset": "upkeep", "work_orders": map[string]any{"get": map[string]any{"path": "/wo/{wo}"}}}, []string{"placeholder {wo} is not available"}},
		{map[string]any{"preset": "upkeep", "work_orders": map[string]any{"close": true}}, []string{`close needs the vendor code for "closed"`}},
		{map[string]any{"preset": "upkeep", "assets": map[string]any{"fields": map[string]any{"colour": "c"}}}, []string{`unknown field "colour"`}},
		{map[string]any{"preset": "upkeep", "work_orders": map[string]any{"fields": map[string]any{"status": map[string]any{"path": "s", "map": map[string]any{"x": "done"}}}}}, []string{`map "x" = "done": not one of`}},
		{map[string]any{"base_url": "https://cmms.example.com"}, []string{"health: a request is required"}},
	}
	for _, tc := range cases {
		_, err := loadConfig(tc.cfg)
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("config %v: error %v, want %q", tc.cfg, err, w)
			}
		}
	}
}

// Templates: path values are escaped and cannot climb, empty values leave
// members out, typed placeholders convert, enum values become vendor codes.
func TestTemplates(t *testing.T) {
	cfg, err := loadConfig(map[string]any{"preset": "maintainx"})
	if err != nil {
		t.Fatal(err)
	}
	fs := compileFields(cfg.WorkOrders.Fields, workOrderSchema)
	vs := values{v: map[string]string{"id": "a/b c", "status": "completed", "assigned_to": "", "asset_id": "42"}, fields: fs, strict: true, vendor: "X"}
	if p, err := vs.expandPath("/workorders/{id}/status"); err != nil || p != "/workorders/a%2Fb%20c/status" {
		t.Errorf("path = %q, %v", p, err)
	}
	for _, bad := range []string{"..", ".", " ", "../users", `a\..\b`, "x/./y"} {
		if _, err := (values{v: map[string]string{"id": bad}}).expandPath("/x/{id}"); err == nil {
			t.Errorf("id %q accepted in a path", bad)
		}
	}
	body, err := vs.expandBody(map[string]any{"status": "{status}", "assetId": "{asset_id:int}",
		"assignees": []any{map[string]any{"type": "USER", "id": "{assigned_to:auto}"}}, "note": "WO {id}: {assigned_to}"})
	if err != nil {
		t.Fatal(err)
	}
	m := body.(map[string]any)
	if m["status"] != "DONE" || m["assetId"] != int64(42) || m["assignees"] != nil || m["note"] != nil {
		t.Errorf("body = %#v", m)
	}
	vs.v["status"] = "closed" // MaintainX has no closed status
	if _, err := vs.expandBody(map[string]any{"status": "{status}"}); err == nil || !strings.Contains(err.Error(), "cannot be written") {
		t.Errorf("closed written without a vendor code: %v", err)
	}
	vs.strict = false // in a list filter the parameter is left out instead
	if q, err := vs.expandQuery(map[string]any{"statuses": "{status}", "expand": []any{"asset", "assignees"}}); err != nil || q.Encode() != "expand=asset&expand=assignees" {
		t.Errorf("query = %q, %v", q.Encode(), err)
	}
}
