// Command abi2 is a test-only module built without the PDK that claims ABI
// 2.0, so the host's version check can be exercised.
package main

import "github.com/extism/go-pdk"

//go:wasmexport machina_describe
func describe() int32 {
	pdk.OutputString(`{"result":{"abi":"2.0","name":"abi-two","version":"2.0.0","kind":"cmms","operations":["health"]}}`)
	return 0
}

//go:wasmexport machina_init
func initialise() int32 {
	pdk.OutputString(`{"result":{}}`)
	return 0
}

func main() {}
