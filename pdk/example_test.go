package pdk_test

import (
	"context"
	"fmt"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

// acme is a minimal CMMS: it serves the operations of the interfaces it
// implements — here read_assets through AssetReader.
type acme struct{ site string }

// Without these the build would not notice a misspelled method, and the
// plugin would silently not serve the operation.
var (
	_ pdk.CMMS        = (*acme)(nil)
	_ pdk.AssetReader = (*acme)(nil)
)

func (a *acme) Init(_ context.Context, cfg pdk.Config) error {
	a.site = cfg.String("site", "main")
	return nil
}

func (a *acme) Health(context.Context) (abi.HealthResponse, error) {
	return abi.HealthResponse{Status: abi.HealthHealthy}, nil
}

func (a *acme) ListAssets(context.Context, abi.ListAssetsRequest) (abi.ListAssetsResponse, error) {
	return abi.ListAssetsResponse{Assets: []abi.Asset{{ID: "P-101", Name: "Feed pump", Location: a.site}}}, nil
}

func (a *acme) GetAsset(_ context.Context, req abi.GetAssetRequest) (abi.GetAssetResponse, error) {
	if req.AssetID != "P-101" {
		return abi.GetAssetResponse{}, abi.NotFound("asset %s not found", req.AssetID)
	}
	return abi.GetAssetResponse{Asset: abi.Asset{ID: "P-101", Name: "Feed pump", Location: a.site}}, nil
}

// A plugin registers its implementation from init (with the name and
// version of its plugin.toml); the operations it serves follow from the
// interfaces it implements, and the host derives its capabilities from
// those with the ABI table.
func ExampleNewCMMS() {
	r := pdk.NewCMMS(pdk.Info{Name: "cmms-acme", Version: "1.0.0"}, &acme{})
	fmt.Println(r.Operations())
	fmt.Println(abi.CapabilitiesOf(r.Operations()))
	// Output:
	// [get_asset health list_assets]
	// [read_assets]
}

// The retry policy's backoff doubles from Base up to Max.
func ExampleRetryPolicy_Backoff() {
	p := pdk.RetryPolicy{Base: 250 * time.Millisecond, Max: time.Second}
	for n := range 4 {
		fmt.Println(p.Backoff(n))
	}
	// Output:
	// 250ms
	// 500ms
	// 1s
	// 1s
}

// StatusChange checks an update_work_order status against the lifecycle
// of abi/README.md ("created → assigned | cancelled", "closed and
// cancelled are terminal").
func ExampleStatusChange() {
	fmt.Println(pdk.StatusChange(abi.StatusCreated, abi.StatusAssigned))
	fmt.Println(pdk.StatusChange(abi.StatusAssigned, ""))
	_, _, err := pdk.StatusChange(abi.StatusClosed, abi.StatusInProgress)
	fmt.Println(err)
	// Output:
	// assigned true <nil>
	// assigned false <nil>
	// invalid_argument: Cannot transition from 'closed' to 'in_progress'
}
