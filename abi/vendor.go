package abi

import "encoding/json"

// VendorNotificationRequest is the input of vendor_create_notification:
// the reference's raw SAP PM notification (IW38), sent as the vendor's API
// takes it.
type VendorNotificationRequest struct {
	EquipmentID string `json:"equipment_id"`
	// NotificationType is the vendor's code (SAP: M1, M2, …; default M2).
	NotificationType string `json:"notification_type,omitempty"`
	Description      string `json:"description,omitempty"`
}

// VendorAttributesRequest is the input of vendor_update_attributes: the
// reference's raw Maximo attribute update of one OSLC resource.
type VendorAttributesRequest struct {
	// ResourceType is the object structure (e.g. mxwo, mxasset).
	ResourceType string `json:"resource_type"`
	// ResourceID is the resource's id as its href names it.
	ResourceID string         `json:"resource_id"`
	Attributes map[string]any `json:"attributes"`
}

// VendorResponse is the output of the vendor operations: the upstream's
// HTTP status and body (JSON as it came, or a JSON string for other
// bodies), as the reference returns them.
type VendorResponse struct {
	StatusCode int             `json:"status_code"`
	Body       json.RawMessage `json:"body"`
}

// VendorBody makes a VendorResponse body from raw upstream bytes: valid
// JSON is kept, anything else becomes a JSON string, empty becomes null.
func VendorBody(b []byte) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("null")
	}
	if json.Valid(b) {
		return json.RawMessage(b)
	}
	s, _ := json.Marshal(string(b))
	return s
}
