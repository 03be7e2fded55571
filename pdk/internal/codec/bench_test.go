package codec_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk/internal/codec"
)

// These run natively and, built with GOOS=wasip1 GOARCH=wasm, inside a
// WebAssembly runtime, where the gap to encoding/json is what matters.

func benchAssets() *abi.ListAssetsResponse {
	var r abi.ListAssetsResponse
	for i := range 100 {
		r.Assets = append(r.Assets, abi.Asset{
			ID: fmt.Sprintf("P-%04d", i), Name: fmt.Sprintf("Centrifugal pump %d", i), Type: abi.AssetRotating,
			Location: "AREA-PROC", Criticality: abi.CriticalityB, Parent: "PLANT-RS",
			Metadata: map[string]any{"siteid": "RIVERSIDE", "status": "OPERATING", "isrunning": true, "priority": 2.0, "changedate": "2024-08-25T05:00:00-00:00"},
		})
	}
	return &r
}

func BenchmarkEncodeListAssets100(b *testing.B) {
	v := benchAssets()
	b.Run("codec", func(b *testing.B) {
		buf := make([]byte, 0, 64<<10)
		for b.Loop() {
			if _, _, err := codec.Marshal(buf[:0], v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

var benchReply = []byte(`{"status":200,"headers":{"Content-Type":"application/json","Date":"Fri, 05 Dec 2026 08:00:00 GMT","Content-Length":"47449"}}`)

func BenchmarkDecodeHTTPReply(b *testing.B) {
	b.Run("codec", func(b *testing.B) {
		for b.Loop() {
			var r abi.HTTPResponse
			if _, err := codec.Unmarshal(benchReply, &r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			var r abi.HTTPResponse
			if err := json.Unmarshal(benchReply, &r); err != nil {
				b.Fatal(err)
			}
		}
	})
}

var benchRequest = []byte(`{"work_order_id":"WO1003"}`)

func BenchmarkDecodeRequest(b *testing.B) {
	b.Run("codec", func(b *testing.B) {
		for b.Loop() {
			var r abi.GetWorkOrderRequest
			if _, err := codec.Unmarshal(benchRequest, &r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			var r abi.GetWorkOrderRequest
			if err := json.Unmarshal(benchRequest, &r); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// odataPage is an OData v2 collection page of 100 equipment, shaped like
// SAP's API_EQUIPMENT (see plugins/cmms-sap/testdata/corpus).
func odataPage() []byte {
	var rows []map[string]any
	for i := range 100 {
		id := fmt.Sprintf("1%07d", i)
		rows = append(rows, map[string]any{
			"ABCIndicator": "A", "ConstructionYear": "2015", "Equipment": id, "EquipmentCategory": "M",
			"EquipmentClassCode": "PU", "EquipmentName": fmt.Sprintf("Centrifugal pump P-%d", 100+i), "FunctionalLocation": "1010-A1-L01",
			"LastChangeDateTime": "/Date(1709316000000+0000)/", "MaintenancePlanningPlant": "1010", "MaintenancePlant": "1010",
			"Manufacturer": "KSB", "ModelNumber": "Etanorm 065-040", "OperationStartDate": "/Date(1665187200000)/", "PlantSection": "A1",
			"SerialNumber": fmt.Sprintf("P-%06d", 780000+i), "TechnicalObjectType": "PUMP", "ValidityStartDate": "/Date(1325980800000)/",
			"GrossWeight": 125.5, "__metadata": map[string]any{"etag": `W/"datetimeoffset'2024-03-01T18%3A00%3A00.0000000Z'"`,
				"id": "https://sap.example.com/sap/opu/odata/sap/API_EQUIPMENT/Equipment('" + id + "')", "type": "API_EQUIPMENT.EquipmentType"},
		})
	}
	b, _ := json.Marshal(map[string]any{"d": map[string]any{"results": rows}})
	return b
}

func BenchmarkDecodeAnyODataPage(b *testing.B) {
	page := odataPage()
	b.SetBytes(int64(len(page)))
	b.Run("codec", func(b *testing.B) {
		for b.Loop() {
			if err := codec.Decode(page, func(d *codec.Decoder) { _ = d.Any() }); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			var v any
			if err := json.Unmarshal(page, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkSkipODataPage(b *testing.B) {
	page := odataPage()
	for b.Loop() {
		if err := codec.Decode(page, func(d *codec.Decoder) { d.Skip() }); err != nil {
			b.Fatal(err)
		}
	}
}
