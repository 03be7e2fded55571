package pdktest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
	"github.com/machina-go/machina/pdk/pdktest"
)

// assets is a CMMS that reads assets from {base_url}/assets with HTTP
// through the host.
type assets struct{ base string }

var (
	_ pdk.CMMS        = (*assets)(nil)
	_ pdk.AssetReader = (*assets)(nil)
)

func (a *assets) Init(_ context.Context, cfg pdk.Config) error {
	a.base = cfg.String("base_url", "")
	return nil
}

func (a *assets) Health(context.Context) (abi.HealthResponse, error) {
	return abi.HealthResponse{Status: abi.HealthHealthy}, nil
}

func (a *assets) ListAssets(ctx context.Context, _ abi.ListAssetsRequest) (abi.ListAssetsResponse, error) {
	resp, err := pdk.HTTP(ctx, abi.HTTPRequest{Method: "GET", URL: a.base + "/assets"})
	if err != nil {
		return abi.ListAssetsResponse{}, err
	}
	if resp.Status != 200 {
		return abi.ListAssetsResponse{}, pdk.StatusError(pdk.HTTPStatus{System: "acme", Request: "GET /assets", Status: resp.Status})
	}
	var out abi.ListAssetsResponse
	err = json.Unmarshal(resp.Body, &out.Assets)
	return out, err
}

func (a *assets) GetAsset(context.Context, abi.GetAssetRequest) (abi.GetAssetResponse, error) {
	return abi.GetAssetResponse{}, abi.NotFound("not implemented in this example")
}

// A plugin's connector logic runs natively in go test, through the same
// JSON round trip as in wasm: the Host sends its HTTP requests to a real
// server on loopback (here httptest; in the shipped plugins the
// simulators) and attaches credentials as the host's auth profile would.
func ExampleInvoke() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer example-token" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `[{"id":"P-101","name":"Feed pump"}]`)
	}))
	defer srv.Close()

	ctx := context.Background()
	host := &pdktest.Host{Auth: func(r *http.Request) { r.Header.Set("Authorization", "Bearer example-token") }}
	r := pdk.NewCMMS(pdk.Info{Name: "cmms-acme", Version: "1.0.0"}, &assets{})
	if err := pdktest.Init(ctx, host, r, map[string]any{"base_url": srv.URL}); err != nil {
		fmt.Println(err)
		return
	}
	var resp abi.ListAssetsResponse
	err := pdktest.Invoke(ctx, host, r, "list_assets", abi.ListAssetsRequest{}, &resp)
	fmt.Println(resp.Assets[0].ID, resp.Assets[0].Name, err)

	// Without credentials the upstream answers 401: an ABI error.
	err = pdktest.Invoke(ctx, &pdktest.Host{}, r, "list_assets", abi.ListAssetsRequest{}, &resp)
	fmt.Println(err)
	// Output:
	// P-101 Feed pump <nil>
	// unauthorized: acme GET /assets refused the credentials (HTTP 401)
}

// With the plugin's plugin.toml in Host.Manifest, a request the manifest
// does not declare fails the test, as the host's HTTP gate would refuse it
// in production; it never reaches the server.
func ExampleHost_manifest() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `[]`)
	}))
	defer srv.Close()

	// In a plugin, the string it embeds with //go:embed plugin.toml.
	const manifest = `name = "cmms-acme"
version = "1.0.0"
abi = "1.4"
kind = "cmms"

[[http]]
origin = "http://127.0.0.1:*"
reads = ["GET /api/assets"]
`
	ctx := context.Background()
	host := &pdktest.Host{Manifest: manifest}
	r := pdk.NewCMMS(pdk.Info{Name: "cmms-acme", Version: "1.0.0"}, &assets{})
	if err := pdktest.Init(ctx, host, r, map[string]any{"base_url": srv.URL}); err != nil {
		fmt.Println(err)
		return
	}
	// The plugin reads {base_url}/assets, but the manifest declares only
	// /api/assets.
	err := pdktest.Invoke(ctx, host, r, "list_assets", abi.ListAssetsRequest{}, &abi.ListAssetsResponse{})
	fmt.Println(strings.Replace(err.Error(), strings.TrimPrefix(srv.URL, "http://"), "127.0.0.1:PORT", 1))
	// Output:
	// pdktest: list_assets made a request the host would refuse: GET /assets is not a request the plugin declared for http://127.0.0.1:PORT (see the manifest's reads and writes)
}
