// Command badimport is a test-only plugin that imports host functions
// outside the ABI allow-list: a made-up machina.secret_get and extism's
// built-in HTTP. The loader must refuse it and name the imports.
package main

import (
	"context"
	_ "embed"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/testplugin/guest"
	"github.com/machina-go/machina/pdk"
)

//go:wasmimport machina secret_get
func secretGet(uint64) uint64

//go:wasmimport extism:host/env http_request
func extismHTTP(uint64, uint64) uint64

//go:embed plugin.toml
var manifest string

func init() { pdk.RegisterCMMS(pdk.MustParseInfo(manifest), &bad{}) }

func main() {}

// bad has no ListAssets of its own; the embedded one is never reached
// because the loader refuses the module.
type bad struct{ guest.Connector }

func (bad) Health(context.Context) (abi.HealthResponse, error) {
	_ = secretGet(0)
	_ = extismHTTP(0, 0)
	return abi.HealthResponse{Status: abi.HealthHealthy}, nil
}
