package main

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/machina-go/machina/abi"
)

// notificationSet is the OData v2 maintenance notification entity set the
// vendor tool writes to (API_MAINTNOTIFICATION, relative to base_url).
const notificationSet = "API_MAINTNOTIFICATION/MaintenanceNotification"

// CreateNotification serves vendor_create_notification, the reference's raw
// IW38 notification behind the opt-in vendor tool
// sap_pm_raw_iw38_notification: POST of NotificationType, Equipment and
// NotificationText through the CSRF-aware writer. Like the reference it
// answers with SAP's status and body whatever they are; refused
// credentials and transport failures are errors. The host classifies it as
// a write.
func (s *sapPM) CreateNotification(ctx context.Context, req abi.VendorNotificationRequest) (abi.VendorResponse, error) {
	eq := strings.TrimSpace(req.EquipmentID)
	if eq == "" {
		return abi.VendorResponse{}, abi.InvalidArgument("equipment_id is required")
	}
	typ := strings.TrimSpace(req.NotificationType)
	if typ == "" {
		typ = "M2"
	}
	body, err := json.Marshal(map[string]string{"NotificationType": typ, "Equipment": eq, "NotificationText": req.Description})
	if err != nil {
		return abi.VendorResponse{}, abi.Internal("encoding the notification: %v", err)
	}
	resp, err := s.write(ctx, "POST", s.base+"/"+notificationSet, body, nil)
	if err != nil && (resp.Status == 0 || abi.AsError(err).Code == abi.CodeUnauthorized) {
		return abi.VendorResponse{}, err
	}
	return abi.VendorResponse{StatusCode: resp.Status, Body: abi.VendorBody(resp.Body)}, nil
}
