//go:build wasip1

package pdk

import (
	"context"

	"github.com/extism/go-pdk"
	"github.com/machina-go/machina/internal/wire"
)

// Export runs the export name (an operation, machina_describe or
// machina_init) of the registered plugin: input from extism memory, the
// JSON envelope to the output. It always returns 0: errors travel in the
// envelope, so a non-nil error on the host side always means a trap.
//
// It is the one entry point of the export shims `machina plugin build`
// generates, one per operation the registered type implements:
//
//	//go:wasmexport list_assets
//	func machinaExport_list_assets() int32 { return pdk.Export("list_assets") }
func Export(name string) int32 {
	pdk.Output(invokeRegistered(context.Background(), name, pdk.Input()))
	return 0
}

// The PDK exports machina_describe and machina_init itself; the operations
// are exported by the generated shims, so a module exports exactly the
// operations its descriptor lists.

//go:wasmexport machina_describe
func exportDescribe() int32 { return Export(wire.ExportDescribe) }

//go:wasmexport machina_init
func exportInit() int32 { return Export(wire.ExportInit) }
