package main

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/machina-go/machina/abi"
)

func loadZZ(b *testing.B, name string) []byte {
	data, err := os.ReadFile(name)
	if err != nil {
		b.Skip(err)
	}
	return data
}

func BenchmarkZZParsePage(b *testing.B) {
	page := loadZZ(b, "zz_page.json")
	for b.Loop() {
		if _, err := parsePage(page); err != nil {
			b.Fatal(err)
		}
	}
}

func zzAssets(b *testing.B) []abi.Asset {
	p, err := parsePage(loadZZ(b, "zz_page.json"))
	if err != nil {
		b.Fatal(err)
	}
	var out []abi.Asset
	for _, r := range p.members {
		out = append(out, mapAsset(r, nil))
	}
	return out
}

func BenchmarkZZMapAssets(b *testing.B) {
	p, _ := parsePage(loadZZ(b, "zz_page.json"))
	for b.Loop() {
		for _, r := range p.members {
			_ = mapAsset(r, nil)
		}
	}
}

func BenchmarkZZEncodeAssets(b *testing.B) {
	resp := abi.ListAssetsResponse{Assets: zzAssets(b)}
	b.Logf("%d assets", len(resp.Assets))
	for b.Loop() {
		if _, err := json.Marshal(&resp); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkZZHostDecodeAssets(b *testing.B) {
	resp := abi.ListAssetsResponse{Assets: zzAssets(b)}
	out, _ := json.Marshal(&resp)
	for b.Loop() {
		var r abi.ListAssetsResponse
		if err := json.Unmarshal(out, &r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkZZWorkOrder(b *testing.B) {
	body := loadZZ(b, "zz_wo.json")
	for b.Loop() {
		p, err := parsePage(body)
		if err != nil {
			b.Fatal(err)
		}
		wo := abi.WorkOrderResponse{WorkOrder: mapWorkOrder(p.members[0])}
		if _, err := json.Marshal(&wo); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkZZSmallEcho(b *testing.B) {
	in := []byte(`{"asset_id":"echo:pump"}`)
	for b.Loop() {
		var req abi.GetAssetRequest
		json.Unmarshal(in, &req)
		resp := abi.GetAssetResponse{Asset: abi.Asset{ID: req.AssetID, Name: "pump", Type: abi.AssetRotating, Criticality: abi.CriticalityC}}
		json.Marshal(&resp)
	}
}
