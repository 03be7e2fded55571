package main

import (
	"context"

	"github.com/machina-go/machina/abi"
)

// ListSpareParts reads inventory. With asset_id it reads the asset's spare
// part list (SPAREPART) and returns, for each part, its inventory rows —
// or, for a part no storeroom stocks, the part itself with unknown stock —
// with compatible_assets set to the asset and the quantity the asset needs
// in metadata.bom_quantity.
func (m *maximo) ListSpareParts(ctx context.Context, req abi.ListSparePartsRequest) (abi.ListSparePartsResponse, error) {
	if req.AssetID == "" {
		q := query{os: "inventory", limit: req.Limit}
		if req.SKU != "" {
			q.where = new(where).eq("itemnum", "sku", req.SKU)
		}
		parts, truncated, err := m.inventory(ctx, q)
		return abi.ListSparePartsResponse{SpareParts: parts, Truncated: truncated}, err
	}
	rows, _, err := m.collect(ctx, query{os: "asset", where: new(where).eq("assetnum", "asset_id", req.AssetID), sel: m.sel["spare_parts"], limit: 2})
	if err != nil {
		return abi.ListSparePartsResponse{}, err
	}
	var list []bomPart
	found := false
	for _, r := range rows {
		if scalar(r["assetnum"]) != "" && !found {
			found, list = true, bom(r)
		}
	}
	if !found {
		return abi.ListSparePartsResponse{}, abi.NotFound("asset_id %q not found in Maximo", req.AssetID)
	}
	var items []string
	for _, p := range list {
		if (req.SKU == "" || p.SKU == req.SKU) && !contains(items, p.SKU) {
			items = append(items, p.SKU)
		}
	}
	out := abi.ListSparePartsResponse{SpareParts: []abi.SparePart{}}
	if len(items) == 0 {
		return out, nil
	}
	stock, truncated, err := m.inventory(ctx, query{os: "inventory", where: new(where).in("itemnum", "sku", items)})
	if err != nil {
		return abi.ListSparePartsResponse{}, err
	}
	out.Truncated = truncated
	for _, sku := range items {
		part := bomOf(list, sku)
		n := 0
		for _, p := range stock {
			if p.SKU == sku {
				n++
				out.SpareParts = append(out.SpareParts, forAsset(p, req.AssetID, part))
			}
		}
		if n == 0 {
			name := part.Name
			if name == "" {
				name = sku
			}
			p := abi.SparePart{SKU: sku, Name: name, Metadata: map[string]any{"stocked": false}}
			out.SpareParts = append(out.SpareParts, forAsset(p, req.AssetID, part))
		}
	}
	return out, nil
}

// inventory reads inventory rows and maps them.
func (m *maximo) inventory(ctx context.Context, q query) ([]abi.SparePart, bool, error) {
	rows, truncated, err := m.collect(ctx, q)
	if err != nil {
		return nil, false, err
	}
	parts, _ := mapRows(ctx, rows, "itemnum", m.mapper(ctx).sparePart)
	return parts, truncated, nil
}

func bomOf(list []bomPart, sku string) bomPart {
	for _, p := range list {
		if p.SKU == sku {
			return p
		}
	}
	return bomPart{SKU: sku}
}

// forAsset marks p as a spare part of asset, in the quantity its spare part
// list names.
func forAsset(p abi.SparePart, asset string, b bomPart) abi.SparePart {
	p.CompatibleAssets = []string{asset}
	if b.Quantity > 0 {
		p.Metadata = setMeta(p.Metadata, "bom_quantity", b.Quantity)
	}
	return p
}
