// Command peer is a test-only plugin that keeps a value in its key-value
// store, so tests can show another plugin cannot read or change it.
// get_asset runs:
//
//	kvset:<key>|<value>    kv_set key
//	kvget:<key>            kv_get key
package main

import (
	"context"
	_ "embed"
	"strings"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/testplugin/guest"
	"github.com/machina-go/machina/pdk"
)

//go:embed plugin.toml
var manifest string

func init() { pdk.RegisterCMMS(pdk.MustParseInfo(manifest), &peer{}) }

func main() {}

type peer struct{ guest.Connector }

func (*peer) GetAsset(ctx context.Context, req abi.GetAssetRequest) (abi.GetAssetResponse, error) {
	mode, arg, _ := strings.Cut(req.AssetID, ":")
	m := map[string]any{}
	switch mode {
	case "kvset":
		k, v, _ := strings.Cut(arg, "|")
		if err := pdk.KVSet(ctx, k, []byte(v)); err != nil {
			m["error"] = err.Error()
		}
	case "kvget":
		v, found, err := pdk.KVGet(ctx, arg)
		m["found"], m["value"] = found, string(v)
		if err != nil {
			m["error"] = err.Error()
		}
	default:
		return abi.GetAssetResponse{}, abi.NotFound("unknown mode %q", mode)
	}
	return abi.GetAssetResponse{Asset: abi.Asset{ID: mode, Name: "peer", Type: abi.AssetRotating, Criticality: abi.CriticalityC, Metadata: m}}, nil
}
