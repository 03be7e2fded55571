// Command liar is a test-only module built without the PDK whose
// machina_describe lists list_assets while the module exports get_asset
// instead: the loader must refuse it, because an audit reads the
// operations from the exports.
package main

import "github.com/extism/go-pdk"

//go:wasmexport machina_describe
func describe() int32 {
	pdk.OutputString(`{"result":{"abi":"1.0","name":"liar","version":"0.0.1","kind":"cmms","operations":["health","list_assets"]}}`)
	return 0
}

//go:wasmexport machina_init
func initialise() int32 {
	pdk.OutputString(`{"result":{}}`)
	return 0
}

//go:wasmexport health
func health() int32 {
	pdk.OutputString(`{"result":{"status":"healthy"}}`)
	return 0
}

//go:wasmexport get_asset
func getAsset() int32 {
	pdk.OutputString(`{"error":{"code":"not_found","message":"no"}}`)
	return 0
}

func main() {}
