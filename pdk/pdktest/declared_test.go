package pdktest_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
	"github.com/machina-go/machina/pdk/pdktest"
)

// probe is the example's assets plugin (its Init reads base_url) making
// one configured request instead: ListAssets (a read operation) and
// CreateWorkOrder (a write operation) return its error, Health swallows it.
type probe struct {
	assets
	method, path string
	headers      map[string]string
}

var _ pdk.WorkOrderCreator = (*probe)(nil)

func (p *probe) send(ctx context.Context) error {
	_, err := pdk.HTTP(ctx, abi.HTTPRequest{Method: p.method, URL: p.base + p.path, Headers: p.headers})
	return err
}

func (p *probe) Health(ctx context.Context) (abi.HealthResponse, error) {
	if p.send(ctx) != nil {
		return abi.HealthResponse{Status: abi.HealthDegraded}, nil
	}
	return abi.HealthResponse{Status: abi.HealthHealthy}, nil
}

func (p *probe) ListAssets(ctx context.Context, _ abi.ListAssetsRequest) (abi.ListAssetsResponse, error) {
	return abi.ListAssetsResponse{}, p.send(ctx)
}

func (p *probe) CreateWorkOrder(ctx context.Context, _ abi.CreateWorkOrderRequest) (abi.WorkOrderResponse, error) {
	return abi.WorkOrderResponse{}, p.send(ctx)
}

// A request the manifest does not declare fails the test's Invoke with the
// host gate's reason and never reaches the server, even when the plugin
// swallows the error; declared requests pass.
func TestHostRefusesUndeclaredRequests(t *testing.T) {
	probeManifest := readManifest(t)
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	cases := []struct {
		name, manifest, export, method, path string
		headers                              map[string]string
		want                                 string // "" : allowed
	}{
		{"declared read", probeManifest, "list_assets", "GET", "/api/assets/P-1", nil, ""},
		{"declared write in a write operation", probeManifest, "create_work_order", "POST", "/api/workorders", nil, ""},
		{"query string is not matched", probeManifest, "list_assets", "GET", "/api/assets?x=1", nil, ""},
		{"undeclared path", probeManifest, "list_assets", "GET", "/api/secrets", nil, "GET /api/secrets is not a request the plugin declared for http://127.0.0.1:"},
		{"undeclared method", probeManifest, "list_assets", "DELETE", "/api/assets/P-1", nil, "DELETE /api/assets/P-1 is not a request the plugin declared"},
		{"undeclared request swallowed by the plugin", probeManifest, "health", "GET", "/admin", nil, "is not a request the plugin declared"},
		{"write in a read operation", probeManifest, "list_assets", "POST", "/api/workorders", nil, `is a write: the host lets it through only while it runs a write operation of the plugin (this call runs "list_assets")`},
		{"method override makes a read a write", probeManifest, "list_assets", "GET", "/api/assets", map[string]string{"x-method-override": "PATCH"}, "is a write"},
		{"origin not requested", strings.Replace(probeManifest, "http://127.0.0.1:*", "https://api.example.com", 1), "list_assets", "GET", "/api/assets", nil, "is not requested in the plugin's manifest"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := &probe{method: c.method, path: c.path, headers: c.headers}
			r := pdk.NewCMMS(pdk.Info{Name: "cmms-probe", Version: "0.1.0"}, p)
			h := &pdktest.Host{Manifest: c.manifest}
			ctx := context.Background()
			if err := pdktest.Init(ctx, h, r, map[string]any{"base_url": srv.URL}); err != nil {
				t.Fatal(err)
			}
			before := hits.Load()
			var resp map[string]any
			err := pdktest.Invoke(ctx, h, r, c.export, map[string]any{}, &resp)
			sent := hits.Load() - before
			if c.want == "" {
				if err != nil || sent != 1 {
					t.Fatalf("declared request: err %v, %d requests reached the server", err, sent)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to contain %q", err, c.want)
			}
			var ae *abi.Error
			if errors.As(err, &ae) {
				t.Errorf("the refusal came back as the plugin's ABI error %v, not as pdktest's failure", ae)
			}
			if sent != 0 {
				t.Errorf("%d refused requests reached the server", sent)
			}
		})
	}
}

// Without a manifest nothing is checked (the behaviour before Manifest).
func TestHostWithoutManifestChecksNothing(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{}`)) }))
	defer srv.Close()
	p := &probe{method: "POST", path: "/anything"}
	r := pdk.NewCMMS(pdk.Info{Name: "cmms-probe", Version: "0.1.0"}, p)
	h := &pdktest.Host{}
	ctx := context.Background()
	if err := pdktest.Init(ctx, h, r, map[string]any{"base_url": srv.URL}); err != nil {
		t.Fatal(err)
	}
	if err := pdktest.Invoke(ctx, h, r, "list_assets", abi.ListAssetsRequest{}, nil); err != nil {
		t.Fatal(err)
	}
}

// A manifest that does not parse fails the first request with the reason.
func TestHostReportsABadManifest(t *testing.T) {
	probeManifest := readManifest(t)
	p := &probe{method: "GET", path: "/api/assets"}
	r := pdk.NewCMMS(pdk.Info{Name: "cmms-probe", Version: "0.1.0"}, p)
	h := &pdktest.Host{Manifest: probeManifest + "\ntypo = 1\n"}
	ctx := context.Background()
	if err := pdktest.Init(ctx, h, r, map[string]any{"base_url": "http://127.0.0.1:9"}); err != nil {
		t.Fatal(err)
	}
	err := pdktest.Invoke(ctx, h, r, "list_assets", abi.ListAssetsRequest{}, nil)
	if err == nil || !strings.Contains(err.Error(), "unknown keys: http.typo") {
		t.Fatalf("err = %v", err)
	}
}

// readManifest reads the probe's plugin.toml.
func readManifest(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/probe.toml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
