package main

import (
	"context"
	"strings"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

// ListAssets lists assets across pages.
func (p *plugin) ListAssets(ctx context.Context, req abi.ListAssetsRequest) (abi.ListAssetsResponse, error) {
	a := p.cfg.Assets
	if a == nil || a.List == nil {
		return abi.ListAssetsResponse{}, notConfigured("assets.list")
	}
	rows, truncated, err := p.fetchAll(ctx, a.List, p.vals(p.assets, nil, false), req.Limit, nil)
	if err != nil {
		return abi.ListAssetsResponse{}, err
	}
	resp := abi.ListAssetsResponse{Assets: []abi.Asset{}, Truncated: truncated}
	for _, row := range rows {
		if as, ok := p.asset(ctx, row); ok {
			resp.Assets = append(resp.Assets, as)
		} else {
			resp.Skipped++
		}
	}
	skipped(ctx, resp.Skipped, "id")
	return resp, nil
}

// GetAsset reads one asset with the get request, or finds it in the list
// when the configuration has none.
func (p *plugin) GetAsset(ctx context.Context, req abi.GetAssetRequest) (abi.GetAssetResponse, error) {
	a := p.cfg.Assets
	id := strings.TrimSpace(req.AssetID)
	if a == nil || (a.Get == nil && a.List == nil) {
		return abi.GetAssetResponse{}, notConfigured("assets.get")
	}
	if id == "" {
		return abi.GetAssetResponse{}, abi.InvalidArgument("asset_id is required")
	}
	var rec any
	if a.Get != nil {
		rep, err := p.call(ctx, a.Get, p.vals(p.assets, map[string]string{"id": id}, true), nil)
		if err != nil {
			return abi.GetAssetResponse{}, notFoundAs(err, "asset %q not found", id)
		}
		if rec, err = item(a.Get, rep); err != nil {
			return abi.GetAssetResponse{}, err
		}
	} else {
		rows, _, err := p.fetchAll(ctx, a.List, p.vals(p.assets, nil, false), 1, func(r any) bool { return p.assets.str(r, "id") == id })
		if err != nil {
			return abi.GetAssetResponse{}, err
		}
		if len(rows) == 0 {
			return abi.GetAssetResponse{}, abi.NotFound("asset %q not found", id)
		}
		rec = rows[0]
	}
	as, ok := p.asset(ctx, rec)
	if !ok {
		return abi.GetAssetResponse{}, abi.NotFound("asset %q not found", id)
	}
	return abi.GetAssetResponse{Asset: as}, nil
}

// notFoundAs rewords an upstream 404 for the client.
func notFoundAs(err error, format string, args ...any) error {
	if abi.AsError(err).Code == abi.CodeNotFound {
		return abi.NotFound(format, args...)
	}
	return err
}

// asset maps one record; ok is false when it has no id.
func (p *plugin) asset(ctx context.Context, rec any) (abi.Asset, bool) {
	f := p.assets
	id := f.str(rec, "id")
	if id == "" {
		return abi.Asset{}, false
	}
	u := pdk.Unmapped{}
	a := abi.Asset{
		ID: id, Name: f.str(rec, "name"), Location: f.str(rec, "location"), Manufacturer: f.str(rec, "manufacturer"),
		Model: f.str(rec, "model"), SerialNumber: f.str(rec, "serial_number"), Parent: f.str(rec, "parent"),
		InstallDate: f.str(rec, "install_date"), EquipmentClassCode: f.str(rec, "equipment_class_code"),
		Type: abi.AssetType(assetSchema["type"].fallback), Criticality: abi.Criticality(assetSchema["criticality"].fallback),
	}
	if f.has("type") {
		a.Type = abi.AssetType(f.code(ctx, rec, "type", u))
	}
	if f.has("criticality") {
		a.Criticality = abi.Criticality(f.code(ctx, rec, "criticality", u))
	}
	if a.Name == "" {
		a.Name = id
	}
	a.Metadata = u.Attach(nil)
	return a, true
}
