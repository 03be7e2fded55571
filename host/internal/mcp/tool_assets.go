package mcp

import (
	"context"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/router"
)

// Asset tools: machina_list_assets, machina_get_asset.

type assetSummary struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Type        abi.AssetType   `json:"type"`
	Location    string          `json:"location"`
	Criticality abi.Criticality `json:"criticality"`
}

type assetDetail struct {
	ID           string          `json:"id"`
	Name         string          `json:"name"`
	Type         abi.AssetType   `json:"type"`
	Location     string          `json:"location"`
	Criticality  abi.Criticality `json:"criticality"`
	Manufacturer string          `json:"manufacturer"`
	Model        string          `json:"model"`
	Parent       *string         `json:"parent"`
	FailureModes []string        `json:"failure_modes"`
}

func listAssetsTool() tool {
	return tool{Name: "machina_list_assets", Capability: abi.CapReadAssets, Op: abi.OpListAssets,
		Output:      listOutput[assetSummary]("assets"),
		Description: "List all assets registered in the primary CMMS (id, name, type, location, criticality).",
		Run: func(ctx context.Context, r *router.Router, _ *args) (any, error) {
			as, err := r.ListAssets(ctx)
			return mapAll(as, func(a abi.Asset) assetSummary {
				return assetSummary{a.ID, a.Name, a.Type, a.Location, a.Criticality}
			}), err
		}}
}

func getAssetTool() tool {
	return tool{Name: "machina_get_asset", Capability: abi.CapReadAssets, Op: abi.OpGetAsset,
		Output:      objectOutput[assetDetail](),
		Description: "Get one asset's details by id: type, location, criticality (A/B/C), manufacturer, model, parent and known failure modes.",
		Params:      []param{{Name: "asset_id", Type: "string", Required: true, Description: "Asset identifier, e.g. P-101"}},
		Run: func(ctx context.Context, r *router.Router, a *args) (any, error) {
			id := a.str("asset_id")
			if a.Err() != nil {
				return nil, a.Err()
			}
			x, err := r.GetAsset(ctx, id)
			if err != nil {
				return nil, err
			}
			return assetDetail{x.ID, x.Name, x.Type, x.Location, x.Criticality, x.Manufacturer, x.Model, opt(x.Parent), orEmpty(x.FailureModes)}, nil
		}}
}
