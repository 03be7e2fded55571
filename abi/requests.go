package abi

import "strings"

// HealthStatus is the state reported by health.
type HealthStatus string

// Health states, as in the reference.
const (
	HealthHealthy   HealthStatus = "healthy"
	HealthDegraded  HealthStatus = "degraded"
	HealthUnhealthy HealthStatus = "unhealthy"
)

// HealthRequest is the input of health.
type HealthRequest struct{}

// HealthResponse is the output of health.
type HealthResponse struct {
	Status  HealthStatus   `json:"status"`
	Message string         `json:"message,omitempty"`
	Details map[string]any `json:"details,omitempty"`
}

// ListAssetsRequest is the input of list_assets.
type ListAssetsRequest struct {
	// Limit caps the number of assets returned (0 means the plugin's own cap).
	Limit int `json:"limit,omitempty"`
}

// ListAssetsResponse is the output of list_assets.
type ListAssetsResponse struct {
	Assets []Asset `json:"assets"`
	// Truncated is set when a row cap stopped pagination early.
	Truncated bool `json:"truncated,omitempty"`
	// Skipped counts upstream records left out because they have no
	// identifier (e.g. an operating location in an asset lookup); they are
	// never returned with an empty id (ABI 1.1).
	Skipped int `json:"skipped,omitempty"`
}

// GetAssetRequest is the input of get_asset.
type GetAssetRequest struct {
	AssetID string `json:"asset_id"`
}

// GetAssetResponse is the output of get_asset. A missing asset is a
// not_found error, never an empty response.
type GetAssetResponse struct {
	Asset Asset `json:"asset"`
}

// ListWorkOrdersRequest is the input of list_work_orders. Empty fields do not
// filter.
type ListWorkOrdersRequest struct {
	AssetID string `json:"asset_id,omitempty"`
	Status  Status `json:"status,omitempty"`
	Limit   int    `json:"limit,omitempty"`
}

// ListWorkOrdersResponse is the output of list_work_orders and of
// maintenance_history.
type ListWorkOrdersResponse struct {
	WorkOrders []WorkOrder `json:"work_orders"`
	Truncated  bool        `json:"truncated,omitempty"`
	// Skipped counts upstream records left out for lack of an identifier
	// (ABI 1.1).
	Skipped int `json:"skipped,omitempty"`
}

// GetWorkOrderRequest is the input of get_work_order, close_work_order.
type GetWorkOrderRequest struct {
	WorkOrderID string `json:"work_order_id"`
}

// WorkOrderResponse is the output of every operation that returns one work
// order.
type WorkOrderResponse struct {
	WorkOrder WorkOrder `json:"work_order"`
}

// CreateWorkOrderRequest is the input of create_work_order. The host has
// already validated the enums and that the asset exists.
type CreateWorkOrderRequest struct {
	// ID is the host's deterministic id (WO-AUTO-…); a CMMS that assigns its
	// own ids may ignore it and return its own.
	ID          string        `json:"id,omitempty"`
	AssetID     string        `json:"asset_id"`
	Description string        `json:"description"`
	Type        WorkOrderType `json:"type"`
	Priority    Priority      `json:"priority"`
	FailureMode string        `json:"failure_mode,omitempty"`
	AssignedTo  string        `json:"assigned_to,omitempty"`
}

// UpdateWorkOrderRequest is the input of update_work_order. Empty fields are
// left unchanged; at least one must be set.
type UpdateWorkOrderRequest struct {
	WorkOrderID string `json:"work_order_id"`
	Status      Status `json:"status,omitempty"`
	AssignedTo  string `json:"assigned_to,omitempty"`
	Description string `json:"description,omitempty"`
}

// CloseWorkOrderRequest is the input of close_work_order.
type CloseWorkOrderRequest struct {
	WorkOrderID string `json:"work_order_id"`
}

// CancelWorkOrderRequest is the input of cancel_work_order.
type CancelWorkOrderRequest struct {
	WorkOrderID string `json:"work_order_id"`
	Reason      string `json:"reason,omitempty"`
}

// MaintenanceHistoryRequest is the input of maintenance_history.
type MaintenanceHistoryRequest struct {
	AssetID string `json:"asset_id"`
	Limit   int    `json:"limit,omitempty"`
}

// ListSparePartsRequest is the input of list_spare_parts. Empty fields do not
// filter.
type ListSparePartsRequest struct {
	AssetID string `json:"asset_id,omitempty"`
	SKU     string `json:"sku,omitempty"`
	Limit   int    `json:"limit,omitempty"`
}

// ListSparePartsResponse is the output of list_spare_parts.
type ListSparePartsResponse struct {
	SpareParts []SparePart `json:"spare_parts"`
	Truncated  bool        `json:"truncated,omitempty"`
}

// GetMaintenancePlanRequest is the input of get_maintenance_plan. An empty
// AssetID lists every plan.
type GetMaintenancePlanRequest struct {
	AssetID string `json:"asset_id,omitempty"`
}

// GetMaintenancePlanResponse is the output of get_maintenance_plan.
type GetMaintenancePlanResponse struct {
	Plans []MaintenancePlan `json:"plans"`
}

// SendRequest is the input of send.
type SendRequest struct {
	ChatID   string `json:"chat_id"`
	Text     string `json:"text"`
	Subject  string `json:"subject,omitempty"`   // mail
	ThreadID string `json:"thread_id,omitempty"` // reply in thread
}

// SendResponse is the output of send.
type SendResponse struct {
	Status    string `json:"status"` // "sent"
	ChatID    string `json:"chat_id"`
	MessageID string `json:"message_id,omitempty"`
	// Parts is how many messages the text was split into.
	Parts int `json:"parts,omitempty"`
}

// PollRequest is the input of poll.
type PollRequest struct {
	// Max caps the number of messages returned (0 means the plugin's default).
	Max int `json:"max,omitempty"`
	// Ack (ABI 1.4) acknowledges an earlier batch: it is the Cursor of a
	// PollResponse every message and dropped entry of which the host has
	// handled (answered, or recorded as refused). The plugin commits its
	// upstream cursor up to it (Telegram: the next getUpdates offset; IMAP:
	// \Seen and the UID watermark) before it fetches anything. Empty: no
	// acknowledgement is due.
	Ack string `json:"ack,omitempty"`
}

// Dropped records an incoming message the plugin refused (e.g. a chat not on
// the allow-list); the host traces it.
type Dropped struct {
	ChatID string `json:"chat_id"`
	Reason string `json:"reason"`
	// ID (ABI 1.4), when set, identifies the refused message like
	// Message.ID, so a redelivered refusal is traced once.
	ID string `json:"id,omitempty"`
	// Reply (ABI 1.5), when set, is the automatic answer the plugin owes
	// the sender (Telegram: the /start greeting, "text only"). The plugin
	// does not send it during poll, a read operation; the host sends it
	// through the plugin's send operation (ChatID, Reply.ThreadID), at most
	// once per ID, and only for an entry with an ID. A host before 1.5
	// ignores it: the sender then gets no automatic answer.
	Reply *AutoReply `json:"reply,omitempty"`
}

// AutoReply (ABI 1.5) is an answer a messaging plugin asks the host to send
// for a message it refused.
type AutoReply struct {
	Text string `json:"text"`
	// ThreadID is passed as SendRequest.ThreadID (Telegram: the message id
	// to quote).
	ThreadID string `json:"thread_id,omitempty"`
}

// PollResponse is the output of poll.
type PollResponse struct {
	Messages []Message `json:"messages"`
	Dropped  []Dropped `json:"dropped,omitempty"`
	// Cursor (ABI 1.4), when set, means the plugin has not committed this
	// batch upstream: it will deliver the same messages again (with the same
	// ids) until the host passes Cursor back as PollRequest.Ack. It is
	// opaque to the host. Empty (every 1.0–1.3 plugin): the batch was
	// committed before it was returned (at most once).
	Cursor string `json:"cursor,omitempty"`
}

// Normalize applies the defaults (type corrective, priority medium) and
// checks the required fields and enum values, so every CMMS plugin validates
// a create the same way. It returns an invalid_argument error.
func (r *CreateWorkOrderRequest) Normalize() error {
	if strings.TrimSpace(r.AssetID) == "" {
		return InvalidArgument("asset_id is required")
	}
	if strings.TrimSpace(r.Description) == "" {
		return InvalidArgument("description is required")
	}
	if r.Type == "" {
		r.Type = TypeCorrective
	}
	if r.Priority == "" {
		r.Priority = PriorityMedium
	}
	if !r.Type.Valid() {
		return InvalidArgument("invalid work order type %q", r.Type)
	}
	if !r.Priority.Valid() {
		return InvalidArgument("invalid priority %q", r.Priority)
	}
	return nil
}
