//go:build wasip1

package pdk

import (
	"context"

	"unsafe"

	"github.com/machina-go/machina/abi"
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

// export runs an export of the registered plugin with ABI 1.3's direct
// convention: the host copies the input into a buffer allocated here, and
// copies the result (or the error object) out of this module's memory. It
// always returns 0: a plugin-reported error travels through error_write,
// so a failed call on the host side always means a trap.
func export(name string) int32 {
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

//go:wasmexport machina_describe
func exportDescribe() int32 { return export(wire.ExportDescribe) }

//go:wasmexport machina_init
func exportInit() int32 { return export(wire.ExportInit) }

//go:wasmexport health
func exportHealth() int32 { return export(string(abi.OpHealth)) }

//go:wasmexport list_assets
func exportListAssets() int32 { return export(string(abi.OpListAssets)) }

//go:wasmexport get_asset
func exportGetAsset() int32 { return export(string(abi.OpGetAsset)) }

//go:wasmexport list_work_orders
func exportListWorkOrders() int32 { return export(string(abi.OpListWorkOrders)) }

//go:wasmexport get_work_order
func exportGetWorkOrder() int32 { return export(string(abi.OpGetWorkOrder)) }

//go:wasmexport create_work_order
func exportCreateWorkOrder() int32 { return export(string(abi.OpCreateWorkOrder)) }

//go:wasmexport update_work_order
func exportUpdateWorkOrder() int32 { return export(string(abi.OpUpdateWorkOrder)) }

//go:wasmexport close_work_order
func exportCloseWorkOrder() int32 { return export(string(abi.OpCloseWorkOrder)) }

//go:wasmexport cancel_work_order
func exportCancelWorkOrder() int32 { return export(string(abi.OpCancelWorkOrder)) }

//go:wasmexport maintenance_history
func exportMaintenanceHistory() int32 { return export(string(abi.OpMaintenanceHistory)) }

//go:wasmexport list_spare_parts
func exportListSpareParts() int32 { return export(string(abi.OpListSpareParts)) }

//go:wasmexport get_maintenance_plan
func exportGetMaintenancePlan() int32 { return export(string(abi.OpGetMaintenancePlan)) }

//go:wasmexport send
func exportSend() int32 { return export(string(abi.OpSend)) }

//go:wasmexport poll
func exportPoll() int32 { return export(string(abi.OpPoll)) }
