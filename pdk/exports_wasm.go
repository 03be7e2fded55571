//go:build wasip1

package pdk

import (
	"context"

	"github.com/extism/go-pdk"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/internal/wire"
)

// export runs an export of the registered plugin: input from extism memory,
// the JSON envelope to the output. It always returns 0: errors travel in the
// envelope, so a non-nil error on the host side always means a trap.
func export(name string) int32 {
	pdk.Output(invokeRegistered(context.Background(), name, pdk.Input()))
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
