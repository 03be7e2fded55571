package pdk

import (
	"context"

	"github.com/machina-go/machina/abi"
)

// OperationInterface is one interface of this package with the operations
// a plugin serves by implementing it. `machina plugin build` reads this
// table to export exactly the operations of the registered type, and the
// Runner uses the same table to dispatch, so exports and descriptor cannot
// disagree.
type OperationInterface struct {
	// Kind is the plugin kind the interface belongs to.
	Kind abi.Kind
	// Interface is the interface's name in package pdk.
	Interface string
	// Operations are the operations it serves.
	Operations []abi.OpName
	// bind registers the handlers when impl implements the interface.
	bind func(impl any, hs map[abi.OpName]handler) bool
}

// OperationInterfaces returns the table: the mandatory CMMS and Messaging
// interfaces and the optional CMMS operation interfaces.
func OperationInterfaces() []OperationInterface {
	return []OperationInterface{
		{abi.KindCMMS, "CMMS", []abi.OpName{abi.OpHealth}, func(impl any, hs map[abi.OpName]handler) bool {
			v, ok := impl.(CMMS)
			if ok {
				hs[abi.OpHealth] = healthHandler(v.Health)
			}
			return ok
		}},
		{abi.KindCMMS, "AssetReader", []abi.OpName{abi.OpListAssets, abi.OpGetAsset}, func(impl any, hs map[abi.OpName]handler) bool {
			v, ok := impl.(AssetReader)
			if ok {
				hs[abi.OpListAssets], hs[abi.OpGetAsset] = handle(v.ListAssets), handle(v.GetAsset)
			}
			return ok
		}},
		bindOne[WorkOrderLister](abi.KindCMMS, "WorkOrderLister", abi.OpListWorkOrders, func(v WorkOrderLister) handler { return handle(v.ListWorkOrders) }),
		bindOne[WorkOrderGetter](abi.KindCMMS, "WorkOrderGetter", abi.OpGetWorkOrder, func(v WorkOrderGetter) handler { return handle(v.GetWorkOrder) }),
		bindOne[WorkOrderCreator](abi.KindCMMS, "WorkOrderCreator", abi.OpCreateWorkOrder, func(v WorkOrderCreator) handler { return handle(v.CreateWorkOrder) }),
		bindOne[WorkOrderUpdater](abi.KindCMMS, "WorkOrderUpdater", abi.OpUpdateWorkOrder, func(v WorkOrderUpdater) handler { return handle(v.UpdateWorkOrder) }),
		bindOne[WorkOrderCloser](abi.KindCMMS, "WorkOrderCloser", abi.OpCloseWorkOrder, func(v WorkOrderCloser) handler { return handle(v.CloseWorkOrder) }),
		bindOne[WorkOrderCanceller](abi.KindCMMS, "WorkOrderCanceller", abi.OpCancelWorkOrder, func(v WorkOrderCanceller) handler { return handle(v.CancelWorkOrder) }),
		bindOne[HistoryReader](abi.KindCMMS, "HistoryReader", abi.OpMaintenanceHistory, func(v HistoryReader) handler { return handle(v.MaintenanceHistory) }),
		bindOne[SparePartsReader](abi.KindCMMS, "SparePartsReader", abi.OpListSpareParts, func(v SparePartsReader) handler { return handle(v.ListSpareParts) }),
		bindOne[PlanReader](abi.KindCMMS, "PlanReader", abi.OpGetMaintenancePlan, func(v PlanReader) handler { return handle(v.GetMaintenancePlan) }),
		bindOne[NotificationCreator](abi.KindCMMS, "NotificationCreator", abi.OpVendorCreateNotification, func(v NotificationCreator) handler { return handle(v.CreateNotification) }),
		bindOne[AttributeUpdater](abi.KindCMMS, "AttributeUpdater", abi.OpVendorUpdateAttributes, func(v AttributeUpdater) handler { return handle(v.UpdateAttributes) }),
		{abi.KindMessaging, "Messaging", []abi.OpName{abi.OpHealth, abi.OpSend, abi.OpPoll}, func(impl any, hs map[abi.OpName]handler) bool {
			v, ok := impl.(Messaging)
			if ok {
				hs[abi.OpHealth], hs[abi.OpSend], hs[abi.OpPoll] = healthHandler(v.Health), handle(v.Send), handle(v.Poll)
			}
			return ok
		}},
	}
}

// bindOne is a table row for an interface serving one operation.
func bindOne[I any](kind abi.Kind, name string, op abi.OpName, h func(I) handler) OperationInterface {
	return OperationInterface{kind, name, []abi.OpName{op}, func(impl any, hs map[abi.OpName]handler) bool {
		v, ok := impl.(I)
		if ok {
			hs[op] = h(v)
		}
		return ok
	}}
}

func healthHandler(f func(context.Context) (abi.HealthResponse, error)) handler {
	return handle(func(ctx context.Context, _ abi.HealthRequest) (abi.HealthResponse, error) { return f(ctx) })
}

// newRunner binds every interface of kind that impl implements.
func newRunner(info Info, kind abi.Kind, init func(context.Context, Config) error, impl any) *Runner {
	r := &Runner{info: info, kind: kind, init: init, handlers: map[abi.OpName]handler{}}
	r.selector, _ = impl.(OperationSelector)
	for _, oi := range OperationInterfaces() {
		if oi.Kind == kind {
			oi.bind(impl, r.handlers)
		}
	}
	return r
}
