package pdk_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/internal/wire"
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

func invoke(r *pdk.Runner, export string, in string) wire.Envelope {
	var env wire.Envelope
	_ = json.Unmarshal(r.Invoke(context.Background(), export, []byte(in)), &env)
	return env
}

func TestRunner(t *testing.T) {
	r := pdk.NewCMMS(pdk.Info{Name: "ro", Version: "1"}, &readOnly{})
	d := r.Operations()
	if len(d) != 3 || !slices.Contains(d, abi.OpListAssets) || slices.Contains(d, abi.OpCreateWorkOrder) {
		t.Fatalf("operations = %v", d)
	}
	var desc wire.Descriptor
	if env := invoke(r, wire.ExportDescribe, ``); env.Error != nil || json.Unmarshal(env.Result, &desc) != nil {
		t.Fatalf("describe: %+v", env)
	}
	if err := desc.Validate(); err != nil || !slices.Equal(desc.Operations, d) {
		t.Fatalf("descriptor %+v: %v", desc, err)
	}
	if env := invoke(r, wire.ExportInit, `{"config":{}}`); env.Error == nil || env.Error.Code != abi.CodeInvalidArgument {
		t.Fatalf("init without site: %+v", env)
	}
	if env := invoke(r, wire.ExportInit, `{"config":{"site":"BEDFORD"}}`); env.Error != nil {
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

// selective serves list_assets and get_asset only when its configuration
// says so (a connector configured, not coded).
type selective struct {
	readOnly
	assets bool
}

func (s *selective) Init(_ context.Context, cfg pdk.Config) error {
	s.assets = cfg.String("assets", "") == "on"
	return nil
}

func (s *selective) EnabledOperations() []abi.OpName {
	if s.assets {
		return []abi.OpName{abi.OpListAssets, abi.OpCreateWorkOrder} // create is not implemented: ignored
	}
	return nil
}

func TestOperationSelectorNarrowsAfterInit(t *testing.T) {
	r := pdk.NewCMMS(pdk.Info{Name: "sel", Version: "1"}, &selective{})
	env := invoke(r, wire.ExportInit, `{"config":{"assets":"on"}}`)
	var ir wire.InitResponse
	if env.Error != nil || json.Unmarshal(env.Result, &ir) != nil {
		t.Fatalf("init: %+v", env)
	}
	if want := []abi.OpName{abi.OpHealth, abi.OpListAssets}; !slices.Equal(ir.Operations, want) {
		t.Fatalf("init operations = %v, want %v", ir.Operations, want)
	}
	if env := invoke(r, "get_asset", `{"asset_id":"X"}`); env.Error == nil || env.Error.Code != abi.CodeInvalidArgument {
		t.Fatalf("a described but unconfigured operation must be refused: %+v", env)
	}
	if env := invoke(r, "list_assets", `{}`); env.Error != nil {
		t.Fatalf("list_assets: %+v", env.Error)
	}
	// The host narrows the descriptor with the same answer, never widening.
	if got := ir.Narrow([]abi.OpName{abi.OpGetAsset, abi.OpHealth, abi.OpListAssets}); !slices.Equal(got, []abi.OpName{abi.OpHealth, abi.OpListAssets}) {
		t.Fatalf("narrowed = %v", got)
	}
	// Nothing enabled but health.
	r = pdk.NewCMMS(pdk.Info{Name: "sel", Version: "1"}, &selective{})
	if env := invoke(r, wire.ExportInit, `{"config":{}}`); env.Error != nil || json.Unmarshal(env.Result, &ir) != nil || !slices.Equal(ir.Operations, []abi.OpName{abi.OpHealth}) {
		t.Fatalf("init: %+v %v", env, ir.Operations)
	}
}
