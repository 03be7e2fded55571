package pdk_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

type readOnly struct{ inited bool }

func (r *readOnly) Init(_ context.Context, cfg pdk.Config) error {
	if cfg.String("site", "") == "" {
		return abi.InvalidArgument("site is required")
	}
	r.inited = true
	return nil
}
func (*readOnly) Health(context.Context) (abi.HealthResponse, error) {
	return abi.HealthResponse{Status: abi.HealthHealthy}, nil
}
func (*readOnly) ListAssets(context.Context, abi.ListAssetsRequest) (abi.ListAssetsResponse, error) {
	return abi.ListAssetsResponse{Assets: []abi.Asset{{ID: "A"}}}, nil
}
func (*readOnly) GetAsset(_ context.Context, req abi.GetAssetRequest) (abi.GetAssetResponse, error) {
	if req.AssetID == "boom" {
		return abi.GetAssetResponse{}, errors.New("plain error")
	}
	return abi.GetAssetResponse{}, abi.NotFound("asset %q not found", req.AssetID)
}

func invoke(r *pdk.Runner, export string, in string) abi.Envelope {
	var env abi.Envelope
	_ = json.Unmarshal(r.Invoke(context.Background(), export, []byte(in)), &env)
	return env
}

func TestRunner(t *testing.T) {
	r := pdk.NewCMMS(pdk.Info{Name: "ro", Version: "1"}, &readOnly{})
	d := r.Describe()
	if len(d.Operations) != 3 || !d.Has(abi.OpListAssets) || d.Has(abi.OpCreateWorkOrder) {
		t.Fatalf("operations = %v", d.Operations)
	}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	if env := invoke(r, abi.ExportInit, `{"config":{}}`); env.Error == nil || env.Error.Code != abi.CodeInvalidArgument {
		t.Fatalf("init without site: %+v", env)
	}
	if env := invoke(r, abi.ExportInit, `{"config":{"site":"BEDFORD"}}`); env.Error != nil {
		t.Fatalf("init: %+v", env.Error)
	}
	if env := invoke(r, "get_asset", `{"asset_id":"X"}`); env.Error == nil || env.Error.Code != abi.CodeNotFound {
		t.Fatalf("get_asset: %+v", env)
	}
	if env := invoke(r, "get_asset", `{"asset_id":"boom"}`); env.Error == nil || env.Error.Code != abi.CodeInternal {
		t.Fatalf("plain errors must map to internal: %+v", env)
	}
	if env := invoke(r, "get_asset", `{"asset_id":`); env.Error == nil || env.Error.Code != abi.CodeInvalidArgument {
		t.Fatalf("bad JSON must be invalid_argument: %+v", env)
	}
	if env := invoke(r, "create_work_order", `{}`); env.Error == nil || env.Error.Code != abi.CodeInvalidArgument {
		t.Fatalf("unimplemented op: %+v", env)
	}
	env := invoke(r, "list_assets", `{}`)
	var resp abi.ListAssetsResponse
	if env.Error != nil || json.Unmarshal(env.Result, &resp) != nil || resp.Assets[0].ID != "A" {
		t.Fatalf("list_assets: %+v", env)
	}
}

func TestHostCallWithoutNativeHost(t *testing.T) {
	_, err := pdk.HTTP(context.Background(), abi.HTTPRequest{Method: "GET", URL: "http://127.0.0.1:1/"})
	var ae *abi.Error
	if !errors.As(err, &ae) || ae.Code != abi.CodeInternal {
		t.Fatalf("want a clear internal error without a native host, got %v", err)
	}
}
