//go:build wasip1

package pdk

import (
	"context"
	"unsafe"

	"github.com/machina-go/machina/internal/wire"
)

//go:wasmimport machina input_size
func hostInputSize() uint32

//go:wasmimport machina input_read
func hostInputRead(p unsafe.Pointer)

//go:wasmimport machina output_write
func hostOutputWrite(p unsafe.Pointer, n uint32)

//go:wasmimport machina error_write
func hostErrorWrite(p unsafe.Pointer, n uint32)

// Export runs the export name (an operation, machina_describe or
// machina_init) of the registered plugin with ABI 1.3's direct convention:
// the host copies the input into a buffer allocated here, and copies the
// result (or the error object) out of this module's memory. It always
// returns 0: a plugin-reported error travels through error_write, so a
// failed call on the host side always means a trap.
//
// It is the one entry point of the export shims `machina plugin build`
// generates, one per operation the registered type implements:
//
//	//go:wasmexport list_assets
//	func machinaExport_list_assets() int32 { return pdk.Export("list_assets") }
func Export(name string) int32 {
	in := make([]byte, hostInputSize())
	if len(in) > 0 {
		hostInputRead(ptr(in))
	}
	out, failed := runRegistered(context.Background(), name, in)
	if failed {
		hostErrorWrite(ptr(out), uint32(len(out)))
	} else {
		hostOutputWrite(ptr(out), uint32(len(out)))
	}
	return 0
}

// The PDK exports machina_describe and machina_init itself; the operations
// are exported by the generated shims, so a module exports exactly the
// operations its descriptor lists.

//go:wasmexport machina_describe
func exportDescribe() int32 { return Export(wire.ExportDescribe) }

//go:wasmexport machina_init
func exportInit() int32 { return Export(wire.ExportInit) }
