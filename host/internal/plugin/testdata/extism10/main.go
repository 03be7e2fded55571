// Command extism10 is a test-only plugin written against ABI 1.0 alone,
// with Extism's Go PDK and no Machina code: the Extism memory convention,
// JSON envelopes, and the 1.0 host functions (http_request, kv_get,
// kv_set, log) taking and returning Extism memory offsets. It proves that
// modules built with an Extism PDK keep loading on a host that speaks ABI
// 1.1.
//
//	get_asset "echo:<text>"  an asset named <text>
//	get_asset "http:<url>"   GET url; the body becomes the asset's name
//	get_asset "kv:<value>"   kv_set then kv_get "k"; the value read back is the name
package main

import (
	"encoding/json"
	"strings"

	"github.com/extism/go-pdk"
)

//go:wasmimport machina http_request
func httpRequest(uint64) uint64

//go:wasmimport machina kv_get
func kvGet(uint64) uint64

//go:wasmimport machina kv_set
func kvSet(uint64) uint64

//go:wasmimport machina log
func logRecord(uint64)

func main() {}

var site string

// call passes v as JSON in Extism memory to a host function and decodes
// its JSON reply into out.
func call(f func(uint64) uint64, v, out any) {
	b, _ := json.Marshal(v)
	in := pdk.AllocateBytes(b)
	off := f(in.Offset())
	in.Free()
	reply := pdk.FindMemory(off)
	_ = json.Unmarshal(reply.ReadBytes(), out)
	reply.Free()
}

func result(v any) int32 {
	b, _ := json.Marshal(map[string]any{"result": v})
	pdk.Output(b)
	return 0
}

func failure(code, msg string) int32 {
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": code, "message": msg}})
	pdk.Output(b)
	return 0
}

//go:wasmexport machina_describe
func describe() int32 {
	return result(map[string]any{"abi": "1.0", "name": "extism10", "version": "1.0.0", "kind": "cmms",
		"operations": []string{"health", "list_assets", "get_asset"}})
}

//go:wasmexport machina_init
func initialise() int32 {
	var req struct {
		Config map[string]any `json:"config"`
	}
	if err := json.Unmarshal(pdk.Input(), &req); err != nil {
		return failure("invalid_argument", err.Error())
	}
	site, _ = req.Config["site"].(string)
	in := pdk.AllocateBytes([]byte(`{"level":"info","message":"extism10 initialised"}`))
	logRecord(in.Offset())
	in.Free()
	return result(map[string]any{})
}

//go:wasmexport health
func health() int32 { return result(map[string]any{"status": "healthy", "message": "site " + site}) }

func asset(id, name string) map[string]any {
	return map[string]any{"id": id, "name": name, "type": "rotating_equipment", "criticality": "C", "location": site}
}

//go:wasmexport list_assets
func listAssets() int32 {
	return result(map[string]any{"assets": []any{asset("X-1", "first"), asset("X-2", "second")}})
}

//go:wasmexport get_asset
func getAsset() int32 {
	var req struct {
		AssetID string `json:"asset_id"`
	}
	_ = json.Unmarshal(pdk.Input(), &req)
	mode, arg, _ := strings.Cut(req.AssetID, ":")
	switch mode {
	case "echo":
		return result(map[string]any{"asset": asset(req.AssetID, arg)})
	case "http":
		var resp struct {
			Status int             `json:"status"`
			Body   []byte          `json:"body"`
			Error  json.RawMessage `json:"error"`
		}
		call(httpRequest, map[string]any{"method": "GET", "url": arg}, &resp)
		if resp.Error != nil {
			return failure("upstream", string(resp.Error))
		}
		return result(map[string]any{"asset": asset(req.AssetID, string(resp.Body))})
	case "kv":
		var set struct {
			Error json.RawMessage `json:"error"`
		}
		call(kvSet, map[string]any{"key": "k", "value": []byte(arg)}, &set)
		var got struct {
			Found bool   `json:"found"`
			Value []byte `json:"value"`
		}
		call(kvGet, map[string]string{"key": "k"}, &got)
		return result(map[string]any{"asset": asset(req.AssetID, string(got.Value))})
	}
	return failure("not_found", "no asset "+req.AssetID)
}
