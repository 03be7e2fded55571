// Command hello-cmms is the example Machina plugin: a CMMS that reads assets
// from a small JSON API ({base_url}/assets and {base_url}/assets/{id}).
//
// It shows everything a plugin author needs: registration, configuration,
// HTTP through the host (which attaches credentials — the plugin never sees
// them), logging, key-value state and ABI error codes.
package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

// manifest is plugin.toml, the one place the plugin's name and version
// are written.
//
//go:embed plugin.toml
var manifest string

// info is the plugin's name and version, read from the manifest.
func info() pdk.Info { return pdk.MustParseInfo(manifest) }

func init() { pdk.RegisterCMMS(info(), &hello{}) }

// The operations it serves: a misspelled or mistyped method fails the
// build here instead of silently dropping an operation.
var (
	_ pdk.CMMS        = (*hello)(nil)
	_ pdk.AssetReader = (*hello)(nil)
)

// main never runs: a plugin is a wasm reactor whose exports the PDK owns.
func main() {}

type hello struct {
	baseURL string
}

// Init reads the non-secret configuration.
func (h *hello) Init(_ context.Context, cfg pdk.Config) error {
	h.baseURL = strings.TrimRight(cfg.String("base_url", ""), "/")
	if h.baseURL == "" {
		return abi.InvalidArgument("config base_url is required")
	}
	return nil
}

// Health checks that the API answers.
func (h *hello) Health(ctx context.Context) (abi.HealthResponse, error) {
	if _, err := h.get(ctx, "/assets"); err != nil {
		return abi.HealthResponse{Status: abi.HealthUnhealthy, Message: err.Error()}, nil
	}
	return abi.HealthResponse{Status: abi.HealthHealthy}, nil
}

// ListAssets serves list_assets and counts calls in KV.
func (h *hello) ListAssets(ctx context.Context, _ abi.ListAssetsRequest) (abi.ListAssetsResponse, error) {
	body, err := h.get(ctx, "/assets")
	if err != nil {
		return abi.ListAssetsResponse{}, err
	}
	var assets []abi.Asset
	if err := json.Unmarshal(body, &assets); err != nil {
		return abi.ListAssetsResponse{}, abi.Upstream("decoding assets: %v", err)
	}
	n, _, _ := pdk.KVGet(ctx, "list_calls")
	_ = pdk.KVSet(ctx, "list_calls", []byte(fmt.Sprint(len(n)+1)))
	pdk.Logf(ctx, abi.LogDebug, "listed %d assets", len(assets))
	return abi.ListAssetsResponse{Assets: assets}, nil
}

// GetAsset serves get_asset.
func (h *hello) GetAsset(ctx context.Context, req abi.GetAssetRequest) (abi.GetAssetResponse, error) {
	if req.AssetID == "" {
		return abi.GetAssetResponse{}, abi.InvalidArgument("asset_id is required")
	}
	body, err := h.get(ctx, "/assets/"+url.PathEscape(req.AssetID))
	if err != nil {
		return abi.GetAssetResponse{}, err
	}
	var a abi.Asset
	if err := json.Unmarshal(body, &a); err != nil {
		return abi.GetAssetResponse{}, abi.Upstream("decoding asset: %v", err)
	}
	return abi.GetAssetResponse{Asset: a}, nil
}

// get fetches a path and maps HTTP statuses to ABI error codes.
func (h *hello) get(ctx context.Context, path string) ([]byte, error) {
	resp, err := pdk.HTTP(ctx, abi.HTTPRequest{Method: "GET", URL: h.baseURL + path, Headers: map[string]string{"Accept": "application/json"}})
	if err != nil {
		return nil, err
	}
	if resp.Status != 200 {
		return nil, pdk.StatusError(pdk.HTTPStatus{System: "hello", Request: "GET " + path, Status: resp.Status, CallerData: true})
	}
	return resp.Body, nil
}
