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
	assetSummary
	Manufacturer string   `json:"manufacturer"`
	Model        string   `json:"model"`
	Parent       *string  `json:"parent"`
	FailureModes []string `json:"failure_modes"`
}

func assetSum(a abi.Asset) assetSummary {
	return assetSummary{a.ID, a.Name, a.Type, a.Location, a.Criticality}
}

// assetIDParam is a tool's required asset_id.
func assetIDParam(desc string) param {
	return param{Name: "asset_id", Type: "string", Required: true, Description: desc}
}

// assetFilterParam is an optional asset_id that narrows a list to one
// asset (blank: no filter).
func assetFilterParam(desc string) param {
	return param{Name: "asset_id", Type: "string", Default: "", Description: desc}
}

func listAssetsTool() tool {
	return tool{Name: "machina_list_assets", Capability: abi.CapReadAssets, Op: abi.OpListAssets,
		Output:      listOutput[assetSummary]("assets"),
		Description: "List all assets registered in the primary CMMS (id, name, type, location, criticality).",
		Run: func(ctx context.Context, r *router.Router, _ *args) (any, error) {
			as, err := r.ListAssets(ctx)
			return mapAll(as, assetSum), err
		}}
}

func getAssetTool() tool {
	return tool{Name: "machina_get_asset", Capability: abi.CapReadAssets, Op: abi.OpGetAsset,
		Output:      objectOutput[assetDetail](),
		Description: "Get one asset's details by id: type, location, criticality (A/B/C), manufacturer, model, parent and known failure modes.",
		Params:      []param{assetIDParam("Asset identifier, e.g. P-101")},
		Run: withStr("asset_id", func(ctx context.Context, r *router.Router, id string) (assetDetail, error) {
			x, err := r.GetAsset(ctx, id)
			return assetDetail{assetSum(x), x.Manufacturer, x.Model, opt(x.Parent), orEmpty(x.FailureModes)}, err
		})}
}
