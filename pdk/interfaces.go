package pdk

import (
	"context"

	"github.com/machina-go/machina/abi"
)

// CMMS is what every CMMS plugin implements. Init receives the operator's
// non-secret configuration once per instance; Health checks the upstream.
// The operations a CMMS serves come from the optional interfaces below.
type CMMS interface {
	Init(ctx context.Context, cfg Config) error
	Health(ctx context.Context) (abi.HealthResponse, error)
}

// AssetReader serves list_assets and get_asset (capability read_assets).
type AssetReader interface {
	ListAssets(ctx context.Context, req abi.ListAssetsRequest) (abi.ListAssetsResponse, error)
	GetAsset(ctx context.Context, req abi.GetAssetRequest) (abi.GetAssetResponse, error)
}

// WorkOrderLister serves list_work_orders (read_work_orders).
type WorkOrderLister interface {
	ListWorkOrders(ctx context.Context, req abi.ListWorkOrdersRequest) (abi.ListWorkOrdersResponse, error)
}

// WorkOrderGetter serves get_work_order (get_work_order).
type WorkOrderGetter interface {
	GetWorkOrder(ctx context.Context, req abi.GetWorkOrderRequest) (abi.WorkOrderResponse, error)
}

// WorkOrderCreator serves create_work_order (create_work_order).
type WorkOrderCreator interface {
	CreateWorkOrder(ctx context.Context, req abi.CreateWorkOrderRequest) (abi.WorkOrderResponse, error)
}

// WorkOrderUpdater serves update_work_order (update_work_order).
type WorkOrderUpdater interface {
	UpdateWorkOrder(ctx context.Context, req abi.UpdateWorkOrderRequest) (abi.WorkOrderResponse, error)
}

// WorkOrderCloser serves close_work_order (close_work_order).
type WorkOrderCloser interface {
	CloseWorkOrder(ctx context.Context, req abi.CloseWorkOrderRequest) (abi.WorkOrderResponse, error)
}

// WorkOrderCanceller serves cancel_work_order (cancel_work_order).
type WorkOrderCanceller interface {
	CancelWorkOrder(ctx context.Context, req abi.CancelWorkOrderRequest) (abi.WorkOrderResponse, error)
}

// HistoryReader serves maintenance_history (read_maintenance_history).
type HistoryReader interface {
	MaintenanceHistory(ctx context.Context, req abi.MaintenanceHistoryRequest) (abi.ListWorkOrdersResponse, error)
}

// SparePartsReader serves list_spare_parts (read_spare_parts).
type SparePartsReader interface {
	ListSpareParts(ctx context.Context, req abi.ListSparePartsRequest) (abi.ListSparePartsResponse, error)
}

// PlanReader serves get_maintenance_plan (read_maintenance_plans).
type PlanReader interface {
	GetMaintenancePlan(ctx context.Context, req abi.GetMaintenancePlanRequest) (abi.GetMaintenancePlanResponse, error)
}

// CompleteCMMS is a CMMS that implements every CMMS operation of the ABI.
// Assert it in a plugin meant to serve them all, so that a misspelled or
// mistyped method fails the build instead of silently dropping an
// operation:
//
//	var _ pdk.CompleteCMMS = (*acme)(nil)
//
// A plugin serving fewer operations asserts each interface it implements.
type CompleteCMMS interface {
	CMMS
	AssetReader
	WorkOrderLister
	WorkOrderGetter
	WorkOrderCreator
	WorkOrderUpdater
	WorkOrderCloser
	WorkOrderCanceller
	HistoryReader
	SparePartsReader
	PlanReader
}

// NotificationCreator serves vendor_create_notification (ABI 1.2), a raw
// vendor write the host exposes only as an opt-in vendor tool.
type NotificationCreator interface {
	CreateNotification(ctx context.Context, req abi.VendorNotificationRequest) (abi.VendorResponse, error)
}

// AttributeUpdater serves vendor_update_attributes (ABI 1.2), a raw vendor
// write the host exposes only as an opt-in vendor tool.
type AttributeUpdater interface {
	UpdateAttributes(ctx context.Context, req abi.VendorAttributesRequest) (abi.VendorResponse, error)
}

// Messaging is what every messaging plugin implements: send (a write the
// sandbox blocks) and poll (receive new messages).
type Messaging interface {
	Init(ctx context.Context, cfg Config) error
	Health(ctx context.Context) (abi.HealthResponse, error)
	Send(ctx context.Context, req abi.SendRequest) (abi.SendResponse, error)
	Poll(ctx context.Context, req abi.PollRequest) (abi.PollResponse, error)
}

// OperationSelector is implemented by a CMMS whose configuration decides
// which of its operations it serves — a connector configured rather than
// coded, such as cmms-rest, which implements every operation but serves a
// write only where its configuration declares one. After a successful Init
// the PDK calls EnabledOperations and reports the answer to the host in
// machina_init's result (ABI 1.2); the host then serves and registers only
// those (never more than the plugin implements; health always). Calls of
// other operations fail with invalid_argument.
type OperationSelector interface {
	EnabledOperations() []abi.OpName
}
