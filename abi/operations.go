package abi

import "sort"

// Kind is what a plugin connects to.
type Kind string

// Plugin kinds.
const (
	KindCMMS      Kind = "cmms"
	KindMessaging Kind = "messaging"
)

// Kinds lists every Kind.
func Kinds() []Kind {
	return []Kind{KindCMMS, KindMessaging}
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return oneOf(k, Kinds()) }

// Class says whether an operation changes the world outside Machina.
type Class string

// Operation classes. The sandbox never lets a ClassWrite operation reach a
// plugin.
const (
	ClassRead  Class = "read"
	ClassWrite Class = "write"
)

// OpName is the name of a plugin operation and of its wasm export.
type OpName string

// CMMS operations.
const (
	OpHealth             OpName = "health"
	OpListAssets         OpName = "list_assets"
	OpGetAsset           OpName = "get_asset"
	OpListWorkOrders     OpName = "list_work_orders"
	OpGetWorkOrder       OpName = "get_work_order"
	OpCreateWorkOrder    OpName = "create_work_order"
	OpUpdateWorkOrder    OpName = "update_work_order"
	OpCloseWorkOrder     OpName = "close_work_order"
	OpCancelWorkOrder    OpName = "cancel_work_order"
	OpMaintenanceHistory OpName = "maintenance_history"
	OpListSpareParts     OpName = "list_spare_parts"
	OpGetMaintenancePlan OpName = "get_maintenance_plan"
)

// Vendor operations (ABI 1.2): raw, vendor-specific writes that the host
// exposes only as opt-in vendor tools ([mcp] vendor_tools). They serve no
// capability; the host classifies them as writes like every other write.
const (
	// OpVendorCreateNotification creates a maintenance notification as the
	// vendor's API takes it (SAP PM: NotificationType, Equipment,
	// NotificationText).
	OpVendorCreateNotification OpName = "vendor_create_notification"
	// OpVendorUpdateAttributes changes attributes of one record of the
	// vendor's API (Maximo: an OSLC object structure resource).
	OpVendorUpdateAttributes OpName = "vendor_update_attributes"
)

// Messaging operations (OpHealth is shared).
const (
	OpSend OpName = "send"
	OpPoll OpName = "poll"
)

// Operation is one row of the fixed operation table.
type Operation struct {
	Name  OpName
	Kinds []Kind
	Class Class
	// Idempotent operations may be retried by the host after a transient
	// failure; writes that are not idempotent are never retried.
	Idempotent bool
	// Destructive writes may lose information (cancel, close, overwrite).
	Destructive bool
	// Capability is the wire capability the operation serves ("" for health).
	Capability Capability
	// Summary is a one-line description for audit output.
	Summary string
}

// operations is the fixed table. Plugins cannot change it.
var operations = []Operation{
	{OpHealth, []Kind{KindCMMS, KindMessaging}, ClassRead, true, false, "", "check connectivity to the upstream system"},
	{OpListAssets, []Kind{KindCMMS}, ClassRead, true, false, CapReadAssets, "list assets"},
	{OpGetAsset, []Kind{KindCMMS}, ClassRead, true, false, CapReadAssets, "get one asset"},
	{OpListWorkOrders, []Kind{KindCMMS}, ClassRead, true, false, CapReadWorkOrders, "list work orders, optionally by asset and status"},
	{OpGetWorkOrder, []Kind{KindCMMS}, ClassRead, true, false, CapGetWorkOrder, "get one work order"},
	{OpCreateWorkOrder, []Kind{KindCMMS}, ClassWrite, false, false, CapCreateWorkOrder, "create a work order"},
	{OpUpdateWorkOrder, []Kind{KindCMMS}, ClassWrite, false, true, CapUpdateWorkOrder, "update status, assignee or description of a work order"},
	{OpCloseWorkOrder, []Kind{KindCMMS}, ClassWrite, true, true, CapCloseWorkOrder, "close a work order"},
	{OpCancelWorkOrder, []Kind{KindCMMS}, ClassWrite, true, true, CapCancelWorkOrder, "cancel a work order"},
	{OpMaintenanceHistory, []Kind{KindCMMS}, ClassRead, true, false, CapReadMaintenanceHistory, "completed and closed work orders of an asset"},
	{OpListSpareParts, []Kind{KindCMMS}, ClassRead, true, false, CapReadSpareParts, "list spare parts, optionally by asset or SKU"},
	{OpGetMaintenancePlan, []Kind{KindCMMS}, ClassRead, true, false, CapReadMaintenancePlans, "list preventive maintenance plans"},
	{OpVendorCreateNotification, []Kind{KindCMMS}, ClassWrite, false, false, "", "vendor tool: create a raw maintenance notification (SAP PM)"},
	{OpVendorUpdateAttributes, []Kind{KindCMMS}, ClassWrite, false, true, "", "vendor tool: update raw attributes of one record (Maximo OSLC)"},
	{OpSend, []Kind{KindMessaging}, ClassWrite, false, false, CapSendMessage, "send a message to a chat or address"},
	{OpPoll, []Kind{KindMessaging}, ClassRead, false, false, "", "fetch new incoming messages (for the host's channels; no tool, so no capability)"},
}

// Operations returns a copy of the fixed operation table.
func Operations() []Operation {
	out := make([]Operation, len(operations))
	copy(out, operations)
	return out
}

// LookupOperation returns the table row for name.
func LookupOperation(name OpName) (Operation, bool) {
	for _, op := range operations {
		if op.Name == name {
			return op, true
		}
	}
	return Operation{}, false
}

// IsWrite reports whether name is a write operation. Unknown operations are
// treated as writes, so a gate built on this fails closed.
func IsWrite(name OpName) bool {
	op, ok := LookupOperation(name)
	return !ok || op.Class == ClassWrite
}

// ForKind reports whether the operation is defined for plugins of kind k.
func (o Operation) ForKind(k Kind) bool { return oneOf(k, o.Kinds) }

// CapabilitiesOf returns the sorted, de-duplicated capabilities served by
// the given operations. This is how the host derives what a plugin serves;
// it never trusts a plugin's own claim.
func CapabilitiesOf(ops []OpName) []Capability {
	seen := map[Capability]bool{}
	var out []Capability
	for _, n := range ops {
		op, ok := LookupOperation(n)
		if !ok || op.Capability == "" || seen[op.Capability] {
			continue
		}
		seen[op.Capability] = true
		out = append(out, op.Capability)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
